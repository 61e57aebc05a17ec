//! WebSocket handshake requests with SigV4 or OAuth headers: the URL and the header set
//! a backend (or [`RuntimeClient::connect`]) opens the runtime's `/ws` with.

use agentcore_contract::headers::SESSION_ID;
use http::header::{
    AUTHORIZATION, CONNECTION, HOST, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE, USER_AGENT,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use tokio_tungstenite::tungstenite::handshake::client::generate_key;

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::session::RuntimeSession;
use crate::sign::{Placement, Signable, push_param, sign_request};

/// The session-id header, parsed once.
const SESSION_ID_HEADER: HeaderName = HeaderName::from_static(SESSION_ID);

/// The `User-Agent` this crate sends.
pub(crate) const USER_AGENT_VALUE: &str = concat!("agentcore-client/", env!("CARGO_PKG_VERSION"));

/// A WebSocket handshake request: the `wss://` (or `ws://`) URL and the headers to send.
///
/// Its `Debug` output hides the `Authorization` and `X-Amz-Security-Token` values.
///
/// ```
/// use agentcore_client::{RuntimeClient, RuntimeSession};
///
/// let client = RuntimeClient::builder().build()?;
/// let session = RuntimeSession::new(
///     "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-x".parse()?,
/// );
/// let request = client.oauth_headers(&session, "eyJhbGciOiJSUzI1NiJ9.e30.sig")?;
/// assert!(!format!("{request:?}").contains("eyJ"));
/// let http_request: http::Request<()> = request.into_http();
/// assert_eq!(http_request.headers()["upgrade"], "websocket");
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[derive(Debug)]
pub struct WebSocketRequest {
    /// Built from a parsed endpoint and percent-encoded parts, so always a valid URI.
    url: String,
    headers: HeaderMap,
}

impl WebSocketRequest {
    /// A request of this URL and these headers (upgrade headers included).
    pub(crate) fn new(url: String, headers: HeaderMap) -> Self {
        Self { url, headers }
    }

    /// The WebSocket subprotocols offered (`Sec-WebSocket-Protocol`), in order: what a
    /// browser passes to `new WebSocket(url, protocols)`; empty when none are.
    ///
    /// ```
    /// # use agentcore_client::{RuntimeClient, RuntimeSession};
    /// let client = RuntimeClient::builder().build()?;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// assert!(client.oauth_headers(&session, "my-jwt")?.subprotocols().is_empty());
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn subprotocols(&self) -> Vec<&str> {
        self.headers
            .get(http::header::SEC_WEBSOCKET_PROTOCOL)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.split(',').map(str::trim).collect())
            .unwrap_or_default()
    }

    /// The URL.
    ///
    /// ```
    /// # use agentcore_client::{RuntimeClient, RuntimeSession};
    /// let client = RuntimeClient::builder().build()?;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// let request = client.oauth_headers(&session, "my-jwt")?;
    /// assert!(request.url().starts_with("wss://bedrock-agentcore.us-west-2.amazonaws.com/runtimes/arn%3Aaws%3A"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers, WebSocket upgrade headers included.
    ///
    /// ```
    /// # use agentcore_client::{RuntimeClient, RuntimeSession};
    /// let client = RuntimeClient::builder().build()?;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// let request = client.oauth_headers(&session, "my-jwt")?;
    /// assert_eq!(request.headers()["authorization"], "Bearer my-jwt");
    /// assert_eq!(request.headers()["x-amzn-bedrock-agentcore-runtime-session-id"], session.session_id().as_str());
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request as a `GET` [`http::Request`], ready for `tokio-tungstenite` or any
    /// other client.
    ///
    /// ```
    /// # use agentcore_client::{RuntimeClient, RuntimeSession};
    /// let client = RuntimeClient::builder().build()?;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// let request = client.oauth_headers(&session, "my-jwt")?;
    /// let url = request.url().to_owned();
    /// let http_request = request.into_http();
    /// assert_eq!(http_request.method(), http::Method::GET);
    /// assert_eq!(http_request.uri().to_string(), url);
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn into_http(self) -> Request<()> {
        let uri = Uri::try_from(self.url).expect("a parsed endpoint and percent-encoded parts");
        let mut request = Request::new(());
        *request.method_mut() = Method::GET;
        *request.uri_mut() = uri;
        *request.headers_mut() = self.headers;
        request
    }
}

impl RuntimeClient {
    /// The URL and SigV4 headers of a WebSocket to `session`: `GET` of the `https://` form
    /// signed with only `host` (signed headers `host;x-amz-date`, plus
    /// `x-amz-security-token` with temporary credentials), then the session-id header
    /// (not signed) and the upgrade headers.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), agentcore_client::Error> {
    /// use agentcore_client::{RuntimeClient, RuntimeSession};
    ///
    /// let client = RuntimeClient::from_env().await?;
    /// let session = RuntimeSession::new(
    ///     "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-x".parse()?,
    /// );
    /// let request = client.sigv4_headers(&session).await?;
    /// println!("{} {:?}", request.url(), request.headers().keys().collect::<Vec<_>>());
    /// # Ok(()) }
    /// ```
    pub async fn sigv4_headers(&self, session: &RuntimeSession) -> Result<WebSocketRequest, Error> {
        let query = qualifier_query(session);
        self.sigv4_request(session, session.ws_path(), &query, &[])
            .await
    }

