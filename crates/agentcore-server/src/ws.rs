//! WebSocket `/ws`: the handler decides on the upgrade, then talks over a [`WebSocket`].
//!
//! Close codes: the handler returning `Ok` → 1000; returning an error or panicking → 1011;
//! server shutdown → 1001; a protocol violation from the peer → 1002; a message or
//! frame over the limits → 1009. Pings are answered with pongs by the server.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, SinkExt, StreamExt};
use http::header::{
    CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{oneshot, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Error as WsError};

pub use tokio_tungstenite::tungstenite::Message;

use crate::app::Shared;
use crate::error::panic_message;
use crate::response::{error_json, plain_text};
use crate::serve::shutting_down;
use crate::{Body, BoxError, RequestContext, log};

/// The default largest WebSocket message: 64 MiB.
///
/// ```
/// assert_eq!(agentcore_server::ws::DEFAULT_MAX_MESSAGE_BYTES, 64 * 1024 * 1024);
/// ```
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 << 20;
/// The default largest WebSocket frame: 16 MiB.
///
/// ```
/// assert_eq!(agentcore_server::ws::DEFAULT_MAX_FRAME_BYTES, 16 * 1024 * 1024);
/// ```
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 << 20;
/// How long a closing handshake waits for the peer's close frame.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::ws::CLOSE_TIMEOUT, Duration::from_secs(5));
/// ```
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

type Stream = WebSocketStream<TokioIo<Upgraded>>;
type Decision = Arc<Mutex<Option<oneshot::Sender<Response<Body>>>>>;

/// A type-erased WebSocket handler, as the app stores it.
pub(crate) type DynWebSocketHandler = Arc<
    dyn Fn(WebSocketUpgrade, RequestContext) -> BoxFuture<'static, Result<(), BoxError>>
        + Send
        + Sync,
>;

/// Why a WebSocket operation failed.
///
/// ```
/// use agentcore_server::{BoxError, ws::WebSocketError};
///
/// let err = WebSocketError::Closed;
/// assert_eq!(err.to_string(), "the WebSocket is closed");
/// let boxed: BoxError = err.into(); // what a handler's `?` does
/// assert!(boxed.is::<WebSocketError>());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebSocketError {
    /// The connection was not upgraded (the client went away during the handshake).
    #[error("the WebSocket upgrade failed: {0}")]
    Upgrade(#[source] hyper::Error),
    /// The socket is closed.
    #[error("the WebSocket is closed")]
    Closed,
    /// The peer broke the protocol, sent too large a message, or the transport failed.
    #[error("WebSocket error: {0}")]
    Protocol(#[source] tungstenite::Error),
    /// A message was not the JSON expected, or a value could not be serialized.
    #[error("WebSocket message is not the expected JSON: {0}")]
    Json(#[source] serde_json::Error),
}

/// A WebSocket handshake the handler accepts or rejects.
///
/// ```no_run
/// use agentcore_server::{App, RequestContext, ws::WebSocketUpgrade};
///
/// let app = App::new().websocket(|upgrade: WebSocketUpgrade, ctx: RequestContext| async move {
///     let mut socket = upgrade.accept().await?;
///     while let Some(text) = socket.recv_json::<serde_json::Value>().await? {
///         socket.send_json(&serde_json::json!({ "echo": text, "session": ctx.session_id })).await?;
///     }
///     Ok::<_, agentcore_server::ws::WebSocketError>(())
/// });
/// ```
pub struct WebSocketUpgrade {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
    decision: Decision,
    returned: oneshot::Sender<Returned>,
    config: WebSocketConfig,
    shutdown: watch::Receiver<bool>,
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
    /// assert_eq!(ws.recv().await.unwrap().into_text().unwrap(), "welcome");
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
        let upgraded = self.on_upgrade.await.map_err(WebSocketError::Upgrade)?;
        let stream = WebSocketStream::from_raw_socket(
            TokioIo::new(upgraded),
            Role::Server,
            Some(self.config),
        )
        .await;
        Ok(WebSocket {
            stream: Some(stream),
            closed: false,
            shutdown: self.shutdown,
            returned: Some(self.returned),
        })
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

fn decide(decision: &Decision, response: Response<Body>) {
    let sender = decision
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(sender) = sender {
        let _ = sender.send(response);
    }
}

/// An accepted WebSocket. Dropping it hands it back to the server, which closes it with
/// 1000 when the handler ended well and 1011 when it failed.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{App, testing::TestClient};
///
/// let app = App::new().websocket(|upgrade, _| async move {
///     let socket = upgrade.accept().await?;
///     drop(socket); // handed back; closed with 1000 once the handler returns `Ok`
///     Ok::<_, agentcore_server::BoxError>(())
/// });
/// let client = TestClient::new(app);
/// let mut ws = client.websocket(&[]).await.unwrap();
/// assert_eq!(ws.recv().await, Err(Some(1000)));
/// # }
/// ```
pub struct WebSocket {
    stream: Option<Stream>,
    closed: bool,
    shutdown: watch::Receiver<bool>,
    returned: Option<oneshot::Sender<Returned>>,
}

struct Returned {
    stream: Stream,
    closed: bool,
}

impl std::fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl WebSocket {
    /// The next text or binary message; `None` once the socket is closed (by the peer, or
    /// with 1001 because the server is shutting down). Pings and pongs are handled here.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient, ws::Message};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     let mut socket = upgrade.accept().await?;
    ///     while let Some(message) = socket.recv().await? {
    ///         socket.send(message).await?; // echo
    ///     }
    ///     Ok::<_, agentcore_server::BoxError>(())
    /// });
    /// let client = TestClient::new(app);
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// ws.send(Message::text("ping?")).await.unwrap();
    /// assert_eq!(ws.recv().await, Ok(Message::text("ping?")));
    /// # }
    /// ```
    pub async fn recv(&mut self) -> Result<Option<Message>, WebSocketError> {
        loop {
            let Some(stream) = self.stream.as_mut().filter(|_| !self.closed) else {
                return Ok(None);
            };
            let shutdown = &mut self.shutdown;
            let next = tokio::select! {
                biased;
                () = shutting_down(shutdown) => {
                    self.close(CloseCode::Away.into(), "server shutting down").await?;
                    return Ok(None);
                }
                next = stream.next() => next,
            };
            match next {
                None | Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                    self.closed = true;
                    return Ok(None);
                }
                // The reply to the peer's close is sent as the stream is read to its end.
                Some(Ok(Message::Close(_))) => {
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, stream.next()).await;
                    self.closed = true;
                    return Ok(None);
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                Some(Ok(message)) => return Ok(Some(message)),
                Some(Err(err)) => {
                    let code = match &err {
                        WsError::Capacity(_) => Some(CloseCode::Size),
                        WsError::Protocol(_) | WsError::Utf8(_) => Some(CloseCode::Protocol),
                        _ => None,
                    };
                    match code {
                        Some(code) => {
                            let _ = self.close(code.into(), "").await;
                        }
                        None => self.closed = true,
                    }
                    return Err(WebSocketError::Protocol(err));
                }
            }
        }
    }

    /// The next message parsed as JSON (text or binary); `None` once closed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use serde_json::json;
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     let mut socket = upgrade.accept().await?;
    ///     while let Some(numbers) = socket.recv_json::<Vec<i64>>().await? {
    ///         socket.send_json(&numbers.iter().sum::<i64>()).await?;
    ///     }
    ///     Ok::<_, agentcore_server::BoxError>(())
    /// });
    /// let client = TestClient::new(app);
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// ws.send_json(&json!([1, 2, 3])).await.unwrap();
    /// assert_eq!(ws.recv_json::<i64>().await, Ok(6));
    /// # }
    /// ```
    pub async fn recv_json<T: DeserializeOwned>(&mut self) -> Result<Option<T>, WebSocketError> {
        let parsed = match self.recv().await? {
            Some(Message::Text(text)) => serde_json::from_str(text.as_str()),
            Some(Message::Binary(bytes)) => serde_json::from_slice(&bytes),
            Some(_) | None => return Ok(None),
        };
        parsed.map(Some).map_err(WebSocketError::Json)
    }

    /// Sends a message.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient, ws::Message};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     upgrade.accept().await?.send(Message::text("hello")).await
    /// });
    /// let client = TestClient::new(app);
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// assert_eq!(ws.recv().await, Ok(Message::text("hello")));
    /// # }
    /// ```
    pub async fn send(&mut self, message: Message) -> Result<(), WebSocketError> {
        let stream = self
            .stream
            .as_mut()
            .filter(|_| !self.closed)
            .ok_or(WebSocketError::Closed)?;
        stream.send(message).await.map_err(WebSocketError::Protocol)
    }

    /// Sends a text message.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient, ws::Message};
    ///
    /// let app = App::new().websocket(|upgrade, ctx| async move {
    ///     upgrade.accept().await?.send_text(format!("request {}", ctx.request_id)).await
    /// });
    /// let client = TestClient::new(app);
    /// let mut ws = client.websocket(&[("x-amzn-bedrock-agentcore-runtime-request-id", "r-9")]).await.unwrap();
    /// assert_eq!(ws.recv().await, Ok(Message::text("request r-9")));
    /// # }
    /// ```
    pub async fn send_text(&mut self, text: impl Into<String>) -> Result<(), WebSocketError> {
        self.send(Message::text(text.into())).await
    }

    /// Sends a binary message.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     upgrade.accept().await?.send_binary(vec![0xCA, 0xFE]).await
    /// });
    /// let client = TestClient::new(app);
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// assert_eq!(&ws.recv().await.unwrap().into_data()[..], [0xCA, 0xFE]);
    /// # }
    /// ```
    pub async fn send_binary(&mut self, bytes: impl Into<Bytes>) -> Result<(), WebSocketError> {
        self.send(Message::Binary(bytes.into())).await
    }

    /// Sends a value as a JSON text message.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use serde_json::{Value, json};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     upgrade.accept().await?.send_json(&json!({ "type": "ready" })).await
    /// });
    /// let client = TestClient::new(app);
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// assert_eq!(ws.recv_json::<Value>().await, Ok(json!({ "type": "ready" })));
    /// # }
    /// ```
    pub async fn send_json<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), WebSocketError> {
        let text = serde_json::to_string(value).map_err(WebSocketError::Json)?;
        self.send(Message::text(text)).await
    }

    /// Closes with `code` and `reason`, waiting (at most [`CLOSE_TIMEOUT`]) for the peer's
    /// close frame. Closing a closed socket does nothing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     let mut socket = upgrade.accept().await?;
    ///     socket.close(4000, "done for today").await?;
    ///     socket.close(4001, "").await // already closed: does nothing
    /// });
    /// let client = TestClient::new(app);
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// assert_eq!(ws.recv().await, Err(Some(4000)));
    /// # }
    /// ```
    pub async fn close(&mut self, code: u16, reason: &str) -> Result<(), WebSocketError> {
        let Some(stream) = self.stream.as_mut().filter(|_| !self.closed) else {
            return Ok(());
        };
        self.closed = true;
        close_stream(stream, code, reason).await
    }

    /// Whether the socket is closed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    /// let app = App::new().websocket(move |upgrade, _| {
    ///     let tx = tx.clone();
    ///     async move {
    ///         let mut socket = upgrade.accept().await?;
    ///         while socket.recv().await?.is_some() {}
    ///         tx.send(socket.is_closed()).ok();
    ///         Ok::<_, agentcore_server::BoxError>(())
    ///     }
    /// });
    /// let client = TestClient::new(app);
    /// client.websocket(&[]).await.unwrap().close().await.unwrap();
    /// assert_eq!(rx.recv().await, Some(true)); // closed by the peer
    /// # }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

impl Drop for WebSocket {
    fn drop(&mut self) {
        if let (Some(stream), Some(returned)) = (self.stream.take(), self.returned.take()) {
            let _ = returned.send(Returned {
                stream,
                closed: self.closed,
            });
        }
    }
}

async fn close_stream(stream: &mut Stream, code: u16, reason: &str) -> Result<(), WebSocketError> {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    };
    let sent = match stream.close(Some(frame)).await {
        Ok(()) | Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => Ok(()),
        Err(err) => Err(WebSocketError::Protocol(err)),
    };
    // Wait for the peer's close frame, then the end of the stream.
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
    sent
}

/// The configuration of accepted sockets.
pub(crate) fn config(max_message_bytes: usize, max_frame_bytes: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max_message_bytes))
        .max_frame_size(Some(max_frame_bytes))
}

