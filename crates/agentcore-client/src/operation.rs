//! One request builder per operation, ending in `.send().await`, in aws-sdk-rust's shape:
//!
//! ```no_run
//! # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
//! let answer = client
//!     .invoke(&arn)
//!     .session_id("user-1234-conversation-0000000000000001")
//!     .bearer("my-jwt")
//!     .json(&serde_json::json!({ "prompt": "hi" }))?
//!     .send()
//!     .await?;
//! # drop(answer); Ok(()) }
//! ```
//!
//! Every builder takes the same target and options ([`OperationBuilder`]); what an
//! operation adds (a payload, a command, a client token, an expiry) is a method of that
//! operation's builder only. Auth is SigV4 with the client's credentials unless a bearer
//! token is set on the call ([`OperationBuilder::bearer`]) or on the client
//! ([`RuntimeClientBuilder::bearer_token`](crate::RuntimeClientBuilder::bearer_token)).

use std::fmt;
use std::time::Duration;

use agentcore_contract::{RuntimeArn, SessionId};
use serde::Serialize;

use crate::client::RuntimeClient;
use crate::commands::{CommandOptions, CommandOutput, CommandStream};
use crate::error::Error;
use crate::invoke::{EventStream, InvokeResponse};
use crate::presign::{Presign, PresignedUrl};
use crate::request::{CallOptions, Payload};
use crate::session::RuntimeSession;
use crate::transport::RetryPolicy;
use crate::ws::{Auth, WebSocket};

/// What a call is addressed to: a runtime ARN, or a [`RuntimeSession`] (its ARN, session
/// id and qualifier).
///
/// ```
/// use agentcore_client::{CallTarget, RuntimeSession, contract::RuntimeArn};
///
/// let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
/// let from_arn = CallTarget::from(&arn);
/// let from_session = CallTarget::from(&RuntimeSession::new(arn.clone()));
/// # drop((from_arn, from_session));
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CallTarget {
    arn: RuntimeArn,
    session_id: Option<String>,
    qualifier: Option<String>,
}

impl From<&RuntimeArn> for CallTarget {
    fn from(arn: &RuntimeArn) -> Self {
        arn.clone().into()
    }
}

impl From<RuntimeArn> for CallTarget {
    fn from(arn: RuntimeArn) -> Self {
        Self {
            arn,
            session_id: None,
            qualifier: None,
        }
    }
}

impl From<&RuntimeSession> for CallTarget {
    fn from(session: &RuntimeSession) -> Self {
        Self {
            arn: session.arn().clone(),
            session_id: Some(session.session_id().as_str().to_owned()),
            qualifier: session.qualifier().map(str::to_owned),
        }
    }
}

/// The operations' own parts, the `O` of [`OperationBuilder`]. You never name them: each
/// has a type alias ([`InvokeBuilder`], [`CommandBuilder`], ...).
pub mod kind {
    use std::time::Duration;

    use crate::presign::Presign;
    use crate::request::Payload;
    use crate::transport::RetryPolicy;

    /// `InvokeAgentRuntime`, collected.
    #[derive(Debug, Default)]
    pub struct Invoke {
        pub(crate) payload: Option<Payload>,
    }

    /// `InvokeAgentRuntime`, streamed.
    #[derive(Debug, Default)]
    pub struct InvokeStream {
        pub(crate) payload: Option<Payload>,
    }

    /// `InvokeAgentRuntimeCommand`, collected or streamed.
    #[derive(Debug, Default)]
    pub struct Command {
        pub(crate) command: String,
        pub(crate) timeout: Option<Duration>,
    }

    /// `StopRuntimeSession`.
    #[derive(Debug, Default)]
    pub struct Stop {
        pub(crate) client_token: Option<String>,
        pub(crate) retry: Option<RetryPolicy>,
    }

    /// A presigned WebSocket URL.
    #[derive(Debug)]
    pub struct PresignUrl {
        pub(crate) presign: Presign,
    }

    /// An A2A runtime's agent card.
    #[derive(Debug, Default)]
    pub struct AgentCard;

