//! An accepted WebSocket: a `Stream` of messages and a `Sink` for them, with the server's
//! keep-alive pings, idle and stall timeouts, backpressure and shutdown built in.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite;
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::config::WebSocketLimits;
use crate::shutdown::Shutdown;
use crate::ws::error::WebSocketError;
use agentcore_contract::ws::{CloseFrame, Message};

use agentcore_contract::ws::wire;

/// How long a closing handshake waits for the peer's close frame.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::ws::CLOSE_TIMEOUT, Duration::from_secs(5));
/// ```
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// The close codes the server sends itself.
pub(crate) mod code {
    pub(crate) const NORMAL: u16 = 1000;
    pub(crate) const AWAY: u16 = 1001;
    pub(crate) const PROTOCOL: u16 = 1002;
    pub(crate) const TOO_LARGE: u16 = 1009;
    pub(crate) const ERROR: u16 = 1011;
}

pub(crate) type Inner = WebSocketStream<TokioIo<Upgraded>>;

/// What a dropped socket hands back to the server, which finishes the close.
pub(crate) struct Returned {
    pub(crate) inner: Inner,
    /// Whether a close frame was sent or received already.
    pub(crate) closed: bool,
}

/// An accepted WebSocket.
///
/// It is a [`Stream`] of text and binary messages (`Result<Message, WebSocketError>`,
/// ending when the socket closes) and a [`Sink`] of messages, so `StreamExt`/`SinkExt`
/// work on it and [`WebSocket::split`] gives two halves for two tasks. The server answers
/// pings, sends its own after [`App::websocket_ping_interval`](crate::App::websocket_ping_interval)
/// of silence, and closes with 1001 a peer silent for the idle timeout.
///
/// **Cancel safety.** [`WebSocket::recv`] (and `StreamExt::next`) is cancel-safe: in a
/// `tokio::select!`, a message is never lost when another branch wins. The sends are not:
/// a cancelled send may or may not have queued its message. A handler that streams while
/// it listens for "cancel" splits the socket:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{App, BoxError, testing::TestClient, ws::Message};
/// use futures_util::{SinkExt, StreamExt};
///
/// let app = App::new().websocket(|upgrade, _ctx| async move {
///     let (mut sender, mut receiver) = upgrade.accept().await?.split();
///     let mut model = tokio::time::interval(std::time::Duration::from_millis(5));
///     for i in 0.. {
///         tokio::select! {
///             message = receiver.next() => match message.transpose()? {
///                 Some(message) if message.to_text() == Some("cancel") => break,
///                 Some(_) => continue,
///                 None => return Ok(()), // the client went away
///             },
///             _ = model.tick() => sender.send(Message::text(format!("token {i}"))).await?,
///         }
///     }
///     sender.send(Message::text("cancelled")).await?;
///     Ok::<_, BoxError>(())
/// });
/// let client = TestClient::new(app);
/// let mut ws = client.websocket(&[]).await.unwrap();
/// assert_eq!(ws.recv().await, Ok(Message::text("token 0")));
/// ws.send(Message::text("cancel")).await.unwrap();
/// let mut last = ws.recv().await.unwrap();
/// while last != Message::text("cancelled") {
///     last = ws.recv().await.unwrap();
/// }
/// assert_eq!(ws.recv().await, Err(Some(1000)));
/// # }
/// ```
///
/// Dropping it (both halves) hands it back to the server, which closes it with 1000 when
/// the handler ended well and 1011 when it failed.
pub struct WebSocket {
    inner: Option<Inner>,
    closed: bool,
    limits: WebSocketLimits,
    /// When the peer was last heard from (any frame).
    heard: Instant,
    /// When the server last sent a ping.
    pinged: Instant,
    /// Since when sending has made no progress.
    stalled: Option<Instant>,
    timer: Pin<Box<Sleep>>,
    shutdown: Shutdown,
    draining: Pin<Box<WaitForCancellationFutureOwned>>,
    cut: Pin<Box<WaitForCancellationFutureOwned>>,
    handback: Option<oneshot::Sender<Returned>>,
}

impl std::fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl WebSocket {
    pub(crate) fn new(
        inner: Inner,
        limits: WebSocketLimits,
        shutdown: Shutdown,
        handback: oneshot::Sender<Returned>,
    ) -> Self {
        let now = Instant::now();
        Self {
            inner: Some(inner),
            closed: false,
            limits,
            heard: now,
            pinged: now,
            stalled: None,
            timer: Box::pin(tokio::time::sleep_until(now + limits.idle_timeout)),
            draining: Box::pin(shutdown.draining_owned()),
            cut: Box::pin(shutdown.cut_owned()),
            shutdown,
            handback: Some(handback),
        }
    }

