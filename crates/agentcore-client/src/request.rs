//! What every HTTP operation sends: [`CallOptions`], [`Payload`], and the request itself
//! (path, `qualifier`, headers, bearer token or SigV4 signature), plus the reading of
//! service errors.

use std::fmt;
use std::time::Duration;

use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::headers::{
    BAGGAGE, SESSION_ID, TRACE_ID, TRACEPARENT, TRACESTATE, USER_ID, WORKLOAD_ACCESS_TOKEN,
};
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response};
use http_body_util::Full;
use serde::Serialize;

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::error::service_error;
use crate::handshake::{USER_AGENT_VALUE, inject_current_trace};
use crate::session::RuntimeSession;
use crate::sign::{Placement, Signable, push_param, sign_request};
use crate::transport::{MAX_ERROR_BODY_BYTES, ResponseBody, transport_error};
use crate::ws::Auth;

/// The qualifier of HTTP operations when the session names none.
pub(crate) const DEFAULT_QUALIFIER: &str = "DEFAULT";

/// The trace headers a caller may set ([`CallOptions::trace_header`]).
const TRACE_HEADERS: [&str; 4] = [TRACEPARENT, TRACESTATE, BAGGAGE, TRACE_ID];

/// Per-call options of the HTTP operations; every one is optional.
///
/// Its `Debug` output shows header names, never their values.
#[derive(Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) user_id: Option<String>,
    pub(crate) trace: Vec<(String, String)>,
    pub(crate) accept: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_response_bytes: Option<usize>,
    pub(crate) workload_access_token: Option<String>,
}

impl CallOptions {
    /// Sends `X-Amzn-Bedrock-AgentCore-Runtime-User-Id`.
    pub(crate) fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Sends a trace header: `traceparent`, `tracestate`, `baggage` or
    /// `X-Amzn-Trace-Id` (any other name is [`Error::InvalidOption`] when the call is
    /// made).
    pub(crate) fn trace_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.trace.push((name.into(), value.into()));
        self
    }

    /// Replaces the `Accept` header (`application/json` for `invoke`,
    /// `text/event-stream` for `invoke_stream`).
    pub(crate) fn accept(mut self, accept: impl Into<String>) -> Self {
        self.accept = Some(accept.into());
        self
    }

    /// Sends one more header (such as `Mcp-Session-Id`). Headers the client sets itself
    /// (authorization, host, `x-amz-*`, the session id) are refused when the call is made.
    pub(crate) fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the client's read timeout for this call.
    pub(crate) fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The limit of collected answers, replacing the client's.
    pub(crate) fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Sends the workload access token (`X-Amz-Bedrock-AgentCore-Identity-WAT`).
    pub(crate) fn workload_access_token(mut self, token: impl Into<String>) -> Self {
        self.workload_access_token = Some(token.into());
        self
    }
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |headers: &[(String, String)]| -> Vec<String> {
            headers.iter().map(|(name, _)| name.clone()).collect()
        };
        f.debug_struct("CallOptions")
            .field("user_id", &self.user_id.as_ref().map(|_| "<set>"))
            .field("trace", &names(&self.trace))
            .field("accept", &self.accept)
            .field("headers", &names(&self.headers))
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field(
                "workload_access_token",
                &self.workload_access_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The body of an invocation and its content type.
///
/// ```
/// use agentcore_client::Payload;
///
/// let json = Payload::json(&serde_json::json!({"prompt": "hi"}))?;
/// assert_eq!(json.content_type(), "application/json");
/// assert_eq!(&json.body()[..], br#"{"prompt":"hi"}"#);
///
/// let raw = Payload::bytes(&b"\x00\x01"[..], "application/octet-stream");
/// assert_eq!(raw.content_type(), "application/octet-stream");
///
/// let from_value: Payload = serde_json::json!([1, 2]).into();
/// assert_eq!(&from_value.body()[..], b"[1,2]");
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Payload {
    body: Bytes,
    content_type: String,
}

impl Payload {
    /// `value` serialized as JSON, sent as `application/json`.
    ///
    /// ```
    /// # use agentcore_client::Payload;
    /// let payload = Payload::json(&serde_json::json!({"prompt": "hi"}))?;
    /// assert_eq!(payload.content_type(), "application/json");
    /// assert_eq!(&payload.body()[..], br#"{"prompt":"hi"}"#);
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        Ok(Self {
            body: serde_json::to_vec(value)?.into(),
            content_type: agentcore_contract::headers::APPLICATION_JSON.to_owned(),
        })
    }

    /// Raw bytes with their content type.
    ///
    /// ```
    /// # use agentcore_client::Payload;
    /// let payload = Payload::bytes("hello", "text/plain");
    /// assert_eq!(payload.content_type(), "text/plain");
    /// assert_eq!(&payload.body()[..], b"hello");
    /// ```
    pub fn bytes(body: impl Into<Bytes>, content_type: &str) -> Self {
        Self {
            body: body.into(),
            content_type: content_type.to_owned(),
        }
    }

    /// The bytes sent.
    ///
    /// ```
    /// # use agentcore_client::Payload;
    /// let payload: Payload = serde_json::json!({"n": 1}).into();
    /// assert_eq!(&payload.body()[..], br#"{"n":1}"#);
    /// ```
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The content type sent.
    ///
    /// ```
    /// # use agentcore_client::Payload;
    /// assert_eq!(Payload::bytes(vec![0u8, 1], "application/octet-stream").content_type(), "application/octet-stream");
    /// ```
    pub fn content_type(&self) -> &str {
        &self.content_type
    }
}