    /// A WebSocket connection.
    #[derive(Debug, Default)]
    pub struct Connect {
        pub(crate) presign: Option<Presign>,
    }
}

/// A request being built: what it is addressed to, its auth and options, and the
/// operation's own parts `O`. Nothing is sent until `send().await`.
///
/// ```
/// use std::time::Duration;
/// use agentcore_client::RuntimeClient;
///
/// let client = RuntimeClient::builder().region("us-east-1").build()?;
/// let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
/// let request = client
///     .invoke(&arn)
///     .session_id("user-1234-conversation-0000000000000001")
///     .qualifier("canary")
///     .user_id("user-1234")
///     .trace_header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
///     .header("mcp-protocol-version", "2025-06-18")
///     .timeout(Duration::from_secs(30))
///     .bearer("my-jwt");
/// let debug = format!("{request:?}");
/// assert!(debug.contains("canary") && !debug.contains("my-jwt") && !debug.contains("user-1234\""));
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[must_use = "a request does nothing until `.send().await`"]
pub struct OperationBuilder<'c, O> {
    client: &'c RuntimeClient,
    target: CallTarget,
    auth: Option<Auth>,
    options: CallOptions,
    pub(crate) op: O,
}

/// `InvokeAgentRuntime`, the whole answer collected ([`RuntimeClient::invoke`]).
pub type InvokeBuilder<'c> = OperationBuilder<'c, kind::Invoke>;
/// `InvokeAgentRuntime`, SSE events as they arrive ([`RuntimeClient::invoke_stream`]).
pub type InvokeStreamBuilder<'c> = OperationBuilder<'c, kind::InvokeStream>;
/// `InvokeAgentRuntimeCommand` ([`RuntimeClient::execute_command`]).
pub type CommandBuilder<'c> = OperationBuilder<'c, kind::Command>;
/// `StopRuntimeSession` ([`RuntimeClient::stop_runtime_session`]).
pub type StopSessionBuilder<'c> = OperationBuilder<'c, kind::Stop>;
/// A presigned `wss://` URL ([`RuntimeClient::presigned_url`]).
pub type PresignedUrlBuilder<'c> = OperationBuilder<'c, kind::PresignUrl>;
/// A WebSocket connection ([`RuntimeClient::connect`]).
pub type ConnectBuilder<'c> = OperationBuilder<'c, kind::Connect>;
/// An A2A runtime's agent card ([`RuntimeClient::get_agent_card`]).
pub type AgentCardBuilder<'c> = OperationBuilder<'c, kind::AgentCard>;

impl<O: fmt::Debug> fmt::Debug for OperationBuilder<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationBuilder")
            .field("target", &self.target)
            .field("auth", &self.auth)
            .field("options", &self.options)
            .field("op", &self.op)
            .finish()
    }
}

impl<'c, O> OperationBuilder<'c, O> {
    pub(crate) fn new(client: &'c RuntimeClient, target: CallTarget, op: O) -> Self {
        Self {
            client,
            target,
            auth: None,
            options: CallOptions::default(),
            op,
        }
    }

