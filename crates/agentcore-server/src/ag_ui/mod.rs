//! AG-UI agents (feature `ag-ui`): [`App::ag_ui`] serves one handler, which takes a typed
//! [`RunAgentInput`] and returns a stream of typed [`Event`]s (or [`Envelope`]s, events
//! with the base fields `timestamp`, `rawEvent`, `metadata`), on both transports of the
//! AgentCore AG-UI contract, on the HTTP agent's port (8080, `PORT`):
//!
//! - `POST /invocations`: the events as Server-Sent Events, `data: <event JSON>\n\n`
//!   (`ag-ui-protocol`'s `EventEncoder`); a body that is not a `RunAgentInput` is a
//!   `400` naming the field, one over the app's `max_body_bytes` a `413`;
//! - `/ws`: the client sends the `RunAgentInput` as its first text frame and receives
//!   each event as one text frame, encoded as for SSE (`data: <event JSON>\n\n`, as the
//!   reference `AGUIApp` sends them), then a close with 1000; an input that is not a
//!   `RunAgentInput` closes with [`INVALID_INPUT_CLOSE_CODE`] (1003), one over the app's
//!   `websocket_max_message_bytes` with 1009.
//!
//! The host frames the run: it sends `RUN_STARTED` first unless the handler's first
//! event is one, and `RUN_FINISHED` at the end unless the handler sent `RUN_FINISHED` or
//! `RUN_ERROR`; an `Err` item or a panic becomes `RUN_ERROR` (`code`
//! [`INTERNAL_ERROR`], the error's message), and nothing is sent after a run ends.
//! `/ping`, limits, logs and shutdown are the app's as for any HTTP agent.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use agentcore_server::ag_ui::{Event, RunAgentInput};
//! use agentcore_server::{App, RequestContext, testing::TestClient};
//! use futures_util::stream;
//! use serde_json::{Value, json};
//!
//! let app = App::new().ag_ui(|input: RunAgentInput, _ctx: RequestContext| async move {
//!     let text = input.last_user_text().unwrap_or_default();
//!     stream::iter([
//!         Ok::<_, std::io::Error>(Event::text_start("m1")),
//!         Ok(Event::text_content("m1", text)),
//!         Ok(Event::text_end("m1")),
//!     ])
//! });
//! let input = json!({ "threadId": "t", "runId": "r",
//!                     "messages": [{ "id": "1", "role": "user", "content": "hi" }] });
//! let events = TestClient::new(app).invoke(&input).await.event_data::<Value>();
//! let types: Vec<_> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
//! assert_eq!(types, ["RUN_STARTED", "TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT",
//!                    "TEXT_MESSAGE_END", "RUN_FINISHED"]);
//! # }
//! ```
//!
//! The types are this crate's own serde types, shaped and checked (`cargo xtask interop`)
//! against the official `ag-ui-protocol` 1.0 Python package: no Rust AG-UI crate is both
//! stable and maintained by the protocol's project today.

mod run;
mod types;

use std::convert::Infallible;
use std::sync::Arc;

use agentcore_contract::sse::data_event;
use agentcore_contract::ws::Message as WsMessage;
use futures_util::{Stream, StreamExt, stream};

use crate::app::App;
use crate::context::RequestContext;
use crate::error::BoxError;
use crate::sse::Sse;
use crate::ws::{WebSocketError, WebSocketUpgrade};
use run::Run;

pub use run::INTERNAL_ERROR;
pub use types::{
    Context, EncryptedValueSubtype, Envelope, Event, FunctionCall, Message, ReasoningRole, Role,
    RunAgentInput, TextRole, Tool, ToolCall,
};

/// The close code of a `/ws` session whose first message is not a `RunAgentInput` text
/// frame (1003, "unsupported data", as the reference closes).
pub const INVALID_INPUT_CLOSE_CODE: u16 = 1003;

