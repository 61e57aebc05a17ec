//! The smallest agent: answers `POST /invocations` with a greeting.
//!
//! ```text
//! cargo run -p agentcore-server --example hello
//! curl -s localhost:8080/ping
//! curl -s localhost:8080/invocations -H 'content-type: application/json' -d '{"name":"Ada"}'
//! ```

use agentcore_server::{App, RequestContext};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Greeting {
    #[serde(default = "world")]
    name: String,
}

fn world() -> String {
    "world".to_owned()
}

async fn hello(
    greeting: Greeting,
    ctx: RequestContext,
) -> Result<Value, agentcore_server::BoxError> {
    Ok(json!({
        "message": format!("Hello, {}!", greeting.name),
        "session_id": ctx.session_id,
    }))
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    let _ = agentcore_server::log::init();
    let app = App::new().entrypoint(hello);
    eprintln!("hello agent listening on http://{}", app.bind_address());
    app.run().await
}
