//! The AG-UI wire types: [`RunAgentInput`] and [`Event`], serde-shaped as the official
//! `ag-ui-protocol` 1.0 package writes them (camelCase fields, `type` as the event's
//! discriminator, optional fields left out when unset). Unknown input fields are
//! ignored, as the reference keeps but does not read them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a client posts to start a run: the thread, the run, the conversation so far and
/// the client's tools, state and context.
///
/// ```
/// use agentcore_server::ag_ui::RunAgentInput;
///
/// let input: RunAgentInput = serde_json::from_str(
///     r#"{"threadId":"t","runId":"r","messages":[{"id":"1","role":"user","content":"hi"}]}"#,
/// ).unwrap();
/// assert_eq!(input.last_user_text().as_deref(), Some("hi"));
/// assert!(serde_json::from_str::<RunAgentInput>(r#"{"threadId":"t"}"#).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAgentInput {
    /// The conversation thread.
    pub thread_id: String,
    /// This run.
    pub run_id: String,
    /// The run this one continues, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_run_id: Option<String>,
    /// The AG-UI protocol version the client speaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// The shared agent state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Value>,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// The tools the client offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// Context entries the client adds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<Context>>,
    /// Properties the client forwards as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_props: Option<Value>,
    /// Answers to interrupts of an earlier run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Vec<Value>>,
}

impl RunAgentInput {
    /// The text of the last message whose role is `user`, if there is one.
    ///
    /// ```
    /// use agentcore_server::ag_ui::{Message, Role, RunAgentInput};
    ///
    /// let input = RunAgentInput {
    ///     messages: vec![Message::new("1", Role::User, "first"), Message::new("2", Role::Assistant, "ok")],
    ///     ..Default::default()
    /// };
    /// assert_eq!(input.last_user_text().as_deref(), Some("first"));
    /// ```
    pub fn last_user_text(&self) -> Option<String> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .and_then(Message::text)
    }
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Developer instructions.
    Developer,
    /// System instructions.
    System,
    /// The agent.
    Assistant,
    /// The user.
    User,
    /// A tool's result.
    Tool,
    /// An activity (structured progress) message.
    Activity,
    /// The agent's reasoning.
    Reasoning,
}

/// The roles a streamed text message may take (`TEXT_MESSAGE_START`): not `tool`, whose
/// results are `TOOL_CALL_RESULT` events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextRole {
    /// Developer instructions.
    Developer,
    /// System instructions.
    System,
    /// The agent.
    Assistant,
    /// The user.
    User,
}

/// The role of a reasoning message (`REASONING_MESSAGE_START`): only `reasoning`.
///
/// ```
/// use agentcore_server::ag_ui::{Event, ReasoningRole};
///
/// let start = Event::ReasoningMessageStart { message_id: "r1".into(), role: ReasoningRole::Reasoning };
/// assert_eq!(
///     serde_json::to_string(&start).unwrap(),
///     r#"{"type":"REASONING_MESSAGE_START","messageId":"r1","role":"reasoning"}"#,
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningRole {
    /// The agent's reasoning.
    #[default]
    Reasoning,
}

/// What a `REASONING_ENCRYPTED_VALUE` is attached to.
///
/// ```
/// use agentcore_server::ag_ui::{EncryptedValueSubtype, Event};
///
/// let event = Event::ReasoningEncryptedValue {
///     subtype: EncryptedValueSubtype::ToolCall,
///     entity_id: "c1".into(),
///     encrypted_value: "opaque".into(),
/// };
/// assert_eq!(serde_json::to_value(&event).unwrap()["subtype"], "tool-call");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EncryptedValueSubtype {
    /// A tool call (`tool-call`).
    ToolCall,
    /// A message (`message`).
    Message,
}

