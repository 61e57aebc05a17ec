//! Commands' event streams: [`CommandEvent`], [`CommandStatus`], and
//! [`CommandDecoder`], which turns AWS event-stream bytes into events through
//! `aws-smithy-eventstream` (prelude and message CRCs checked).

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::{HeaderValue, Message};
use bytes::BytesMut;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use crate::error::Error;

/// How a command ended (`contentStop`'s `status`).
///
/// ```
/// use agentcore_client::CommandStatus;
///
/// assert_eq!(CommandStatus::from("TIMED_OUT"), CommandStatus::TimedOut);
/// assert_eq!(CommandStatus::from("KILLED").as_str(), "KILLED");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandStatus {
    /// `COMPLETED`: the command exited by itself.
    Completed,
    /// `TIMED_OUT`: the command's timeout ended it.
    TimedOut,
    /// A status this client does not know, verbatim.
    Other(String),
}

impl CommandStatus {
    /// The status as the service spells it.
    ///
    /// ```
    /// # use agentcore_client::CommandStatus;
    /// assert_eq!(CommandStatus::Completed.as_str(), "COMPLETED");
    /// assert_eq!(CommandStatus::Other("CANCELLED".into()).as_str(), "CANCELLED");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            Self::Completed => "COMPLETED",
            Self::TimedOut => "TIMED_OUT",
            Self::Other(other) => other,
        }
    }
}

impl From<&str> for CommandStatus {
    fn from(status: &str) -> Self {
        match status {
            "COMPLETED" => Self::Completed,
            "TIMED_OUT" => Self::TimedOut,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One event of a command's stream.
///
/// ```
/// use agentcore_client::{CommandEvent, CommandStatus};
///
/// let delta = CommandEvent::Delta { stdout: Some("hi\n".into()), stderr: None };
/// assert_eq!(delta.to_json(), serde_json::json!({"contentDelta": {"stdout": "hi\n"}}));
/// let stop = CommandEvent::Stop { exit_code: 0, status: CommandStatus::Completed };
/// assert_eq!(
///     stop.to_json(),
///     serde_json::json!({"contentStop": {"exitCode": 0, "status": "COMPLETED"}})
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum CommandEvent {
    /// `contentStart`: the command started.
    Start,
    /// `contentDelta`: output; an absent field is `None`, not an empty string.
    Delta {
        /// Standard output, when this delta carries some.
        stdout: Option<String>,
        /// Standard error, when this delta carries some.
        stderr: Option<String>,
    },
    /// `contentStop`: the command ended (`exit_code` -1 is a platform error).
    Stop {
        /// The exit code.
        exit_code: i64,
        /// How it ended.
        status: CommandStatus,
    },
    /// A chunk with another member (newer services may add some), as sent.
    Unknown(Value),
}

impl CommandEvent {
    /// The chunk's JSON payload, as the service sends it.
    ///
    /// ```
    /// # use agentcore_client::CommandEvent;
    /// assert_eq!(CommandEvent::Start.to_json(), serde_json::json!({"contentStart": {}}));
    /// let delta = CommandEvent::Delta { stdout: None, stderr: Some("oops".into()) };
    /// assert_eq!(delta.to_json(), serde_json::json!({"contentDelta": {"stderr": "oops"}}));
    /// ```
    pub fn to_json(&self) -> Value {
        match self {
            Self::Start => json!({"contentStart": {}}),
            Self::Delta { stdout, stderr } => {
                let mut delta = serde_json::Map::new();
                if let Some(stdout) = stdout {
                    delta.insert("stdout".into(), stdout.as_str().into());
                }
                if let Some(stderr) = stderr {
                    delta.insert("stderr".into(), stderr.as_str().into());
                }
                json!({ "contentDelta": delta })
            }
            Self::Stop { exit_code, status } => {
                json!({"contentStop": {"exitCode": exit_code, "status": status.as_str()}})
            }
            Self::Unknown(value) => value.clone(),
        }
    }
}

/// The known chunk payloads, parsed without an intermediate JSON tree.
#[derive(Deserialize)]
enum Chunk {
    #[serde(rename = "contentStart")]
    Start(IgnoredAny),
    #[serde(rename = "contentDelta")]
    Delta {
        stdout: Option<String>,
        stderr: Option<String>,
    },
    #[serde(rename = "contentStop")]
    Stop {
        #[serde(rename = "exitCode")]
        exit_code: i64,
        status: String,
    },
}

/// Decodes a command's AWS event stream, fed in pieces of any size.
///
/// Event frames become [`CommandEvent`]s; an exception or error frame is
/// [`Error::StreamException`]; a frame that fails its CRC or is malformed is
/// [`Error::Decode`]. [`finish`](Self::finish) checks the end: a partial frame is
/// [`Error::Decode`], a stream without `contentStop` [`Error::IncompleteCommand`].
///
/// ```
/// use agentcore_client::{CommandDecoder, CommandEvent, Error};
///
/// let mut decoder = CommandDecoder::new();
/// decoder.push(b"");
/// assert_eq!(decoder.next_event()?, None);
/// assert!(matches!(decoder.finish(), Err(Error::IncompleteCommand)));
///
/// let mut garbage = CommandDecoder::new();
/// garbage.push(&[0, 0, 0, 16, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
/// assert!(garbage.next_event().unwrap_err().is_decode());
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Default)]
pub struct CommandDecoder {
    buffer: BytesMut,
    frames: MessageFrameDecoder,
    /// Bytes fed since the last complete frame (some may sit in `frames`' prelude).
    partial: usize,
    stopped: bool,
}

impl CommandDecoder {
    /// A decoder at the start of a stream.
    ///
    /// ```
    /// # use agentcore_client::CommandDecoder;
    /// let mut decoder = CommandDecoder::new();
    /// assert!(!decoder.stopped());
    /// assert_eq!(decoder.next_event()?, None);
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next bytes of the stream.
    ///
    /// ```
    /// # use agentcore_client::{CommandDecoder, CommandEvent};
    /// let frame = agentcore_emulator::command::event_frame(&serde_json::json!({"contentDelta": {"stdout": "hi"}}));
    /// let mut decoder = CommandDecoder::new();
    /// decoder.push(&frame[..5]); // any split works
    /// assert_eq!(decoder.next_event()?, None);
    /// decoder.push(&frame[5..]);
    /// assert_eq!(decoder.next_event()?, Some(CommandEvent::Delta { stdout: Some("hi".into()), stderr: None }));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
        self.partial += bytes.len();
    }

