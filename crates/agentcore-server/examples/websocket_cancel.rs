//! A WebSocket agent that streams tokens while it listens for `cancel`: the socket split
//! into a sender and a receiver, both in one `tokio::select!` (`recv` is cancel-safe).
//!
//! ```text
//! cargo run -p agentcore-server --example websocket_cancel
//! websocat ws://127.0.0.1:8080/ws      # type a prompt, then `cancel`
//! ```

use std::time::Duration;

use agentcore_server::ws::Message;
use agentcore_server::{App, BoxError, RequestContext, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};

async fn generate(upgrade: WebSocketUpgrade, _ctx: RequestContext) -> Result<(), BoxError> {
    let (mut sender, mut receiver) = upgrade.accept().await?.split();
    // Each prompt starts a generation that runs until it is done or cancelled.
    while let Some(prompt) = receiver.next().await.transpose()? {
        let Some(prompt) = prompt.to_text().map(str::to_owned) else {
            continue;
        };
        let mut model = tokio::time::interval(Duration::from_millis(200));
        let words: Vec<String> = prompt.split_whitespace().map(str::to_uppercase).collect();
        let mut words = words.into_iter();
        loop {
            tokio::select! {
                message = receiver.next() => match message.transpose()? {
                    Some(message) if message.to_text() == Some("cancel") => {
                        sender.send(Message::text("[cancelled]")).await?;
                        break;
                    }
                    Some(_) => {} // ignored while generating
                    None => return Ok(()), // the client went away
                },
                _ = model.tick() => match words.next() {
                    Some(word) => sender.send(Message::text(word)).await?,
                    None => {
                        sender.send(Message::text("[done]")).await?;
                        break;
                    }
                },
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    let _ = agentcore_server::log::init();
    App::new().websocket(generate).run().await
}