impl From<serde_json::Value> for Payload {
    fn from(value: serde_json::Value) -> Self {
        Self {
            body: value.to_string().into(),
            content_type: agentcore_contract::headers::APPLICATION_JSON.to_owned(),
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payload")
            .field("content_type", &self.content_type)
            .field("len", &self.body.len())
            .finish()
    }
}

/// One HTTP request of an operation, before authentication.
pub(crate) struct Call<'a> {
    pub(crate) operation: RuntimeOperation,
    pub(crate) body: Bytes,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) accept: Option<&'a str>,
    pub(crate) options: &'a CallOptions,
    pub(crate) read_timeout: Duration,
}

impl RuntimeClient {
    /// Sends `call` to `session` with `auth` and returns the answer's head and body; an
    /// error status becomes [`Error::Service`].
    pub(crate) async fn send(
        &self,
        session: &RuntimeSession,
        auth: &Auth,
        call: &Call<'_>,
    ) -> Result<(Response<()>, ResponseBody), Error> {
        let request = self.build_request(session, auth, call).await?;
        let pending = self.http().request(request);
        let response = tokio::time::timeout(call.read_timeout, pending)
            .await
            .map_err(|_| Error::Timeout(call.read_timeout))?
            .map_err(|e| transport_error(e, self.connect_timeout()))?;
        let (head, body) = response.into_parts();
        let body = ResponseBody::new(body, call.read_timeout);
        let head = Response::from_parts(head, ());
        if head.status().is_success() {
            return Ok((head, body));
        }
        let bytes = body.prefix(MAX_ERROR_BODY_BYTES).await?;
        Err(service_error(head.status(), head.headers(), &bytes))
    }

