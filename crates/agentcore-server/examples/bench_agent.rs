//! The agent `cargo xtask bench` measures (see `docs/BENCHMARKS.md`).
//!
//! - `POST /invocations` answers `{"echo": payload, "session": <session id>}`; a payload
//!   `{"stream": N, "size": S}` streams N events `{"i": i, "text": "x" * S}` instead.
//! - `/ws` echoes every text or binary message back.
//!
//! Listens on `127.0.0.1:$PORT`; `TOKIO_WORKER_THREADS` sets the handler runtime's
//! worker count (the server runtime has its own thread).
//!
//! ```text
//! cargo build --release -p agentcore-server --example bench_agent
//! PORT=8080 TOKIO_WORKER_THREADS=1 target/release/examples/bench_agent
//! ```

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};

use agentcore_server::ws::Message;
use agentcore_server::{
    App, Body, BoxError, IntoInvocationResponse, RequestContext, WebSocketUpgrade,
};
use futures_util::{StreamExt, stream};
use http::Response;
use serde::Serialize;
use serde_json::{Value, json};

/// One streamed event.
#[derive(Serialize)]
struct Event {
    i: u64,
    text: String,
}

async fn invoke(payload: Value, ctx: RequestContext) -> Result<Response<Body>, Infallible> {
    let streamed = payload["stream"].as_u64().zip(payload["size"].as_u64());
    Ok(match streamed {
        Some((count, size)) => {
            let text = "x".repeat(usize::try_from(size).unwrap_or(0));
            stream::iter(0..count)
                .map(move |i| Event {
                    i,
                    text: text.clone(),
                })
                .into_invocation_response()
        }
        None => json!({ "echo": payload, "session": ctx.session_id }).into_invocation_response(),
    })
}

async fn echo(upgrade: WebSocketUpgrade, _ctx: RequestContext) -> Result<(), BoxError> {
    let mut socket = upgrade.accept().await?;
    while let Some(message) = socket.recv().await? {
        if matches!(message, Message::Text(_) | Message::Binary(_)) {
            socket.send(message).await?;
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    // `cargo xtask bench --otel`: the log lines and, with the `otel` feature, the exporter.
    if std::env::var_os("BENCH_LOG_INIT").is_some() {
        let _ = agentcore_server::log::init();
    }
    App::new()
        .host(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .entrypoint(invoke)
        .websocket(echo)
        .run()
        .await
}
