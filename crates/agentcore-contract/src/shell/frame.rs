//! Shell frames: one binary WebSocket message each, `[channel byte][payload]`.

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

/// The largest frame, channel byte included: 64 KiB. A larger message is refused
/// (the runtime closes with 1009).
///
/// ```
/// assert_eq!(agentcore_contract::shell::MAX_FRAME_BYTES, 65_536);
/// ```
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// The largest payload of one frame: [`MAX_FRAME_BYTES`] less the channel byte.
///
/// ```
/// assert_eq!(agentcore_contract::shell::MAX_PAYLOAD_BYTES, 65_535);
/// ```
pub const MAX_PAYLOAD_BYTES: usize = MAX_FRAME_BYTES - 1;

/// The channel of a frame (its first byte).
///
/// ```
/// use agentcore_contract::shell::Channel;
///
/// assert_eq!(Channel::from_byte(0x01), Channel::Stdout);
/// assert_eq!(Channel::from_byte(0x42), Channel::Unknown(0x42));
/// assert_eq!(Channel::Close.byte(), 0xFF);
/// assert_eq!(Channel::Heartbeat.name(), "HEARTBEAT");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `0x00`: input for the shell.
    Stdin,
    /// `0x01`: the shell's output (a PTY merges stderr into it).
    Stdout,
    /// `0x02`: error output, from the platform or a shell without a PTY.
    Stderr,
    /// `0x03`: a [`ShellStatus`](super::ShellStatus), as JSON.
    Status,
    /// `0x04`: the terminal's new size, [`Resize`] as JSON.
    Resize,
    /// `0x05`: a heartbeat (empty), echoed by the other side.
    Heartbeat,
    /// `0xFF`: from the client, a request for a graceful end; from the runtime, an
    /// eviction notice.
    Close,
    /// Any other byte: passed on, not an error.
    Unknown(u8),
}

impl Channel {
    /// The channel a byte names.
    pub const fn from_byte(byte: u8) -> Self {
        match byte {
            0x00 => Self::Stdin,
            0x01 => Self::Stdout,
            0x02 => Self::Stderr,
            0x03 => Self::Status,
            0x04 => Self::Resize,
            0x05 => Self::Heartbeat,
            0xFF => Self::Close,
            other => Self::Unknown(other),
        }
    }

    /// The byte on the wire.
    pub const fn byte(self) -> u8 {
        match self {
            Self::Stdin => 0x00,
            Self::Stdout => 0x01,
            Self::Stderr => 0x02,
            Self::Status => 0x03,
            Self::Resize => 0x04,
            Self::Heartbeat => 0x05,
            Self::Close => 0xFF,
            Self::Unknown(byte) => byte,
        }
    }

    /// The reference SDK's name: `STDIN`, `STDOUT`, `STDERR`, `STATUS`, `RESIZE`,
    /// `HEARTBEAT`, `CLOSE` or `UNKNOWN`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Stdin => "STDIN",
            Self::Stdout => "STDOUT",
            Self::Stderr => "STDERR",
            Self::Status => "STATUS",
            Self::Resize => "RESIZE",
            Self::Heartbeat => "HEARTBEAT",
            Self::Close => "CLOSE",
            Self::Unknown(_) => "UNKNOWN",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(byte) => write!(f, "UNKNOWN(0x{byte:02x})"),
            known => f.write_str(known.name()),
        }
    }
}

/// Why a message is not a shell frame.
///
/// ```
/// use agentcore_contract::shell::{Frame, FrameError};
///
/// assert_eq!(Frame::decode(b""), Err(FrameError::Empty));
/// assert!(matches!(
///     Frame::decode(&vec![0; 65_537]),
///     Err(FrameError::TooLarge { len: 65_537 })
/// ));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// An empty message: no channel byte.
    #[error("empty shell frame: no channel byte")]
    Empty,
    /// A message over [`MAX_FRAME_BYTES`].
    #[error("shell frame of {len} bytes exceeds the limit of {MAX_FRAME_BYTES}")]
    TooLarge {
        /// The message's length.
        len: usize,
    },
    /// A RESIZE payload that is not `{"width": W, "height": H}` with sizes of 1 to 65535.
    #[error("malformed RESIZE payload: {0}")]
    BadResize(String),
}

