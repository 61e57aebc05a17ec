//! A browser console for an AgentCore runtime: this backend serves one page and
//! `POST /api/connect`, which answers a presigned `wss://` URL for the runtime's `/ws`
//! (or a shell); the page opens the WebSocket to AgentCore itself. The AWS credentials
//! never reach the page. See `docs/BROWSER.md`.
//!
//! ```text
//! AGENT_ARN=arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my-agent \
//!   cargo run -p web-console        # then open http://127.0.0.1:3000
//! ```
//!
//! Settings (environment): `PORT` (3000), `AGENT_ARN`, `AGENTCORE_ENDPOINT` (the
//! emulator locally; the ARN's region's data plane otherwise), `PRESIGN_EXPIRES_SECS`
//! (60, at most 300), `AGENTCORE_BEARER_TOKEN` (OAuth shells without AWS credentials),
//! `PUBLIC_ORIGIN` (the origin the page is served from, behind a proxy); AWS credentials
//! and region from the standard chain.

mod config;
mod connect;
mod routes;

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use agentcore_client::RuntimeClient;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::connect::Minter;
use crate::routes::State;

/// How long a browser may take to send a request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("web_console: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), String> {
    let config = Config::from_env()?;
    let client = match &config.endpoint {
        Some(endpoint) => RuntimeClient::builder_from_env()
            .await
            .endpoint(endpoint)
            .build(),
        None => RuntimeClient::from_env().await,
    };
    let client = client.map_err(|e| format!("cannot make the client: {e}"))?;
    let listener = TcpListener::bind(("127.0.0.1", config.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", config.port))?;
    eprintln!(
        "web_console: http://127.0.0.1:{} for {} (WebSockets to {}, URLs valid {} s)",
        config.port,
        config.arn.as_str(),
        config.websocket_origin(),
        config.expires.as_secs()
    );
    let state = Arc::new(State::new(config.clone(), Minter::new(client, config)));
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    eprintln!("web_console: accept: {e}");
                    continue;
                }
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(|request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(routes::handle(&state, request).await) }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            let _ = connection.await;
        });
    }
}
