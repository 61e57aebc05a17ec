//! `InvokeAgentRuntimeCommand`: run a command with `sh -c` in the session's directory and
//! stream its output as AWS event-stream frames, as it comes.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::sync::mpsc;

use crate::error::ServiceError;

/// The longest command accepted, in characters.
///
/// ```
/// assert_eq!(agentcore_emulator::command::MAX_COMMAND_CHARS, 65_536);
/// ```
pub const MAX_COMMAND_CHARS: usize = 65_536;
/// The longest timeout accepted, in seconds.
///
/// ```
/// # use agentcore_emulator::command::{DEFAULT_TIMEOUT_SECS, MAX_TIMEOUT_SECS};
/// assert_eq!(MAX_TIMEOUT_SECS, 3_600);
/// assert!(DEFAULT_TIMEOUT_SECS <= MAX_TIMEOUT_SECS);
/// ```
pub const MAX_TIMEOUT_SECS: u64 = 3_600;
/// The timeout when the request names none, in seconds.
///
/// ```
/// assert_eq!(agentcore_emulator::command::DEFAULT_TIMEOUT_SECS, 300);
/// ```
pub const DEFAULT_TIMEOUT_SECS: u64 = 300;
/// How many bytes of output one `contentDelta` carries at most.
const CHUNK_BYTES: usize = 8 * 1024;

/// A validated command request.
#[derive(Debug)]
pub(crate) struct CommandRequest {
    pub(crate) command: String,
    pub(crate) timeout: Duration,
}

impl CommandRequest {
    /// Parses `{"command": "...", "timeout": N}` with the service's limits.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, ServiceError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|err| ServiceError::validation(format!("the body is not JSON: {err}")))?;
        let command = value["command"]
            .as_str()
            .ok_or_else(|| ServiceError::validation("command is required and must be a string"))?;
        let chars = command.chars().count();
        if !(1..=MAX_COMMAND_CHARS).contains(&chars) {
            return Err(ServiceError::validation(format!(
                "command must be 1 to {MAX_COMMAND_CHARS} characters, got {chars}"
            )));
        }
        let timeout = match &value["timeout"] {
            Value::Null => DEFAULT_TIMEOUT_SECS,
            timeout => timeout
                .as_u64()
                .filter(|t| (1..=MAX_TIMEOUT_SECS).contains(t))
                .ok_or_else(|| {
                    ServiceError::validation(format!(
                        "timeout must be 1 to {MAX_TIMEOUT_SECS} seconds"
                    ))
                })?,
        };
        Ok(Self {
            command: command.to_owned(),
            timeout: Duration::from_secs(timeout),
        })
    }
}

/// One event frame carrying `payload`.
///
/// ```
/// use agentcore_emulator::command::event_frame;
///
/// let frame = event_frame(&serde_json::json!({ "chunk": { "contentDelta": { "stdout": "hi" } } }));
/// // The prelude starts with the frame's total length, big-endian.
/// assert_eq!(u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize, frame.len());
/// assert!(frame.windows(5).any(|w| w == b"chunk"));
/// ```
pub fn event_frame(payload: &Value) -> Bytes {
    let message = Message::new(payload.to_string())
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String("event".into()),
        ))
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String("chunk".into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    encode(&message)
}

/// One exception frame (`:exception-type`) with `{"message": ...}`.
///
/// ```
/// use agentcore_emulator::command::exception_frame;
///
/// let frame = exception_frame("ValidationException", "bad command");
/// assert_eq!(u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize, frame.len());
/// assert!(frame.windows(11).any(|w| w == b"bad command"));
/// ```
pub fn exception_frame(exception_type: &'static str, message: &str) -> Bytes {
    let message = Message::new(json!({ "message": message }).to_string())
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String("exception".into()),
        ))
        .add_header(Header::new(
            ":exception-type",
            HeaderValue::String(exception_type.into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    encode(&message)
}

fn encode(message: &Message) -> Bytes {
    let mut buffer = Vec::new();
    // Our headers and payloads are far below the format's limits.
    write_message_to(message, &mut buffer).unwrap_or_else(|err| unreachable!("event frame: {err}"));
    Bytes::from(buffer)
}

/// Starts the command; its frames arrive on the receiver. Dropping the receiver kills it.
pub(crate) fn spawn(request: CommandRequest, directory: PathBuf) -> mpsc::Receiver<Bytes> {
    let (frames, receiver) = mpsc::channel(16);
    tokio::spawn(async move {
        let _ = run(request, directory, &frames).await;
    });
    receiver
}

/// The receiver is gone: stop.
struct Gone;

async fn run(
    request: CommandRequest,
    directory: PathBuf,
    frames: &mpsc::Sender<Bytes>,
) -> Result<(), Gone> {
    let send =
        |payload: Value| async move { frames.send(event_frame(&payload)).await.map_err(|_| Gone) };
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(&request.command)
        .current_dir(&directory)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(err) => {
            let frame = exception_frame(
                "runtimeClientError",
                &format!("cannot start the command: {err}"),
            );
            return frames.send(frame).await.map_err(|_| Gone);
        }
    };
    send(json!({ "contentStart": {} })).await?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return send(json!({ "contentStop": { "exitCode": -1, "status": "COMPLETED" } })).await;
    };
    let output = pump_output(stdout, stderr, frames);
    let finished = tokio::time::timeout(request.timeout, async {
        output.await?;
        Ok::<_, Gone>(child.wait().await)
    })
    .await;
    let stop = match finished {
        Ok(Ok(Ok(status))) => {
            json!({ "contentStop": { "exitCode": exit_code(status), "status": "COMPLETED" } })
        }
        Ok(Ok(Err(_))) => json!({ "contentStop": { "exitCode": -1, "status": "COMPLETED" } }),
        Ok(Err(Gone)) => return Err(Gone),
        Err(_elapsed) => {
            let _ = child.kill().await;
            json!({ "contentStop": { "exitCode": -1, "status": "TIMED_OUT" } })
        }
    };
    send(stop).await
}

