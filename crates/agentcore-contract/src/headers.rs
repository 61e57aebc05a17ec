//! Header names of the AgentCore Runtime contract, lower-case as HTTP/2 and `http` want them.
//!
//! ```
//! use agentcore_contract::headers;
//!
//! assert_eq!(headers::SESSION_ID, "x-amzn-bedrock-agentcore-runtime-session-id");
//! assert!(headers::SESSION_ID.starts_with("x-amzn-"));
//! ```

/// The runtime session id, sent by the service to the agent and by callers to the data plane.
///
/// ```
/// # use agentcore_contract::headers::SESSION_ID;
/// assert_eq!(SESSION_ID, "x-amzn-bedrock-agentcore-runtime-session-id");
/// assert_eq!(SESSION_ID, SESSION_ID.to_ascii_lowercase());
/// ```
pub const SESSION_ID: &str = "x-amzn-bedrock-agentcore-runtime-session-id";
/// The id of one invocation, sent by the service to the agent.
///
/// ```
/// # use agentcore_contract::headers::REQUEST_ID;
/// assert_eq!(REQUEST_ID, "x-amzn-bedrock-agentcore-runtime-request-id");
/// assert_eq!(REQUEST_ID, REQUEST_ID.to_ascii_lowercase());
/// ```
pub const REQUEST_ID: &str = "x-amzn-bedrock-agentcore-runtime-request-id";
/// The end user on whose behalf a caller invokes an agent.
///
/// ```
/// # use agentcore_contract::headers::USER_ID;
/// assert_eq!(USER_ID, "x-amzn-bedrock-agentcore-runtime-user-id");
/// assert_eq!(USER_ID, USER_ID.to_ascii_lowercase());
/// ```
pub const USER_ID: &str = "x-amzn-bedrock-agentcore-runtime-user-id";
/// The URL of the session's endpoint, echoed by the data plane.
///
/// ```
/// # use agentcore_contract::headers::SESSION_ENDPOINT_URL;
/// assert_eq!(SESSION_ENDPOINT_URL, "x-amzn-bedrock-agentcore-runtime-session-endpoint-url");
/// assert_eq!(SESSION_ENDPOINT_URL, SESSION_ENDPOINT_URL.to_ascii_lowercase());
/// ```
pub const SESSION_ENDPOINT_URL: &str = "x-amzn-bedrock-agentcore-runtime-session-endpoint-url";
/// Prefix of the custom headers that the service forwards to the agent.
///
/// ```
/// # use agentcore_contract::headers::CUSTOM_HEADER_PREFIX;
/// assert_eq!(CUSTOM_HEADER_PREFIX, "x-amzn-bedrock-agentcore-runtime-custom-");
/// assert_eq!(CUSTOM_HEADER_PREFIX, CUSTOM_HEADER_PREFIX.to_ascii_lowercase());
/// ```
pub const CUSTOM_HEADER_PREFIX: &str = "x-amzn-bedrock-agentcore-runtime-custom-";
/// The workload access token header (AgentCore Identity).
///
/// ```
/// # use agentcore_contract::headers::WORKLOAD_ACCESS_TOKEN;
/// assert_eq!(WORKLOAD_ACCESS_TOKEN, "x-amz-bedrock-agentcore-identity-wat");
/// assert_eq!(WORKLOAD_ACCESS_TOKEN, WORKLOAD_ACCESS_TOKEN.to_ascii_lowercase());
/// ```
pub const WORKLOAD_ACCESS_TOKEN: &str = "x-amz-bedrock-agentcore-identity-wat";
/// The legacy name of the workload access token header; [`WORKLOAD_ACCESS_TOKEN`] wins.
///
/// ```
/// # use agentcore_contract::headers::WORKLOAD_ACCESS_TOKEN_LEGACY;
/// assert_eq!(WORKLOAD_ACCESS_TOKEN_LEGACY, "workloadaccesstoken");
/// assert_eq!(WORKLOAD_ACCESS_TOKEN_LEGACY, WORKLOAD_ACCESS_TOKEN_LEGACY.to_ascii_lowercase());
/// ```
pub const WORKLOAD_ACCESS_TOKEN_LEGACY: &str = "workloadaccesstoken";
/// The OAuth2 callback URL header (AgentCore Identity).
///
/// ```
/// # use agentcore_contract::headers::OAUTH2_CALLBACK_URL;
/// assert_eq!(OAUTH2_CALLBACK_URL, "oauth2callbackurl");
/// assert_eq!(OAUTH2_CALLBACK_URL, OAUTH2_CALLBACK_URL.to_ascii_lowercase());
/// ```
pub const OAUTH2_CALLBACK_URL: &str = "oauth2callbackurl";
/// The standard `Authorization` header.
///
/// ```
/// # use agentcore_contract::headers::AUTHORIZATION;
/// assert_eq!(AUTHORIZATION, "authorization");
/// assert_eq!(AUTHORIZATION, AUTHORIZATION.to_ascii_lowercase());
/// ```
pub const AUTHORIZATION: &str = "authorization";
/// The key under which the `Authorization` header is kept in a request context.
///
/// ```
/// # use agentcore_contract::headers::AUTHORIZATION_CONTEXT_KEY;
/// assert_eq!(AUTHORIZATION_CONTEXT_KEY, "Authorization");
/// // Capitalised, unlike the lower-case header name it stands for.
/// assert_eq!(AUTHORIZATION_CONTEXT_KEY.to_ascii_lowercase(), agentcore_contract::headers::AUTHORIZATION);
/// ```
pub const AUTHORIZATION_CONTEXT_KEY: &str = "Authorization";
/// AWS X-Ray trace header.
///
/// ```
/// # use agentcore_contract::headers::TRACE_ID;
/// assert_eq!(TRACE_ID, "x-amzn-trace-id");
/// assert_eq!(TRACE_ID, TRACE_ID.to_ascii_lowercase());
/// ```
pub const TRACE_ID: &str = "x-amzn-trace-id";
/// W3C trace context `traceparent`.
///
/// ```
/// # use agentcore_contract::headers::TRACEPARENT;
/// assert_eq!(TRACEPARENT, "traceparent");
/// assert_eq!(TRACEPARENT, TRACEPARENT.to_ascii_lowercase());
/// ```
pub const TRACEPARENT: &str = "traceparent";
/// W3C trace context `tracestate`.
///
/// ```
/// # use agentcore_contract::headers::TRACESTATE;
/// assert_eq!(TRACESTATE, "tracestate");
/// assert_eq!(TRACESTATE, TRACESTATE.to_ascii_lowercase());
/// ```
pub const TRACESTATE: &str = "tracestate";
/// W3C `baggage`.
///
/// ```
/// # use agentcore_contract::headers::BAGGAGE;
/// assert_eq!(BAGGAGE, "baggage");
/// assert_eq!(BAGGAGE, BAGGAGE.to_ascii_lowercase());
/// ```
pub const BAGGAGE: &str = "baggage";
/// MCP session id.
///
/// ```
/// # use agentcore_contract::headers::MCP_SESSION_ID;
/// assert_eq!(MCP_SESSION_ID, "mcp-session-id");
/// assert_eq!(MCP_SESSION_ID, MCP_SESSION_ID.to_ascii_lowercase());
/// ```
pub const MCP_SESSION_ID: &str = "mcp-session-id";
/// MCP protocol version.
///
/// ```
/// # use agentcore_contract::headers::MCP_PROTOCOL_VERSION;
/// assert_eq!(MCP_PROTOCOL_VERSION, "mcp-protocol-version");
/// assert_eq!(MCP_PROTOCOL_VERSION, MCP_PROTOCOL_VERSION.to_ascii_lowercase());
/// ```
pub const MCP_PROTOCOL_VERSION: &str = "mcp-protocol-version";
/// The AWS error type header of service errors.
///
/// ```
/// # use agentcore_contract::headers::ERROR_TYPE;
/// assert_eq!(ERROR_TYPE, "x-amzn-errortype");
/// assert_eq!(ERROR_TYPE, ERROR_TYPE.to_ascii_lowercase());
/// ```
pub const ERROR_TYPE: &str = "x-amzn-errortype";
/// The AWS request id header of service responses.
///
/// ```
/// # use agentcore_contract::headers::AWS_REQUEST_ID;
/// assert_eq!(AWS_REQUEST_ID, "x-amzn-requestid");
/// assert_eq!(AWS_REQUEST_ID, AWS_REQUEST_ID.to_ascii_lowercase());
/// ```
pub const AWS_REQUEST_ID: &str = "x-amzn-requestid";

