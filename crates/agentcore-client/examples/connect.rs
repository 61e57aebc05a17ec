//! Talk to an agent over a WebSocket signed with SigV4.
//!
//! ```text
//! cargo run -p agentcore-client --example connect -- RUNTIME_ARN
//! ```

use agentcore_client::RuntimeClient;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arn = std::env::args()
        .nth(1)
        .ok_or("usage: connect RUNTIME_ARN")?;
    let client = RuntimeClient::from_env().await?;
    let arn: agentcore_client::contract::RuntimeArn = arn.parse()?;
    let mut socket = client.connect(&arn).send().await?; // SigV4 headers, a new session

    socket
        .send_json(&json!({ "prompt": "Hello over WebSocket" }))
        .await?;
    if let Some(reply) = socket.recv_json::<Value>().await? {
        println!("{reply}");
    }
    socket.close().await?;
    Ok(())
}
