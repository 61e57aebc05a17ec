//! MCP servers on the runtime's MCP contract (feature `mcp`).
//!
//! AgentCore Runtime hosts MCP servers as well as agents: the container serves MCP's
//! Streamable HTTP transport on port [`DEFAULT_PORT`] (8000), path [`PATH`] (`/mcp`).
//! [`App::mcp`](crate::App::mcp) serves any server handler of the official Rust MCP SDK,
//! [`rmcp`] 3.11 (its `#[tool_router]` tools included), on this crate's own HTTP stack:
//! the protocol is rmcp's, the rest is the host's.
//!
//! - **Where**: `0.0.0.0` in a container (as for the HTTP contract; `127.0.0.1`
//!   elsewhere), port 8000 unless `MCP_PORT` ([`PORT_ENV`]) or
//!   [`App::port`](crate::App::port) says otherwise. `PORT` is not read: images shared
//!   across runtimes set it for the HTTP contract. `GET /ping` answers on the same port.
//! - **Stateless** by default: every request stands alone and no `Mcp-Session-Id` is
//!   issued; simple results are `application/json`. With
//!   [`App::mcp_stateful`](crate::App::mcp_stateful) the server keeps sessions (issued on
//!   `initialize`, required after; at most [`DEFAULT_MAX_SESSIONS`], each closed after
//!   [`DEFAULT_SESSION_IDLE_TIMEOUT`] without a request); the runtime pins a session to
//!   its microVM.
//! - **The request context** of the call (runtime session id, request id, workload
//!   access token, forwarded headers) is in each tool call: [`request_context`].
//! - **The host's limits** apply before rmcp sees a request: the body limit (413) and
//!   body-read timeout (408), the header-read and idle timeouts, the connection pools
//!   and shedding, `/ping` served apart; so do the graceful shutdown (a tool call in
//!   flight finishes during the drain; at the cut rmcp's streams and sessions end, and
//!   a stateful client's standalone `GET` stream ends when the drain starts) and the
//!   request logs (`requestId`, `sessionId`; a tool's own `tracing` events in stateless
//!   mode carry them too).
//! - **Host checks**: on a loopback address rmcp checks the `Host` header against
//!   loopback names (its guard against DNS rebinding); on any other address (`0.0.0.0`
//!   in the container, behind the runtime's front door) it does not.
//!
//! A tool that panics takes down only its own call, which gets no answer: rmcp runs it
//! on a task of its own and does not catch panics there. Return an error instead.
//!
//! ```no_run
//! use agentcore_server::App;
//! use rmcp::handler::server::{router::tool::ToolRouter, wrapper::{Json, Parameters}};
//! use rmcp::model::{ServerCapabilities, ServerConfig};
//! use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Pair {
//!     a: i64,
//!     b: i64,
//! }
//!
//! #[derive(Clone)]
//! struct Calculator {
//!     tool_router: ToolRouter<Self>,
//! }
//!
//! #[tool_router]
//! impl Calculator {
//!     #[tool(description = "Add two integers")]
//!     fn add(&self, Parameters(Pair { a, b }): Parameters<Pair>) -> Json<i64> {
//!         Json(a + b)
//!     }
//! }
//!
//! #[tool_handler(router = self.tool_router)]
//! impl ServerHandler for Calculator {
//!     fn get_info(&self) -> ServerConfig {
//!         ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), agentcore_server::ServeError> {
//!     agentcore_server::log::init().ok();
//!     let tool_router = Calculator::tool_router();
//!     App::new()
//!         .mcp(move || Calculator { tool_router: tool_router.clone() })
//!         .run() // 0.0.0.0:8000/mcp in a container, until SIGTERM
//!         .await
//! }
//! ```

pub(crate) mod service;

use rmcp::RoleServer;

use crate::context::RequestContext;

pub use crate::config::{
    DEFAULT_MCP_MAX_SESSIONS as DEFAULT_MAX_SESSIONS, DEFAULT_MCP_PORT as DEFAULT_PORT,
    DEFAULT_MCP_SESSION_IDLE_TIMEOUT as DEFAULT_SESSION_IDLE_TIMEOUT, MCP_PORT_ENV as PORT_ENV,
};

/// The path of the MCP contract.
///
/// ```
/// assert_eq!(agentcore_server::mcp::PATH, "/mcp");
/// ```
pub const PATH: &str = "/mcp";

/// The AgentCore request context of the call a tool (or any request handler) serves:
/// runtime session id, request id, workload access token, forwarded headers. `None`
/// outside a request served by [`App::mcp`](crate::App::mcp).
///
/// The host puts it in the HTTP request's extensions, which rmcp hands to the handler
/// as [`http::request::Parts`]; a tool taking `Extension<http::request::Parts>` finds it
/// there too (`parts.extensions.get::<RequestContext>()`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use agentcore_server::{App, mcp};
/// use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Json};
/// use rmcp::model::{CallToolRequestParams, ClientConfig, ServerCapabilities, ServerConfig};
/// use rmcp::service::RequestContext;
/// use rmcp::transport::StreamableHttpClientTransport;
/// use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
/// use rmcp::{RoleServer, ServerHandler, ServiceExt, schemars, tool, tool_handler, tool_router};
///
/// #[derive(serde::Serialize, schemars::JsonSchema)]
/// struct Caller {
///     session_id: Option<String>,
/// }
///
/// #[derive(Clone)]
/// struct WhoAmI {
///     tool_router: ToolRouter<Self>,
/// }
///
/// #[tool_router]
/// impl WhoAmI {
///     #[tool(description = "The runtime session of this call")]
///     fn whoami(&self, ctx: RequestContext<RoleServer>) -> Json<Caller> {
///         let session_id = mcp::request_context(&ctx).and_then(|c| c.session_id.clone());
///         Json(Caller { session_id })
///     }
/// }
///
/// #[tool_handler(router = self.tool_router)]
/// impl ServerHandler for WhoAmI {
///     fn get_info(&self) -> ServerConfig {
///         ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
///     }
/// }
///
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let url = format!("http://{}/mcp", listener.local_addr()?);
/// let server = tokio::spawn(App::new().mcp(|| WhoAmI { tool_router: WhoAmI::tool_router() }).serve(listener));
///
/// let session = "a-runtime-session-0123456789abcdef0123";
/// let headers = [(
///     http::HeaderName::from_static(agentcore_server::contract::headers::SESSION_ID),
///     http::HeaderValue::from_static(session),
/// )];
/// let config = StreamableHttpClientTransportConfig::with_uri(url).custom_headers(headers.into());
/// let client = ClientConfig::default().serve(StreamableHttpClientTransport::from_config(config)).await?;
/// let result = client.call_tool(CallToolRequestParams::new("whoami")).await?;
/// assert_eq!(result.structured_content, Some(serde_json::json!({ "session_id": session })));
/// client.cancel().await?;
/// server.abort();
/// # Ok(())
/// # }
/// ```
pub fn request_context(
    context: &rmcp::service::RequestContext<RoleServer>,
) -> Option<&RequestContext> {
    context
        .extensions
        .get::<http::request::Parts>()?
        .extensions
        .get::<RequestContext>()
}
