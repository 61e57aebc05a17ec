//! JSON-RPC 2.0 over the A2A methods: a request body in, a JSON answer or an SSE stream
//! out. The handler's events drive a task of the store on a task of their own, so a
//! task goes on (and can be fetched or cancelled) when the streaming client goes away.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::SystemTime;

use agentcore_contract::sse::data_event;
use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::stream::{self, BoxStream, StreamExt};
use http::{Response, StatusCode};
use http_body::Frame;
use http_body_util::StreamBody;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::store::{
    CancelError, ListQuery, ResumeError, SubscribeError, Subscription, TaskStore, nanos, sort_key,
};
use super::types::{
    ListTasksParams, ListTasksResult, Message, SendMessageParams, StreamResponse, Task,
    TaskArtifactUpdateEvent, TaskIdParams, TaskState, TaskStatus, TaskStatusUpdateEvent,
};
use super::v03;
use super::{AgentCard, DEFAULT_LIST_PAGE_SIZE, Event, MAX_LIST_PAGE_SIZE, MAX_SUBSCRIBERS};
use crate::body::Body;
use crate::context::RequestContext;
use crate::error::{BoxError, panic_message};
use crate::log;
use crate::response::{json_value, with_content_type};
use crate::shutdown::Shutdown;
use crate::tracker::Tracker;

/// The user's handler, erased.
pub(crate) type DynA2aHandler = Arc<
    dyn Fn(Message, RequestContext) -> BoxStream<'static, Result<Event, BoxError>> + Send + Sync,
>;

/// How many streamed results wait for a slow client before the task's driver waits too.
const STREAM_BUFFER_EVENTS: usize = 16;

// JSON-RPC and A2A error codes, as the reference's `a2a.utils.errors`.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const INTERNAL_ERROR: i64 = -32603;
const TASK_NOT_FOUND: i64 = -32001;
const TASK_NOT_CANCELABLE: i64 = -32002;
const UNSUPPORTED_OPERATION: i64 = -32004;

/// The A2A side of an app: its handler, its served card and its tasks.
pub(crate) struct A2aService {
    handler: DynA2aHandler,
    card: AgentCard,
    store: TaskStore,
    /// The tasks being driven, which the drain waits for.
    drivers: Tracker,
    /// Ends the drivers still running when the server aborts.
    shutdown: Shutdown,
}

enum Method {
    Send,
    Stream,
    Get,
    Cancel,
    List,
    Subscribe,
}

impl Method {
    /// v1.0 names, and the v0.3 ones the reference still accepts.
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "SendMessage" | "message/send" => Self::Send,
            "SendStreamingMessage" | "message/stream" => Self::Stream,
            "GetTask" | "tasks/get" => Self::Get,
            "CancelTask" | "tasks/cancel" => Self::Cancel,
            // v0.3 has no listing (the reference's v0.3 adapter has none either).
            "ListTasks" => Self::List,
            "SubscribeToTask" | "tasks/resubscribe" => Self::Subscribe,
            _ => return None,
        })
    }
}

/// A state's protobuf JSON name (`TASK_STATE_COMPLETED`), as the reference's errors name it.
fn state_name(state: TaskState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|name| name.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(crate) fn now() -> String {
    log::timestamp(SystemTime::now())
}

fn error(id: &Value, code: i64, message: &str) -> Response<Body> {
    json_value(
        StatusCode::OK,
        &json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }),
    )
}

