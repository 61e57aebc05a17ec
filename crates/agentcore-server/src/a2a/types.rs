//! The A2A v1.0 wire types this host speaks, as the official Python `a2a-sdk` 1.x puts
//! them on the wire (protobuf JSON: camelCase fields, `TASK_STATE_*` and `ROLE_*` enum
//! names, a `Part` that is one of `text`, `url`, `raw` or `data`). Only what the host
//! reads or writes is typed; unknown fields are ignored, as the reference does.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who sent a message.
///
/// ```
/// use agentcore_server::a2a::Role;
/// assert_eq!(serde_json::to_string(&Role::Agent).unwrap(), r#""ROLE_AGENT""#);
/// // v0.3 spellings are read too.
/// assert_eq!(serde_json::from_str::<Role>(r#""user""#).unwrap(), Role::User);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Role {
    /// Not set.
    #[default]
    #[serde(rename = "ROLE_UNSPECIFIED")]
    Unspecified,
    /// The client.
    #[serde(rename = "ROLE_USER", alias = "user")]
    User,
    /// The agent.
    #[serde(rename = "ROLE_AGENT", alias = "agent")]
    Agent,
}

/// A task's state.
///
/// ```
/// use agentcore_server::a2a::TaskState;
/// assert_eq!(serde_json::to_string(&TaskState::Completed).unwrap(), r#""TASK_STATE_COMPLETED""#);
/// assert!(TaskState::Canceled.is_terminal() && !TaskState::Working.is_terminal());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TaskState {
    /// Not set.
    #[default]
    #[serde(rename = "TASK_STATE_UNSPECIFIED")]
    Unspecified,
    /// Received, not started.
    #[serde(rename = "TASK_STATE_SUBMITTED", alias = "submitted")]
    Submitted,
    /// Running.
    #[serde(rename = "TASK_STATE_WORKING", alias = "working")]
    Working,
    /// Finished.
    #[serde(rename = "TASK_STATE_COMPLETED", alias = "completed")]
    Completed,
    /// Failed.
    #[serde(rename = "TASK_STATE_FAILED", alias = "failed")]
    Failed,
    /// Cancelled by a client.
    #[serde(rename = "TASK_STATE_CANCELED", alias = "canceled")]
    Canceled,
    /// Waiting for the client.
    #[serde(rename = "TASK_STATE_INPUT_REQUIRED", alias = "input-required")]
    InputRequired,
    /// Refused by the agent.
    #[serde(rename = "TASK_STATE_REJECTED", alias = "rejected")]
    Rejected,
    /// Waiting for authentication.
    #[serde(rename = "TASK_STATE_AUTH_REQUIRED", alias = "auth-required")]
    AuthRequired,
}

impl TaskState {
    /// Whether the task can change no more (completed, failed, canceled, rejected).
    ///
    /// ```
    /// assert!(agentcore_server::a2a::TaskState::Failed.is_terminal());
    /// ```
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Failed | Self::Canceled | Self::Rejected
        )
    }
}

/// One piece of a message or artifact: text, a URL, base64 bytes or JSON data.
///
/// ```
/// use agentcore_server::a2a::Part;
/// let part = Part::text("hi");
/// assert_eq!(serde_json::to_value(&part).unwrap(), serde_json::json!({ "text": "hi" }));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// Text content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A file by URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A file's bytes, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// Structured data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// The file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// The media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl Part {
    /// A text part.
    ///
    /// ```
    /// assert_eq!(agentcore_server::a2a::Part::text("x").text.as_deref(), Some("x"));
    /// ```
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }
}

