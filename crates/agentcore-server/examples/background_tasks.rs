//! Background work and health: while a tracked task runs, `/ping` says `HealthyBusy` and
//! AgentCore keeps the session alive.
//!
//! ```text
//! cargo run -p agentcore-server --example background_tasks
//! curl -s localhost:8080/invocations -d '{"seconds":5}'; curl -s localhost:8080/ping
//! ```

use std::time::Duration;

use agentcore_server::{App, BoxError, Health};
use serde_json::{Value, json};

async fn start_report(payload: Value, health: Health) -> Result<Value, BoxError> {
    let seconds = payload["seconds"].as_u64().unwrap_or(3);
    let work = async move {
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        tracing::info!("report finished");
    };
    tokio::spawn(health.track_future("report", work));
    Ok(json!({ "started": true, "seconds": seconds }))
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    let _ = agentcore_server::log::init();
    let app = App::new();
    let health = app.health().clone();
    app.entrypoint(move |payload: Value| start_report(payload, health.clone()))
        .on_startup(|| async {
            tracing::info!("loading models");
            Ok::<_, BoxError>(())
        })
        .run()
        .await
}