    /// The next complete event, `None` until more bytes arrive.
    ///
    /// ```
    /// # use agentcore_client::{CommandDecoder, CommandEvent, CommandStatus};
    /// let mut decoder = CommandDecoder::new();
    /// decoder.push(&agentcore_emulator::command::event_frame(&serde_json::json!({"contentStop": {"exitCode": 0, "status": "COMPLETED"}})));
    /// let event = decoder.next_event()?;
    /// assert_eq!(event, Some(CommandEvent::Stop { exit_code: 0, status: CommandStatus::Completed }));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn next_event(&mut self) -> Result<Option<CommandEvent>, Error> {
        let message = match self.frames.decode_frame(&mut self.buffer) {
            Ok(DecodedFrame::Complete(message)) => message,
            Ok(DecodedFrame::Incomplete) => return Ok(None),
            Err(e) => return Err(Error::Decode(format!("event-stream frame: {e}"))),
        };
        self.partial = self.buffer.len();
        let event = event(&message)?;
        if matches!(event, CommandEvent::Stop { .. }) {
            self.stopped = true;
        }
        Ok(Some(event))
    }

    /// Whether a `contentStop` event was decoded.
    ///
    /// ```
    /// # use agentcore_client::CommandDecoder;
    /// let mut decoder = CommandDecoder::new();
    /// decoder.push(&agentcore_emulator::command::event_frame(&serde_json::json!({"contentStop": {"exitCode": 0, "status": "COMPLETED"}})));
    /// decoder.next_event()?;
    /// assert!(decoder.stopped());
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Checks the end of the stream: no partial frame, and a `contentStop` seen.
    ///
    /// ```
    /// # use agentcore_client::CommandDecoder;
    /// let mut decoder = CommandDecoder::new();
    /// decoder.push(&agentcore_emulator::command::event_frame(&serde_json::json!({"contentStop": {"exitCode": 0, "status": "COMPLETED"}})));
    /// decoder.next_event()?;
    /// decoder.finish()?; // whole frames, and a contentStop
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn finish(&self) -> Result<(), Error> {
        if self.partial > 0 {
            return Err(Error::Decode(format!(
                "the event stream ends inside a frame ({} bytes)",
                self.partial
            )));
        }
        if !self.stopped {
            return Err(Error::IncompleteCommand);
        }
        Ok(())
    }
}

fn header<'a>(message: &'a Message, name: &str) -> Option<&'a HeaderValue> {
    let header = message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)?;
    Some(header.value())
}

fn string_header<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    header(message, name)?.as_string().ok().map(|s| s.as_str())
}

