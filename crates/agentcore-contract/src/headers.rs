//! Header names of the AgentCore Runtime contract, lower-case as HTTP/2 and `http` want them.
//!
//! ```
//! use agentcore_contract::headers;
//!
//! assert_eq!(headers::SESSION_ID, "x-amzn-bedrock-agentcore-runtime-session-id");
//! assert!(headers::SESSION_ID.starts_with("x-amzn-"));
//! ```

/// The runtime session id, sent by the service to the agent and by callers to the data plane.
pub const SESSION_ID: &str = "x-amzn-bedrock-agentcore-runtime-session-id";
/// The id of one invocation, sent by the service to the agent.
pub const REQUEST_ID: &str = "x-amzn-bedrock-agentcore-runtime-request-id";
/// The end user on whose behalf a caller invokes an agent.
pub const USER_ID: &str = "x-amzn-bedrock-agentcore-runtime-user-id";
/// The URL of the session's endpoint, echoed by the data plane.
pub const SESSION_ENDPOINT_URL: &str = "x-amzn-bedrock-agentcore-runtime-session-endpoint-url";
/// Prefix of the custom headers that the service forwards to the agent.
pub const CUSTOM_HEADER_PREFIX: &str = "x-amzn-bedrock-agentcore-runtime-custom-";
/// The workload access token header (AgentCore Identity).
pub const WORKLOAD_ACCESS_TOKEN: &str = "x-amz-bedrock-agentcore-identity-wat";
/// The legacy name of the workload access token header; [`WORKLOAD_ACCESS_TOKEN`] wins.
pub const WORKLOAD_ACCESS_TOKEN_LEGACY: &str = "workloadaccesstoken";
/// The OAuth2 callback URL header (AgentCore Identity).
pub const OAUTH2_CALLBACK_URL: &str = "oauth2callbackurl";
/// The standard `Authorization` header.
pub const AUTHORIZATION: &str = "authorization";
/// The key under which the `Authorization` header is kept in a request context.
pub const AUTHORIZATION_CONTEXT_KEY: &str = "Authorization";
/// AWS X-Ray trace header.
pub const TRACE_ID: &str = "x-amzn-trace-id";
/// W3C trace context `traceparent`.
pub const TRACEPARENT: &str = "traceparent";
/// W3C trace context `tracestate`.
pub const TRACESTATE: &str = "tracestate";
/// W3C `baggage`.
pub const BAGGAGE: &str = "baggage";
/// MCP session id.
pub const MCP_SESSION_ID: &str = "mcp-session-id";
/// MCP protocol version.
pub const MCP_PROTOCOL_VERSION: &str = "mcp-protocol-version";
/// The AWS error type header of service errors.
pub const ERROR_TYPE: &str = "x-amzn-errortype";
/// The AWS request id header of service responses.
pub const AWS_REQUEST_ID: &str = "x-amzn-requestid";

/// Media type of JSON bodies.
pub const APPLICATION_JSON: &str = "application/json";
/// Media type of Server-Sent Events streams.
pub const TEXT_EVENT_STREAM: &str = "text/event-stream";
/// Media type of AWS event streams (`InvokeAgentRuntimeCommand`).
pub const AMAZON_EVENTSTREAM: &str = "application/vnd.amazon.eventstream";
