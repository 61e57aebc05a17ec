//! WebSocket `/ws`: the handler decides on the upgrade, then talks over a [`WebSocket`].
//!
//! Close codes: the handler returning `Ok` → 1000; returning an error or panicking → 1011;
//! server shutdown, or a peer silent for the idle timeout → 1001; a protocol violation
//! from the peer → 1002; a message or frame over the limits → 1009. Pings are answered
//! with pongs by the server, which pings a quiet peer itself.
//!
//! Each socket counts against [`App::max_connections`](crate::App::max_connections) until
//! it is closed. Its limits, each a setting of [`App`](crate::App):
//!
//! | limit | default | setting |
//! |---|---|---|
//! | message size | [`DEFAULT_MAX_MESSAGE_BYTES`] | `websocket_max_message_bytes` |
//! | frame size | [`DEFAULT_MAX_FRAME_BYTES`] | `websocket_max_frame_bytes` |
//! | write queue | [`DEFAULT_MAX_WRITE_BUFFER_BYTES`] | `websocket_max_write_buffer_bytes` |
//! | read buffer | [`DEFAULT_READ_BUFFER_BYTES`] | `websocket_read_buffer_bytes` |
//! | idle (no frame from the peer; a send with no progress) | [`DEFAULT_IDLE_TIMEOUT`] | `websocket_idle_timeout` |
//! | ping after silence | [`DEFAULT_PING_INTERVAL`] | `websocket_ping_interval` |
//! | closing handshake | [`CLOSE_TIMEOUT`] | — |

pub(crate) mod error;
pub(crate) mod socket;
pub(crate) mod upgrade;

pub use crate::config::{
    DEFAULT_WEBSOCKET_IDLE_TIMEOUT as DEFAULT_IDLE_TIMEOUT,
    DEFAULT_WEBSOCKET_MAX_FRAME_BYTES as DEFAULT_MAX_FRAME_BYTES,
    DEFAULT_WEBSOCKET_MAX_MESSAGE_BYTES as DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_WEBSOCKET_MAX_WRITE_BUFFER_BYTES as DEFAULT_MAX_WRITE_BUFFER_BYTES,
    DEFAULT_WEBSOCKET_PING_INTERVAL as DEFAULT_PING_INTERVAL,
    DEFAULT_WEBSOCKET_READ_BUFFER_BYTES as DEFAULT_READ_BUFFER_BYTES,
};
pub use agentcore_contract::ws::{CloseFrame, Message};
pub use error::WebSocketError;
pub use socket::{CLOSE_TIMEOUT, WebSocket};
pub use upgrade::WebSocketUpgrade;
