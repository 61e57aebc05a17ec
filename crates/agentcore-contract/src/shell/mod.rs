//! Interactive shells (`/ws/shells`): the shell id, the frame codec and the STATUS
//! messages, as the runtime speaks them (Kubernetes v5-style channels over binary
//! WebSocket messages).
//!
//! ```
//! use agentcore_contract::shell::{Channel, Frame, ShellId};
//!
//! let id: ShellId = "my-debug-shell".parse()?;
//! assert_eq!(id.as_str(), "my-debug-shell");
//!
//! let frame = Frame::stdin(&b"ls\n"[..]);
//! assert_eq!(frame.encode().as_ref(), b"\x00ls\n");
//! let back = Frame::decode(&frame.encode())?;
//! assert_eq!((back.channel(), back.payload().as_ref()), (Channel::Stdin, &b"ls\n"[..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod frame;
mod status;

use std::fmt;
use std::str::FromStr;

pub use frame::{Channel, Frame, FrameError, MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES, Resize};
pub use status::{ShellStatus, StatusError};

/// The response header of the 101 that names the shell attached.
///
/// ```
/// assert_eq!(agentcore_contract::shell::SHELL_ID_HEADER, "x-amzn-bedrock-agentcore-shell-id");
/// ```
pub const SHELL_ID_HEADER: &str = "x-amzn-bedrock-agentcore-shell-id";

/// The query parameter that names the shell.
///
/// ```
/// assert_eq!(agentcore_contract::shell::SHELL_ID_PARAM, "shellId");
/// ```
pub const SHELL_ID_PARAM: &str = "shellId";

/// The close code of a shell whose id another client attached to: it must not reconnect.
///
/// ```
/// assert_eq!(agentcore_contract::shell::CLOSE_KICKED, 4000);
/// ```
pub const CLOSE_KICKED: u16 = 4000;

/// The WebSocket subprotocol of OAuth for shells: a browser offers
/// `base64UrlBearerAuthorization.<token in unpadded base64url>` then this, bare, and the
/// runtime's 101 selects the bare one.
///
/// ```
/// assert_eq!(agentcore_contract::shell::BEARER_SUBPROTOCOL, "base64UrlBearerAuthorization");
/// ```
pub const BEARER_SUBPROTOCOL: &str = "base64UrlBearerAuthorization";

/// The longest bearer token a subprotocol carries, in characters of its base64url form.
///
/// ```
/// assert_eq!(agentcore_contract::shell::MAX_SUBPROTOCOL_TOKEN_CHARS, 4096);
/// ```
pub const MAX_SUBPROTOCOL_TOKEN_CHARS: usize = 4096;

/// How much output produced while no client is attached is kept for the next one:
/// 256 KB.
///
/// ```
/// assert_eq!(agentcore_contract::shell::REPLAY_BYTES, 256 * 1024);
/// ```
pub const REPLAY_BYTES: usize = 256 * 1024;

/// A shell id: 1 to 128 characters of ASCII letters, digits, `_` and `-`, starting with
/// a letter or a digit (`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$`).
///
/// ```
/// use agentcore_contract::shell::ShellId;
///
/// assert!(ShellId::new("build_shell-01").is_ok());
/// assert!(ShellId::new("-leading-dash").is_err());
/// assert!(ShellId::new("a".repeat(129)).is_err());
/// assert!(ShellId::new("").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShellId(String);

/// Why a shell id was refused.
///
/// ```
/// let err = agentcore_contract::shell::ShellId::new("no spaces").unwrap_err();
/// assert!(err.to_string().contains("no spaces"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid shell id {0:?}: 1 to 128 of A-Z, a-z, 0-9, '_' and '-', starting with a letter or digit"
)]
pub struct InvalidShellId(String);

/// The longest shell id, in characters.
const MAX_SHELL_ID: usize = 128;

impl ShellId {
    /// Validates `id`.
    ///
    /// ```
    /// # use agentcore_contract::shell::ShellId;
    /// assert_eq!(ShellId::new("s1")?.to_string(), "s1");
    /// # Ok::<(), agentcore_contract::shell::InvalidShellId>(())
    /// ```
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidShellId> {
        let id = id.into();
        let bytes = id.as_bytes();
        let valid = bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes.len() <= MAX_SHELL_ID
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-');
        if valid {
            Ok(ShellId(id))
        } else {
            Err(InvalidShellId(id))
        }
    }

    /// The id.
    ///
    /// ```
    /// # use agentcore_contract::shell::ShellId;
    /// assert_eq!(ShellId::new("s1")?.as_str(), "s1");
    /// # Ok::<(), agentcore_contract::shell::InvalidShellId>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ShellId {
    type Err = InvalidShellId;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        ShellId::new(id)
    }
}

impl fmt::Display for ShellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ShellId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_ids_at_their_edges() {
        assert!(ShellId::new("a".repeat(128)).is_ok());
        assert!(ShellId::new("a".repeat(129)).is_err());
        assert!(ShellId::new("0").is_ok());
        assert!(ShellId::new("_x").is_err());
        for bad in ["a b", "a/b", "a.b", "é", "a\n", "a%20"] {
            assert!(ShellId::new(bad).is_err(), "{bad:?}");
        }
        let uuid = "3f2b1c9e-8d7a-4e6f-9b0c-1a2b3c4d5e6f";
        assert_eq!(uuid.parse::<ShellId>().unwrap().as_str(), uuid);
    }
}
