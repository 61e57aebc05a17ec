//! A2A (Agent2Agent) agents on the runtime's A2A contract (feature `a2a`).
//!
//! AgentCore Runtime hosts A2A servers as well as agents and MCP servers: the container
//! serves A2A's JSON-RPC 2.0 binding on port [`DEFAULT_PORT`] (9000), path [`PATH`]
//! (`/`), and its agent card at [`CARD_PATH`]. [`App::a2a`](crate::App::a2a) serves a
//! handler on this crate's own HTTP stack, speaking A2A v1.0 as the official Python
//! `a2a-sdk` 1.x does (the wire types are [this module's own](Message), checked against
//! that SDK by the interop tests: no Rust crate spoke v1.0's protobuf JSON when this was
//! written).
//!
//! - **Where**: `0.0.0.0` in a container (`127.0.0.1` elsewhere), port 9000 unless
//!   `A2A_PORT` ([`PORT_ENV`]) or [`App::port`](crate::App::port) says otherwise. `PORT`
//!   is not read, as in the reference: images shared across runtimes set it for the HTTP
//!   contract (8080), and the runtime only reaches an A2A server on 9000 (any other port
//!   fails with 424). `GET /ping` answers on the same port.
//! - **Methods**: `SendMessage` (blocking: the finished task, or the handler's message),
//!   `SendStreamingMessage` (SSE: the task, then each status and artifact update, then
//!   the final status), `GetTask`, `CancelTask`, `ListTasks` (a page of the store, newest
//!   first, filtered by `contextId`, `status`, `statusTimestampAfter`; `pageSize` up to
//!   [`MAX_LIST_PAGE_SIZE`], `pageToken`), `SubscribeToTask` (SSE: a running task as it
//!   stands, then its further updates to its end; each subscriber buffers up to
//!   [`SUBSCRIBER_BUFFER_EVENTS`], at most [`MAX_SUBSCRIBERS`] per task; a finished task
//!   is `-32004`); and the v0.3 names of all but the listing (`message/send`,
//!   `message/stream`, `tasks/get`, `tasks/cancel`, `tasks/resubscribe`), answered in v0.3's shapes (`kind`-tagged
//!   results and parts, lower-case states and roles) as the reference's v0.3 adapter does. Other
//!   methods (push notifications, the extended card) are `-32601`.
//! - **Multi-turn tasks**: a message without a `taskId` starts a new task (its
//!   `contextId` kept, or a new one). A message naming a task waiting for input
//!   ([`TaskState::InputRequired`], or [`TaskState::AuthRequired`]) continues it, as the
//!   reference's handler does: the message joins the task's history, the task is working
//!   again, and the handler gets the message (with the task's `taskId` and `contextId`)
//!   and, in [`continued_task`], the task with its history. A handler's status event
//!   `InputRequired` ends its turn (the rest of its stream is not read) and the task
//!   waits. Naming a finished task is `-32004` (unsupported operation, as the reference
//!   answers), a task still working `-32004` too, an unknown task `-32001`, another
//!   `contextId` than the task's `-32602`.
//! - **The card**: `GET /.well-known/agent-card.json`; its URL is
//!   `AGENTCORE_RUNTIME_URL` ([`RUNTIME_URL_ENV`], the runtime's invocation URL) when set,
//!   else the local address served.
//! - **Tasks** are kept in memory, at most [`DEFAULT_MAX_TASKS`] (
//!   [`App::a2a_max_tasks`](crate::App::a2a_max_tasks)): a new task past the bound evicts
//!   the oldest finished one; when all are running the new one is refused (`-32603`).
//! - **The request context** (runtime session id, request id, workload access token,
//!   forwarded headers) is the handler's second argument, and
//!   [`RequestContext::current`](crate::RequestContext::current) inside it.
//! - **Failures**: an `Err` from the handler's stream fails its task (the error's message
//!   in the status); a panic while producing an event does the same, and a handler that
//!   panics when called answers `-32603`. The server goes on either way.
//! - **The host's limits** apply before the handler sees a request: the body limit
//!   (413), the body-read timeout (408), the connection limits, `/ping` apart, the
//!   request logs and the graceful shutdown.
//!
//! ```no_run
//! use agentcore_server::{App, RequestContext};
//! use agentcore_server::a2a::{AgentCard, Artifact, Event, Message, TaskState};
//! use futures_util::stream;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), agentcore_server::ServeError> {
//!     let card = AgentCard::new("echo", "Echoes what it is sent");
//!     App::new()
//!         .a2a(card, |message: Message, _ctx: RequestContext| {
//!             let reply = format!("echo: {}", message.text());
//!             stream::iter([
//!                 Ok(Event::status(TaskState::Working)),
//!                 Ok(Event::Artifact(Artifact::text("echo", reply))),
//!             ])
//!         })
//!         .run() // 0.0.0.0:9000 in a container, until SIGTERM
//!         .await
//! }
//! ```