/// One message of the conversation. `content` is a string, a list of content parts
/// (`{"type":"text","text":..}`, media parts) or, for activity messages, an object.
///
/// ```
/// use agentcore_server::ag_ui::{Message, Role};
///
/// let parts: Message = serde_json::from_value(serde_json::json!({
///     "id": "1", "role": "user",
///     "content": [{ "type": "text", "text": "a" }, { "type": "text", "text": "b" }],
/// })).unwrap();
/// assert_eq!(parts.text().as_deref(), Some("ab"));
/// assert_eq!(Message::new("2", Role::User, "hi").text().as_deref(), Some("hi"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The message id.
    pub id: String,
    /// Who wrote it.
    pub role: Role,
    /// What it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Value>,
    /// The author's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The tool calls of an assistant message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// The call a tool message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    /// A message with text content.
    ///
    /// ```
    /// use agentcore_server::ag_ui::{Message, Role};
    ///
    /// let m = Message::new("1", Role::User, "hi");
    /// assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"id":"1","role":"user","content":"hi"}"#);
    /// ```
    pub fn new(id: impl Into<String>, role: Role, text: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            role,
            content: Some(Value::String(text.into())),
            name: None,
            tool_calls: None,
            tool_call_id: None,
        }
    }

    /// The text: a string content, or its text parts joined; `None` when it has none.
    ///
    /// ```
    /// use agentcore_server::ag_ui::{Message, Role};
    ///
    /// assert_eq!(Message::new("1", Role::User, "hi").text().as_deref(), Some("hi"));
    /// ```
    pub fn text(&self) -> Option<String> {
        match self.content.as_ref()? {
            Value::String(text) => Some(text.clone()),
            Value::Array(parts) => {
                let texts: Vec<&str> = parts
                    .iter()
                    .filter(|p| p["type"] == "text")
                    .filter_map(|p| p["text"].as_str())
                    .collect();
                (!texts.is_empty()).then(|| texts.concat())
            }
            _ => None,
        }
    }
}

/// A tool call of an assistant message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The call's id.
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type", default = "function")]
    pub kind: String,
    /// The function called.
    pub function: FunctionCall,
}

fn function() -> String {
    "function".to_owned()
}

/// The function of a [`ToolCall`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// Its name.
    pub name: String,
    /// Its arguments, as text (conventionally JSON).
    pub arguments: String,
}

/// A tool the client offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Its parameters (a JSON Schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
}

/// A context entry the client adds to a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// What it is.
    pub description: String,
    /// Its value.
    pub value: String,
}

