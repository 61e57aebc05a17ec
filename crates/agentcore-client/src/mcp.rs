//! MCP runtimes: an [rmcp](https://docs.rs/rmcp) client transport over the data plane
//! (feature `mcp`).
//!
//! An MCP server on AgentCore Runtime serves MCP's Streamable HTTP transport in its
//! container; callers reach it through `InvokeAgentRuntime`, `POST
//! /runtimes/{arn}/invocations?qualifier=..`, which carries one JSON-RPC message per
//! request and the server's answer back (JSON or SSE), with `Mcp-Session-Id` and
//! `Mcp-Protocol-Version` passed through both ways. [`McpHttpClient`] is rmcp's
//! [`StreamableHttpClient`] over that operation, on this crate's own request machinery:
//! SigV4 or a bearer token, the runtime session id, the read timeout, bounded answers and
//! the typed [`Error`].
//!
//! The data plane forwards `POST` only, so the two other requests of the Streamable HTTP
//! transport are not sent: the standalone `GET` stream is reported as not supported
//! (rmcp then goes on without it: server messages arrive on the answers to requests
//! only), and so is the `DELETE` that ends an MCP session (it ends with the runtime
//! session: [`RuntimeClient::stop_runtime_session`], or the runtime's idle timeout).

use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::headers::{APPLICATION_JSON, MCP_SESSION_ID, TEXT_EVENT_STREAM};
use agentcore_contract::sse::{DEFAULT_MAX_EVENT_BYTES, SseDecoder};
use futures_util::Stream;
use futures_util::stream::BoxStream;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use rmcp::RoleClient;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::service::{ClientInitializeError, RunningService, ServiceError, ServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::common::client_side_sse::NeverRetry;
use rmcp::transport::streamable_http_client::{
    SseError, StreamableHttpClient, StreamableHttpClientTransportConfig, StreamableHttpError,
    StreamableHttpPostResponse, StreamableHttpResponseLimits,
};
use sse_stream::Sse;

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::operation::{CallTarget, OperationBuilder};
use crate::request::{Call, CallOptions};
use crate::session::RuntimeSession;
use crate::transport::ResponseBody;
use crate::ws::Auth;

/// What an MCP request accepts: both answers of the Streamable HTTP transport.
const MCP_ACCEPT: &str = "application/json, text/event-stream";

/// Headers the transport sets itself, refused among rmcp's custom headers (as rmcp's own
/// clients refuse them); the client's own (authorization, host, `x-amz-*`, the runtime
/// session id) are refused by the request builder.
const RESERVED: [&str; 3] = ["accept", MCP_SESSION_ID, "last-event-id"];

/// rmcp's Streamable HTTP client transport over the data plane: give it to any rmcp
/// client handler (`handler.serve(transport)`). Nothing is sent until then.
///
/// ```
/// use agentcore_client::{McpTransport, RuntimeClient};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), agentcore_client::Error> {
/// let client = RuntimeClient::builder().build()?;
/// let arn: agentcore_client::contract::RuntimeArn =
///     "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/tools-1".parse()?;
/// let transport: McpTransport = client.mcp(&arn).bearer("my-jwt").transport()?;
/// # drop(transport); Ok(()) }
/// ```
pub type McpTransport = StreamableHttpClientTransport<McpHttpClient>;

/// A connected MCP client with no handler of its own (`()`), from
/// [`McpBuilder::connect`]: `list_tools`, `call_tool` and the rest of rmcp's `Peer`
/// through `Deref`; `cancel().await` to close it.
///
/// ```no_run
/// # async fn example(mcp: agentcore_client::McpClient) -> Result<(), agentcore_client::Error> {
/// let tools = mcp.list_all_tools().await?;
/// println!("{} tools", tools.len());
/// mcp.cancel().await.ok();
/// # Ok(()) }
/// ```
pub type McpClient = RunningService<RoleClient, ()>;

/// The parts of [`RuntimeClient::mcp`], the `O` of its [`OperationBuilder`]: none yet
/// besides the common ones (session id, qualifier, auth, headers, timeout, limit).
///
/// ```
/// # let client = agentcore_client::RuntimeClient::builder().build()?;
/// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/tools-1".parse()?;
/// let request = client.mcp(&arn).qualifier("prod").bearer("my-jwt").max_response_bytes(1 << 20);
/// let debug = format!("{request:?}");
/// assert!(debug.contains("ConnectMcp") && debug.contains("prod") && !debug.contains("my-jwt"));
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct ConnectMcp {
    _private: (),
}

/// An MCP connection to a runtime ([`RuntimeClient::mcp`]).
pub type McpBuilder<'c> = OperationBuilder<'c, ConnectMcp>;

impl RuntimeClient {
    /// An MCP connection to the MCP server of a runtime: see [`McpBuilder`]. Every
    /// JSON-RPC message is one `InvokeAgentRuntime` call of the same runtime session (a
    /// new UUIDv4 unless one is set), with this builder's auth and options.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// use agentcore_client::rmcp::model::CallToolRequestParams;
    ///
    /// let mcp = client.mcp(&arn).bearer("my-jwt").connect().await?;
    /// for tool in mcp.list_all_tools().await? {
    ///     println!("{}: {:?}", tool.name, tool.description);
    /// }
    /// let args = serde_json::json!({ "a": 2, "b": 3 });
    /// let params = CallToolRequestParams::new("add").with_arguments(args.as_object().cloned().unwrap_or_default());
    /// let result = mcp.call_tool(params).await?;
    /// println!("{:?} (error: {:?})", result.content, result.is_error);
    /// mcp.cancel().await.ok();
    /// # Ok(()) }
    /// ```
    pub fn mcp(&self, target: impl Into<CallTarget>) -> McpBuilder<'_> {
        OperationBuilder::new(self, target.into(), ConnectMcp::default())
    }
}

