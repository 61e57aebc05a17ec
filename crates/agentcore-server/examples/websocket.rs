//! WebSocket: accept the upgrade on `/ws`, then talk JSON.
//!
//! ```text
//! cargo run -p agentcore-server --example websocket
//! # with any WebSocket client, e.g. `websocat ws://127.0.0.1:8080/ws`, send {"text":"hi"}
//! ```

use agentcore_server::ws::WebSocketError;
use agentcore_server::{App, RequestContext, WebSocketUpgrade};
use serde_json::{Value, json};

async fn chat(upgrade: WebSocketUpgrade, ctx: RequestContext) -> Result<(), WebSocketError> {
    let mut socket = upgrade.accept().await?;
    while let Some(message) = socket.recv_json::<Value>().await? {
        let reply = json!({ "you_said": message["text"], "session": ctx.session_id });
        socket.send_json(&reply).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    App::new().websocket(chat).run().await
}