    /// The runtime session id (33 to 256 characters); a new UUIDv4 when none is set.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).session_id("conversation-0000000000000000000000001");
    /// assert!(format!("{request:?}").contains("conversation-0000000000000000000000001"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.target.session_id = Some(session_id.into());
        self
    }

    /// The runtime endpoint (`qualifier`); `DEFAULT` when none is set.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).qualifier("canary");
    /// assert!(format!("{request:?}").contains("canary"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.target.qualifier = Some(qualifier.into());
        self
    }

    /// Authenticates this call with an OAuth bearer token instead of SigV4.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).bearer("my-jwt");
    /// assert!(format!("{request:?}").contains("Bearer(<redacted>)"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn bearer(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::Bearer(token.into()));
        self
    }

    /// Authenticates this call with SigV4, even when the client has a bearer token.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().bearer_token("t").build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).sigv4();
    /// assert!(format!("{request:?}").contains("SigV4"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn sigv4(mut self) -> Self {
        self.auth = Some(Auth::SigV4);
        self
    }

    /// Authenticates this call with `auth`: SigV4, a bearer token, or (for
    /// [`RuntimeClient::connect`] only) a presigned URL.
    ///
    /// ```
    /// use agentcore_client::Auth;
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// for auth in [Auth::SigV4, Auth::Bearer("my-jwt".into())] {
    ///     let request = client.invoke(&arn).auth(auth);
    ///     assert!(!format!("{request:?}").contains("my-jwt"));
    /// }
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Sends `X-Amzn-Bedrock-AgentCore-Runtime-User-Id`.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).user_id("user-42");
    /// assert!(format!("{request:?}").contains("user_id: Some(\"<set>\")"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.options = self.options.user_id(user_id);
        self
    }

    /// Sends a trace header: `traceparent`, `tracestate`, `baggage` or `X-Amzn-Trace-Id`.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).trace_header("baggage", "tenant=acme");
    /// assert!(format!("{request:?}").contains("baggage"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn trace_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options = self.options.trace_header(name, value);
        self
    }

    /// Sends one more header: MCP's `Mcp-Session-Id` and `Mcp-Protocol-Version`, a custom
    /// `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*` header, or any other the client does
    /// not set itself.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).header("x-amzn-bedrock-agentcore-runtime-custom-tenant", "acme");
    /// assert!(format!("{request:?}").contains("custom-tenant"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options = self.options.header(name, value);
        self
    }

    /// The `Accept` header, replacing the operation's default.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).accept("application/json, text/event-stream");
    /// assert!(format!("{request:?}").contains("text/event-stream"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn accept(mut self, accept: impl Into<String>) -> Self {
        self.options = self.options.accept(accept);
        self
    }

    /// The read timeout of this call (the longest wait for the answer's head or the next
    /// piece of its body), replacing the client's.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).timeout(Duration::from_secs(5));
    /// assert!(format!("{request:?}").contains("timeout: Some(5s)"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options = self.options.timeout(timeout);
        self
    }

    /// The largest answer this call collects, replacing the client's
    /// [`max_response_bytes`](crate::RuntimeClientBuilder::max_response_bytes).
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).max_response_bytes(4096);
    /// assert!(format!("{request:?}").contains("max_response_bytes: Some(4096)"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.options = self.options.max_response_bytes(limit);
        self
    }

    /// Sends the caller's workload access token (`X-Amz-Bedrock-AgentCore-Identity-WAT`),
    /// so that an agent calling another agent does so on its user's behalf; pass on the
    /// token the agent received (`RequestContext::workload_access_token` on the server).
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.invoke(&arn).workload_access_token("wat-from-my-caller");
    /// assert!(!format!("{request:?}").contains("wat-from-my-caller"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn workload_access_token(mut self, token: impl Into<String>) -> Self {
        self.options = self.options.workload_access_token(token);
        self
    }

    /// The session this call goes to: the target's session id or a new one.
    pub(crate) fn session(&self) -> Result<RuntimeSession, Error> {
        let mut session = RuntimeSession::new(self.target.arn.clone());
        if let Some(id) = &self.target.session_id {
            session = session.with_session_id(SessionId::new(id.clone())?);
        }
        if let Some(qualifier) = &self.target.qualifier {
            session = session.with_qualifier(qualifier.clone());
        }
        Ok(session)
    }

    /// The client the call goes through.
    pub(crate) fn client(&self) -> &'c RuntimeClient {
        self.client
    }

    /// The call's options (user id, trace and extra headers, timeout, limit).
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))]
    pub(crate) fn options(&self) -> &CallOptions {
        &self.options
    }

    /// The auth of this call: its own, else the client's bearer token, else SigV4.
    pub(crate) fn chosen_auth(&self) -> Auth {
        match (&self.auth, self.client.bearer_token()) {
            (Some(auth), _) => auth.clone(),
            (None, Some(token)) => Auth::Bearer(token.to_owned()),
            (None, None) => Auth::SigV4,
        }
    }
}

