//! The messages of a WebSocket, ours rather than tungstenite's.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// UTF-8 text that is cheap to clone and to slice: a text message's payload.
///
/// ```
/// use agentcore_server::ws::Utf8Bytes;
///
/// let text = Utf8Bytes::from("héllo");
/// assert_eq!(text.as_str(), "héllo");
/// assert_eq!(text, "héllo");
/// assert_eq!(text.len(), 6); // bytes, through `Deref<Target = str>`
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Utf8Bytes(tungstenite::Utf8Bytes);

impl Utf8Bytes {
    /// The text.
    ///
    /// ```
    /// use agentcore_server::ws::Utf8Bytes;
    ///
    /// assert_eq!(Utf8Bytes::from(String::from("hi")).as_str(), "hi");
    /// ```
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl Deref for Utf8Bytes {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Utf8Bytes {
    fn from(text: String) -> Self {
        Self(text.into())
    }
}

impl From<&str> for Utf8Bytes {
    fn from(text: &str) -> Self {
        Self(text.into())
    }
}

impl From<Utf8Bytes> for String {
    fn from(text: Utf8Bytes) -> Self {
        text.as_str().to_owned()
    }
}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A close frame: its code and reason.
///
/// ```
/// use agentcore_server::ws::CloseFrame;
///
/// let frame = CloseFrame::new(4000, "done");
/// assert_eq!(frame.code, 4000);
/// assert_eq!(frame.reason, "done");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloseFrame {
    /// The close code (1000 normal, 1001 going away, 1011 server error, 4000–4999 yours).
    pub code: u16,
    /// Why, in at most 123 bytes.
    pub reason: Utf8Bytes,
}

impl CloseFrame {
    /// A close frame with this code and reason.
    ///
    /// ```
    /// use agentcore_server::ws::CloseFrame;
    ///
    /// assert_eq!(CloseFrame::new(1000, "").code, 1000);
    /// ```
    pub fn new(code: u16, reason: impl Into<Utf8Bytes>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

/// A WebSocket message. A socket yields only `Text` and `Binary`: the server answers
/// pings itself and ends the stream on a close.
///
/// ```
/// use agentcore_server::ws::Message;
///
/// let text = Message::text("hi");
/// assert_eq!(text.to_text(), Some("hi"));
/// assert_eq!(Message::binary(vec![1, 2]).into_data().as_ref(), [1, 2]);
/// assert_eq!(text.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A text message.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping (the peer answers with a pong carrying the same data).
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A close frame; sending it starts the closing handshake.
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message.
    ///
    /// ```
    /// use agentcore_server::ws::Message;
    ///
    /// assert_eq!(Message::text(String::from("a")), Message::text("a"));
    /// ```
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Self::Text(text.into())
    }

    /// A binary message.
    ///
    /// ```
    /// use agentcore_server::ws::Message;
    ///
    /// assert!(matches!(Message::binary(&b"\x00\x01"[..]), Message::Binary(_)));
    /// ```
    pub fn binary(bytes: impl Into<Bytes>) -> Self {
        Self::Binary(bytes.into())
    }

    /// The payload's length in bytes.
    ///
    /// ```
    /// use agentcore_server::ws::Message;
    ///
    /// assert_eq!(Message::text("héllo").len(), 6);
    /// assert_eq!(Message::Close(None).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            Self::Binary(bytes) | Self::Ping(bytes) | Self::Pong(bytes) => bytes.len(),
            Self::Close(frame) => frame.as_ref().map_or(0, |f| f.reason.len()),
        }
    }

    /// Whether the payload is empty.
    ///
    /// ```
    /// use agentcore_server::ws::Message;
    ///
    /// assert!(Message::text("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text of a text message.
    ///
    /// ```
    /// use agentcore_server::ws::Message;
    ///
    /// assert_eq!(Message::text("x").to_text(), Some("x"));
    /// assert_eq!(Message::binary(vec![b'x']).to_text(), None);
    /// ```
    pub fn to_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text.as_str()),
            _ => None,
        }
    }

    /// The payload as bytes (a text message's UTF-8, a close frame's reason).
    ///
    /// ```
    /// use agentcore_server::ws::Message;
    ///
    /// assert_eq!(Message::text("ok").into_data().as_ref(), b"ok");
    /// ```
    pub fn into_data(self) -> Bytes {
        match self {
            Self::Text(text) => Bytes::from(text.0),
            Self::Binary(bytes) | Self::Ping(bytes) | Self::Pong(bytes) => bytes,
            Self::Close(frame) => frame.map(|f| Bytes::from(f.reason.0)).unwrap_or_default(),
        }
    }

    /// The message as tungstenite sends it.
    pub(crate) fn into_tungstenite(self) -> tungstenite::Message {
        match self {
            Self::Text(text) => tungstenite::Message::Text(text.0),
            Self::Binary(bytes) => tungstenite::Message::Binary(bytes),
            Self::Ping(bytes) => tungstenite::Message::Ping(bytes),
            Self::Pong(bytes) => tungstenite::Message::Pong(bytes),
            Self::Close(frame) => tungstenite::Message::Close(frame.map(close_frame)),
        }
    }

    /// The message tungstenite received; `None` for raw frames (never yielded by a read).
    pub(crate) fn from_tungstenite(message: tungstenite::Message) -> Option<Self> {
        Some(match message {
            tungstenite::Message::Text(text) => Self::Text(Utf8Bytes(text)),
            tungstenite::Message::Binary(bytes) => Self::Binary(bytes),
            tungstenite::Message::Ping(bytes) => Self::Ping(bytes),
            tungstenite::Message::Pong(bytes) => Self::Pong(bytes),
            tungstenite::Message::Close(frame) => Self::Close(frame.map(|f| CloseFrame {
                code: f.code.into(),
                reason: Utf8Bytes(f.reason),
            })),
            tungstenite::Message::Frame(_) => return None,
        })
    }
}

/// A close frame as tungstenite sends it.
pub(crate) fn close_frame(frame: CloseFrame) -> tungstenite::protocol::CloseFrame {
    tungstenite::protocol::CloseFrame {
        code: CloseCode::from(frame.code),
        reason: frame.reason.0,
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

impl From<Bytes> for Message {
    fn from(bytes: Bytes) -> Self {
        Self::Binary(bytes)
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Binary(bytes.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_tungstenite() {
        let messages = [
            Message::text("t"),
            Message::binary(vec![1]),
            Message::Ping(Bytes::from_static(b"p")),
            Message::Pong(Bytes::new()),
            Message::Close(Some(CloseFrame::new(4001, "why"))),
            Message::Close(None),
        ];
        for message in messages {
            let back = Message::from_tungstenite(message.clone().into_tungstenite());
            assert_eq!(back, Some(message));
        }
    }
}
