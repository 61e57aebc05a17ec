//! An A2A agent that echoes: `echo: <the user's text>`, as a task that goes working,
//! produces an artifact with the reply, and completes (in several streamed events).
//!
//! ```sh
//! cargo run -p agentcore-server --features a2a --example a2a_agent   # 127.0.0.1:9000
//! curl -s localhost:9000/.well-known/agent-card.json
//! curl -s localhost:9000/ -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,
//!   "method":"SendMessage","params":{"message":{"messageId":"m1","role":"ROLE_USER",
//!   "parts":[{"text":"hi"}]}}}'
//! ```
//!
//! A message whose text is `?` makes a two-turn task: the agent asks what to echo
//! (`TASK_STATE_INPUT_REQUIRED`), and the next message naming the task's `taskId` is
//! echoed, with how many messages the task's history held.
//!
//! `A2A_PORT` moves it; `PORT` is not read (the runtime reaches A2A servers on 9000).

use agentcore_server::a2a::{
    AgentCard, AgentSkill, Artifact, Event, Message, TaskState, continued_task,
};
use agentcore_server::{App, BoxError, RequestContext};
use futures_util::stream::{self, Stream};

fn echo(message: Message, ctx: RequestContext) -> impl Stream<Item = Result<Event, BoxError>> {
    let text = message.text();
    let working = Ok(Event::Status {
        state: TaskState::Working,
        message: Some(Message::agent_text("echoing")),
    });
    let last = match continued_task(&ctx) {
        // The second turn: the answer to the question.
        Some(task) => {
            let reply = format!("echo: {text} ({} messages)", task.history.len());
            Event::Artifact(Artifact::text("echo", reply))
        }
        None if text == "?" => Event::Status {
            state: TaskState::InputRequired,
            message: Some(Message::agent_text("What should I echo?")),
        },
        None => Event::Artifact(Artifact::text("echo", format!("echo: {text}"))),
    };
    stream::iter([working, Ok(last)])
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    agentcore_server::log::init().ok();
    let card = AgentCard::new(
        "echo",
        "Replies with the text it is sent, prefixed by `echo: `",
    )
    .skill(AgentSkill::new("echo", "Echo", "Echoes the user's text").tag("demo"));
    App::new().a2a(card, echo).run().await
}