/// An AG-UI event, as the agent streams it. Serialized with its `type` (for instance
/// `"TEXT_MESSAGE_CONTENT"`) and camelCase fields; optional fields are left out when
/// `None`. Every event type of `ag-ui-protocol` 1.0 is modelled (its deprecated
/// `THINKING_*` events left the protocol in 1.0: send `REASONING_*`). The fields every
/// event may carry (`timestamp`, `rawEvent`, `metadata`) are an [`Envelope`]'s
/// ([`Event::with_timestamp`], [`Event::with_raw_event`], [`Event::with_metadata`]).
/// Not modelled yet: `subagentRunId` and the newer optional fields of the older events
/// (`RUN_STARTED`'s `input`, `RUN_FINISHED`'s `outcome` and `usage`,
/// `TEXT_MESSAGE_START`'s `name`, ..); when an event that has them is parsed, they are
/// ignored.
///
/// ```
/// use agentcore_server::ag_ui::Event;
///
/// let event = Event::text_content("m1", "Hel");
/// assert_eq!(
///     serde_json::to_string(&event).unwrap(),
///     r#"{"type":"TEXT_MESSAGE_CONTENT","messageId":"m1","delta":"Hel"}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
#[allow(missing_docs)] // the fields are the protocol's, named as its documentation names them
pub enum Event {
    /// A run starts (the host sends it when the handler does not).
    #[serde(rename_all = "camelCase")]
    RunStarted {
        thread_id: String,
        run_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_run_id: Option<String>,
    },
    /// The run ended well (the host sends it when the handler does not).
    #[serde(rename_all = "camelCase")]
    RunFinished {
        thread_id: String,
        run_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<Value>,
    },
    /// The run failed; nothing follows it.
    #[serde(rename_all = "camelCase")]
    RunError {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
    /// A step of the run starts.
    #[serde(rename_all = "camelCase")]
    StepStarted { step_name: String },
    /// A step of the run ends.
    #[serde(rename_all = "camelCase")]
    StepFinished { step_name: String },
    /// A streamed text message opens.
    #[serde(rename_all = "camelCase")]
    TextMessageStart {
        message_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<TextRole>,
    },
    /// A fragment of a text message.
    #[serde(rename_all = "camelCase")]
    TextMessageContent { message_id: String, delta: String },
    /// A text message closes.
    #[serde(rename_all = "camelCase")]
    TextMessageEnd { message_id: String },
    /// A tool call opens.
    #[serde(rename_all = "camelCase")]
    ToolCallStart {
        tool_call_id: String,
        tool_call_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_message_id: Option<String>,
    },
    /// A fragment of a tool call's arguments.
    #[serde(rename_all = "camelCase")]
    ToolCallArgs { tool_call_id: String, delta: String },
    /// A tool call's arguments are complete.
    #[serde(rename_all = "camelCase")]
    ToolCallEnd { tool_call_id: String },
    /// What a tool returned (a new tool message).
    #[serde(rename_all = "camelCase")]
    ToolCallResult {
        message_id: String,
        tool_call_id: String,
        content: String,
    },
    /// The whole agent state.
    StateSnapshot { snapshot: Value },
    /// A change of the agent state: RFC 6902 JSON Patch operations.
    StateDelta { delta: Vec<Value> },
    /// The whole conversation.
    MessagesSnapshot { messages: Vec<Message> },
    /// A text message in one event, which the client expands to start, content and end:
    /// a chunk with a new `message_id` opens a message, one without continues the open one.
    #[serde(rename_all = "camelCase")]
    TextMessageChunk {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<TextRole>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delta: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// A tool call in one event, which the client expands to start, args and end.
    #[serde(rename_all = "camelCase")]
    ToolCallChunk {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tool_call_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tool_call_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_message_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delta: Option<String>,
    },
    /// The whole content (a JSON object) of an activity message, structured progress
    /// such as a plan; `replace: false` leaves an existing message of that id as it is.
    #[serde(rename_all = "camelCase")]
    ActivitySnapshot {
        message_id: String,
        activity_type: String,
        content: serde_json::Map<String, Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replace: Option<bool>,
    },
    /// A change of an activity message's content: RFC 6902 JSON Patch operations.
    #[serde(rename_all = "camelCase")]
    ActivityDelta {
        message_id: String,
        activity_type: String,
        patch: Vec<Value>,
    },
    /// The agent starts reasoning.
    #[serde(rename_all = "camelCase")]
    ReasoningStart { message_id: String },
    /// A streamed reasoning message opens.
    #[serde(rename_all = "camelCase")]
    ReasoningMessageStart {
        message_id: String,
        #[serde(default)]
        role: ReasoningRole,
    },
    /// A fragment of a reasoning message.
    #[serde(rename_all = "camelCase")]
    ReasoningMessageContent { message_id: String, delta: String },
    /// A reasoning message closes.
    #[serde(rename_all = "camelCase")]
    ReasoningMessageEnd { message_id: String },
    /// A reasoning message in one event, as `TEXT_MESSAGE_CHUNK` is for text.
    #[serde(rename_all = "camelCase")]
    ReasoningMessageChunk {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delta: Option<String>,
    },
    /// The agent stops reasoning.
    #[serde(rename_all = "camelCase")]
    ReasoningEnd { message_id: String },
    /// Reasoning the provider returns encrypted, attached to a message or a tool call
    /// (`entity_id`) for the client to send back.
    #[serde(rename_all = "camelCase")]
    ReasoningEncryptedValue {
        subtype: EncryptedValueSubtype,
        entity_id: String,
        encrypted_value: String,
    },
    /// A subagent's run starts, nested in this one.
    #[serde(rename_all = "camelCase")]
    SubagentStarted {
        subagent_run_id: String,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_subagent_run_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_tool_call_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_message_id: Option<String>,
    },
    /// A subagent's run ends; `outcome` is `{"type":"success"}` or
    /// `{"type":"suspended","interruptIds":[..]}`.
    #[serde(rename_all = "camelCase")]
    SubagentFinished {
        subagent_run_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<Value>,
    },
    /// A subagent's run failed (this run goes on).
    #[serde(rename_all = "camelCase")]
    SubagentError {
        subagent_run_id: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
    /// An application-defined event.
    Custom { name: String, value: Value },
    /// An event of another system, passed through.
    Raw {
        event: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
    },
}

impl Event {
    /// `TEXT_MESSAGE_START` for an assistant message.
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// let json = serde_json::to_value(Event::text_start("m1")).unwrap();
    /// assert_eq!(json["role"], "assistant");
    /// ```
    pub fn text_start(message_id: impl Into<String>) -> Self {
        Self::TextMessageStart {
            message_id: message_id.into(),
            role: Some(TextRole::Assistant),
        }
    }

    /// `TEXT_MESSAGE_CONTENT`: one fragment of a message.
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// assert_eq!(serde_json::to_value(Event::text_content("m1", "hi")).unwrap()["delta"], "hi");
    /// ```
    pub fn text_content(message_id: impl Into<String>, delta: impl Into<String>) -> Self {
        Self::TextMessageContent {
            message_id: message_id.into(),
            delta: delta.into(),
        }
    }

    /// `TEXT_MESSAGE_END`.
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// assert_eq!(serde_json::to_value(Event::text_end("m1")).unwrap()["type"], "TEXT_MESSAGE_END");
    /// ```
    pub fn text_end(message_id: impl Into<String>) -> Self {
        Self::TextMessageEnd {
            message_id: message_id.into(),
        }
    }

    /// `RUN_ERROR` with a message and a code.
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// let json = serde_json::to_value(Event::run_error("boom", "INTERNAL_ERROR")).unwrap();
    /// assert_eq!((json["message"].as_str(), json["code"].as_str()), (Some("boom"), Some("INTERNAL_ERROR")));
    /// ```
    pub fn run_error(message: impl Into<String>, code: impl Into<String>) -> Self {
        Self::RunError {
            message: message.into(),
            code: Some(code.into()),
        }
    }

    /// This event with `timestamp` set (milliseconds since the Unix epoch).
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// let json = serde_json::to_value(Event::text_end("m").with_timestamp(42)).unwrap();
    /// assert_eq!(json["timestamp"], 42);
    /// ```
    pub fn with_timestamp(self, millis: i64) -> Envelope {
        Envelope::from(self).with_timestamp(millis)
    }

    /// This event with `rawEvent` set: the event of another system it was made from.
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// let json = serde_json::to_value(Event::text_end("m").with_raw_event("x".into())).unwrap();
    /// assert_eq!(json["rawEvent"], "x");
    /// ```
    pub fn with_raw_event(self, raw_event: Value) -> Envelope {
        Envelope::from(self).with_raw_event(raw_event)
    }

    /// This event with `metadata` set.
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// let json = serde_json::to_value(Event::text_end("m").with_metadata(Default::default())).unwrap();
    /// assert_eq!(json["metadata"], serde_json::json!({}));
    /// ```
    pub fn with_metadata(self, metadata: serde_json::Map<String, Value>) -> Envelope {
        Envelope::from(self).with_metadata(metadata)
    }

    /// Whether this event ends a run (`RUN_FINISHED` or `RUN_ERROR`).
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// assert!(Event::run_error("x", "E").is_terminal());
    /// assert!(!Event::text_end("m").is_terminal());
    /// ```
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::RunFinished { .. } | Self::RunError { .. })
    }
}

/// An [`Event`] with the fields every AG-UI event may carry, flattened beside it:
/// `timestamp` (milliseconds), `rawEvent` (the event of another system it came from) and
/// `metadata`, each left out when `None`. A handler's stream may yield `Event`s or
/// `Envelope`s ([`Event::with_timestamp`] and the others make one). The JSON equals what
/// `ag-ui-protocol` writes as a value; the base fields come after the event's own
/// fields, where the package writes them right after `type`.
///
/// ```
/// use agentcore_server::ag_ui::{Envelope, Event};
///
/// let event = Event::text_content("m1", "Hel").with_timestamp(1_700_000_000_000);
/// assert_eq!(
///     serde_json::to_string(&event).unwrap(),
///     r#"{"type":"TEXT_MESSAGE_CONTENT","messageId":"m1","delta":"Hel","timestamp":1700000000000}"#,
/// );
/// let plain = Envelope::from(Event::text_end("m1"));
/// assert_eq!(serde_json::to_string(&plain).unwrap(), r#"{"type":"TEXT_MESSAGE_END","messageId":"m1"}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// When it happened, in milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    /// The event of another system this one was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_event: Option<Value>,
    /// Application-defined metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, Value>>,
}