impl App {
    /// Serves an AG-UI agent (feature `ag-ui`): `handler` takes the run's input and the
    /// request context and returns the run's event stream, sent as SSE on
    /// `POST /invocations` and as text frames on `/ws` ([`crate::ag_ui`] says how). The
    /// stream's items are `Result<Event, E>` or `Result<Envelope, E>` (any
    /// `Into<Envelope>`). It replaces [`App::entrypoint`] and [`App::websocket`].
    ///
    /// ```
    /// use agentcore_server::ag_ui::{Event, RunAgentInput};
    /// use agentcore_server::{App, RequestContext};
    ///
    /// let _app = App::new().ag_ui(|_: RunAgentInput, _: RequestContext| async {
    ///     futures_util::stream::iter([Ok::<_, std::io::Error>(Event::text_start("m"))])
    /// });
    /// ```
    pub fn ag_ui<F, Fut, S, T, E>(self, handler: F) -> Self
    where
        F: Fn(RunAgentInput, RequestContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = S> + Send + 'static,
        S: Stream<Item = Result<T, E>> + Send + 'static,
        T: Into<Envelope> + 'static,
        E: Into<BoxError> + 'static,
    {
        let handler = Arc::new(handler);
        let sse = Arc::clone(&handler);
        self.entrypoint(move |input: RunAgentInput, context: RequestContext| {
            let run = events(Arc::clone(&sse), input, context);
            async move { Ok::<_, Infallible>(Sse::new(run)) }
        })
        .websocket(move |upgrade: WebSocketUpgrade, context: RequestContext| {
            let handler = Arc::clone(&handler);
            session(upgrade, context, handler)
        })
    }
}

/// The framed events of one run; the handler is called when the stream is first polled,
/// so that a panic while it builds its future is a `RUN_ERROR` too.
fn events<F, Fut, S, T, E>(
    handler: Arc<F>,
    input: RunAgentInput,
    context: RequestContext,
) -> Run<impl Stream<Item = Result<T, E>> + Send + 'static>
where
    F: Fn(RunAgentInput, RequestContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = S> + Send + 'static,
    S: Stream<Item = Result<T, E>> + Send + 'static,
    T: Into<Envelope> + 'static,
{
    let (thread_id, run_id) = (input.thread_id.clone(), input.run_id.clone());
    let inner = stream::once(async move { handler(input, context).await }).flatten();
    Run::new(inner, thread_id, run_id)
}

/// One `/ws` session: the input, then the events, then a close.
async fn session<F, Fut, S, T, E>(
    upgrade: WebSocketUpgrade,
    context: RequestContext,
    handler: Arc<F>,
) -> Result<(), WebSocketError>
where
    F: Fn(RunAgentInput, RequestContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = S> + Send + 'static,
    S: Stream<Item = Result<T, E>> + Send + 'static,
    T: Into<Envelope> + 'static,
    E: Into<BoxError> + 'static,
{
    let mut socket = upgrade.accept().await?;
    let input = match socket.recv().await? {
        None => return Ok(()),
        Some(WsMessage::Text(text)) => serde_json::from_str::<RunAgentInput>(&text).ok(),
        Some(_) => None,
    };
    let Some(input) = input else {
        tracing::warn!("AG-UI: the first WebSocket message is not a RunAgentInput");
        return socket
            .close(INVALID_INPUT_CLOSE_CODE, "Invalid RunAgentInput")
            .await;
    };
    let mut run = std::pin::pin!(events(handler, input, context));
    while let Some(event) = run.next().await {
        socket.send_text(encode(&event)).await?;
    }
    Ok(())
}

/// An event as one SSE event, `data: <json>\n\n` (what the reference puts in a frame).
fn encode(event: &Envelope) -> String {
    let bytes = data_event(event).unwrap_or_else(|error| {
        // Only a `Value` with a non-string map key could fail, which JSON cannot hold.
        data_event(&Event::run_error(error.to_string(), INTERNAL_ERROR)).unwrap_or_default()
    });
    String::from_utf8(bytes).unwrap_or_default()
}