/// The payload setters of the two invoke builders.
macro_rules! payload_setters {
    ($kind:ty) => {
        impl OperationBuilder<'_, $kind> {
            /// The payload: a [`serde_json::Value`], a [`Payload::json`] or
            /// [`Payload::bytes`]; `{}` when none is set.
            ///
            /// ```
            /// # let client = agentcore_client::RuntimeClient::builder().build()?;
            /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
            /// let request = client.invoke(&arn).payload(serde_json::json!({ "prompt": "hi" }));
            /// assert!(format!("{request:?}").contains("application/json"));
            /// # Ok::<(), agentcore_client::Error>(())
            /// ```
            pub fn payload(mut self, payload: impl Into<Payload>) -> Self {
                self.op.payload = Some(payload.into());
                self
            }

            /// `value` serialized as the JSON payload.
            ///
            /// ```
            /// # let client = agentcore_client::RuntimeClient::builder().build()?;
            /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
            /// #[derive(serde::Serialize)]
            /// struct Prompt { prompt: &'static str }
            /// let request = client.invoke(&arn).json(&Prompt { prompt: "hi" })?;
            /// assert!(format!("{request:?}").contains("len: 15"));
            /// # Ok::<(), agentcore_client::Error>(())
            /// ```
            pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Result<Self, Error> {
                Ok(self.payload(Payload::json(value)?))
            }

            fn body(&self) -> Payload {
                self.op
                    .payload
                    .clone()
                    .unwrap_or_else(|| serde_json::json!({}).into())
            }
        }
    };
}

payload_setters!(kind::Invoke);
payload_setters!(kind::InvokeStream);

impl InvokeBuilder<'_> {
    /// Invokes the agent and reads its whole answer; `Accept` defaults to
    /// `application/json`. Not retried.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let answer = client.invoke(&arn).json(&serde_json::json!({"prompt": "hi"}))?.send().await?;
    /// println!("{} {:?}", answer.head().status(), answer.text()?);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<InvokeResponse, Error> {
        let session = self.session()?;
        self.client
            .invoke_call_with(&session, &self.chosen_auth(), self.body(), &self.options)
            .await
    }
}

impl InvokeStreamBuilder<'_> {
    /// Invokes the agent and streams its SSE events as they arrive (`Accept:
    /// text/event-stream` by default). An agent error event ends the stream with
    /// [`Error::Agent`]; dropping the stream cancels the request.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// use futures_util::StreamExt;
    ///
    /// let mut events = client.invoke_stream(&arn).json(&serde_json::json!({"prompt": "hi"}))?.send().await?;
    /// while let Some(event) = events.next().await {
    ///     println!("{}", event?.data);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<EventStream, Error> {
        let session = self.session()?;
        self.client
            .invoke_stream_with(&session, &self.chosen_auth(), self.body(), &self.options)
            .await
    }
}

impl CommandBuilder<'_> {
    /// The command's timeout, 1 to 3600 whole seconds (the service's default when none is
    /// set); past it the command ends with [`CommandStatus::TimedOut`](crate::CommandStatus).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.execute_command(&arn, "sleep 5").command_timeout(Duration::from_secs(2));
    /// assert!(format!("{request:?}").contains("timeout: Some(2s)"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.op.timeout = Some(timeout);
        self
    }

    fn command_options(&self) -> CommandOptions {
        CommandOptions::new(self.op.timeout, self.options.clone())
    }

    /// Runs the command (a fresh shell in the session's microVM) and collects its
    /// output. An exception frame is [`Error::StreamException`], a stream without
    /// `contentStop` [`Error::IncompleteCommand`].
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let output = client.execute_command(&arn, "uname -a").send().await?;
    /// println!("{} exited {}", output.stdout, output.exit_code);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<CommandOutput, Error> {
        let session = self.session()?;
        let options = self.command_options();
        self.client
            .execute_command_with(&session, &self.chosen_auth(), &self.op.command, &options)
            .await
    }

    /// Runs the command and streams its events as they arrive; dropping the stream
    /// cancels the request.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// use agentcore_client::CommandEvent;
    /// use futures_util::StreamExt;
    ///
    /// let mut events = client.execute_command(&arn, "ls -l").stream().await?;
    /// while let Some(event) = events.next().await {
    ///     if let CommandEvent::Delta { stdout: Some(out), .. } = event? {
    ///         print!("{out}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stream(self) -> Result<CommandStream, Error> {
        let session = self.session()?;
        let options = self.command_options();
        self.client
            .execute_command_stream_with(&session, &self.chosen_auth(), &self.op.command, &options)
            .await
    }
}