impl McpBuilder<'_> {
    /// The transport, for an rmcp client handler of your own (`handler.serve(transport)`).
    /// The runtime session is fixed here (its id, or a new one); the largest JSON answer
    /// or SSE event read is this call's
    /// [`max_response_bytes`](OperationBuilder::max_response_bytes) (the client's by
    /// default), the longest wait for an answer's head or next piece the read timeout.
    ///
    /// It starts rmcp's transport task, so it must be called within a Tokio runtime
    /// ([`Error::InvalidOption`] otherwise).
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// use agentcore_client::rmcp::ServiceExt;
    ///
    /// let transport = client.mcp(&arn).session_id("conversation-0000000000000000000000001").transport()?;
    /// let mcp = ().serve(transport).await?;
    /// # drop(mcp); Ok(()) }
    /// ```
    pub fn transport(self) -> Result<McpTransport, Error> {
        let http = self.http_client()?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::InvalidOption(
                "an MCP transport must be made within a Tokio runtime".into(),
            ));
        }
        let limit = http.limit();
        let mut config = StreamableHttpClientTransportConfig::with_uri(http.session.arn().as_str())
            .max_json_response_size(limit)
            .max_sse_event_size(limit.min(DEFAULT_MAX_EVENT_BYTES));
        // No GET to resume a stream with: an interrupted answer fails its request.
        config.retry_config = Arc::new(NeverRetry::default());
        Ok(StreamableHttpClientTransport::with_client(http, config))
    }

    /// Connects: MCP's `initialize` handshake through the data plane, then an rmcp
    /// client with no handler of its own. A refused token or signature, an unknown
    /// runtime, a timeout or an answer over the limit is this crate's typed [`Error`];
    /// what the MCP server refuses is [`Error::JsonRpc`].
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let mcp = client.mcp(&arn).connect().await?; // SigV4 with the client's credentials
    /// println!("{:?}", mcp.peer_info());
    /// # Ok(()) }
    /// ```
    pub async fn connect(self) -> Result<McpClient, Error> {
        let transport = self.transport()?;
        Ok(().serve(transport).await?)
    }

    fn http_client(&self) -> Result<McpHttpClient, Error> {
        Ok(McpHttpClient {
            client: self.client().clone(),
            session: self.session()?,
            auth: self.chosen_auth(),
            options: self.options().clone(),
        })
    }
}

/// rmcp's [`StreamableHttpClient`] over `InvokeAgentRuntime`: one runtime session, its
/// auth and call options. Made by [`McpBuilder::transport`] (or
/// [`connect`](McpBuilder::connect)); cheap to clone.
///
/// - `POST`: the JSON-RPC message, `Accept: application/json, text/event-stream`,
///   `Mcp-Session-Id` once the server gave one, `Mcp-Protocol-Version` and rmcp's other
///   headers; an `auth_header` from rmcp's configuration replaces the builder's auth as
///   a bearer token. A `202` is accepted; an SSE answer is decoded as it arrives (the
///   contract's decoder, each event within the limit), a JSON one read up to the limit.
/// - `GET` (the standalone stream) and `DELETE` (ending the MCP session) are not sent:
///   rmcp is told that the server supports neither.
///
/// Its `Debug` output shows no secret:
///
/// ```
/// use agentcore_client::rmcp::transport::streamable_http_client::StreamableHttpClient;
///
/// fn is_an_rmcp_client<C: StreamableHttpClient>() {}
/// is_an_rmcp_client::<agentcore_client::McpHttpClient>();
/// ```
#[derive(Clone)]
pub struct McpHttpClient {
    client: RuntimeClient,
    session: RuntimeSession,
    auth: Auth,
    options: CallOptions,
}

