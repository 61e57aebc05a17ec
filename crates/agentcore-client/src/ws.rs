//! Opening the runtime's WebSocket, and the connection: a [`Stream`] and [`Sink`] of
//! messages with JSON helpers.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use agentcore_contract::ws::{Message, wire};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use http::HeaderValue;
use http::header::USER_AGENT;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::error::service_error;
use crate::handshake::USER_AGENT_VALUE;
use crate::presign::{Presign, PresignedUrl};
use crate::session::RuntimeSession;

/// How [`RuntimeClient::connect`] authenticates.
///
/// Its `Debug` output never shows the bearer token.
///
/// ```
/// use std::time::Duration;
///
/// use agentcore_client::{Auth, Presign};
///
/// let modes = [
///     Auth::SigV4,
///     Auth::Presigned(Presign::new(Duration::from_secs(60))),
///     Auth::Bearer("my-jwt".into()),
/// ];
/// assert!(!format!("{modes:?}").contains("my-jwt"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// SigV4 headers ([`RuntimeClient::sigv4_headers`]).
    SigV4,
    /// A presigned URL ([`RuntimeClient::presigned_url`]) and no authentication headers.
    Presigned(Presign),
    /// An OAuth bearer token ([`RuntimeClient::oauth_headers`]).
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SigV4 => f.write_str("SigV4"),
            Self::Presigned(presign) => f.debug_tuple("Presigned").field(presign).finish(),
            Self::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

impl RuntimeClient {
    /// Opens a WebSocket to `session` with `auth`: TLS through rustls for `wss://`, plain
    /// TCP when the endpoint override is `ws://` or `http://`. DNS, TCP, TLS and the
    /// handshake together are bounded by the connect timeout.
    pub(crate) async fn connect_with(
        &self,
        session: &RuntimeSession,
        auth: &Auth,
    ) -> Result<WebSocket, Error> {
        let request = match auth {
            Auth::SigV4 => self.sigv4_headers(session).await?.into_http(),
            Auth::Bearer(token) => self.oauth_headers(session, token)?.into_http(),
            Auth::Presigned(presign) => {
                presigned_request(self.presigned_url_with(session, presign).await?)?
            }
        };
        let (stream, _response) = self.open_websocket(request, None).await?;
        Ok(WebSocket { stream })
    }

    /// Opens a WebSocket with `request` (TLS through the client's rustls configuration
    /// for `wss://`), DNS, TCP, TLS and the handshake bounded by the connect timeout; a
    /// refused handshake is the service's typed error. The 101 response is returned.
    pub(crate) async fn open_websocket(
        &self,
        request: http::Request<()>,
        config: Option<WebSocketConfig>,
    ) -> Result<(WsStream, tungstenite::handshake::client::Response), Error> {
        let connector = Connector::Rustls(self.tls());
        let connecting = tokio_tungstenite::connect_async_tls_with_config(
            request,
            config,
            true,
            Some(connector),
        );
        let limit = self.connect_timeout();
        let connected = tokio::time::timeout(limit, connecting)
            .await
            .map_err(|_| Error::Timeout(limit))?;
        match connected {
            Ok(opened) => Ok(opened),
            // A refused handshake is the service's answer: the same typed error as HTTP.
            Err(tungstenite::Error::Http(refused)) => {
                let body = refused.body().as_deref().unwrap_or_default();
                Err(service_error(refused.status(), refused.headers(), body))
            }
            Err(err) => Err(ws_error(err)),
        }
    }
}

/// The handshake request of a presigned URL: no authentication headers, this crate's
/// `User-Agent`.
pub(crate) fn presigned_request(url: PresignedUrl) -> Result<http::Request<()>, Error> {
    let mut request = url.into_string().into_client_request().map_err(ws_error)?;
    let user_agent = HeaderValue::from_static(USER_AGENT_VALUE);
    request.headers_mut().insert(USER_AGENT, user_agent);
    Ok(request)
}

/// A WebSocket stream of this crate: TLS or plain TCP.
pub(crate) type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// tungstenite's error, behind the opaque source of [`Error::WebSocket`].
pub(crate) fn ws_error(err: tungstenite::Error) -> Error {
    Error::WebSocket(err.into())
}

/// An open WebSocket to a runtime session: a [`Stream`] of received messages and a
/// [`Sink`] of messages to send, with JSON helpers. Pings are answered automatically.
///
/// ```no_run
/// # async fn example(mut ws: agentcore_client::WebSocket) -> Result<(), agentcore_client::Error> {
/// use agentcore_client::Message;
/// use futures_util::{SinkExt, StreamExt};
///
/// ws.send(Message::text("raw text")).await?;
/// if let Some(message) = ws.next().await {
///     println!("{:?}", message?);
/// }
/// ws.close().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct WebSocket {
    stream: WsStream,
}

impl WebSocket {
    /// Sends `value` as one JSON text message.
    ///
    /// ```no_run
    /// # async fn example(mut ws: agentcore_client::WebSocket) -> Result<(), agentcore_client::Error> {
    /// ws.send_json(&serde_json::json!({"prompt": "hi"})).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let text = serde_json::to_string(value)?;
        self.send(Message::text(text)).await
    }

    /// Receives the next text or binary message and parses it as JSON; `None` when the
    /// server closes the connection. Ping and pong frames are skipped.
    ///
    /// ```no_run
    /// # async fn example(mut ws: agentcore_client::WebSocket) -> Result<(), agentcore_client::Error> {
    /// while let Some(reply) = ws.recv_json::<serde_json::Value>().await? {
    ///     println!("{reply}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn recv_json<T: DeserializeOwned>(&mut self) -> Result<Option<T>, Error> {
        while let Some(message) = self.next().await {
            match message? {
                Message::Text(text) => return Ok(Some(serde_json::from_str(&text)?)),
                Message::Binary(bytes) => return Ok(Some(serde_json::from_slice(&bytes)?)),
                Message::Close(_) => return Ok(None),
                _ => {}
            }
        }
        Ok(None)
    }

    /// Closes the connection normally (code 1000).
    ///
    /// ```no_run
    /// # async fn example(mut ws: agentcore_client::WebSocket) -> Result<(), agentcore_client::Error> {
    /// ws.send_json(&serde_json::json!({"prompt": "bye"})).await?;
    /// ws.close().await?;
    /// # Ok(()) }
    /// ```
    pub async fn close(&mut self) -> Result<(), Error> {
        self.stream.close(None).await.map_err(ws_error)
    }
}

impl Stream for WebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            return match ready!(self.stream.poll_next_unpin(cx)) {
                Some(Ok(message)) => match wire::from_tungstenite(message) {
                    Some(message) => Poll::Ready(Some(Ok(message))),
                    None => continue, // a raw frame: never yielded by a read
                },
                Some(Err(err)) => Poll::Ready(Some(Err(ws_error(err)))),
                None => Poll::Ready(None),
            };
        }
    }
}

impl Sink<Message> for WebSocket {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.stream.poll_ready_unpin(cx).map_err(ws_error)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.stream
            .start_send_unpin(wire::to_tungstenite(item))
            .map_err(ws_error)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.stream.poll_flush_unpin(cx).map_err(ws_error)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.stream.poll_close_unpin(cx).map_err(ws_error)
    }
}
