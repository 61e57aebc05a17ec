//! A synchronous entrypoint: CPU-bound or blocking code runs on tokio's blocking threads,
//! so `/ping` and other requests never wait for it.
//!
//! ```text
//! cargo run -p agentcore-server --example blocking
//! curl -s localhost:8080/invocations -d '{"n":35}'
//! ```

use agentcore_server::{App, HttpError, blocking};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Job {
    n: u32,
}

fn fibonacci(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        fibonacci(n - 1) + fibonacci(n - 2)
    }
}

fn compute(job: Job) -> Result<Value, HttpError> {
    if job.n > 45 {
        return Err(HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "n must be at most 45",
        ));
    }
    Ok(json!({ "fibonacci": fibonacci(job.n) }))
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    App::new().entrypoint(blocking(compute)).run().await
}
