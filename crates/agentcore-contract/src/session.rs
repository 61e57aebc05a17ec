//! Runtime session ids.

use std::fmt;
use std::str::FromStr;

/// A runtime session id: 33 to 256 characters, none of them a control character (it
/// travels in a header and in query strings).
///
/// ```
/// use agentcore_contract::SessionId;
///
/// let id: SessionId = "5f0c5bd2-8d1e-4c4e-9f39-63b4a6d1e1b2".parse().unwrap();
/// assert_eq!(id.as_str().len(), 36);
/// assert!("too-short".parse::<SessionId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(String);

/// Why a string is not a session id.
///
/// ```
/// use agentcore_contract::{InvalidSessionId, SessionId};
///
/// assert_eq!(SessionId::new("short").unwrap_err(), InvalidSessionId::Length(5));
/// let with_newline = format!("{}\n", "a".repeat(40));
/// assert_eq!(SessionId::new(with_newline).unwrap_err(), InvalidSessionId::ControlCharacter);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidSessionId {
    /// Fewer than [`SessionId::MIN_LEN`] or more than [`SessionId::MAX_LEN`] characters.
    #[error(
        "invalid session id: {0} characters, expected {min} to {max}",
        min = SessionId::MIN_LEN,
        max = SessionId::MAX_LEN
    )]
    Length(usize),
    /// A control character (which cannot travel in an HTTP header).
    #[error("invalid session id: contains a control character")]
    ControlCharacter,
}

impl SessionId {
    /// The fewest characters a session id may have.
    ///
    /// ```
    /// # use agentcore_contract::SessionId;
    /// assert!(SessionId::new("a".repeat(SessionId::MIN_LEN)).is_ok());
    /// assert!(SessionId::new("a".repeat(SessionId::MIN_LEN - 1)).is_err());
    /// ```
    pub const MIN_LEN: usize = 33;
    /// The most characters a session id may have.
    ///
    /// ```
    /// # use agentcore_contract::SessionId;
    /// assert!(SessionId::new("a".repeat(SessionId::MAX_LEN)).is_ok());
    /// assert!(SessionId::new("a".repeat(SessionId::MAX_LEN + 1)).is_err());
    /// ```
    pub const MAX_LEN: usize = 256;

    /// Validates `id` and wraps it.
    ///
    /// ```
    /// # use agentcore_contract::SessionId;
    /// let id = SessionId::new("session-0123456789abcdef0123456789abcdef").unwrap();
    /// assert_eq!(id.as_str(), "session-0123456789abcdef0123456789abcdef");
    /// ```
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidSessionId> {
        let id = id.into();
        let len = id.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(InvalidSessionId::Length(len));
        }
        if id.chars().any(char::is_control) {
            return Err(InvalidSessionId::ControlCharacter);
        }
        Ok(Self(id))
    }

    /// The id.
    ///
    /// ```
    /// # use agentcore_contract::SessionId;
    /// let id: SessionId = "5f0c5bd2-8d1e-4c4e-9f39-63b4a6d1e1b2".parse().unwrap();
    /// assert!(id.as_str().starts_with("5f0c5bd2"));
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Unwraps the id.
    ///
    /// ```
    /// # use agentcore_contract::SessionId;
    /// let id: SessionId = "5f0c5bd2-8d1e-4c4e-9f39-63b4a6d1e1b2".parse().unwrap();
    /// let owned: String = id.into_string();
    /// assert_eq!(owned.len(), 36);
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl FromStr for SessionId {
    type Err = InvalidSessionId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for SessionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_edges() {
        assert_eq!(
            SessionId::new("a".repeat(32)),
            Err(InvalidSessionId::Length(32))
        );
        assert!(SessionId::new("a".repeat(33)).is_ok());
        assert!(SessionId::new("a".repeat(256)).is_ok());
        assert_eq!(
            SessionId::new("a".repeat(257)),
            Err(InvalidSessionId::Length(257))
        );
        assert_eq!(SessionId::new(""), Err(InvalidSessionId::Length(0)));
        // Characters, not bytes.
        assert!(SessionId::new("é".repeat(256)).is_ok());
        assert_eq!(
            SessionId::new("é".repeat(20)),
            Err(InvalidSessionId::Length(20))
        );
    }

    #[test]
    fn control_characters_are_refused() {
        let id = format!("{}\r\nx", "a".repeat(40));
        assert_eq!(SessionId::new(id), Err(InvalidSessionId::ControlCharacter));
    }
}
