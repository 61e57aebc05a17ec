//! The WebSocket handshake, as the handler sees it: accept or reject.

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::BoxFuture;
use http::header::{CONNECTION, SEC_WEBSOCKET_ACCEPT, UPGRADE};
use http::{HeaderValue, Response, StatusCode};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::body::Body;
use crate::config::WebSocketLimits;
use crate::context::RequestContext;
use crate::error::NamedError;
use crate::response::error_json;
use crate::shutdown::Shutdown;
use crate::ws::error::WebSocketError;
use crate::ws::socket::{Returned, WebSocket};

/// A type-erased WebSocket handler, as the app stores it.
pub(crate) type DynWebSocketHandler = Arc<
    dyn Fn(WebSocketUpgrade, RequestContext) -> BoxFuture<'static, Result<(), NamedError>>
        + Send
        + Sync,
>;

/// Where the handler's decision on the handshake goes (taken once).
pub(crate) type Decision = Arc<Mutex<Option<oneshot::Sender<Response<Body>>>>>;

/// A WebSocket handshake the handler accepts or rejects.
///
/// ```no_run
/// use agentcore_server::{App, BoxError, RequestContext, ws::WebSocketUpgrade};
///
/// async fn chat(upgrade: WebSocketUpgrade, ctx: RequestContext) -> Result<(), BoxError> {
///     let mut socket = upgrade.accept().await?;
///     while let Some(text) = socket.recv_json::<serde_json::Value>().await? {
///         socket.send_json(&serde_json::json!({ "echo": text, "session": ctx.session_id })).await?;
///     }
///     Ok(())
/// }
///
/// let app = App::new().websocket(chat);
/// ```
pub struct WebSocketUpgrade {
    pub(crate) key: HeaderValue,
    pub(crate) on_upgrade: OnUpgrade,
    pub(crate) decision: Decision,
    pub(crate) handback: oneshot::Sender<Returned>,
    pub(crate) limits: WebSocketLimits,
    pub(crate) shutdown: Shutdown,
}

impl std::fmt::Debug for WebSocketUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketUpgrade").finish_non_exhaustive()
    }
}

impl WebSocketUpgrade {
    /// Accepts the upgrade (`101 Switching Protocols`) and returns the socket.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     let mut socket = upgrade.accept().await?;
    ///     socket.send_text("welcome").await
    /// });
    /// let client = TestClient::new(app);
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// assert_eq!(ws.recv().await.unwrap().to_text(), Some("welcome"));
    /// # }
    /// ```
    pub async fn accept(self) -> Result<WebSocket, WebSocketError> {
        let response = Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(UPGRADE, "websocket")
            .header(CONNECTION, "Upgrade")
            .header(SEC_WEBSOCKET_ACCEPT, derive_accept_key(self.key.as_bytes()))
            .body(Body::empty())
            .unwrap_or_default();
        decide(&self.decision, response);
        let upgraded = self.on_upgrade.await.map_err(WebSocketError::upgrade)?;
        let inner = WebSocketStream::from_raw_socket(
            TokioIo::new(upgraded),
            Role::Server,
            Some(tungstenite_config(&self.limits)),
        )
        .await;
        Ok(WebSocket::new(
            inner,
            self.limits,
            self.shutdown,
            self.handback,
        ))
    }

    /// Refuses the upgrade with `status` and `{"error": reason}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use http::StatusCode;
    ///
    /// let app = App::new().websocket(|upgrade, ctx| async move {
    ///     if ctx.session_id.is_none() {
    ///         upgrade.reject(StatusCode::UNAUTHORIZED, "a session is required");
    ///     }
    ///     Ok::<_, agentcore_server::BoxError>(())
    /// });
    /// let client = TestClient::new(app);
    /// assert!(client.websocket(&[]).await.is_err()); // the handshake got 401
    /// # }
    /// ```
    pub fn reject(self, status: StatusCode, reason: &str) {
        decide(&self.decision, error_json(status, reason));
    }
}

/// Answers the handshake, once; later answers are ignored.
pub(crate) fn decide(decision: &Decision, response: Response<Body>) {
    let sender = decision
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(sender) = sender {
        let _ = sender.send(response);
    }
}

/// tungstenite's settings for accepted sockets: the size limits, a bounded write queue
/// and a small read buffer (an idle socket costs little).
fn tungstenite_config(limits: &WebSocketLimits) -> WebSocketConfig {
    let write_buffer = WRITE_BUFFER_BYTES.min(limits.max_write_buffer_bytes.saturating_sub(1));
    WebSocketConfig::default()
        .max_message_size(Some(limits.max_message_bytes))
        .max_frame_size(Some(limits.max_frame_bytes))
        .read_buffer_size(limits.read_buffer_bytes.max(MIN_READ_BUFFER_BYTES))
        .write_buffer_size(write_buffer)
        .max_write_buffer_size(limits.max_write_buffer_bytes.max(write_buffer + 1))
}

/// How much tungstenite gathers before writing to the socket (a flush writes at once).
const WRITE_BUFFER_BYTES: usize = 8 << 10;
/// The smallest read buffer: one frame header and then some.
const MIN_READ_BUFFER_BYTES: usize = 256;
