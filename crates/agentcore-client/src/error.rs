//! The client's error type.

use std::time::Duration;

use agentcore_contract::endpoint::InvalidEndpointOverride;
use agentcore_contract::headers::{AWS_REQUEST_ID, ERROR_TYPE};
use agentcore_contract::{InvalidArn, InvalidRegion, InvalidSessionId};
use http::{HeaderMap, StatusCode};

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
    /// A shell id that is not 1 to 128 of `A-Z a-z 0-9 _ -` starting with a letter or
    /// digit.
    #[error(transparent)]
    InvalidShellId(#[from] agentcore_contract::shell::InvalidShellId),
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
    WebSocket(#[source] Source),
    /// A JSON message could not be encoded or decoded.
    #[error("JSON message error")]
    Json(#[from] serde_json::Error),
    /// A presigned URL was asked for on an HTTP operation: presigned URLs are for
    /// WebSockets only; use [`Auth::SigV4`](crate::Auth::SigV4) or a bearer token.
    #[error("presigned URLs are for WebSockets; HTTP operations take SigV4 or a bearer token")]
    PresignedNotSupported,
    /// An option the contract refuses: a header name outside the trace headers, a
    /// command timeout outside 1 to 3600 seconds, an empty command, and so on.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The service (or the agent behind it) answered with an error status.
    #[error("service error {status} {}: {}", kind.as_deref().unwrap_or("(no type)"), message.as_deref().unwrap_or("(no message)"))]
    Service {
        /// The error type: `x-amzn-errortype` up to `:`, else the body's `__type` after
        /// `#`, such as `AccessDeniedException`.
        kind: Option<String>,
        /// The HTTP status.
        status: u16,
        /// The body's `message`, when there is one.
        message: Option<String>,
        /// The `x-amzn-requestid` header, when there is one.
        request_id: Option<String>,
    },
    /// An exception (or error) frame inside a command's event stream.
    #[error("stream exception {kind}: {}", message.as_deref().unwrap_or("(no message)"))]
    StreamException {
        /// `:exception-type` verbatim (such as `throttlingException`), or an error
        /// frame's `:error-code`.
        kind: String,
        /// The frame's `message` (or `:error-message`).
        message: Option<String>,
    },
    /// The agent's stream ended with an error event (CONTRACT.md §1).
    #[error("the agent's stream failed ({error_type}): {error}")]
    Agent {
        /// What went wrong, as the agent says.
        error: String,
        /// The agent's error type (such as an exception class name).
        error_type: String,
        /// The event's summary message.
        message: String,
    },
    /// Connecting, sending or receiving failed.
    #[error("HTTP transport error")]
    Transport(#[source] Source),
    /// Connecting or waiting for the answer took longer than allowed.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// An answer that cannot be read as it should: a malformed or truncated event-stream
    /// frame, JSON that does not parse, an SSE stream over its size limit.
    #[error("malformed response: {0}")]
    Decode(String),
    /// A command's event stream ended without `contentStop`.
    #[error("the command's event stream ended without contentStop")]
    IncompleteCommand,
    /// A collected answer (a body, a non-SSE stream, a command's output) grew past the
    /// limit ([`RuntimeClientBuilder::max_response_bytes`](crate::RuntimeClientBuilder::max_response_bytes)).
    #[error("the answer exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The shell is over (it exited, was closed, detached, evicted or taken over by
    /// another client): nothing more can be sent to it.
    #[error("the shell is closed")]
    ShellClosed,
    /// An A2A agent answered a call with a JSON-RPC error: an unknown task (`-32001`), a
    /// task that cannot be cancelled (`-32002`), an unknown method (`-32601`), invalid
    /// params (`-32602`) (feature `a2a`).
    #[error("the A2A agent refused the call (JSON-RPC error {code}): {message}")]
    A2a {
        /// The JSON-RPC error code, such as `-32001` (task not found).
        code: i64,
        /// The agent's message.
        message: String,
    },
    /// An MCP server answered a request with a JSON-RPC error: an unknown tool or
    /// method, invalid arguments (`-32602`), an internal error (feature `mcp`).
    #[error("the MCP server refused the request (JSON-RPC error {code}): {message}")]
    JsonRpc {
        /// The JSON-RPC error code, such as `-32602` (invalid params).
        code: i32,
        /// The server's message.
        message: String,
    },
    /// The MCP session failed otherwise: it closed, or the server's messages were not
    /// what MCP says (feature `mcp`).
    #[error("MCP session error: {0}")]
    Mcp(String),
    /// An Identity call needs the client's region (no runtime ARN names one): set
    /// [`RuntimeClientBuilder::region`](crate::RuntimeClientBuilder::region) or `AWS_REGION`.
    #[error("AgentCore Identity calls need a region: set one on the client or AWS_REGION")]
    NoRegion,
    /// An Identity request field that breaks the service model's rules, refused before
    /// it is sent.
    #[error(transparent)]
    InvalidField(#[from] agentcore_contract::identity::FieldError),
    /// No workload access token: the request context has none and no local workload is
    /// configured (feature `identity`).
    #[error(
        "no workload access token: on AgentCore Runtime, the runtime sends one with each invocation \
         (with SigV4, only when the caller sends X-Amzn-Bedrock-AgentCore-Runtime-User-Id); \
         for local runs, set AGENTCORE_WORKLOAD_NAME (and AGENTCORE_LOCAL_USER_ID)"
    )]
    NoWorkloadAccessToken,
    /// A `USER_FEDERATION` flow that needs the user's consent was sent without a way to
    /// hand the authorization URL over (feature `identity`).
    #[error("the user must consent first: set on_authorization_url, or use start() and wait()")]
    ConsentRequired,
    /// The user did not consent in time: polling gave up (feature `identity`).
    #[error("the user did not complete the authorization within {0:?}")]
    ConsentTimeout(Duration),
    /// The service reports the authorization session as failed (feature `identity`).
    #[error("the authorization session failed")]
    AuthorizationFailed,
    /// STS refused an AWS-signed JWT (`GetWebIdentityToken`): outbound web identity
    /// federation not enabled for the account, no permission, bad parameters (feature
    /// `identity`).
    #[error("STS GetWebIdentityToken failed: {0}")]
    WebIdentityToken(String),
}

impl Error {
    /// Whether this is an error answer of the service ([`Error::Service`] or
    /// [`Error::StreamException`]).
    ///
    /// ```
    /// let e = agentcore_client::Error::Service {
    ///     kind: Some("ThrottlingException".into()),
    ///     status: 429,
    ///     message: None,
    ///     request_id: None,
    /// };
    /// assert!(e.is_service() && !e.is_timeout());
    /// assert_eq!(e.service_kind(), Some("ThrottlingException"));
    /// assert_eq!(e.status(), Some(429));
    /// ```
    pub fn is_service(&self) -> bool {
        matches!(self, Self::Service { .. } | Self::StreamException { .. })
    }

    /// Whether a connect or read timeout ended the call.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert!(agentcore_client::Error::Timeout(Duration::from_secs(1)).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }

    /// Whether a collected answer grew past the response size limit.
    ///
    /// ```
    /// assert!(agentcore_client::Error::ResponseTooLarge { limit: 10 }.is_too_large());
    /// ```
    pub fn is_too_large(&self) -> bool {
        matches!(self, Self::ResponseTooLarge { .. })
    }

    /// Whether connecting, sending or receiving failed.
    ///
    /// ```
    /// let e = agentcore_client::Error::Transport("reset".into());
    /// assert!(e.is_transport() && !e.is_service());
    /// ```
    pub fn is_transport(&self) -> bool {
        matches!(self, Self::Transport(_))
    }

    /// Whether the answer could not be decoded (including a command stream without
    /// `contentStop`).
    ///
    /// ```
    /// assert!(agentcore_client::Error::IncompleteCommand.is_decode());
    /// assert!(agentcore_client::Error::Decode("bad frame".into()).is_decode());
    /// ```
    pub fn is_decode(&self) -> bool {
        matches!(self, Self::Decode(_) | Self::IncompleteCommand)
    }

    /// The service error type, such as `AccessDeniedException` (or an exception frame's
    /// `:exception-type`).
    ///
    /// ```
    /// let e = agentcore_client::Error::StreamException {
    ///     kind: "throttlingException".into(),
    ///     message: Some("Slow down".into()),
    /// };
    /// assert_eq!(e.service_kind(), Some("throttlingException"));
    /// assert_eq!(e.status(), None);
    /// ```
    pub fn service_kind(&self) -> Option<&str> {
        match self {
            Self::Service { kind, .. } => kind.as_deref(),
            Self::StreamException { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// The HTTP status of a service error.
    ///
    /// ```
    /// assert_eq!(agentcore_client::Error::IncompleteCommand.status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether an idempotent call may be retried after this error: throttling, a 5xx,
    /// a transport failure or a timeout.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Self::Service { status, kind, .. } => {
                *status == 429 || *status >= 500 || kind.as_deref() == Some("ThrottlingException")
            }
            Self::Transport(_) | Self::Timeout(_) => true,
            _ => false,
        }
    }
}

/// The service error of an error answer: the type from `x-amzn-errortype` (up to `:`),
/// else the body's `__type` (after `#`); the body's `message`; the request id.
pub(crate) fn service_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |key: &str| {
        json.as_ref()
            .and_then(|j| j.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let header_kind = headers
        .get(ERROR_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).trim().to_owned());
    let body_kind = || {
        let kind = field("__type")?;
        let after_hash = kind.rsplit('#').next().unwrap_or(&kind);
        Some(
            after_hash
                .split(':')
                .next()
                .unwrap_or(after_hash)
                .to_owned(),
        )
    };
    let kind = header_kind
        .filter(|k| !k.is_empty())
        .or_else(body_kind)
        .filter(|k| !k.is_empty());
    let request_id = headers
        .get(AWS_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Error::Service {
        kind,
        status: status.as_u16(),
        message: field("message").or_else(|| field("Message")),
        request_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn service_error_kinds() {
        let mut headers = HeaderMap::new();
        let body = br#"{"__type":"com.amazon#ValidationException","message":"bad"}"#;
        let e = service_error(StatusCode::BAD_REQUEST, &headers, body);
        assert_eq!(e.service_kind(), Some("ValidationException"));
        headers.insert(
            ERROR_TYPE,
            HeaderValue::from_static("AccessDeniedException:http://x/"),
        );
        headers.insert(AWS_REQUEST_ID, HeaderValue::from_static("req-1"));
        let e = service_error(StatusCode::FORBIDDEN, &headers, b"not json");
        assert!(matches!(
            e,
            Error::Service { kind: Some(k), status: 403, message: None, request_id: Some(r) }
                if k == "AccessDeniedException" && r == "req-1"
        ));
    }
}
