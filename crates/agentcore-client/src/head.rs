//! The head of an answer, shared by every response kind: status, headers and what the
//! service says in them.

use agentcore_contract::headers::{AWS_REQUEST_ID, SESSION_ENDPOINT_URL, SESSION_ID};
use http::{HeaderMap, StatusCode};

/// The status and headers of an answer ([`InvokeResponse`](crate::InvokeResponse),
/// [`EventStream`](crate::EventStream), [`CommandStream`](crate::CommandStream)), with
/// the service's headers read out.
///
/// ```
/// use agentcore_client::ResponseHead;
/// use http::{HeaderMap, StatusCode};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("content-type", "text/event-stream; charset=utf-8".parse().unwrap());
/// headers.insert("x-amzn-requestid", "req-1".parse().unwrap());
/// let head = ResponseHead::new(StatusCode::OK, headers);
/// assert_eq!(head.content_type(), Some("text/event-stream"));
/// assert_eq!(head.request_id(), Some("req-1"));
/// assert_eq!(head.session_id(), None);
/// ```
#[derive(Debug, Clone)]
pub struct ResponseHead {
    status: StatusCode,
    headers: HeaderMap,
}

impl ResponseHead {
    /// A head with this status and these headers (what the client makes of an answer;
    /// public for tests of your own code).
    ///
    /// ```
    /// let head = agentcore_client::ResponseHead::new(http::StatusCode::OK, http::HeaderMap::new());
    /// assert!(head.status().is_success());
    /// ```
    pub fn new(status: StatusCode, headers: HeaderMap) -> Self {
        Self { status, headers }
    }

    /// The HTTP status.
    ///
    /// ```
    /// let head = agentcore_client::ResponseHead::new(http::StatusCode::ACCEPTED, http::HeaderMap::new());
    /// assert_eq!(head.status(), 202);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    ///
    /// ```
    /// let head = agentcore_client::ResponseHead::new(http::StatusCode::OK, http::HeaderMap::new());
    /// assert!(head.headers().is_empty());
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The runtime session id the service echoed, if any.
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-amzn-bedrock-agentcore-runtime-session-id", "s-1".parse().unwrap());
    /// let head = agentcore_client::ResponseHead::new(http::StatusCode::OK, headers);
    /// assert_eq!(head.session_id(), Some("s-1"));
    /// ```
    pub fn session_id(&self) -> Option<&str> {
        self.text(SESSION_ID)
    }

    /// The service's request id (`x-amzn-requestid`), to quote to AWS support.
    ///
    /// ```
    /// let head = agentcore_client::ResponseHead::new(http::StatusCode::OK, http::HeaderMap::new());
    /// assert_eq!(head.request_id(), None);
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        self.text(AWS_REQUEST_ID)
    }

    /// The session's own endpoint URL
    /// (`X-Amzn-Bedrock-AgentCore-Runtime-Session-Endpoint-Url`), when the service sends one.
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-amzn-bedrock-agentcore-runtime-session-endpoint-url", "https://s.example/x".parse().unwrap());
    /// let head = agentcore_client::ResponseHead::new(http::StatusCode::OK, headers);
    /// assert_eq!(head.session_endpoint_url(), Some("https://s.example/x"));
    /// ```
    pub fn session_endpoint_url(&self) -> Option<&str> {
        self.text(SESSION_ENDPOINT_URL)
    }

    /// The media type of the answer, without parameters (`text/plain`, not
    /// `text/plain; charset=utf-8`).
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("content-type", "application/json".parse().unwrap());
    /// let head = agentcore_client::ResponseHead::new(http::StatusCode::OK, headers);
    /// assert_eq!(head.content_type(), Some("application/json"));
    /// ```
    pub fn content_type(&self) -> Option<&str> {
        let value = self.text(http::header::CONTENT_TYPE.as_str())?;
        Some(value.split(';').next().unwrap_or(value).trim())
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}