/// Media type of JSON bodies.
///
/// ```
/// # use agentcore_contract::headers::APPLICATION_JSON;
/// assert_eq!(APPLICATION_JSON, "application/json");
/// assert_eq!(APPLICATION_JSON, APPLICATION_JSON.to_ascii_lowercase());
/// ```
pub const APPLICATION_JSON: &str = "application/json";
/// Media type of Server-Sent Events streams.
///
/// ```
/// # use agentcore_contract::headers::TEXT_EVENT_STREAM;
/// assert_eq!(TEXT_EVENT_STREAM, "text/event-stream");
/// assert_eq!(TEXT_EVENT_STREAM, TEXT_EVENT_STREAM.to_ascii_lowercase());
/// ```
pub const TEXT_EVENT_STREAM: &str = "text/event-stream";
/// Media type of AWS event streams (`InvokeAgentRuntimeCommand`).
///
/// ```
/// # use agentcore_contract::headers::AMAZON_EVENTSTREAM;
/// assert_eq!(AMAZON_EVENTSTREAM, "application/vnd.amazon.eventstream");
/// assert_eq!(AMAZON_EVENTSTREAM, AMAZON_EVENTSTREAM.to_ascii_lowercase());
/// ```
pub const AMAZON_EVENTSTREAM: &str = "application/vnd.amazon.eventstream";
