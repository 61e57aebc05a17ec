//! An MCP server on the runtime's MCP contract: tools `add` and `whoami`.
//!
//! ```text
//! cargo run -p agentcore-server --features mcp --example mcp_server   # 127.0.0.1:8000/mcp
//! MCP_PORT=9000 cargo run -p agentcore-server --features mcp --example mcp_server
//! curl -s localhost:8000/ping
//! curl -s localhost:8000/mcp -H 'content-type: application/json' \
//!   -H 'accept: application/json, text/event-stream' \
//!   -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}'
//! ```

use agentcore_server::{App, mcp};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, schemars, tool, tool_handler, tool_router};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, schemars::JsonSchema)]
struct Pair {
    a: i64,
    b: i64,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Caller {
    /// The runtime session id header of the call.
    session_id: Option<String>,
}

#[derive(Clone)]
struct Tools {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Tools {
    #[tool(description = "Add two integers")]
    fn add(&self, Parameters(Pair { a, b }): Parameters<Pair>) -> Result<Json<i64>, String> {
        a.checked_add(b)
            .map(Json)
            .ok_or_else(|| "overflow".to_owned())
    }

    #[tool(description = "The runtime session id of this call")]
    fn whoami(&self, ctx: RequestContext<RoleServer>) -> Json<Caller> {
        let session_id = mcp::request_context(&ctx).and_then(|c| c.session_id.clone());
        Json(Caller { session_id })
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    let _ = agentcore_server::log::init();
    let tools = Tools {
        tool_router: Tools::tool_router(),
    };
    let app = App::new().mcp(move || tools.clone());
    eprintln!("MCP server listening on http://{}/mcp", app.bind_address());
    app.run().await
}