impl From<Event> for Envelope {
    fn from(event: Event) -> Self {
        Self {
            event,
            timestamp: None,
            raw_event: None,
            metadata: None,
        }
    }
}

impl Envelope {
    /// Sets `timestamp` (milliseconds since the Unix epoch).
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// assert_eq!(Event::text_end("m").with_timestamp(5).with_timestamp(7).timestamp, Some(7));
    /// ```
    #[must_use]
    pub fn with_timestamp(mut self, millis: i64) -> Self {
        self.timestamp = Some(millis);
        self
    }

    /// Sets `rawEvent`.
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// let event = Event::text_end("m").with_timestamp(1).with_raw_event(serde_json::json!({"id": 3}));
    /// assert_eq!(serde_json::to_value(&event).unwrap()["rawEvent"]["id"], 3);
    /// ```
    #[must_use]
    pub fn with_raw_event(mut self, raw_event: Value) -> Self {
        self.raw_event = Some(raw_event);
        self
    }

    /// Sets `metadata`.
    ///
    /// ```
    /// use agentcore_server::ag_ui::Event;
    ///
    /// let mut metadata = serde_json::Map::new();
    /// metadata.insert("source".into(), "planner".into());
    /// let event = Event::text_end("m").with_metadata(metadata);
    /// assert_eq!(serde_json::to_value(&event).unwrap()["metadata"]["source"], "planner");
    /// ```
    #[must_use]
    pub fn with_metadata(mut self, metadata: serde_json::Map<String, Value>) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Each event as `ag-ui-protocol` 1.0 names its fields (`ag_ui/_generated/models.py`).
    #[test]
    fn events_have_the_python_packages_field_names() {
        let (t, r) = (String::from("t"), String::from("r"));
        let cases = [
            (
                Event::RunStarted {
                    thread_id: t.clone(),
                    run_id: r.clone(),
                    parent_run_id: Some("p".into()),
                },
                json!({"type":"RUN_STARTED","threadId":"t","runId":"r","parentRunId":"p"}),
            ),
            (
                Event::RunFinished {
                    thread_id: t,
                    run_id: r,
                    result: Some(json!(1)),
                },
                json!({"type":"RUN_FINISHED","threadId":"t","runId":"r","result":1}),
            ),
            (
                Event::RunError {
                    message: "m".into(),
                    code: None,
                },
                json!({"type":"RUN_ERROR","message":"m"}),
            ),
            (
                Event::StepStarted {
                    step_name: "s".into(),
                },
                json!({"type":"STEP_STARTED","stepName":"s"}),
            ),
            (
                Event::StepFinished {
                    step_name: "s".into(),
                },
                json!({"type":"STEP_FINISHED","stepName":"s"}),
            ),
            (
                Event::ToolCallStart {
                    tool_call_id: "c".into(),
                    tool_call_name: "n".into(),
                    parent_message_id: Some("m".into()),
                },
                json!({"type":"TOOL_CALL_START","toolCallId":"c","toolCallName":"n","parentMessageId":"m"}),
            ),
            (
                Event::ToolCallArgs {
                    tool_call_id: "c".into(),
                    delta: "{".into(),
                },
                json!({"type":"TOOL_CALL_ARGS","toolCallId":"c","delta":"{"}),
            ),
            (
                Event::ToolCallEnd {
                    tool_call_id: "c".into(),
                },
                json!({"type":"TOOL_CALL_END","toolCallId":"c"}),
            ),
            (
                Event::ToolCallResult {
                    message_id: "m".into(),
                    tool_call_id: "c".into(),
                    content: "x".into(),
                },
                json!({"type":"TOOL_CALL_RESULT","messageId":"m","toolCallId":"c","content":"x"}),
            ),
            (
                Event::StateSnapshot {
                    snapshot: json!({"a":1}),
                },
                json!({"type":"STATE_SNAPSHOT","snapshot":{"a":1}}),
            ),
            (
                Event::StateDelta {
                    delta: vec![json!({"op":"add","path":"/a","value":1})],
                },
                json!({"type":"STATE_DELTA","delta":[{"op":"add","path":"/a","value":1}]}),
            ),
            (
                Event::MessagesSnapshot {
                    messages: vec![Message::new("1", Role::User, "hi")],
                },
                json!({"type":"MESSAGES_SNAPSHOT","messages":[{"id":"1","role":"user","content":"hi"}]}),
            ),
            (
                Event::Custom {
                    name: "n".into(),
                    value: json!(null),
                },
                json!({"type":"CUSTOM","name":"n","value":null}),
            ),
            (
                Event::Raw {
                    event: json!({}),
                    source: Some("s".into()),
                },
                json!({"type":"RAW","event":{},"source":"s"}),
            ),
        ];
        for (event, wire) in cases {
            assert_eq!(serde_json::to_value(&event).unwrap(), wire);
            assert_eq!(serde_json::from_value::<Event>(wire).unwrap(), event);
        }
    }