/// A message between a client and the agent.
///
/// ```
/// use agentcore_server::a2a::{Message, Role};
/// let message = Message::agent_text("echo: hi");
/// assert_eq!(message.role, Role::Agent);
/// assert_eq!(message.text(), "echo: hi");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The message's id, set by its sender.
    #[serde(default)]
    pub message_id: String,
    /// The conversation it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// The task it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Who sent it.
    #[serde(default)]
    pub role: Role,
    /// Its content.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl Message {
    /// A message from the agent with one text part and a fresh id.
    ///
    /// ```
    /// assert!(!agentcore_server::a2a::Message::agent_text("x").message_id.is_empty());
    /// ```
    pub fn agent_text(text: impl Into<String>) -> Self {
        Self {
            message_id: uuid::Uuid::new_v4().to_string(),
            role: Role::Agent,
            parts: vec![Part::text(text)],
            ..Self::default()
        }
    }

    /// Its text parts, joined.
    ///
    /// ```
    /// use agentcore_server::a2a::{Message, Part};
    /// let message = Message { parts: vec![Part::text("a"), Part::text("b")], ..Message::default() };
    /// assert_eq!(message.text(), "ab");
    /// ```
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .filter_map(|p| p.text.as_deref())
            .collect()
    }
}

/// A task's status: its state, an optional message and when it was set (RFC 3339).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatus {
    /// The state.
    pub state: TaskState,
    /// What the agent said with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// When it was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// An output of a task.
///
/// ```
/// use agentcore_server::a2a::Artifact;
/// let artifact = Artifact::text("answer", "42");
/// assert_eq!(artifact.parts[0].text.as_deref(), Some("42"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// Its id.
    pub artifact_id: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its content.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl Artifact {
    /// A named artifact of one text part, with a fresh id.
    ///
    /// ```
    /// assert_eq!(agentcore_server::a2a::Artifact::text("a", "b").name.as_deref(), Some("a"));
    /// ```
    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            artifact_id: uuid::Uuid::new_v4().to_string(),
            name: Some(name.into()),
            parts: vec![Part::text(text)],
            ..Self::default()
        }
    }
}

/// A unit of work the agent does for a client.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Its id, set by the host.
    pub id: String,
    /// The conversation it belongs to.
    pub context_id: String,
    /// Where it stands.
    pub status: TaskStatus,
    /// What it produced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
    /// The messages exchanged, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Message>,
}

/// A task's status changed (a streamed event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatusUpdateEvent {
    /// The task.
    pub task_id: String,
    /// Its conversation.
    pub context_id: String,
    /// The new status.
    pub status: TaskStatus,
}

/// A task produced an artifact (a streamed event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskArtifactUpdateEvent {
    /// The task.
    pub task_id: String,
    /// Its conversation.
    pub context_id: String,
    /// The artifact.
    pub artifact: Artifact,
    /// Whether it appends to an artifact of the same id.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub append: bool,
    /// Whether it is the artifact's last chunk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub last_chunk: bool,
}

/// One result of `SendStreamingMessage` (and of `SendMessage`: a task or a message):
/// exactly one member is set on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StreamResponse {
    /// The task, as it stands.
    Task(Task),
    /// A message from the agent.
    Message(Message),
    /// A status change.
    StatusUpdate(TaskStatusUpdateEvent),
    /// An artifact.
    ArtifactUpdate(TaskArtifactUpdateEvent),
}

/// The `params` of `SendMessage` and `SendStreamingMessage`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendMessageParams {
    pub(crate) message: Message,
}

/// The `params` of `GetTask` and `CancelTask`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TaskIdParams {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) history_length: Option<usize>,
}

/// The `params` of `ListTasks`, as `a2a-sdk` 1.3.0's `ListTasksRequest` (`tenant` ignored).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListTasksParams {
    #[serde(default)]
    pub(crate) context_id: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<TaskState>,
    #[serde(default)]
    pub(crate) page_size: Option<i64>,
    #[serde(default)]
    pub(crate) page_token: Option<String>,
    #[serde(default)]
    pub(crate) history_length: Option<usize>,
    #[serde(default)]
    pub(crate) status_timestamp_after: Option<String>,
    #[serde(default)]
    pub(crate) include_artifacts: Option<bool>,
}

/// The result of `ListTasks`; unset fields left out, as protobuf JSON writes them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListTasksResult {
    pub(crate) tasks: Vec<Task>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) next_page_token: String,
    pub(crate) page_size: usize,
    pub(crate) total_size: usize,
}
