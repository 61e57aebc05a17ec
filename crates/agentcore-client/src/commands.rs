//! `InvokeAgentRuntimeCommand`: [`RuntimeClient::execute_command`] (output collected)
//! and [`RuntimeClient::execute_command_stream`] (events as they arrive).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::headers::{AMAZON_EVENTSTREAM, APPLICATION_JSON};
use futures_util::{Stream, StreamExt};
use serde_json::json;

use crate::client::RuntimeClient;
use crate::command::{CommandDecoder, CommandEvent, CommandStatus};
use crate::error::Error;
use crate::head::ResponseHead;
use crate::request::{Call, CallOptions};
use crate::session::RuntimeSession;
use crate::transport::ResponseBody;
use crate::ws::Auth;

/// The longest command, in characters.
const MAX_COMMAND_CHARS: usize = 65_536;
/// The service's timeout when the request names none.
const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(300);
/// How much longer than the command's timeout the client waits for its stream.
const READ_MARGIN: Duration = Duration::from_secs(30);

/// A command's options: its timeout and the call's options.
#[derive(Debug, Clone, Default)]
pub(crate) struct CommandOptions {
    timeout: Option<Duration>,
    call: CallOptions,
}

impl CommandOptions {
    pub(crate) fn new(timeout: Option<Duration>, call: CallOptions) -> Self {
        Self { timeout, call }
    }
}

/// A command's collected output.
///
/// ```
/// use agentcore_client::{CommandOutput, CommandStatus};
///
/// let output = CommandOutput {
///     stdout: "hi\n".into(),
///     stderr: String::new(),
///     exit_code: 0,
///     status: CommandStatus::Completed,
/// };
/// assert!(output.success());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CommandOutput {
    /// Every `stdout` delta, joined.
    pub stdout: String,
    /// Every `stderr` delta, joined.
    pub stderr: String,
    /// The exit code (-1: a platform error).
    pub exit_code: i64,
    /// How the command ended.
    pub status: CommandStatus,
}

impl CommandOutput {
    /// Completed with exit code 0.
    ///
    /// ```
    /// # use agentcore_client::{CommandOutput, CommandStatus};
    /// let mut output = CommandOutput { stdout: String::new(), stderr: String::new(), exit_code: 0, status: CommandStatus::Completed };
    /// assert!(output.success());
    /// output.status = CommandStatus::TimedOut;
    /// assert!(!output.success());
    /// ```
    pub fn success(&self) -> bool {
        self.exit_code == 0 && self.status == CommandStatus::Completed
    }
}

impl RuntimeClient {
    /// Runs `command` in the session (a fresh shell in its microVM) and collects its
    /// output. An exception frame is [`Error::StreamException`], a stream without
    /// `contentStop` [`Error::IncompleteCommand`].
    pub(crate) async fn execute_command_with(
        &self,
        session: &RuntimeSession,
        auth: &Auth,
        command: &str,
        options: &CommandOptions,
    ) -> Result<CommandOutput, Error> {
        let mut stream = self
            .execute_command_stream_with(session, auth, command, options)
            .await?;
        let (mut stdout, mut stderr) = (String::new(), String::new());
        let limit = self.response_limit(options.call.max_response_bytes);
        let mut end = None;
        while let Some(event) = stream.next().await {
            match event? {
                CommandEvent::Delta {
                    stdout: out,
                    stderr: err,
                } => {
                    let (out, err) = (out.unwrap_or_default(), err.unwrap_or_default());
                    if stdout.len() + stderr.len() + out.len() + err.len() > limit {
                        return Err(Error::ResponseTooLarge { limit });
                    }
                    stdout.push_str(&out);
                    stderr.push_str(&err);
                }
                CommandEvent::Stop { exit_code, status } => end = Some((exit_code, status)),
                CommandEvent::Start | CommandEvent::Unknown(_) => {}
            }
        }
        let (exit_code, status) = end.ok_or(Error::IncompleteCommand)?;
        Ok(CommandOutput {
            stdout,
            stderr,
            exit_code,
            status,
        })
    }

    /// Runs `command` in the session and streams its events as they arrive. The stream
    /// ends after `contentStop` and the end of the body, or after the first error;
    /// dropping it cancels the request.
    pub(crate) async fn execute_command_stream_with(
        &self,
        session: &RuntimeSession,
        auth: &Auth,
        command: &str,
        options: &CommandOptions,
    ) -> Result<CommandStream, Error> {
        let chars = command.chars().count();
        if !(1..=MAX_COMMAND_CHARS).contains(&chars) {
            return Err(Error::InvalidOption(format!(
                "a command has 1 to {MAX_COMMAND_CHARS} characters, not {chars}"
            )));
        }
        let mut body = json!({ "command": command });
        if let Some(timeout) = options.timeout {
            let secs = timeout.as_secs();
            if !(1..=3600).contains(&secs) || timeout.subsec_nanos() != 0 {
                return Err(Error::InvalidOption(format!(
                    "a command timeout is 1 to 3600 whole seconds, not {timeout:?}"
                )));
            }
            body["timeout"] = secs.into();
        }
        let call = Call {
            operation: RuntimeOperation::Commands,
            body: body.to_string().into(),
            content_type: Some(APPLICATION_JSON),
            accept: Some(AMAZON_EVENTSTREAM),
            options: &options.call,
            read_timeout: options.timeout.unwrap_or(DEFAULT_COMMAND_TIMEOUT) + READ_MARGIN,
        };
        let (head, body) = self.send(session, auth, &call).await?;
        let (head, ()) = head.into_parts();
        Ok(CommandStream {
            head: ResponseHead::new(head.status, head.headers),
            body,
            decoder: CommandDecoder::new(),
            done: false,
        })
    }
}

/// The events of [`CommandBuilder::stream`](crate::CommandBuilder::stream): a [`Stream`] of
/// [`CommandEvent`]s that ends after the first error.
///
/// ```no_run
/// # async fn example(mut events: agentcore_client::CommandStream) -> Result<(), agentcore_client::Error> {
/// use futures_util::StreamExt;
///
/// println!("{}", events.head().status());
/// while let Some(event) = events.next().await {
///     println!("{}", event?.to_json());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct CommandStream {
    head: ResponseHead,
    body: ResponseBody,
    decoder: CommandDecoder,
    done: bool,
}

impl CommandStream {
    /// The status and headers: status, session id, request id.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// let stream = client.execute_command(&session, "ls").stream().await?;
    /// println!("{:?}", stream.head().request_id());
    /// # Ok(()) }
    /// ```
    pub fn head(&self) -> &ResponseHead {
        &self.head
    }
}

impl Stream for CommandStream {
    type Item = Result<CommandEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match this.decoder.next_event() {
                Ok(Some(event)) => return Poll::Ready(Some(Ok(event))),
                Ok(None) => {}
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
            match this.body.poll_chunk(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(bytes))) => this.decoder.push(&bytes),
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    if let Err(e) = this.decoder.finish() {
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
        }
    }
}