/// The shell's convention: the exit code, or 128 + the signal that ended the process.
fn exit_code(status: std::process::ExitStatus) -> i64 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + i64::from(signal);
        }
    }
    status.code().map_or(-1, i64::from)
}

/// Reads both pipes to their end, sending each chunk as it comes.
async fn pump_output(
    stdout: impl AsyncRead + Unpin,
    stderr: impl AsyncRead + Unpin,
    frames: &mpsc::Sender<Bytes>,
) -> Result<(), Gone> {
    let (out, err) = tokio::join!(
        pump("stdout", stdout, frames),
        pump("stderr", stderr, frames)
    );
    out.and(err)
}

async fn pump(
    field: &str,
    mut pipe: impl AsyncRead + Unpin,
    frames: &mpsc::Sender<Bytes>,
) -> Result<(), Gone> {
    let mut buffer = vec![0u8; CHUNK_BYTES];
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let n = pipe.read(&mut buffer).await.unwrap_or(0);
        if n == 0 {
            if !pending.is_empty() {
                let text = String::from_utf8_lossy(&pending).into_owned();
                frames
                    .send(event_frame(&json!({ "contentDelta": { field: text } })))
                    .await
                    .map_err(|_| Gone)?;
            }
            return Ok(());
        }
        pending.extend_from_slice(&buffer[..n]);
        // Send whole UTF-8 characters; keep an incomplete tail for the next read.
        let complete = match std::str::from_utf8(&pending) {
            Ok(_) => pending.len(),
            Err(err) if err.error_len().is_none() => err.valid_up_to(),
            Err(_) => pending.len(),
        };
        if complete == 0 {
            continue;
        }
        let text = String::from_utf8_lossy(&pending[..complete]).into_owned();
        pending.drain(..complete);
        frames
            .send(event_frame(&json!({ "contentDelta": { field: text } })))
            .await
            .map_err(|_| Gone)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_limits() {
        assert!(
            CommandRequest::parse(br#"{"command":"ls"}"#)
                .is_ok_and(|r| r.timeout == Duration::from_secs(300))
        );
        assert!(CommandRequest::parse(br#"{"command":""}"#).is_err());
        assert!(CommandRequest::parse(br#"{"command":"ls","timeout":0}"#).is_err());
        assert!(CommandRequest::parse(br#"{"command":"ls","timeout":3600}"#).is_ok());
        assert!(CommandRequest::parse(br#"{"command":"ls","timeout":3601}"#).is_err());
        let long = format!(r#"{{"command":"{}"}}"#, "x".repeat(MAX_COMMAND_CHARS));
        assert!(CommandRequest::parse(long.as_bytes()).is_ok());
        let too_long = format!(r#"{{"command":"{}"}}"#, "x".repeat(MAX_COMMAND_CHARS + 1));
        assert!(CommandRequest::parse(too_long.as_bytes()).is_err());
        assert!(CommandRequest::parse(b"nope").is_err());
    }

    #[test]
    fn frames_decode_with_the_smithy_reader() {
        let frame = event_frame(&json!({ "contentStart": {} }));
        let message = aws_smithy_eventstream::frame::read_message_from(frame).unwrap();
        assert_eq!(message.payload().as_ref(), br#"{"contentStart":{}}"#);
        assert_eq!(message.headers().len(), 3);
    }
}
