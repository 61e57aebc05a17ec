//! Invoke an agent: a JSON answer, then the same call streamed as SSE events.
//!
//! ```text
//! cargo run -p agentcore-client --example invoke -- RUNTIME_ARN
//! AGENTCORE_BEARER_TOKEN=... cargo run -p agentcore-client --example invoke -- RUNTIME_ARN
//! ```

use agentcore_client::{Auth, CallOptions, Payload, RuntimeClient, RuntimeSession};
use futures_util::StreamExt;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arn = std::env::args().nth(1).ok_or("usage: invoke RUNTIME_ARN")?;
    let client = RuntimeClient::from_env().await?;
    let auth = match std::env::var("AGENTCORE_BEARER_TOKEN") {
        Ok(token) => Auth::Bearer(token),
        Err(_) => Auth::SigV4,
    };
    let session = RuntimeSession::new(arn.parse()?);
    let options = CallOptions::default().user_id("example-user");

    let response = client
        .invoke(
            &session,
            &auth,
            Payload::json(&json!({ "prompt": "Hello" }))?,
            &options,
        )
        .await?;
    println!("{} {}", response.status(), response.text()?);

    let mut events = client
        .invoke_stream(
            &session,
            &auth,
            Payload::json(&json!({ "prompt": "Stream it" }))?,
            &options,
        )
        .await?;
    while let Some(event) = events.next().await {
        println!("event: {}", event?.data);
    }
    Ok(())
}