    /// A SigV4-signed WebSocket request to `path?query` of `session`'s endpoint: `GET`
    /// of the `https://` form signed with `host`, `signed` (name, value) headers and what
    /// the signer adds; then the session-id header and the upgrade headers.
    pub(crate) async fn sigv4_request(
        &self,
        session: &RuntimeSession,
        path: &str,
        query: &str,
        signed: &[(&str, &str)],
    ) -> Result<WebSocketRequest, Error> {
        let identity = self.credentials().await?;
        let endpoint = self.endpoint(session);
        let request = Signable {
            method: "GET",
            url: &endpoint.signing_url(path, query),
            headers: signed,
            body: &[],
        };
        let region = self.signing_region(session.arn());
        let instructions =
            sign_request(&identity, region, self.now(), &request, Placement::Headers)?;
        let mut headers = HeaderMap::with_capacity(10);
        headers.insert(HOST, header_value(HOST.as_str(), endpoint.host())?);
        for header in instructions.into_parts().0 {
            let mut value = header_value(header.name(), header.value())?;
            value.set_sensitive(header.sensitive() || header.name() == AUTHORIZATION);
            headers.insert(HeaderName::from_static(header.name()), value);
        }
        insert_session_and_upgrade(&mut headers, session)?;
        inject_current_trace(&mut headers);
        let url = endpoint.ws_url(path, query);
        Ok(WebSocketRequest { url, headers })
    }

    /// The URL and OAuth headers of a WebSocket to `session`: `Authorization: Bearer
    /// <token>`, the session-id header and the upgrade headers. An empty token is
    /// [`Error::EmptyBearerToken`].
    ///
    /// ```
    /// use agentcore_client::{Error, RuntimeClient, RuntimeSession};
    ///
    /// let client = RuntimeClient::builder().build()?;
    /// let session = RuntimeSession::new(
    ///     "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/agent-x".parse()?,
    /// )
    /// .with_qualifier("DEFAULT");
    /// let request = client.oauth_headers(&session, "my-jwt")?;
    /// assert_eq!(
    ///     request.url(),
    ///     "wss://bedrock-agentcore.eu-west-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aeu-west-1%3A123456789012%3Aruntime%2Fagent-x/ws?qualifier=DEFAULT"
    /// );
    /// assert_eq!(request.headers()["authorization"], "Bearer my-jwt");
    /// assert!(matches!(client.oauth_headers(&session, ""), Err(Error::EmptyBearerToken)));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn oauth_headers(
        &self,
        session: &RuntimeSession,
        token: &str,
    ) -> Result<WebSocketRequest, Error> {
        if token.is_empty() {
            return Err(Error::EmptyBearerToken);
        }
        let endpoint = self.endpoint(session);
        let mut bearer = header_value(AUTHORIZATION.as_str(), &format!("Bearer {token}"))?;
        bearer.set_sensitive(true);
        let mut headers = HeaderMap::with_capacity(9);
        headers.insert(AUTHORIZATION, bearer);
        headers.insert(HOST, header_value(HOST.as_str(), endpoint.host())?);
        insert_session_and_upgrade(&mut headers, session)?;
        inject_current_trace(&mut headers);
        let url = endpoint.ws_url(session.ws_path(), &qualifier_query(session));
        Ok(WebSocketRequest { url, headers })
    }
}

/// `qualifier=<encoded>` when the session has one, else empty.
pub(crate) fn qualifier_query(session: &RuntimeSession) -> String {
    let mut query = String::new();
    if let Some(qualifier) = session.qualifier() {
        push_param(&mut query, "qualifier", qualifier);
    }
    query
}

/// The session-id header and the WebSocket upgrade headers.
fn insert_session_and_upgrade(
    headers: &mut HeaderMap,
    session: &RuntimeSession,
) -> Result<(), Error> {
    let session_id = HeaderValue::from_bytes(session.session_id().as_str().as_bytes())
        .map_err(|_| Error::InvalidHeaderValue(SESSION_ID))?;
    headers.insert(SESSION_ID_HEADER, session_id);
    insert_upgrade(headers);
    Ok(())
}

/// `Upgrade`, `Connection`, `Sec-WebSocket-Version`, a random `Sec-WebSocket-Key` and
/// this crate's `User-Agent`.
pub(crate) fn insert_upgrade(headers: &mut HeaderMap) {
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
    let key = HeaderValue::try_from(generate_key()).expect("base64 is a valid header value");
    headers.insert(SEC_WEBSOCKET_KEY, key);
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
}

pub(crate) fn header_value(name: &'static str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| Error::InvalidHeaderValue(name))
}

/// Feature `otel`: the current OpenTelemetry context's trace headers (`traceparent`,
/// `tracestate`, `baggage`: whatever the global propagator writes), each unless `headers`
/// already has it (a caller's own wins). Nothing without a propagator installed or a
/// valid current span.
#[cfg(feature = "otel")]
pub(crate) fn inject_current_trace(headers: &mut HeaderMap) {
    struct Missing<'a>(&'a mut HeaderMap);

    impl opentelemetry::propagation::Injector for Missing<'_> {
        fn set(&mut self, key: &str, value: String) {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(key.as_bytes()),
                HeaderValue::from_str(&value),
            ) else {
                return;
            };
            if !self.0.contains_key(&name) {
                self.0.insert(name, value);
            }
        }
    }

    let context = opentelemetry::Context::current();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut Missing(headers));
    });
}

/// Without the `otel` feature, nothing.
#[cfg(not(feature = "otel"))]
pub(crate) fn inject_current_trace(_headers: &mut HeaderMap) {}
