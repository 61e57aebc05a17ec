//! [`Message`] to and from tungstenite's, for this workspace's server and client (the
//! `tungstenite` feature). Not a stable API: it follows tungstenite's version.

use tungstenite::protocol::frame::coding::CloseCode;

use super::{CloseFrame, Message};

/// The message as tungstenite sends it (text without a copy).
///
/// ```
/// use agentcore_contract::ws::{Message, wire};
/// assert_eq!(wire::from_tungstenite(wire::to_tungstenite(Message::text("x"))), Some(Message::text("x")));
/// ```
pub fn to_tungstenite(message: Message) -> tungstenite::Message {
    match message {
        Message::Text(text) => tungstenite::Message::Text(text.into()),
        Message::Binary(bytes) => tungstenite::Message::Binary(bytes),
        Message::Ping(bytes) => tungstenite::Message::Ping(bytes),
        Message::Pong(bytes) => tungstenite::Message::Pong(bytes),
        Message::Close(frame) => {
            tungstenite::Message::Close(frame.map(|f| tungstenite::protocol::CloseFrame {
                code: CloseCode::from(f.code),
                reason: f.reason.into(),
            }))
        }
    }
}

/// The message tungstenite received; `None` for raw frames (never yielded by a read).
///
/// ```
/// use agentcore_contract::ws::{Message, wire};
/// let received = tungstenite::Message::Binary(vec![1].into());
/// assert_eq!(wire::from_tungstenite(received), Some(Message::binary(vec![1])));
/// ```
pub fn from_tungstenite(message: tungstenite::Message) -> Option<Message> {
    Some(match message {
        tungstenite::Message::Text(text) => Message::Text(text.as_str().to_owned()),
        tungstenite::Message::Binary(bytes) => Message::Binary(bytes),
        tungstenite::Message::Ping(bytes) => Message::Ping(bytes),
        tungstenite::Message::Pong(bytes) => Message::Pong(bytes),
        tungstenite::Message::Close(frame) => {
            Message::Close(frame.map(|f| CloseFrame::new(f.code.into(), f.reason.as_str())))
        }
        tungstenite::Message::Frame(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_tungstenite() {
        let messages = [
            Message::text("t"),
            Message::binary(vec![1]),
            Message::Ping(bytes::Bytes::from_static(b"p")),
            Message::Pong(bytes::Bytes::new()),
            Message::Close(Some(CloseFrame::new(4001, "why"))),
            Message::Close(None),
        ];
        for message in messages {
            let back = from_tungstenite(to_tungstenite(message.clone()));
            assert_eq!(back, Some(message));
        }
    }
}
