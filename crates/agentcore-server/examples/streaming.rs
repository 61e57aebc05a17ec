//! Streaming: return a `Stream` and the answer is Server-Sent Events, one event per item.
//!
//! ```text
//! cargo run -p agentcore-server --example streaming
//! curl -N localhost:8080/invocations -d '{"words":"one two three"}'
//! ```

use std::time::Duration;

use agentcore_server::{App, BoxError};
use futures_util::StreamExt;
use serde_json::{Value, json};

async fn stream_words(payload: Value) -> Result<impl futures_util::Stream<Item = Value>, BoxError> {
    let text = payload["words"]
        .as_str()
        .unwrap_or("hello streaming world")
        .to_owned();
    let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    Ok(
        futures_util::stream::iter(words.into_iter().enumerate()).then(|(i, word)| async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            json!({ "i": i, "word": word })
        }),
    )
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    App::new().entrypoint(stream_words).run().await
}
