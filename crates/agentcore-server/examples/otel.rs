//! An echo agent whose traces go to any OTLP/HTTP collector: one server span per
//! invocation (continuing the caller's `traceparent` or `X-Amzn-Trace-Id`) and one nested
//! span of its own. Honours `PORT` and the `OTEL_*` variables (docs/OBSERVABILITY.md).
//!
//! ```text
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 OTEL_SERVICE_NAME=echo \
//!     cargo run -p agentcore-server --features otel --example otel
//! curl -s localhost:8080/invocations -d '{"text":"hi"}' \
//!     -H 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
//! ```

use agentcore_server::{App, BoxError, RequestContext};
use serde_json::{Value, json};
use tracing::Instrument;

async fn echo(payload: Value, ctx: RequestContext) -> Result<Value, BoxError> {
    // A span of the agent's own: a child of the invocation's server span.
    let answer = async {
        tracing::info!("echoing");
        json!({ "echo": payload, "session": ctx.session_id })
    }
    .instrument(tracing::info_span!("echo"))
    .await;
    Ok(answer)
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    // Logs and, unless OTEL_SDK_DISABLED=true, the OTLP exporter.
    let _ = agentcore_server::log::init();
    let app = App::new().entrypoint(echo);
    eprintln!("otel agent listening on http://{}", app.bind_address());
    // On SIGTERM the drain finishes, then the spans are flushed before `run` returns.
    app.run().await
}
