//! The client's error type.

use std::time::Duration;

use agentcore_contract::endpoint::InvalidEndpointOverride;
use agentcore_contract::{InvalidArn, InvalidRegion, InvalidSessionId};

/// Boxed source of an error from a dependency, so that its type stays out of this API.
type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in this crate. Each variant names what was wrong; none of
/// them carries a secret.
///
/// The contract's validation errors convert into it, so `?` works on
/// [`str::parse`] of a [`RuntimeArn`](crate::contract::RuntimeArn) or a
/// [`SessionId`](crate::contract::SessionId):
///
/// ```
/// use agentcore_client::{Error, contract::RuntimeArn};
///
/// fn parse(arn: &str) -> Result<RuntimeArn, Error> {
///     Ok(arn.parse::<RuntimeArn>()?)
/// }
/// assert!(matches!(parse("arn:aws:s3:::bucket"), Err(Error::InvalidArn(_))));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A runtime ARN that breaks one of the contract's rules.
    #[error(transparent)]
    InvalidArn(#[from] InvalidArn),
    /// A session id that is not 33 to 256 characters (or holds a control character).
    #[error(transparent)]
    InvalidSessionId(#[from] InvalidSessionId),
    /// A malformed region name.
    #[error(transparent)]
    InvalidRegion(#[from] InvalidRegion),
    /// An endpoint given to the builder that is not an `http(s)://` or `ws(s)://` URL with
    /// a host and nothing after it but `/`.
    #[error("invalid endpoint {url:?}: {reason}")]
    InvalidEndpoint {
        /// The refused value.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `BEDROCK_AGENTCORE_DP_ENDPOINT` names a host outside AWS.
    #[error(transparent)]
    InvalidEndpointOverride(#[from] InvalidEndpointOverride),
    /// A presigned URL's expiry outside 1 to 300 seconds.
    #[error("invalid presigned URL expiry {0:?}: must be between 1 and 300 seconds")]
    InvalidExpiry(Duration),
    /// A caller query parameter whose name the presigned URL reserves (`qualifier`, the
    /// session id, or any `X-Amz-` name).
    #[error("query parameter {0:?} is reserved by the presigned URL")]
    ReservedQueryParameter(String),
    /// An empty OAuth bearer token.
    #[error("the bearer token is empty")]
    EmptyBearerToken,
    /// A value that cannot travel in the named HTTP header (a control character, say).
    #[error("invalid value for the {0} header")]
    InvalidHeaderValue(&'static str),
    /// SigV4 was asked for but the client has no credentials provider.
    #[error("no AWS credentials provider is configured")]
    NoCredentials,
    /// The credentials provider failed.
    #[error("loading AWS credentials failed")]
    Credentials(#[source] Source),
    /// aws-sigv4 refused to sign.
    #[error("SigV4 signing failed")]
    Signing(#[source] Source),
    /// The WebSocket failed: connecting, the handshake (an HTTP refusal included), or a
    /// later read or write.
    #[error("WebSocket error")]
    WebSocket(#[source] Box<tokio_tungstenite::tungstenite::Error>),
    /// A JSON message could not be encoded or decoded.
    #[error("JSON message error")]
    Json(#[from] serde_json::Error),
}

impl From<tokio_tungstenite::tungstenite::Error> for Error {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        Self::WebSocket(Box::new(e))
    }
}
