//! A bare MCP server for the MCP tests: rmcp's own Streamable HTTP service with a
//! `#[tool_router]` server (`add`, `whoami`), served on hyper on `127.0.0.1`, as an MCP
//! container on AgentCore Runtime serves it (the emulator forwards to `{url}/mcp`).

use std::sync::Arc;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};

use agentcore_client::contract::headers::{MCP_SESSION_ID, SESSION_ID};

/// The MCP runtime the emulator serves in the MCP tests (endpoints `DEFAULT` and
/// [`QUALIFIER`](crate::QUALIFIER), the same secrets as [`ARN`](crate::ARN)).
pub const MCP_ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/testkit-mcp";

/// How the [`McpServer`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McpMode {
    /// No MCP session; each answer is one `application/json` body (FastMCP's
    /// `stateless_http=True, json_response=True`).
    StatelessJson,
    /// No MCP session; each answer is an SSE stream (the default of a stateless server).
    StatelessSse,
    /// A stateful server: `initialize` opens a session (`Mcp-Session-Id`) that later
    /// calls must name; answers are SSE streams.
    Stateful,
}

/// The arguments of `add`.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct AddArgs {
    /// The left-hand side.
    pub a: i64,
    /// The right-hand side.
    pub b: i64,
}

/// The tools: `add(a, b)` (a tool error, `isError: true`, when the sum overflows) and
/// `whoami()` (`{"session_id": .., "mcp_session_id": ..}`: the runtime session id and
/// the MCP session id headers of the call).
#[derive(Debug, Clone, Copy, Default)]
pub struct TestTools;

#[tool_router]
impl TestTools {
    /// `a + b`, as text; a tool error when it overflows 64 bits.
    #[tool(description = "Add two integers")]
    fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> CallToolResult {
        match a.checked_add(b) {
            Some(sum) => CallToolResult::success(vec![ContentBlock::text(sum.to_string())]),
            None => CallToolResult::error(vec![ContentBlock::text(format!(
                "{a} + {b} overflows a 64-bit integer"
            ))]),
        }
    }

    /// The call's runtime session id and MCP session id headers, as JSON text.
    #[tool(description = "The runtime session id of this call")]
    fn whoami(&self, Extension(parts): Extension<http::request::Parts>) -> CallToolResult {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let who = serde_json::json!({
            "session_id": header(SESSION_ID),
            "mcp_session_id": header(MCP_SESSION_ID),
        });
        CallToolResult::success(vec![ContentBlock::text(who.to_string())])
    }
}

#[tool_handler(name = "agentcore-testkit-mcp", version = "0.1.0")]
impl ServerHandler for TestTools {}

/// The bare MCP server, serving `/mcp` (any path, in fact) on a fresh port of
/// `127.0.0.1`, in a task of the current runtime; it stops when dropped.
#[derive(Debug)]
pub struct McpServer {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for McpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl McpServer {
    /// Starts the server in this mode.
    pub async fn start(mode: McpMode) -> Self {
        let config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(mode == McpMode::Stateful)
            .with_json_response(mode == McpMode::StatelessJson)
            .with_sse_keep_alive(None);
        let factory = || Ok(TestTools);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port on 127.0.0.1");
        let addr = listener.local_addr().expect("the listener's address");
        let task = match mode {
            McpMode::Stateful => {
                let sessions = Arc::new(LocalSessionManager::default());
                tokio::spawn(serve(
                    listener,
                    StreamableHttpService::new(factory, sessions, config),
                ))
            }
            McpMode::StatelessJson | McpMode::StatelessSse => {
                let sessions = Arc::new(NeverSessionManager::default());
                tokio::spawn(serve(
                    listener,
                    StreamableHttpService::new(factory, sessions, config),
                ))
            }
        };
        McpServer {
            url: format!("http://{addr}"),
            task,
        }
    }

    /// The container's base URL, `http://127.0.0.1:PORT` (MCP is at `/mcp` under it).
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Accepts connections and serves each with hyper.
async fn serve<M>(listener: tokio::net::TcpListener, service: StreamableHttpService<TestTools, M>)
where
    M: rmcp::transport::streamable_http_server::SessionManager,
{
    while let Ok((stream, _)) = listener.accept().await {
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