    async fn build_request(
        &self,
        session: &RuntimeSession,
        auth: &Auth,
        call: &Call<'_>,
    ) -> Result<Request<Full<Bytes>>, Error> {
        if matches!(auth, Auth::Presigned(_)) {
            return Err(Error::PresignedNotSupported);
        }
        let path = call.operation.path(session.arn());
        let mut query = String::new();
        let qualifier = session.qualifier().unwrap_or(DEFAULT_QUALIFIER);
        push_param(&mut query, "qualifier", qualifier);
        let url = self.endpoint(session).signing_url(&path, &query);

        let mut headers = HeaderMap::with_capacity(12);
        let content_type = call.content_type;
        if let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, value(CONTENT_TYPE.as_str(), content_type)?);
        }
        if let Some(accept) = call.options.accept.as_deref().or(call.accept) {
            headers.insert(ACCEPT, value(ACCEPT.as_str(), accept)?);
        }
        let session_id = session.session_id().as_str();
        headers.insert(SESSION_ID, value(SESSION_ID, session_id)?);
        if let Some(user_id) = &call.options.user_id {
            headers.insert(USER_ID, value(USER_ID, user_id)?);
        }
        if let Some(token) = &call.options.workload_access_token {
            let mut wat = value(WORKLOAD_ACCESS_TOKEN, token)?;
            wat.set_sensitive(true);
            headers.insert(WORKLOAD_ACCESS_TOKEN, wat);
        }
        for (name, header_value) in &call.options.trace {
            let lower = name.to_ascii_lowercase();
            let Some(known) = TRACE_HEADERS.iter().find(|h| **h == lower) else {
                return Err(Error::InvalidOption(format!(
                    "{name:?} is not a trace header (traceparent, tracestate, baggage, X-Amzn-Trace-Id)"
                )));
            };
            headers.insert(*known, value(known, header_value)?);
        }
        // Feature `otel`: the current trace, where the call set none of its own.
        inject_current_trace(&mut headers);
        for (name, header_value) in &call.options.headers {
            let name = extra_header_name(name)?;
            let header_value = HeaderValue::from_str(header_value)
                .map_err(|_| Error::InvalidOption(format!("invalid value for header {name}")))?;
            headers.append(name, header_value);
        }
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));

        match auth {
            Auth::Bearer(token) => {
                if token.is_empty() {
                    return Err(Error::EmptyBearerToken);
                }
                let mut bearer = value(AUTHORIZATION.as_str(), &format!("Bearer {token}"))?;
                bearer.set_sensitive(true);
                headers.insert(AUTHORIZATION, bearer);
            }
            Auth::SigV4 => {
                let identity = self.credentials().await?;
                let host = self.endpoint(session).host();
                let mut signed = vec![("host", host), (SESSION_ID, session_id)];
                if let Some(content_type) = content_type {
                    signed.push((CONTENT_TYPE.as_str(), content_type));
                }
                let request = Signable {
                    method: call.operation.method(),
                    url: &url,
                    headers: &signed,
                    body: &call.body,
                };
                let region = self.signing_region(session.arn());
                let instructions =
                    sign_request(&identity, region, self.now(), &request, Placement::Headers)?;
                for header in instructions.into_parts().0 {
                    let mut header_value = value(header.name(), header.value())?;
                    header_value
                        .set_sensitive(header.sensitive() || header.name() == "authorization");
                    headers.insert(HeaderName::from_static(header.name()), header_value);
                }
            }
            Auth::Presigned(_) => return Err(Error::PresignedNotSupported),
        }

        let mut request = Request::new(Full::new(call.body.clone()));
        *request.method_mut() = if call.operation.method() == "GET" {
            Method::GET
        } else {
            Method::POST
        };
        *request.uri_mut() = url
            .parse()
            .map_err(|_| Error::InvalidOption("the request URL is not valid".into()))?;
        *request.headers_mut() = headers;
        Ok(request)
    }
}

/// An extra header's name, refused when the client sets that header itself.
fn extra_header_name(name: &str) -> Result<HeaderName, Error> {
    let parsed = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::InvalidOption(format!("invalid header name {name:?}")))?;
    let lower = parsed.as_str();
    let reserved = ["authorization", "host", "content-length", SESSION_ID];
    if reserved.contains(&lower) || lower.starts_with("x-amz-") {
        return Err(Error::InvalidOption(format!(
            "header {lower} is set by the client"
        )));
    }
    Ok(parsed)
}

fn value(name: &'static str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| Error::InvalidHeaderValue(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_extra_headers() {
        assert!(extra_header_name("Authorization").is_err());
        assert!(extra_header_name("X-Amz-Date").is_err());
        assert!(extra_header_name("mcp-session-id").is_ok());
    }
}