/// The event of one frame, or the error an exception or error frame carries.
fn event(message: &Message) -> Result<CommandEvent, Error> {
    match string_header(message, ":message-type") {
        Some("event") => chunk(message.payload()),
        Some("exception") => {
            let kind = string_header(message, ":exception-type").unwrap_or("unknown");
            let payload: Option<Value> = serde_json::from_slice(message.payload()).ok();
            let text = payload
                .as_ref()
                .and_then(|p| p.get("message").or_else(|| p.get("Message")))
                .and_then(Value::as_str);
            Err(Error::StreamException {
                kind: kind.to_owned(),
                message: text.map(str::to_owned),
            })
        }
        Some("error") => Err(Error::StreamException {
            kind: string_header(message, ":error-code")
                .unwrap_or("unknown")
                .to_owned(),
            message: string_header(message, ":error-message").map(str::to_owned),
        }),
        other => Err(Error::Decode(format!(
            "event-stream frame with :message-type {other:?}"
        ))),
    }
}

/// A chunk's JSON payload as an event.
fn chunk(payload: &[u8]) -> Result<CommandEvent, Error> {
    if let Ok(known) = serde_json::from_slice::<Chunk>(payload) {
        return Ok(match known {
            Chunk::Start(_) => CommandEvent::Start,
            Chunk::Delta { stdout, stderr } => CommandEvent::Delta { stdout, stderr },
            Chunk::Stop { exit_code, status } => CommandEvent::Stop {
                exit_code,
                status: status.as_str().into(),
            },
        });
    }
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| Error::Decode(format!("chunk payload is not JSON: {e}")))?;
    let known = ["contentStart", "contentDelta", "contentStop"];
    if let Some(object) = value.as_object()
        && object.len() == 1
        && object.keys().any(|k| known.contains(&k.as_str()))
    {
        return Err(Error::Decode(format!("malformed chunk {value}")));
    }
    Ok(CommandEvent::Unknown(value))
}

#[cfg(test)]
mod tests {
    use aws_smithy_eventstream::frame::write_message_to;
    use aws_smithy_types::event_stream::Header;

    use super::*;

    fn frame(kind: &str, extra: (&str, &str), payload: &str) -> Vec<u8> {
        let message = Message::new(payload.to_owned())
            .add_header(Header::new(
                ":message-type",
                HeaderValue::String(kind.to_owned().into()),
            ))
            .add_header(Header::new(
                extra.0.to_owned(),
                HeaderValue::String(extra.1.to_owned().into()),
            ));
        let mut out = Vec::new();
        write_message_to(&message, &mut out).unwrap();
        out
    }

    #[test]
    fn events_byte_by_byte_then_stop() {
        let mut bytes = frame("event", (":event-type", "chunk"), r#"{"contentStart":{}}"#);
        bytes.extend(frame(
            "event",
            (":event-type", "chunk"),
            r#"{"contentDelta":{"stderr":"e"}}"#,
        ));
        bytes.extend(frame(
            "event",
            (":event-type", "chunk"),
            r#"{"newThing":1}"#,
        ));
        bytes.extend(frame(
            "event",
            (":event-type", "chunk"),
            r#"{"contentStop":{"exitCode":-1,"status":"TIMED_OUT"}}"#,
        ));
        let mut decoder = CommandDecoder::new();
        let mut events = Vec::new();
        for byte in &bytes {
            decoder.push(&[*byte]);
            while let Some(event) = decoder.next_event().unwrap() {
                events.push(event);
            }
        }
        decoder.finish().unwrap();
        assert_eq!(events[0], CommandEvent::Start);
        let delta = CommandEvent::Delta {
            stdout: None,
            stderr: Some("e".into()),
        };
        assert_eq!(events[1], delta);
        assert_eq!(events[2], CommandEvent::Unknown(json!({"newThing": 1})));
        let stop = CommandEvent::Stop {
            exit_code: -1,
            status: CommandStatus::TimedOut,
        };
        assert_eq!(events[3], stop);
    }

    #[test]
    fn exceptions_errors_truncation() {
        let mut decoder = CommandDecoder::new();
        decoder.push(&frame(
            "exception",
            (":exception-type", "validationException"),
            r#"{"message":"no"}"#,
        ));
        let e = decoder.next_event().unwrap_err();
        assert_eq!(e.service_kind(), Some("validationException"));
        let mut decoder = CommandDecoder::new();
        decoder.push(&frame("error", (":error-code", "Boom"), ""));
        assert_eq!(
            decoder.next_event().unwrap_err().service_kind(),
            Some("Boom")
        );
        let whole = frame("event", (":event-type", "chunk"), r#"{"contentStart":{}}"#);
        let mut decoder = CommandDecoder::new();
        decoder.push(&whole[..whole.len() - 1]);
        assert_eq!(decoder.next_event().unwrap(), None);
        assert!(matches!(decoder.finish(), Err(Error::Decode(_))));
        let mut decoder = CommandDecoder::new();
        decoder.push(&frame(
            "event",
            (":event-type", "chunk"),
            r#"{"contentStop":{}}"#,
        ));
        assert!(decoder.next_event().unwrap_err().is_decode());
    }
}