impl fmt::Debug for McpHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("McpHttpClient")
            .field("session", &self.session)
            .field("auth", &self.auth)
            .field("options", &self.options)
            .finish()
    }
}

/// The transport's error type: rmcp's, with this crate's [`Error`] for its client.
type HttpError = StreamableHttpError<Error>;

impl McpHttpClient {
    /// The largest JSON answer or SSE event read.
    fn limit(&self) -> usize {
        self.client.response_limit(self.options.max_response_bytes)
    }

    async fn post(
        &self,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        limits: StreamableHttpResponseLimits,
    ) -> Result<StreamableHttpPostResponse, HttpError> {
        let body = serde_json::to_vec(&message).map_err(|e| HttpError::Client(e.into()))?;
        let mut options = self.options.clone();
        for (name, value) in custom_headers {
            if RESERVED.contains(&name.as_str()) {
                return Err(HttpError::ReservedHeaderConflict(name.to_string()));
            }
            let value = value.to_str().map_err(|_| {
                HttpError::Client(Error::InvalidOption(format!(
                    "invalid value for header {name}"
                )))
            })?;
            options = options.header(name.as_str(), value);
        }
        if let Some(id) = &session_id {
            options = options.header(MCP_SESSION_ID, id.as_ref());
        }
        let auth = auth_header.map_or_else(|| self.auth.clone(), Auth::Bearer);
        let call = Call {
            operation: RuntimeOperation::Invocations,
            body: body.into(),
            content_type: Some(APPLICATION_JSON),
            accept: Some(MCP_ACCEPT),
            options: &options,
            read_timeout: options.timeout.unwrap_or(self.client.read_timeout()),
        };
        let (head, body) = self
            .client
            .send(&self.session, &auth, &call)
            .await
            .map_err(HttpError::Client)?;
        let (head, ()) = head.into_parts();
        if matches!(head.status, StatusCode::ACCEPTED | StatusCode::NO_CONTENT) {
            return Ok(StreamableHttpPostResponse::Accepted);
        }
        let mcp_session = header(&head.headers, MCP_SESSION_ID);
        // A notification or a response to the server awaits nothing back.
        let awaits_nothing = !matches!(message, ClientJsonRpcMessage::Request(_));
        let limit = self.limit();
        match media_type(&head.headers) {
            Some(TEXT_EVENT_STREAM) => {
                let max_event = limits.max_sse_event_size.min(limit);
                let events = McpEvents {
                    body,
                    decoder: SseDecoder::with_max_event_bytes(max_event),
                    done: false,
                };
                Ok(StreamableHttpPostResponse::Sse(
                    Box::pin(events),
                    mcp_session,
                ))
            }
            Some(APPLICATION_JSON) => {
                let limit = limits.max_json_response_size.min(limit);
                let bytes = body.collect(limit).await.map_err(HttpError::Client)?;
                if bytes.is_empty() && awaits_nothing {
                    return Ok(StreamableHttpPostResponse::Accepted);
                }
                match serde_json::from_slice::<ServerJsonRpcMessage>(&bytes) {
                    Ok(answer) => Ok(StreamableHttpPostResponse::Json(answer, mcp_session)),
                    Err(_) if awaits_nothing => Ok(StreamableHttpPostResponse::Accepted),
                    Err(e) => Err(HttpError::Client(Error::Decode(format!(
                        "the MCP answer is not a JSON-RPC message: {e}"
                    )))),
                }
            }
            _ if awaits_nothing => Ok(StreamableHttpPostResponse::Accepted),
            other => Err(HttpError::UnexpectedContentType(other.map(str::to_owned))),
        }
    }
}

impl StreamableHttpClient for McpHttpClient {
    type Error = Error;

