//! An agent whose tool needs an API key: for `{"provider": NAME}` it fetches that
//! provider's key from AgentCore Identity with the request's workload access token
//! (`agentcore_client::identity::api_key`) and answers `{"api_key_sha256": "<hex>"}`, the
//! SHA-256 of the key: never the key itself.
//!
//! Behind the emulator, which injects a workload access token into each invocation:
//!
//! ```text
//! agentcore-emulator --workload my-agent --api-key-provider openai=sk-test \
//!     --credentials AKIDEXAMPLE:secret &
//! AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret \
//! AWS_ENDPOINT_URL_BEDROCK_AGENTCORE=http://127.0.0.1:9090 \
//!     cargo run -p agentcore-server --example identity_agent
//! ```
//!
//! Outside a runtime, `AGENTCORE_WORKLOAD_NAME` (and `AGENTCORE_LOCAL_USER_ID`) name the
//! local workload whose token it uses instead. `PORT` moves it (8080 by default).

use agentcore_server::{App, BoxError, RequestContext};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
struct Ask {
    provider: String,
}

async fn key_digest(ask: Ask, ctx: RequestContext) -> Result<Value, BoxError> {
    let key = agentcore_client::identity::api_key(&ctx, &ask.provider).await?;
    let digest = Sha256::digest(key.expose().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(json!({ "api_key_sha256": hex }))
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    let _ = agentcore_server::log::init();
    let app = App::new().entrypoint(key_digest);
    eprintln!("identity agent listening on http://{}", app.bind_address());
    app.run().await
}