mod card;
pub(crate) mod service;
mod store;
mod types;
mod v03;

pub use card::{
    AgentCapabilities, AgentCard, AgentInterface, AgentSkill, PROTOCOL_VERSION, RUNTIME_URL_ENV,
};
pub use types::{
    Artifact, Message, Part, Role, StreamResponse, Task, TaskArtifactUpdateEvent, TaskState,
    TaskStatus, TaskStatusUpdateEvent,
};

pub use crate::config::{
    A2A_PORT_ENV as PORT_ENV, DEFAULT_A2A_MAX_TASKS as DEFAULT_MAX_TASKS,
    DEFAULT_A2A_PORT as DEFAULT_PORT,
};

/// How many tasks one `ListTasks` page holds when the call sets no `pageSize`, as in
/// `a2a-sdk` 1.3.0.
///
/// ```
/// assert_eq!(agentcore_server::a2a::DEFAULT_LIST_PAGE_SIZE, 50);
/// ```
pub const DEFAULT_LIST_PAGE_SIZE: usize = 50;

/// The largest `pageSize` of `ListTasks` (a larger one, or one under 1, is `-32602`), as
/// in `a2a-sdk` 1.3.0.
///
/// ```
/// assert_eq!(agentcore_server::a2a::MAX_LIST_PAGE_SIZE, 100);
/// ```
pub const MAX_LIST_PAGE_SIZE: usize = 100;

/// How many updates a `SubscribeToTask` stream holds for a slow client: a subscriber
/// further behind is dropped (its stream ends; it may subscribe again), as `a2a-sdk`
/// evicts one, so that it never holds up the task.
///
/// ```
/// assert_eq!(agentcore_server::a2a::SUBSCRIBER_BUFFER_EVENTS, 64);
/// ```
pub const SUBSCRIBER_BUFFER_EVENTS: usize = 64;

/// How many `SubscribeToTask` streams may follow one task at a time; one more is refused
/// (`-32603`) until one of them ends.
///
/// ```
/// assert_eq!(agentcore_server::a2a::MAX_SUBSCRIBERS, 8);
/// ```
pub const MAX_SUBSCRIBERS: usize = 8;

/// The path of the JSON-RPC endpoint.
///
/// ```
/// assert_eq!(agentcore_server::a2a::PATH, "/");
/// ```
pub const PATH: &str = "/";

/// The path of the agent card.
///
/// ```
/// assert_eq!(agentcore_server::a2a::CARD_PATH, "/.well-known/agent-card.json");
/// ```
pub const CARD_PATH: &str = "/.well-known/agent-card.json";

/// The task that the handler's message continues (with its history, that message last),
/// or `None` when the message starts a new task. The host puts it in the context's
/// `extensions` before calling the handler.
///
/// ```
/// use agentcore_server::RequestContext;
/// use agentcore_server::a2a::{Task, continued_task};
///
/// let mut context = RequestContext::default();
/// assert!(continued_task(&context).is_none());
/// context.extensions.insert(Task { id: "t1".into(), ..Task::default() });
/// assert_eq!(continued_task(&context).map(|task| task.id.as_str()), Some("t1"));
/// ```
pub fn continued_task(context: &crate::context::RequestContext) -> Option<&Task> {
    context.extensions.get::<Task>()
}

/// What a handler yields, in order; the host turns each into a task update.
///
/// A handler whose first event is a [`Event::Message`] answers with that message and no
/// task (a message continuing a task always makes the task's next turn). Otherwise a task
/// is made: each status and artifact updates it, and when the stream ends the task is
/// completed (unless it already ended); an `Err` fails it. A status
/// [`TaskState::InputRequired`] (or `AuthRequired`) ends the turn: the task waits for a
/// message naming it.
///
/// ```
/// use agentcore_server::a2a::{Event, TaskState};
/// assert!(matches!(Event::status(TaskState::Working), Event::Status { state: TaskState::Working, message: None }));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The task's new state, with what the agent says about it.
    Status {
        /// The state.
        state: TaskState,
        /// A message with it.
        message: Option<Message>,
    },
    /// An output of the task.
    Artifact(Artifact),
    /// A message from the agent.
    Message(Message),
}

impl Event {
    /// A status change without a message.
    ///
    /// ```
    /// let _ = agentcore_server::a2a::Event::status(agentcore_server::a2a::TaskState::Working);
    /// ```
    pub fn status(state: TaskState) -> Self {
        Self::Status {
            state,
            message: None,
        }
    }
}
