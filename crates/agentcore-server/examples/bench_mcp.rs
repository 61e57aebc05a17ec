//! The MCP server `cargo xtask bench --mcp` measures (see `docs/BENCHMARKS.md`): one tool,
//! `echo(text) -> text`, stateless, served two ways from the same handler and settings:
//!
//! - by the host: `App::mcp` (limits, pools, `/ping` apart, request context and logs);
//! - with `--bare`: rmcp's `StreamableHttpService` alone on plain hyper 1 (http1, one
//!   task per connection, `TCP_NODELAY`), `/ping` answered by a static handler.
//!
//! Listens on `127.0.0.1:$MCP_PORT`; `TOKIO_WORKER_THREADS` sets the (handler) runtime's
//! worker count.
//!
//! ```text
//! cargo build --release -p agentcore-server --features mcp --example bench_mcp
//! MCP_PORT=8000 TOKIO_WORKER_THREADS=1 target/release/examples/bench_mcp [--bare]
//! ```

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use agentcore_server::{App, mcp};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};
use serde::Deserialize;
use tokio::net::TcpListener;
use tower::Service;

#[derive(Deserialize, schemars::JsonSchema)]
struct Echo {
    text: String,
}

#[derive(Clone)]
struct Bench {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Bench {
    #[tool(description = "Answers its text")]
    fn echo(&self, Parameters(Echo { text }): Parameters<Echo>) -> String {
        text
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Bench {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

fn port() -> u16 {
    std::env::var(mcp::PORT_ENV)
        .ok()
        .and_then(|port| port.trim().parse().ok())
        .unwrap_or(mcp::DEFAULT_PORT)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bench = Bench {
        tool_router: Bench::tool_router(),
    };
    if std::env::args().any(|arg| arg == "--bare") {
        return bare(bench).await;
    }
    App::new()
        .host(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .port(port())
        .mcp(move || bench.clone())
        .run()
        .await?;
    Ok(())
}

type BareBody = BoxBody<Bytes, Infallible>;

/// rmcp's service on plain hyper, configured as the host configures it when stateless.
async fn bare(bench: Bench) -> Result<(), Box<dyn std::error::Error>> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true);
    let service = StreamableHttpService::new(
        move || Ok(bench.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port())).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let service = service.clone();
        tokio::spawn(async move {
            let handle = hyper::service::service_fn(move |request: Request<Incoming>| {
                let mut service = service.clone();
                async move {
                    if request.uri().path() == "/ping" {
                        return Ok::<_, Infallible>(ping());
                    }
                    service.call(request).await
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handle)
                .await;
        });
    }
}

fn ping() -> Response<BareBody> {
    let body = Full::new(Bytes::from_static(br#"{"status":"Healthy"}"#)).boxed();
    let mut response = Response::new(body);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