impl StopSessionBuilder<'_> {
    /// The idempotency token (33 to 256 characters), sent on every attempt; a UUIDv4
    /// when none is set.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.stop_runtime_session(&arn).client_token("stop-0000000000000000000000000000001");
    /// assert!(format!("{request:?}").contains("client_token"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn client_token(mut self, token: impl Into<String>) -> Self {
        self.op.client_token = Some(token.into());
        self
    }

    /// How this call is retried, replacing the client's [`RetryPolicy`].
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.stop_runtime_session(&arn).retry(agentcore_client::RetryPolicy::none());
    /// assert!(format!("{request:?}").contains("max_attempts: 1"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.op.retry = Some(policy);
        self
    }

    /// Stops the session. Throttling, 5xx answers, transport failures and timeouts are
    /// retried as the retry policy says.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// client.stop_runtime_session(&arn).session_id("conversation-0000000000000000000000001").send().await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<(), Error> {
        let session = self.session()?;
        let policy = self.op.retry.unwrap_or_else(|| self.client.retry_policy());
        let token = self.op.client_token.as_deref();
        self.client
            .stop_runtime_session_with(&session, &self.chosen_auth(), token, &self.options, policy)
            .await
    }
}

impl PresignedUrlBuilder<'_> {
    /// How long the URL is valid: 1 to 300 seconds (default 300).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.presigned_url(&arn).expires(Duration::from_secs(60));
    /// assert!(format!("{request:?}").contains("60s"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn expires(mut self, expires: Duration) -> Self {
        self.op.presign = self.op.presign.with_expires(expires);
        self
    }

    /// One more query parameter of the URL, kept in order (names starting `X-Amz-` are
    /// the signature's and refused).
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.presigned_url(&arn).param("tenant", "acme");
    /// assert!(format!("{request:?}").contains("tenant"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.op.presign = self.op.presign.param(name, value);
        self
    }

    /// All the URL's settings at once, replacing those set before.
    ///
    /// ```
    /// # use std::time::Duration;
    /// use agentcore_client::Presign;
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let presign = Presign::new(Duration::from_secs(30)).param("lang", "en");
    /// let request = client.presigned_url(&arn).presign(presign);
    /// assert!(format!("{request:?}").contains("30s"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn presign(mut self, presign: Presign) -> Self {
        self.op.presign = presign;
        self
    }

    /// The presigned `wss://` URL, signed with the client's credentials.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let url = client.presigned_url(&arn).send().await?;
    /// println!("{}", url.as_str());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<PresignedUrl, Error> {
        let session = self.session()?;
        self.client
            .presigned_url_with(&session, &self.op.presign)
            .await
    }
}

impl AgentCardBuilder<'_> {
    /// Reads the agent card (`GET .../invocations/.well-known/agent-card.json`) as JSON.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let card = client.get_agent_card(&arn).send().await?;
    /// println!("{}", card["name"]);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<serde_json::Value, Error> {
        let session = self.session()?;
        self.client
            .agent_card_with(&session, &self.chosen_auth(), &self.options)
            .await
    }
}

