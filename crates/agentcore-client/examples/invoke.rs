//! Invoke an agent: a JSON answer, then the same call streamed as SSE events.
//!
//! ```text
//! cargo run -p agentcore-client --example invoke -- RUNTIME_ARN
//! AGENTCORE_BEARER_TOKEN=... cargo run -p agentcore-client --example invoke -- RUNTIME_ARN
//! ```

use agentcore_client::{RuntimeClient, RuntimeSession};
use futures_util::StreamExt;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arn = std::env::args().nth(1).ok_or("usage: invoke RUNTIME_ARN")?;
    // A bearer token for every call when one is given, else SigV4.
    let mut builder = RuntimeClient::builder_from_env().await;
    if let Ok(token) = std::env::var("AGENTCORE_BEARER_TOKEN") {
        builder = builder.bearer_token(token);
    }
    let client = builder.build()?;
    // One session for both calls.
    let session = RuntimeSession::new(arn.parse()?);

    let response = client
        .invoke(&session)
        .user_id("example-user")
        .json(&json!({ "prompt": "Hello" }))?
        .send()
        .await?;
    println!("{} {}", response.head().status(), response.text()?);

    let mut events = client
        .invoke_stream(&session)
        .user_id("example-user")
        .json(&json!({ "prompt": "Stream it" }))?
        .send()
        .await?;
    while let Some(event) = events.next().await {
        println!("event: {}", event?.data);
    }
    Ok(())
}