    /// The next text or binary message; `None` once the socket is closed (by the peer,
    /// after the idle timeout, or with 1001 because the server is shutting down).
    /// Cancel-safe.
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
        self.next().await.transpose()
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
            Some(Message::Text(text)) => serde_json::from_str(&text),
            Some(Message::Binary(bytes)) => serde_json::from_slice(&bytes),
            Some(_) | None => return Ok(None),
        };
        parsed.map(Some).map_err(WebSocketError::json)
    }

    /// Sends a message and flushes it. Not cancel-safe (see the type's docs).
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
        SinkExt::send(self, message).await
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
        let text = serde_json::to_string(value).map_err(WebSocketError::json)?;
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
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        match self.inner.as_mut() {
            Some(inner) => finish_close(inner, Some(CloseFrame::new(code, reason))).await,
            None => Ok(()),
        }
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

    /// Splits the socket into a sender and a receiver, for two tasks or two `select!`
    /// branches. The socket is handed back when both are dropped.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient, ws::Message};
    /// use futures_util::{SinkExt, StreamExt};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     let (mut sender, mut receiver) = upgrade.accept().await?.split();
    ///     while let Some(message) = receiver.next().await.transpose()? {
    ///         sender.send(message).await?;
    ///     }
    ///     Ok::<_, agentcore_server::BoxError>(())
    /// });
    /// let client = TestClient::new(app);
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// ws.send(Message::text("half")).await.unwrap();
    /// assert_eq!(ws.recv().await, Ok(Message::text("half")));
    /// # }
    /// ```
    pub fn split(self) -> (SplitSink<Self, Message>, SplitStream<Self>) {
        let (sink, stream) = StreamExt::split(self);
        (sink, stream)
    }

    /// Queues a close frame and tries once to flush it; the server finishes the
    /// handshake when the socket is handed back.
    fn start_close(&mut self, cx: &mut Context<'_>, code: u16, reason: &str) {
        if self.closed {
            return;
        }
        self.closed = true;
        if let Some(inner) = self.inner.as_mut() {
            let frame = tungstenite::protocol::CloseFrame {
                code: code.into(),
                reason: reason.into(),
            };
            let _ = Pin::new(&mut *inner).start_send(tungstenite::Message::Close(Some(frame)));
            let _ = Pin::new(inner).poll_flush(cx);
        }
    }

    /// Arms the timer for `deadline`; `true` when it has passed already.
    fn wait_until(&mut self, cx: &mut Context<'_>, deadline: Instant) -> bool {
        if self.timer.deadline() != deadline {
            self.timer.as_mut().reset(deadline);
        }
        self.timer.as_mut().poll(cx).is_ready()
    }

    /// A send that cannot progress: an error once it has stalled for the idle timeout.
    fn stalled(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>> {
        let since = *self.stalled.get_or_insert_with(Instant::now);
        if self.wait_until(cx, since + self.limits.idle_timeout) {
            self.closed = true;
            self.inner = None; // the peer reads nothing: drop the connection
            return Poll::Ready(Err(WebSocketError::timeout()));
        }
        if self.cut.as_mut().poll(cx).is_ready() {
            self.start_close(cx, code::AWAY, "server shutting down");
            return Poll::Ready(Err(WebSocketError::closed()));
        }
        Poll::Pending
    }

    /// Nothing to read: pings, the idle timeout and the drain.
    fn poll_quiet(&mut self, cx: &mut Context<'_>) -> Quiet {
        if self.draining.as_mut().poll(cx).is_ready() {
            self.start_close(cx, code::AWAY, "server shutting down");
            return Quiet::Closed;
        }
        let now = Instant::now();
        let idle_at = self.heard + self.limits.idle_timeout;
        if now >= idle_at {
            tracing::info!("WebSocket closed: idle timeout");
            self.start_close(cx, code::AWAY, "idle timeout");
            return Quiet::Closed;
        }
        let mut deadline = idle_at;
        if let Some(every) = self.limits.ping_interval {
            let ping_at = self.heard.max(self.pinged) + every;
            if now >= ping_at {
                self.pinged = now;
                if let Some(inner) = self.inner.as_mut() {
                    let ping = tungstenite::Message::Ping(Bytes::new());
                    let _ = Pin::new(inner).start_send(ping);
                }
                return Quiet::Again; // flushed at the top of the next look
            }
            deadline = deadline.min(ping_at);
        }
        if self.wait_until(cx, deadline) {
            return Quiet::Again;
        }
        Quiet::Wait
    }
}

/// What a quiet socket does next.
enum Quiet {
    Closed,
    Again,
    Wait,
}