impl ConnectBuilder<'_> {
    /// Connects through a presigned URL (no authentication headers) made with these
    /// settings, instead of SigV4 or bearer headers.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.connect(&arn).presigned(agentcore_client::Presign::new(Duration::from_secs(60)));
    /// assert!(format!("{request:?}").contains("Presign"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn presigned(mut self, presign: Presign) -> Self {
        self.op.presign = Some(presign);
        self
    }

    /// Opens the WebSocket: TLS through rustls for `wss://`, plain TCP when the endpoint
    /// override is `ws://` or `http://`.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let mut socket = client.connect(&arn).bearer("my-jwt").send().await?;
    /// socket.send_json(&serde_json::json!({"prompt": "hi"})).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<WebSocket, Error> {
        let session = self.session()?;
        let auth = match &self.op.presign {
            Some(presign) => Auth::Presigned(presign.clone()),
            None => self.chosen_auth(),
        };
        self.client.connect_with(&session, &auth).await
    }
}

impl RuntimeClient {
    /// `InvokeAgentRuntime`, the whole answer collected: see [`InvokeBuilder`].
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let answer = client.invoke(&arn).json(&serde_json::json!({"prompt": "hi"}))?.send().await?;
    /// # drop(answer); Ok(()) }
    /// ```
    pub fn invoke(&self, target: impl Into<CallTarget>) -> InvokeBuilder<'_> {
        OperationBuilder::new(self, target.into(), kind::Invoke::default())
    }

    /// `InvokeAgentRuntime`, SSE events as they arrive: see [`InvokeStreamBuilder`].
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let events = client.invoke_stream(&arn).json(&serde_json::json!({"prompt": "hi"}))?.send().await?;
    /// # drop(events); Ok(()) }
    /// ```
    pub fn invoke_stream(&self, target: impl Into<CallTarget>) -> InvokeStreamBuilder<'_> {
        OperationBuilder::new(self, target.into(), kind::InvokeStream::default())
    }

    /// `InvokeAgentRuntimeCommand`: `.send()` collects the output, `.stream()` streams
    /// it. A command has 1 to 65,536 characters.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let output = client.execute_command(&arn, "echo hi").send().await?;
    /// assert_eq!(output.stdout, "hi\n");
    /// # Ok(()) }
    /// ```
    pub fn execute_command(
        &self,
        target: impl Into<CallTarget>,
        command: impl Into<String>,
    ) -> CommandBuilder<'_> {
        let command = kind::Command {
            command: command.into(),
            timeout: None,
        };
        OperationBuilder::new(self, target.into(), command)
    }

    /// `StopRuntimeSession`, retried with jittered backoff: see [`StopSessionBuilder`].
    /// A session id is required (set one, or address a [`RuntimeSession`]).
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// client.stop_runtime_session(&session).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn stop_runtime_session(&self, target: impl Into<CallTarget>) -> StopSessionBuilder<'_> {
        OperationBuilder::new(self, target.into(), kind::Stop::default())
    }

    /// A presigned `wss://` URL for a WebSocket: see [`PresignedUrlBuilder`].
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let url = client.presigned_url(&arn).session_id("conversation-0000000000000000000000001").send().await?;
    /// # drop(url); Ok(()) }
    /// ```
    pub fn presigned_url(&self, target: impl Into<CallTarget>) -> PresignedUrlBuilder<'_> {
        let presign = kind::PresignUrl {
            presign: Presign::default(),
        };
        OperationBuilder::new(self, target.into(), presign)
    }

    /// An A2A runtime's agent card: see [`AgentCardBuilder`].
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let card = client.get_agent_card(&arn).bearer("my-jwt").send().await?;
    /// # drop(card); Ok(()) }
    /// ```
    pub fn get_agent_card(&self, target: impl Into<CallTarget>) -> AgentCardBuilder<'_> {
        OperationBuilder::new(self, target.into(), kind::AgentCard)
    }

    /// A WebSocket to the agent's `/ws`: see [`ConnectBuilder`].
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let socket = client.connect(&arn).send().await?; // SigV4 headers
    /// # drop(socket); Ok(()) }
    /// ```
    pub fn connect(&self, target: impl Into<CallTarget>) -> ConnectBuilder<'_> {
        OperationBuilder::new(self, target.into(), kind::Connect::default())
    }
}
