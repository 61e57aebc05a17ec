//! An AG-UI agent: echoes the last user message as one assistant text message (start,
//! the text in deltas of a few characters, end); the host adds RUN_STARTED and
//! RUN_FINISHED. SSE on `POST /invocations`, text frames on `/ws`, on `PORT` (8080).
//!
//! `cargo run -p agentcore-server --features ag-ui --example ag_ui_agent`, then
//! `curl -sN localhost:8080/invocations -d '{"threadId":"t","runId":"r","messages":[{"id":"1","role":"user","content":"hello there"}]}'`

use agentcore_server::ag_ui::{Event, RunAgentInput};
use agentcore_server::{App, RequestContext};
use futures_util::stream;

/// The characters of text in one TEXT_MESSAGE_CONTENT event.
const DELTA_CHARS: usize = 4;

fn echo(input: &RunAgentInput) -> Vec<Event> {
    let text = input.last_user_text().unwrap_or_default();
    let id = format!("{}-echo", input.run_id);
    let chars: Vec<char> = text.chars().collect();
    let mut events = vec![Event::text_start(&id)];
    // An empty message is still one (empty) delta: a content event needs no text.
    if chars.is_empty() {
        events.push(Event::text_content(&id, ""));
    }
    for chunk in chars.chunks(DELTA_CHARS) {
        events.push(Event::text_content(&id, chunk.iter().collect::<String>()));
    }
    events.push(Event::text_end(&id));
    events
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    agentcore_server::log::init().ok();
    App::new()
        .ag_ui(|input: RunAgentInput, _ctx: RequestContext| async move {
            stream::iter(
                echo(&input)
                    .into_iter()
                    .map(Ok::<_, std::convert::Infallible>),
            )
        })
        .run()
        .await
}