/// A JSON-RPC result; in v0.3's shapes when the call used a v0.3 method name.
fn result<T: Serialize>(id: &Value, result: &T, legacy: bool) -> Value {
    let result = serde_json::to_value(result).unwrap_or_default();
    let result = if legacy { v03::result(result) } else { result };
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

impl A2aService {
    /// The service; its task drivers are counted by `drivers` (the drain waits for
    /// them) and dropped when `shutdown` aborts.
    pub(crate) fn new(
        handler: DynA2aHandler,
        card: AgentCard,
        max_tasks: usize,
        drivers: Tracker,
        shutdown: Shutdown,
    ) -> Self {
        Self {
            handler,
            card,
            store: TaskStore::new(max_tasks),
            drivers,
            shutdown,
        }
    }

    /// The agent card, served at `url`.
    pub(crate) fn card(&self, url: &str) -> AgentCard {
        self.card.clone().served_at(url)
    }

    /// Answers one JSON-RPC request body.
    pub(crate) async fn call(
        self: &Arc<Self>,
        body: &[u8],
        context: RequestContext,
    ) -> Response<Body> {
        let Ok(request) = serde_json::from_slice::<Value>(body) else {
            return error(&Value::Null, PARSE_ERROR, "Parse error");
        };
        let Some(object) = request.as_object() else {
            return error(
                &Value::Null,
                INVALID_REQUEST,
                "Batch requests are not supported",
            );
        };
        let id = object.get("id").cloned().unwrap_or(Value::Null);
        if !(id.is_null() || id.is_string() || id.is_i64() || id.is_u64()) {
            return error(
                &Value::Null,
                INVALID_REQUEST,
                "id must be a string, integer, or null",
            );
        }
        if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return error(&id, INVALID_REQUEST, "'jsonrpc' must be exactly '2.0'");
        }
        let Some(name) = object.get("method").and_then(Value::as_str) else {
            return error(&id, INVALID_REQUEST, "Method is required");
        };
        let Some(method) = Method::parse(name) else {
            return error(&id, METHOD_NOT_FOUND, "Method not found");
        };
        let params = object.get("params").cloned().unwrap_or_else(|| json!({}));
        let legacy = name.contains('/');
        match method {
            Method::Send | Method::Stream => {
                let params: SendMessageParams = match serde_json::from_value(params) {
                    Ok(params) => params,
                    Err(err) => return error(&id, INVALID_PARAMS, &err.to_string()),
                };
                let streamed = matches!(method, Method::Stream);
                self.send(id, params.message, context, streamed, legacy)
                    .await
            }
            Method::List => match serde_json::from_value(params) {
                Ok(params) => self.list(&id, params),
                Err(err) => error(&id, INVALID_PARAMS, &err.to_string()),
            },
            Method::Subscribe => match serde_json::from_value::<TaskIdParams>(params) {
                Ok(params) => self.subscribe(id, &params.id, legacy),
                Err(err) => error(&id, INVALID_PARAMS, &err.to_string()),
            },
            Method::Get | Method::Cancel => {
                let params: TaskIdParams = match serde_json::from_value(params) {
                    Ok(params) => params,
                    Err(err) => return error(&id, INVALID_PARAMS, &err.to_string()),
                };
                let found = if matches!(method, Method::Get) {
                    self.store.get(&params.id).ok_or(CancelError::NotFound)
                } else {
                    self.store.cancel(&params.id, now())
                };
                match found {
                    Ok(mut task) => {
                        if let Some(keep) = params.history_length {
                            let drop = task.history.len().saturating_sub(keep);
                            task.history.drain(..drop);
                        }
                        json_value(StatusCode::OK, &result(&id, &task, legacy))
                    }
                    Err(CancelError::NotFound) => error(&id, TASK_NOT_FOUND, "Task not found"),
                    Err(CancelError::NotCancelable) => {
                        error(&id, TASK_NOT_CANCELABLE, "Task cannot be canceled")
                    }
                }
            }
        }
    }

    /// `SubscribeToTask`: the task as it stands, then its further updates over SSE, until
    /// it ends or waits for input; a finished task is `-32004`, as the reference answers.
    fn subscribe(&self, id: Value, task_id: &str, legacy: bool) -> Response<Body> {
        let (task, receiver) = match self.store.subscribe(task_id) {
            Ok(Subscription::Live(task, receiver)) => (task, Some(receiver)),
            Ok(Subscription::Waiting(task)) => (task, None),
            Err(SubscribeError::NotFound) => return error(&id, TASK_NOT_FOUND, "Task not found"),
            Err(SubscribeError::Terminal(state)) => {
                let text = format!("Task {task_id} is in terminal state: {}", state_name(state));
                return error(&id, UNSUPPORTED_OPERATION, &text);
            }
            Err(SubscribeError::Full) => {
                let text = format!("{MAX_SUBSCRIBERS} streams follow task {task_id} already");
                return error(&id, INTERNAL_ERROR, &text);
            }
        };
        let first = stream::iter([StreamResponse::Task(task)]);
        let updates = match receiver {
            Some(mut receiver) => stream::poll_fn(move |cx| receiver.poll_recv(cx)).boxed(),
            None => stream::empty().boxed(),
        };
        let frames = first
            .chain(updates)
            .map(move |answer| sse_frame(&result(&id, &answer, legacy)));
        sse(frames.boxed())
    }

    /// `ListTasks`: one page of the store, as `a2a-sdk`'s handler and in-memory store
    /// answer it (newest status first; artifacts only with `includeArtifacts`).
    fn list(&self, id: &Value, params: ListTasksParams) -> Response<Body> {
        let page_size = match params.page_size {
            None => DEFAULT_LIST_PAGE_SIZE,
            Some(size) if size < 1 => return error(id, INVALID_PARAMS, "minimum page size is 1"),
            Some(size) => match usize::try_from(size) {
                Ok(size) if size <= MAX_LIST_PAGE_SIZE => size,
                _ => {
                    let text = format!("maximum page size is {MAX_LIST_PAGE_SIZE}");
                    return error(id, INVALID_PARAMS, &text);
                }
            },
        };
        let after = match params.page_token.as_deref().filter(|t| !t.is_empty()) {
            None => None,
            Some(token) => match token.split_once('/') {
                Some((at, task)) => Some((at.to_owned(), task.to_owned())),
                None => return error(id, INVALID_PARAMS, &format!("Invalid page token: {token}")),
            },
        };
        let updated_since = match params.status_timestamp_after.as_deref() {
            None => None,
            Some(at) => match nanos(at) {
                Some(at) => Some(at),
                None => {
                    let text = format!("statusTimestampAfter is not an RFC 3339 UTC time: {at}");
                    return error(id, INVALID_PARAMS, &text);
                }
            },
        };
        let query = ListQuery {
            context_id: params.context_id.filter(|c| !c.is_empty()),
            state: params.status.filter(|s| *s != TaskState::Unspecified),
            updated_since,
            after,
            page_size,
        };
        let page = self.store.list(&query);
        let next_page_token = match (page.more, page.tasks.last()) {
            (true, Some(last)) => {
                let (at, task) = sort_key(last);
                format!("{at}/{task}")
            }
            _ => String::new(),
        };
        let with_artifacts = params.include_artifacts.unwrap_or(false);
        let tasks = page
            .tasks
            .into_iter()
            .map(|mut task| {
                if !with_artifacts {
                    task.artifacts.clear();
                }
                if let Some(keep) = params.history_length {
                    let drop = task.history.len().saturating_sub(keep);
                    task.history.drain(..drop);
                }
                task
            })
            .collect();
        let listed = ListTasksResult {
            tasks,
            next_page_token,
            page_size,
            total_size: page.total,
        };
        json_value(StatusCode::OK, &result(id, &listed, false))
    }

    async fn send(
        self: &Arc<Self>,
        id: Value,
        message: Message,
        context: RequestContext,
        streamed: bool,
        legacy: bool,
    ) -> Response<Body> {
        let named = message.task_id.clone().filter(|task| !task.is_empty());
        if let Some(task_id) = named {
            return self
                .resume(id, &task_id, message, context, streamed, legacy)
                .await;
        }
        let context_id = message
            .context_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let Some(mut events) = self.call_handler(&message, &context) else {
            return error(&id, INTERNAL_ERROR, "the agent failed");
        };
        // The first event decides: a message alone is the answer, anything else a task.
        let first = RequestContext::scope(context.clone(), next_event(&mut events)).await;
        let first = match first {
            Some(Ok(Event::Message(mut reply))) => {
                reply.context_id.get_or_insert(context_id);
                let answer = StreamResponse::Message(reply);
                return if streamed {
                    sse(stream::iter([sse_frame(&result(&id, &answer, legacy))]).boxed())
                } else {
                    json_value(StatusCode::OK, &result(&id, &answer, legacy))
                };
            }
            other => other,
        };
        let task_id = uuid::Uuid::new_v4().to_string();
        let mut request = message;
        request.task_id = Some(task_id.clone());
        request.context_id = Some(context_id.clone());
        let task = Task {
            id: task_id.clone(),
            context_id,
            status: TaskStatus {
                state: TaskState::Submitted,
                message: None,
                timestamp: Some(now()),
            },
            artifacts: Vec::new(),
            history: vec![request],
        };
        let Some(cancel) = self.store.insert(task.clone()) else {
            return error(
                &id,
                INTERNAL_ERROR,
                "every stored task is running (a2a_max_tasks)",
            );
        };
        let events = stream::iter(first).chain(events).boxed();
        self.start(id, task, events, cancel, context, streamed, legacy)
            .await
    }

    /// The handler's events for `message`; `None` when calling it panicked.
    fn call_handler(
        &self,
        message: &Message,
        context: &RequestContext,
    ) -> Option<BoxStream<'static, Result<Event, BoxError>>> {
        let called = catch_unwind(AssertUnwindSafe(|| {
            (self.handler)(message.clone(), context.clone())
        }));
        match called {
            Ok(events) => Some(events),
            Err(panic) => {
                let err: BoxError = panic_message(&*panic).into();
                log::handler_failed("A2A handler", "Panic", &*err);
                None
            }
        }
    }

    /// A message naming a task: continues it when it waits for input (or auth), as the
    /// reference's handler does. The handler sees the message (with the task's ids) and
    /// the task in `context.extensions`; the task is working again.
    async fn resume(
        self: &Arc<Self>,
        id: Value,
        task_id: &str,
        message: Message,
        mut context: RequestContext,
        streamed: bool,
        legacy: bool,
    ) -> Response<Body> {
        let (task, cancel) = match self.store.resume(task_id, message, now()) {
            Ok(resumed) => resumed,
            Err(ResumeError::NotFound) => {
                let text = format!("Task {task_id} was specified but does not exist");
                return error(&id, TASK_NOT_FOUND, &text);
            }
            Err(ResumeError::Terminal(state)) => {
                let text = format!("Task {task_id} is in terminal state: {}", state_name(state));
                return error(&id, UNSUPPORTED_OPERATION, &text);
            }
            Err(ResumeError::Running(state)) => {
                let text = format!("Task {task_id} is still running: {}", state_name(state));
                return error(&id, UNSUPPORTED_OPERATION, &text);
            }
            Err(ResumeError::OtherContext(context_id)) => {
                let text = format!(
                    "Message context does not match context {context_id} of task {task_id}"
                );
                return error(&id, INVALID_PARAMS, &text);
            }
        };
        let message = task.history.last().cloned().unwrap_or_default();
        context.extensions.insert(task.clone());
        let Some(events) = self.call_handler(&message, &context) else {
            let failed = TaskStatus {
                state: TaskState::Failed,
                message: Some(Message::agent_text("the agent failed")),
                timestamp: Some(now()),
            };
            self.store.update(task_id, |task| task.status = failed);
            return error(&id, INTERNAL_ERROR, "the agent failed");
        };
        self.start(id, task, events, cancel, context, streamed, legacy)
            .await
    }

    /// Drives `task` with `events` on a task of its own; answers when it is done (or,
    /// streamed, with its updates as they come).
    #[allow(clippy::too_many_arguments)]
    async fn start(
        self: &Arc<Self>,
        id: Value,
        task: Task,
        events: BoxStream<'static, Result<Event, BoxError>>,
        cancel: CancellationToken,
        context: RequestContext,
        streamed: bool,
        legacy: bool,
    ) -> Response<Body> {
        let task_id = task.id.clone();
        let (sender, mut receiver) = mpsc::channel(STREAM_BUFFER_EVENTS);
        let service = Arc::clone(self);
        let drive = service.drive(task, events, cancel, sender);
        let (guard, shutdown) = (self.drivers.track(), self.shutdown.clone());
        tokio::spawn(async move {
            let _counted = guard;
            shutdown
                .until_aborted(RequestContext::scope(context, drive))
                .await
        });
        if !streamed {
            while receiver.recv().await.is_some() {}
            let task = self.store.get(&task_id);
            return match task {
                Some(task) => json_value(
                    StatusCode::OK,
                    &result(&id, &StreamResponse::Task(task), legacy),
                ),
                None => error(&id, TASK_NOT_FOUND, "Task not found"),
            };
        }
        let frames = stream::poll_fn(move |cx| receiver.poll_recv(cx))
            .map(move |answer: StreamResponse| sse_frame(&result(&id, &answer, legacy)));
        sse(frames.boxed())
    }

    /// Runs the handler's events into the stored task, sending each change on.
    async fn drive(
        self: Arc<Self>,
        task: Task,
        mut events: BoxStream<'static, Result<Event, BoxError>>,
        cancel: CancellationToken,
        sender: mpsc::Sender<StreamResponse>,
    ) {
        let (task_id, context_id) = (task.id.clone(), task.context_id.clone());
        let _ = sender.send(StreamResponse::Task(task)).await;
        let status = |state, message: Option<Message>| TaskStatus {
            state,
            message,
            timestamp: Some(now()),
        };
        let mut ended = false;
        loop {
            let next = tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                next = next_event(&mut events) => next,
            };
            let update = match next {
                None => break,
                Some(Ok(Event::Status { state, message })) => {
                    let status = status(state, message);
                    self.store
                        .update(&task_id, |task| task.status = status.clone());
                    StreamResponse::StatusUpdate(TaskStatusUpdateEvent {
                        task_id: task_id.clone(),
                        context_id: context_id.clone(),
                        status,
                    })
                }
                Some(Ok(Event::Artifact(artifact))) => {
                    self.store.update(&task_id, |task| {
                        task.artifacts
                            .retain(|a| a.artifact_id != artifact.artifact_id);
                        task.artifacts.push(artifact.clone());
                    });
                    StreamResponse::ArtifactUpdate(TaskArtifactUpdateEvent {
                        task_id: task_id.clone(),
                        context_id: context_id.clone(),
                        artifact,
                        append: false,
                        last_chunk: true,
                    })
                }
                Some(Ok(Event::Message(mut message))) => {
                    message.task_id = Some(task_id.clone());
                    message.context_id = Some(context_id.clone());
                    self.store
                        .update(&task_id, |task| task.history.push(message.clone()));
                    StreamResponse::Message(message)
                }
                Some(Err(err)) => {
                    log::handler_failed("A2A task", "AgentError", &*err);
                    let failed = status(
                        TaskState::Failed,
                        Some(Message::agent_text(err.to_string())),
                    );
                    self.store.update(&task_id, |task| task.status = failed);
                    break;
                }
            };
            ended =
                matches!(&update, StreamResponse::StatusUpdate(u) if u.status.state.is_terminal());
            let interrupted = matches!(&update, StreamResponse::StatusUpdate(u)
                if matches!(u.status.state, TaskState::InputRequired | TaskState::AuthRequired));
            // A client that went away does not stop the task.
            self.store.publish(&task_id, &update);
            let _ = sender.send(update).await;
            if interrupted {
                // This turn is over: the task waits for a message naming it, whose turn
                // may already have begun, so this driver touches the task no more.
                return;
            }
            if self
                .store
                .get(&task_id)
                .is_none_or(|task| task.status.state.is_terminal())
            {
                break;
            }
        }
        if ended {
            return;
        }
        // Ends as completed unless it already ended (failed, canceled).
        let done = status(TaskState::Completed, None);
        let last = self.store.update(&task_id, |task| task.status = done);
        if let Some(task) = last {
            let update = StreamResponse::StatusUpdate(TaskStatusUpdateEvent {
                task_id: task_id.clone(),
                context_id,
                status: task.status,
            });
            self.store.publish(&task_id, &update);
            let _ = sender.send(update).await;
        }
    }
}

/// The handler's next event; a panic while producing it is an `Err` (the task fails).
async fn next_event(
    events: &mut BoxStream<'static, Result<Event, BoxError>>,
) -> Option<Result<Event, BoxError>> {
    match AssertUnwindSafe(events.next()).catch_unwind().await {
        Ok(next) => next,
        Err(panic) => Some(Err(panic_message(&*panic).into())),
    }
}

fn sse_frame(value: &Value) -> Result<Frame<Bytes>, BoxError> {
    Ok(Frame::data(Bytes::from(data_event(value)?)))
}

fn sse(frames: BoxStream<'static, Result<Frame<Bytes>, BoxError>>) -> Response<Body> {
    let mut response = with_content_type(
        StatusCode::OK,
        "text/event-stream",
        Body::new(StreamBody::new(frames)),
    );
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}
