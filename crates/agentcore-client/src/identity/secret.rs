//! [`Secret`]: a token or key that no `Debug` output shows.

use std::fmt;
use std::sync::Arc;

/// A token or an API key: cheap to clone, never shown by `Debug`, read with
/// [`expose`](Self::expose) where it is used (a header, a client's configuration).
///
/// ```
/// use agentcore_client::identity::Secret;
///
/// let key = Secret::new("sk-live-123");
/// assert_eq!(key.expose(), "sk-live-123");
/// assert_eq!(format!("{key:?}"), "Secret(<redacted>)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }

    /// The value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}
