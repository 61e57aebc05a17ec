//! WebSocket messages, as both sides of `/ws` send and receive them: one type for the
//! agent host and the client, independent of the WebSocket library under them.

use bytes::Bytes;

#[cfg(feature = "tungstenite")]
#[doc(hidden)]
pub mod wire;

/// A close frame: its code and reason.
///
/// ```
/// use agentcore_contract::ws::CloseFrame;
///
/// let frame = CloseFrame::new(4000, "done");
/// assert_eq!((frame.code, frame.reason.as_str()), (4000, "done"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloseFrame {
    /// The close code (1000 normal, 1001 going away, 1011 server error, 4000–4999 yours).
    pub code: u16,
    /// Why, in at most 123 bytes.
    pub reason: String,
}

impl CloseFrame {
    /// A close frame with this code and reason.
    ///
    /// ```
    /// use agentcore_contract::ws::CloseFrame;
    ///
    /// assert_eq!(CloseFrame::new(1000, "").code, 1000);
    /// ```
    pub fn new(code: u16, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

/// A WebSocket message.
///
/// ```
/// use agentcore_contract::ws::Message;
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
    Text(String),
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
    /// use agentcore_contract::ws::Message;
    ///
    /// assert_eq!(Message::text(String::from("a")), Message::text("a"));
    /// ```
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// A binary message.
    ///
    /// ```
    /// use agentcore_contract::ws::Message;
    ///
    /// assert!(matches!(Message::binary(&b"\x00\x01"[..]), Message::Binary(_)));
    /// ```
    pub fn binary(bytes: impl Into<Bytes>) -> Self {
        Self::Binary(bytes.into())
    }

    /// The payload's length in bytes.
    ///
    /// ```
    /// use agentcore_contract::ws::Message;
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
    /// use agentcore_contract::ws::Message;
    ///
    /// assert!(Message::text("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text of a text message.
    ///
    /// ```
    /// use agentcore_contract::ws::Message;
    ///
    /// assert_eq!(Message::text("x").to_text(), Some("x"));
    /// assert_eq!(Message::binary(vec![b'x']).to_text(), None);
    /// ```
    pub fn to_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The payload as bytes (a text message's UTF-8, a close frame's reason).
    ///
    /// ```
    /// use agentcore_contract::ws::Message;
    ///
    /// assert_eq!(Message::text("ok").into_data().as_ref(), b"ok");
    /// ```
    pub fn into_data(self) -> Bytes {
        match self {
            Self::Text(text) => Bytes::from(text),
            Self::Binary(bytes) | Self::Ping(bytes) | Self::Pong(bytes) => bytes,
            Self::Close(frame) => frame.map(|f| Bytes::from(f.reason)).unwrap_or_default(),
        }
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