impl Stream for WebSocket {
    type Item = Result<Message, WebSocketError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.closed {
                return Poll::Ready(None);
            }
            if this.shutdown.is_draining() {
                this.start_close(cx, code::AWAY, "server shutting down");
                return Poll::Ready(None);
            }
            let Some(inner) = this.inner.as_mut() else {
                return Poll::Ready(None);
            };
            // Backpressure: pongs and pings go out before more is read, so a peer that
            // floods pings and never reads stalls itself instead of growing a queue.
            match Pin::new(&mut *inner).poll_flush(cx) {
                Poll::Ready(Ok(())) => this.stalled = None,
                Poll::Ready(Err(err)) => {
                    this.closed = true;
                    return Poll::Ready(error_item(err));
                }
                // A stalled peer is closed (or dropped) like a silent one.
                Poll::Pending => return this.stalled(cx).map(|_| None),
            }
            match Pin::new(&mut *inner).poll_next(cx) {
                Poll::Ready(Some(Ok(message))) => {
                    this.heard = Instant::now();
                    match wire::from_tungstenite(message) {
                        Some(message @ (Message::Text(_) | Message::Binary(_))) => {
                            return Poll::Ready(Some(Ok(message)));
                        }
                        // The reply to the peer's close is queued: flush it and end.
                        Some(Message::Close(_)) => {
                            this.closed = true;
                            let _ = Pin::new(inner).poll_flush(cx);
                            return Poll::Ready(None);
                        }
                        _ => continue,
                    }
                }
                Poll::Ready(Some(Err(err))) => {
                    let err = WebSocketError::from_tungstenite(err);
                    if err.is_too_large() {
                        this.start_close(cx, code::TOO_LARGE, "message too large");
                    } else if err.is_protocol() {
                        this.start_close(cx, code::PROTOCOL, "protocol error");
                    } else {
                        this.closed = true;
                    }
                    return Poll::Ready((!err.is_closed()).then_some(Err(err)));
                }
                Poll::Ready(None) => {
                    this.closed = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => match this.poll_quiet(cx) {
                    Quiet::Closed => return Poll::Ready(None),
                    Quiet::Again => continue,
                    Quiet::Wait => return Poll::Pending,
                },
            }
        }
    }
}

fn error_item(err: tungstenite::Error) -> Option<Result<Message, WebSocketError>> {
    let err = WebSocketError::from_tungstenite(err);
    (!err.is_closed()).then_some(Err(err))
}

impl Sink<Message> for WebSocket {
    type Error = WebSocketError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = &mut *self;
        if this.shutdown.is_cut() {
            this.start_close(cx, code::AWAY, "server shutting down");
        }
        let Some(inner) = this.inner.as_mut().filter(|_| !this.closed) else {
            return Poll::Ready(Err(WebSocketError::closed()));
        };
        match Pin::new(inner).poll_ready(cx) {
            Poll::Ready(result) => {
                this.stalled = None;
                Poll::Ready(result.map_err(WebSocketError::from_tungstenite))
            }
            Poll::Pending => this.stalled(cx),
        }
    }

    fn start_send(mut self: Pin<&mut Self>, message: Message) -> Result<(), Self::Error> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut().filter(|_| !this.closed) else {
            return Err(WebSocketError::closed());
        };
        if matches!(message, Message::Close(_)) {
            this.closed = true;
        }
        Pin::new(inner)
            .start_send(wire::to_tungstenite(message))
            .map_err(WebSocketError::from_tungstenite)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(Err(WebSocketError::closed()));
        };
        match Pin::new(inner).poll_flush(cx) {
            Poll::Ready(result) => {
                this.stalled = None;
                Poll::Ready(result.map_err(WebSocketError::from_tungstenite))
            }
            Poll::Pending => this.stalled(cx),
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = &mut *self;
        this.closed = true;
        match this.inner.as_mut() {
            Some(inner) => Pin::new(inner)
                .poll_close(cx)
                .map_err(WebSocketError::from_tungstenite),
            None => Poll::Ready(Ok(())),
        }
    }
}

impl Drop for WebSocket {
    fn drop(&mut self) {
        if let (Some(inner), Some(handback)) = (self.inner.take(), self.handback.take()) {
            let _ = handback.send(Returned {
                inner,
                closed: self.closed,
            });
        }
    }
}

/// Sends `frame` (when not closed yet), then waits at most [`CLOSE_TIMEOUT`] for the
/// peer's close frame and the end of the stream.
pub(crate) async fn finish_close(
    inner: &mut Inner,
    frame: Option<CloseFrame>,
) -> Result<(), WebSocketError> {
    use tungstenite::Error as E;
    let sent = match frame {
        Some(frame) => {
            let close = wire::to_tungstenite(Message::Close(Some(frame)));
            match inner.send(close).await {
                Ok(()) | Err(E::ConnectionClosed | E::AlreadyClosed) => Ok(()),
                Err(err) => Err(WebSocketError::from_tungstenite(err)),
            }
        }
        None => match inner.flush().await {
            Ok(()) | Err(E::ConnectionClosed | E::AlreadyClosed) => Ok(()),
            Err(err) => Err(WebSocketError::from_tungstenite(err)),
        },
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        while let Some(Ok(_)) = inner.next().await {}
    })
    .await;
    sent
}
