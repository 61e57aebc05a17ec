//! The response body of the emulator: bytes, or a stream passed through.

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};

/// A boxed error.
///
/// ```
/// use agentcore_emulator::BoxError;
///
/// let err: BoxError = "agent unreachable".into();
/// assert_eq!(err.to_string(), "agent unreachable");
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Every response body.
pub(crate) type Body = UnsyncBoxBody<Bytes, BoxError>;

/// A body of these bytes.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}
