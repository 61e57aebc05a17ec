//! Print a presigned WebSocket URL for a browser (valid 5 minutes).
//!
//! ```text
//! cargo run -p agentcore-client --example presign -- arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-agent
//! ```

use std::time::Duration;

use agentcore_client::RuntimeClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arn = std::env::args()
        .nth(1)
        .ok_or("usage: presign RUNTIME_ARN")?;
    let client = RuntimeClient::from_env().await?;
    let arn: agentcore_client::contract::RuntimeArn = arn.parse()?;
    let url = client
        .presigned_url(&arn)
        .expires(Duration::from_secs(300))
        .param("tenant", "acme")
        .send()
        .await?;
    println!("{}", url.as_str());
    Ok(())
}