/// One frame: a channel and its payload.
///
/// Constructors do not check the payload's size; [`Frame::chunks`] splits input of any
/// length into frames that fit.
///
/// ```
/// use agentcore_contract::shell::{Channel, Frame};
///
/// let heartbeat = Frame::heartbeat();
/// assert_eq!(heartbeat.encode().as_ref(), [0x05]);
/// assert_eq!(Frame::decode(&[0x05])?, heartbeat);
/// assert_eq!(Frame::new(Channel::Unknown(9), "x").encode().as_ref(), b"\x09x");
/// # Ok::<(), agentcore_contract::shell::FrameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    channel: Channel,
    payload: Bytes,
}

impl Frame {
    /// A frame of `channel` with `payload`.
    pub fn new(channel: Channel, payload: impl Into<Bytes>) -> Self {
        Frame {
            channel,
            payload: payload.into(),
        }
    }

    /// Input for the shell.
    pub fn stdin(input: impl Into<Bytes>) -> Self {
        Self::new(Channel::Stdin, input)
    }

    /// The terminal's new size. The JSON is spaced as the reference SDK writes it.
    ///
    /// ```
    /// use agentcore_contract::shell::{Frame, Resize};
    ///
    /// let frame = Frame::resize(Resize { width: 80, height: 24 });
    /// assert_eq!(frame.encode().as_ref(), b"\x04{\"width\": 80, \"height\": 24}");
    /// ```
    pub fn resize(size: Resize) -> Self {
        let json = format!("{{\"width\": {}, \"height\": {}}}", size.width, size.height);
        Self::new(Channel::Resize, json)
    }

    /// A heartbeat (empty).
    pub fn heartbeat() -> Self {
        Self::new(Channel::Heartbeat, Bytes::new())
    }

    /// A CLOSE frame (empty).
    pub fn close() -> Self {
        Self::new(Channel::Close, Bytes::new())
    }

    /// `data` on `channel`, in as many frames as it takes, each within
    /// [`MAX_FRAME_BYTES`] (without copying). Empty data is no frame at all.
    ///
    /// ```
    /// use agentcore_contract::shell::{Channel, Frame, MAX_PAYLOAD_BYTES};
    ///
    /// let paste = vec![b'x'; MAX_PAYLOAD_BYTES + 10];
    /// let frames: Vec<Frame> = Frame::chunks(Channel::Stdin, paste).collect();
    /// assert_eq!(frames.len(), 2);
    /// assert_eq!(frames[0].payload().len(), MAX_PAYLOAD_BYTES);
    /// assert_eq!(frames[1].payload().len(), 10);
    /// ```
    pub fn chunks(channel: Channel, data: impl Into<Bytes>) -> impl Iterator<Item = Frame> {
        let mut rest: Bytes = data.into();
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let take = rest.len().min(MAX_PAYLOAD_BYTES);
            Some(Frame::new(channel, rest.split_to(take)))
        })
    }

    /// Parses one message.
    ///
    /// # Errors
    /// [`FrameError::Empty`] for an empty message, [`FrameError::TooLarge`] past
    /// [`MAX_FRAME_BYTES`]. An unknown channel is not an error.
    pub fn decode(message: &[u8]) -> Result<Self, FrameError> {
        match message {
            [] => Err(FrameError::Empty),
            _ if message.len() > MAX_FRAME_BYTES => {
                Err(FrameError::TooLarge { len: message.len() })
            }
            [channel, payload @ ..] => Ok(Self::new(
                Channel::from_byte(*channel),
                Bytes::copy_from_slice(payload),
            )),
        }
    }

    /// Parses one message without copying its payload.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use agentcore_contract::shell::{Channel, Frame};
    ///
    /// let frame = Frame::decode_bytes(Bytes::from_static(b"\x01hello"))?;
    /// assert_eq!((frame.channel(), frame.payload().as_ref()), (Channel::Stdout, &b"hello"[..]));
    /// # Ok::<(), agentcore_contract::shell::FrameError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Frame::decode`].
    pub fn decode_bytes(mut message: Bytes) -> Result<Self, FrameError> {
        if message.is_empty() {
            return Err(FrameError::Empty);
        }
        if message.len() > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge { len: message.len() });
        }
        let channel = Channel::from_byte(message[0]);
        let payload = message.split_off(1);
        Ok(Self::new(channel, payload))
    }

    /// The message on the wire.
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(1 + self.payload.len());
        out.put_u8(self.channel.byte());
        out.put_slice(&self.payload);
        out.freeze()
    }

    /// The channel.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// The payload.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// The payload, owned.
    pub fn into_payload(self) -> Bytes {
        self.payload
    }
}

