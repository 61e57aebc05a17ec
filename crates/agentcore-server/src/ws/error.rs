//! Why a WebSocket operation failed: one opaque error with `is_*` predicates.

use std::fmt;

use tokio_tungstenite::tungstenite;

use crate::error::BoxError;

/// Why a WebSocket operation failed. Ask it with the `is_*` predicates; its
/// [`source`](std::error::Error::source) carries the cause.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{App, testing::TestClient, ws::Message};
///
/// let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
/// let app = App::new().websocket(move |upgrade, _| {
///     let tx = tx.clone();
///     async move {
///         let mut socket = upgrade.accept().await?;
///         socket.close(1000, "").await?;
///         let err = socket.send_text("too late").await.unwrap_err();
///         tx.send((err.is_closed(), err.to_string())).ok();
///         Ok::<_, agentcore_server::BoxError>(())
///     }
/// });
/// let client = TestClient::new(app);
/// let _ws = client.websocket(&[]).await.unwrap();
/// assert_eq!(rx.recv().await, Some((true, "the WebSocket is closed".to_owned())));
/// # }
/// ```
pub struct WebSocketError {
    kind: Kind,
    source: Option<BoxError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Upgrade,
    Closed,
    Protocol,
    TooLarge,
    Io,
    Json,
    Timeout,
}

impl WebSocketError {
    pub(crate) fn upgrade(source: impl Into<BoxError>) -> Self {
        Self::with(Kind::Upgrade, Some(source.into()))
    }

    pub(crate) fn closed() -> Self {
        Self::with(Kind::Closed, None)
    }

    pub(crate) fn json(source: serde_json::Error) -> Self {
        Self::with(Kind::Json, Some(source.into()))
    }

    pub(crate) fn timeout() -> Self {
        Self::with(Kind::Timeout, None)
    }

    /// Sorts tungstenite's errors into ours.
    pub(crate) fn from_tungstenite(err: tungstenite::Error) -> Self {
        use tungstenite::Error as E;
        let kind = match &err {
            E::ConnectionClosed | E::AlreadyClosed => return Self::closed(),
            E::Capacity(_) | E::WriteBufferFull(_) => Kind::TooLarge,
            E::Io(_) => Kind::Io,
            _ => Kind::Protocol,
        };
        Self::with(kind, Some(err.into()))
    }

    fn with(kind: Kind, source: Option<BoxError>) -> Self {
        Self { kind, source }
    }

    /// The connection was not upgraded (the client went away during the handshake).
    ///
    /// ```
    /// use agentcore_server::ws::WebSocketError;
    /// fn log(err: &WebSocketError) -> &'static str {
    ///     if err.is_upgrade() { "handshake failed" } else { "other" }
    /// }
    /// ```
    pub fn is_upgrade(&self) -> bool {
        self.kind == Kind::Upgrade
    }

    /// The socket is closed (by either side, or by the server shutting down).
    ///
    /// ```
    /// use agentcore_server::ws::WebSocketError;
    /// fn gone(err: &WebSocketError) -> bool { err.is_closed() }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.kind == Kind::Closed
    }

    /// The peer broke the WebSocket protocol (the socket was closed with 1002).
    ///
    /// ```
    /// use agentcore_server::ws::WebSocketError;
    /// fn bad_peer(err: &WebSocketError) -> bool { err.is_protocol() }
    /// ```
    pub fn is_protocol(&self) -> bool {
        self.kind == Kind::Protocol
    }

    /// A message or frame was over the limits, received (closed with 1009) or to be sent
    /// (over the write buffer bound).
    ///
    /// ```
    /// use agentcore_server::ws::WebSocketError;
    /// fn too_big(err: &WebSocketError) -> bool { err.is_too_large() }
    /// ```
    pub fn is_too_large(&self) -> bool {
        self.kind == Kind::TooLarge
    }

    /// The transport failed (reset, broken pipe).
    ///
    /// ```
    /// use agentcore_server::ws::WebSocketError;
    /// fn transport(err: &WebSocketError) -> bool { err.is_io() }
    /// ```
    pub fn is_io(&self) -> bool {
        self.kind == Kind::Io
    }

    /// A message was not the JSON expected, or a value could not be serialized.
    ///
    /// ```
    /// use agentcore_server::ws::WebSocketError;
    /// fn bad_json(err: &WebSocketError) -> bool { err.is_json() }
    /// ```
    pub fn is_json(&self) -> bool {
        self.kind == Kind::Json
    }

    /// A send made no progress for the WebSocket idle timeout: the peer stopped reading.
    ///
    /// ```
    /// use agentcore_server::ws::WebSocketError;
    /// fn stalled(err: &WebSocketError) -> bool { err.is_timeout() }
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.kind == Kind::Timeout
    }
}

impl fmt::Display for WebSocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            Kind::Upgrade => "the WebSocket upgrade failed",
            Kind::Closed => return f.write_str("the WebSocket is closed"),
            Kind::Protocol => "WebSocket protocol error",
            Kind::TooLarge => "WebSocket message too large",
            Kind::Io => "WebSocket transport error",
            Kind::Json => "WebSocket message is not the expected JSON",
            Kind::Timeout => return f.write_str("the WebSocket peer stopped reading"),
        };
        match &self.source {
            Some(source) => write!(f, "{what}: {source}"),
            None => f.write_str(what),
        }
    }
}

impl fmt::Debug for WebSocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketError")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish()
    }
}

impl std::error::Error for WebSocketError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tungstenite::error::{CapacityError, ProtocolError};

    #[test]
    fn tungstenite_errors_sort_into_kinds() {
        let too_large = WebSocketError::from_tungstenite(tungstenite::Error::Capacity(
            CapacityError::MessageTooLong {
                size: 2,
                max_size: 1,
            },
        ));
        assert!(too_large.is_too_large());
        assert!(std::error::Error::source(&too_large).is_some());
        let protocol = WebSocketError::from_tungstenite(tungstenite::Error::Protocol(
            ProtocolError::NonZeroReservedBits,
        ));
        assert!(protocol.is_protocol() && !protocol.is_closed());
        assert!(WebSocketError::from_tungstenite(tungstenite::Error::AlreadyClosed).is_closed());
        let io = WebSocketError::from_tungstenite(std::io::Error::other("reset").into());
        assert!(io.is_io());
        assert_eq!(io.to_string(), "WebSocket transport error: IO error: reset");
    }
}