    /// Every event type of `ag-ui-protocol` 1.0.0, as its own types make and serialize
    /// them (`tests/fixtures/ag_ui_events.py` writes the fixtures), without and with the
    /// base fields: each parses as an [`Envelope`] and serializes back to exactly the
    /// package's JSON; those without base fields do so as an [`Event`] too.
    #[test]
    fn every_event_of_the_python_package_round_trips() {
        let fixtures: Vec<Value> =
            serde_json::from_str(include_str!("../../tests/fixtures/ag_ui_events.json")).unwrap();
        let (mut types, mut based) = (std::collections::BTreeSet::new(), 0);
        for wire in fixtures {
            let envelope: Envelope =
                serde_json::from_value(wire.clone()).unwrap_or_else(|e| panic!("{wire}: {e}"));
            assert_eq!(serde_json::to_value(&envelope).unwrap(), wire);
            if envelope.timestamp.is_some() {
                assert_eq!(envelope.timestamp, Some(1_700_000_000_000));
                assert_eq!(envelope.raw_event, Some(json!({"source": "x", "n": [1]})));
                assert_eq!(envelope.metadata.as_ref().unwrap()["k"], "v");
                based += 1;
            } else {
                let event: Event = serde_json::from_value(wire.clone()).unwrap();
                assert_eq!(serde_json::to_value(&event).unwrap(), wire);
                assert_eq!(Envelope::from(event), envelope);
            }
            types.insert(wire["type"].as_str().unwrap().to_owned());
        }
        assert_eq!(based, 38);
        // The package's `EventType` members, all 31.
        let all = [
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "TEXT_MESSAGE_CHUNK",
            "TOOL_CALL_START",
            "TOOL_CALL_ARGS",
            "TOOL_CALL_END",
            "TOOL_CALL_CHUNK",
            "TOOL_CALL_RESULT",
            "STATE_SNAPSHOT",
            "STATE_DELTA",
            "MESSAGES_SNAPSHOT",
            "ACTIVITY_SNAPSHOT",
            "ACTIVITY_DELTA",
            "RAW",
            "CUSTOM",
            "RUN_STARTED",
            "RUN_FINISHED",
            "RUN_ERROR",
            "STEP_STARTED",
            "STEP_FINISHED",
            "REASONING_START",
            "REASONING_MESSAGE_START",
            "REASONING_MESSAGE_CONTENT",
            "REASONING_MESSAGE_END",
            "REASONING_MESSAGE_CHUNK",
            "REASONING_END",
            "REASONING_ENCRYPTED_VALUE",
            "SUBAGENT_STARTED",
            "SUBAGENT_FINISHED",
            "SUBAGENT_ERROR",
        ];
        assert_eq!(types, all.into_iter().map(String::from).collect());
    }

    #[test]
    fn new_events_reject_what_the_package_rejects() {
        for wire in [
            json!({"type":"REASONING_MESSAGE_START","messageId":"m","role":"assistant"}),
            json!({"type":"REASONING_ENCRYPTED_VALUE","subtype":"other","entityId":"e","encryptedValue":"v"}),
            json!({"type":"ACTIVITY_SNAPSHOT","messageId":"a","activityType":"P","content":[]}),
            json!({"type":"SUBAGENT_ERROR","message":"m"}),
            json!({"type":"THINKING_START"}),
        ] {
            assert!(
                serde_json::from_value::<Event>(wire.clone()).is_err(),
                "{wire}"
            );
        }
        let start: Event =
            serde_json::from_value(json!({"type":"REASONING_MESSAGE_START","messageId":"m"}))
                .unwrap();
        assert_eq!(
            start,
            Event::ReasoningMessageStart {
                message_id: "m".into(),
                role: ReasoningRole::Reasoning
            }
        );
    }
}