    async fn post_message(
        &self,
        _uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<StreamableHttpPostResponse, HttpError> {
        let limits = StreamableHttpResponseLimits::default();
        self.post(message, session_id, auth_header, custom_headers, limits)
            .await
    }

    async fn post_message_with_response_limits(
        &self,
        _uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        limits: StreamableHttpResponseLimits,
    ) -> Result<StreamableHttpPostResponse, HttpError> {
        self.post(message, session_id, auth_header, custom_headers, limits)
            .await
    }

    /// Not sent: the data plane forwards `POST` only; the MCP session ends with the
    /// runtime session.
    async fn delete_session(
        &self,
        _uri: Arc<str>,
        _session_id: Arc<str>,
        _auth_header: Option<String>,
        _custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<(), HttpError> {
        Err(HttpError::ServerDoesNotSupportDeleteSession)
    }

    /// Not sent: the data plane forwards `POST` only, so there is no standalone stream
    /// (nor a resumed one).
    async fn get_stream(
        &self,
        _uri: Arc<str>,
        _session_id: Option<Arc<str>>,
        _last_event_id: Option<String>,
        _auth_header: Option<String>,
        _custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<BoxStream<'static, Result<Sse, SseError>>, HttpError> {
        Err(HttpError::ServerDoesNotSupportSse)
    }
}

/// An SSE answer decoded as it arrives, each event within the decoder's limit; the
/// first error ends it.
struct McpEvents {
    body: ResponseBody,
    decoder: SseDecoder,
    done: bool,
}

impl Stream for McpEvents {
    type Item = Result<Sse, SseError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(event) = this.decoder.next_event() {
                return Poll::Ready(Some(Ok(Sse {
                    event: event.event,
                    data: Some(event.data),
                    id: event.id,
                    retry: event.retry,
                })));
            }
            match this.body.poll_chunk(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => this.done = true,
                Poll::Ready(Some(Ok(bytes))) => {
                    if let Err(e) = this.decoder.push(&bytes) {
                        this.done = true;
                        let error = Error::Decode(e.to_string());
                        return Poll::Ready(Some(Err(SseError::Body(Box::new(error)))));
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(SseError::Body(Box::new(e)))));
                }
            }
        }
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The media type of `Content-Type`, lower-cased, parameters removed.
fn media_type(headers: &HeaderMap) -> Option<&'static str> {
    let value = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or(value).trim();
    [TEXT_EVENT_STREAM, APPLICATION_JSON]
        .into_iter()
        .find(|known| essence.eq_ignore_ascii_case(known))
}

/// This crate's error inside an rmcp transport error, else the error as a message.
fn from_transport(error: Box<dyn std::error::Error + Send + Sync>) -> Error {
    match error.downcast::<HttpError>() {
        Ok(http) => match *http {
            HttpError::Client(error) => error,
            other => Error::Mcp(other.to_string()),
        },
        Err(other) => Error::Mcp(other.to_string()),
    }
}

/// A failed `initialize`: this crate's error when the data plane or the transport
/// failed, [`Error::JsonRpc`] when the server refused, else [`Error::Mcp`].
impl From<ClientInitializeError> for Error {
    fn from(error: ClientInitializeError) -> Self {
        match error {
            ClientInitializeError::TransportError { error, .. } => from_transport(error.error),
            ClientInitializeError::JsonRpcError(data) => Error::JsonRpc {
                code: data.code.0,
                message: data.message.into_owned(),
            },
            other => Error::Mcp(other.to_string()),
        }
    }
}

/// A failed request of a connected client (`list_tools`, `call_tool`, ...): the server's
/// JSON-RPC error is [`Error::JsonRpc`] (an unknown tool, bad arguments), a failed send
/// this crate's error (a refused token, a timeout, an answer over the limit), rmcp's
/// request timeout [`Error::Timeout`], anything else [`Error::Mcp`].
///
/// ```
/// use agentcore_client::Error;
/// use agentcore_client::rmcp::{ErrorData, ServiceError};
///
/// let refused = ServiceError::McpError(ErrorData::invalid_params("tool not found", None));
/// assert!(matches!(Error::from(refused), Error::JsonRpc { code: -32602, .. }));
/// ```
impl From<ServiceError> for Error {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::McpError(data) => Error::JsonRpc {
                code: data.code.0,
                message: data.message.into_owned(),
            },
            ServiceError::TransportSend(error) => from_transport(error.error),
            ServiceError::Timeout { timeout } => Error::Timeout(timeout),
            other => Error::Mcp(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_ignore_case_and_parameters() {
        let mut headers = HeaderMap::new();
        assert_eq!(media_type(&headers), None);
        headers.insert(
            "content-type",
            HeaderValue::from_static("Text/Event-Stream; charset=utf-8"),
        );
        assert_eq!(media_type(&headers), Some(TEXT_EVENT_STREAM));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        assert_eq!(media_type(&headers), Some(APPLICATION_JSON));
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/json-seq"),
        );
        assert_eq!(media_type(&headers), None);
    }

    #[test]
    fn transport_errors_keep_this_crates_error() {
        let inner: Box<dyn std::error::Error + Send + Sync> =
            Box::new(HttpError::Client(Error::ResponseTooLarge { limit: 7 }));
        assert!(matches!(
            from_transport(inner),
            Error::ResponseTooLarge { limit: 7 }
        ));
        let other: Box<dyn std::error::Error + Send + Sync> =
            Box::new(HttpError::ServerDoesNotSupportSse);
        assert!(matches!(from_transport(other), Error::Mcp(_)));
    }
}
