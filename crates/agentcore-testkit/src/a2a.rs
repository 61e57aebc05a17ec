//! An A2A echo agent for the A2A tests: `agentcore-server`'s `App::a2a` on `127.0.0.1`,
//! as an A2A container on AgentCore Runtime serves it (the emulator forwards
//! invocations to `{url}/` and the card to `{url}/.well-known/agent-card.json`).
//!
//! A message `whoami` is answered with a message: the runtime session id the agent saw;
//! `slow` makes a task that works for a minute (to cancel); any other text a task that
//! goes working, gets an artifact `echo: <text>` and completes.

use std::time::Duration;

use agentcore_server::a2a::{AgentCard, AgentSkill, Artifact, Event, Message, TaskState};
use agentcore_server::{App, BoxError, RequestContext};
use futures_util::stream::{self, BoxStream, StreamExt};

/// The A2A runtime the emulator serves in the A2A tests (endpoints `DEFAULT` and
/// [`QUALIFIER`](crate::QUALIFIER), the same secrets as [`ARN`](crate::ARN)).
pub const A2A_ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/testkit-a2a";

/// The echo agent's handler.
fn echo(message: Message, ctx: RequestContext) -> BoxStream<'static, Result<Event, BoxError>> {
    let text = message.text();
    match text.as_str() {
        "whoami" => {
            let seen = ctx.session_id.clone().unwrap_or_default();
            stream::iter([Ok(Event::Message(Message::agent_text(seen)))]).boxed()
        }
        "slow" => stream::iter([Ok(Event::status(TaskState::Working))])
            .chain(stream::once(async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(Event::status(TaskState::Completed))
            }))
            .boxed(),
        _ => stream::iter([
            Ok(Event::status(TaskState::Working)),
            Ok(Event::Artifact(Artifact::text(
                "echo",
                format!("echo: {text}"),
            ))),
        ])
        .boxed(),
    }
}

/// The running echo agent; it stops with the test's runtime.
#[derive(Debug)]
pub struct A2aAgent {
    url: String,
}

impl A2aAgent {
    /// Starts it on a fresh port of `127.0.0.1`.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the A2A agent");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let card = AgentCard::new("echo", "Echoes").skill(AgentSkill::new(
            "echo",
            "Echo",
            "Echoes the text",
        ));
        tokio::spawn(App::new().a2a(card, echo).serve(listener));
        Self { url }
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}