/// `GET /ws`: runs the handler on the handler runtime and answers the handshake as it
/// decides.
pub(crate) async fn handle<B>(shared: &Arc<Shared>, mut request: Request<B>) -> Response<Body> {
    let Some(handler) = shared.websocket.clone() else {
        return plain_text(StatusCode::FORBIDDEN, "Forbidden");
    };
    let Some(key) = handshake_key(request.headers()) else {
        let mut response = plain_text(StatusCode::BAD_REQUEST, "Bad Request");
        response
            .headers_mut()
            .insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        return response;
    };
    let context = RequestContext::from_request(&request);
    let (decided, answer) = oneshot::channel();
    let decision: Decision = Arc::new(Mutex::new(Some(decided)));
    let (returned, handed_back) = oneshot::channel();
    let upgrade = WebSocketUpgrade {
        key,
        on_upgrade: hyper::upgrade::on(&mut request),
        decision: Arc::clone(&decision),
        returned,
        config: shared.websocket_config,
        shutdown: shared.shutdown.subscribe(),
    };
    let guard = shared.in_flight.track();
    let span = log::request_span("websocket", &context);
    let session = async move {
        let _guard = guard;
        let ambient = Arc::new(context.clone());
        let session = RequestContext::scope_arc(ambient, handler(upgrade, context));
        let outcome = match AssertUnwindSafe(session).catch_unwind().await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => {
                log::handler_failed("WebSocket handler", "Error", &*err);
                Err(err.to_string())
            }
            Err(panic) => {
                let message = panic_message(&*panic);
                log::handler_failed(
                    "WebSocket handler",
                    "Panic",
                    &*BoxError::from(message.clone()),
                );
                Err(message)
            }
        };
        // A handler that ended without deciding: refuse (or fail) the handshake.
        match &outcome {
            Ok(()) => decide(&decision, plain_text(StatusCode::FORBIDDEN, "Forbidden")),
            Err(message) => decide(
                &decision,
                error_json(StatusCode::INTERNAL_SERVER_ERROR, message),
            ),
        }
        if let Ok(Returned {
            mut stream,
            closed: false,
        }) = handed_back.await
        {
            let (code, reason) = match outcome {
                Ok(()) => (CloseCode::Normal, ""),
                Err(_) => (CloseCode::Error, "handler failed"),
            };
            let _ = close_stream(&mut stream, code.into(), reason).await;
        }
    };
    shared
        .handlers
        .spawn(tracing::Instrument::instrument(session, span));
    answer.await.unwrap_or_else(|_| {
        error_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            "WebSocket handler vanished",
        )
    })
}

/// The `Sec-WebSocket-Key` of a valid WebSocket handshake request.
fn handshake_key(headers: &HeaderMap) -> Option<HeaderValue> {
    let has_token = |name, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value
                .to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    let version_13 = headers
        .get(SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v == "13");
    (has_token(UPGRADE, "websocket") && has_token(CONNECTION, "upgrade") && version_13)
        .then(|| headers.get(SEC_WEBSOCKET_KEY).cloned())
        .flatten()
}