/// A terminal size in character cells, as a RESIZE frame carries it.
///
/// ```
/// use agentcore_contract::shell::Resize;
///
/// let size = Resize::from_json(br#"{"width":220,"height":50}"#)?;
/// assert_eq!(size, Resize { width: 220, height: 50 });
/// assert!(Resize::from_json(br#"{"width":0,"height":50}"#).is_err());
/// # Ok::<(), agentcore_contract::shell::FrameError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Resize {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
}

impl Resize {
    /// Parses a RESIZE payload (any JSON spacing).
    ///
    /// # Errors
    /// [`FrameError::BadResize`] unless it is an object with `width` and `height` of 1
    /// to 65535.
    pub fn from_json(payload: &[u8]) -> Result<Self, FrameError> {
        let bad = |e: serde_json::Error| FrameError::BadResize(e.to_string());
        let value: serde_json::Value = serde_json::from_slice(payload).map_err(bad)?;
        if !value.is_object() {
            return Err(FrameError::BadResize("not a JSON object".to_owned()));
        }
        let size: Resize = serde_json::from_value(value).map_err(bad)?;
        if size.width == 0 || size.height == 0 {
            return Err(FrameError::BadResize(format!(
                "a size of {}x{} has no cells",
                size.width, size.height
            )));
        }
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for byte in 0..=u8::MAX {
            let channel = Channel::from_byte(byte);
            assert_eq!(channel.byte(), byte);
            let frame = Frame::new(channel, vec![byte; 3]);
            assert_eq!(Frame::decode(&frame.encode()), Ok(frame.clone()));
            assert_eq!(Frame::decode_bytes(frame.encode()), Ok(frame));
        }
    }

    #[test]
    fn the_frame_limit_at_its_edge() {
        let fits = vec![0u8; MAX_FRAME_BYTES];
        assert_eq!(
            Frame::decode(&fits).unwrap().payload().len(),
            MAX_PAYLOAD_BYTES
        );
        let over = vec![0u8; MAX_FRAME_BYTES + 1];
        assert_eq!(
            Frame::decode(&over),
            Err(FrameError::TooLarge {
                len: MAX_FRAME_BYTES + 1
            })
        );
        assert_eq!(
            Frame::decode_bytes(Bytes::from(over)),
            Err(FrameError::TooLarge {
                len: MAX_FRAME_BYTES + 1
            })
        );
    }

    #[test]
    fn chunks_cover_the_input_in_order() {
        let data: Vec<u8> = (0..(3 * MAX_PAYLOAD_BYTES + 7)).map(|i| i as u8).collect();
        let frames: Vec<Frame> = Frame::chunks(Channel::Stdin, data.clone()).collect();
        assert_eq!(frames.len(), 4);
        assert!(frames.iter().all(|f| f.encode().len() <= MAX_FRAME_BYTES));
        let joined: Vec<u8> = frames.iter().flat_map(|f| f.payload().to_vec()).collect();
        assert_eq!(joined, data);
        assert_eq!(Frame::chunks(Channel::Stdin, Vec::new()).count(), 0);
    }

    #[test]
    fn resize_payloads() {
        let frame = Frame::resize(Resize {
            width: 220,
            height: 50,
        });
        assert_eq!(
            Resize::from_json(frame.payload()),
            Ok(Resize {
                width: 220,
                height: 50
            })
        );
        for bad in [
            &b"{}"[..],
            b"[80,24]",
            b"{\"width\":70000,\"height\":1}",
            b"nope",
        ] {
            assert!(Resize::from_json(bad).is_err(), "{bad:?}");
        }
    }
}
