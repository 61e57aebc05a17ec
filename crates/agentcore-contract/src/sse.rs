//! Server-Sent Events (SSE): encoding on the agent side, decoding on the
//! client side.
//!
//! An agent server streams its response as `text/event-stream`, writing one
//! `data: <compact JSON>\n\n` event per value with [`data_event`] or
//! [`write_data_event`]. When streaming fails part-way it sends an
//! [`AgentErrorEvent`] as the last event.
//!
//! A client feeds the raw response bytes, in whatever chunks they arrive, to
//! an [`SseDecoder`], which follows the HTML Living Standard rules for
//! interpreting an event stream, and takes the decoded [`SseEvent`]s out in
//! order. [`AgentErrorEvent::from_data`] recognises an error event.
//!
//! This module is pure: it performs no I/O and nothing in it is async.
//!
//! ```
//! use agentcore_contract::sse::{SseDecoder, data_event};
//!
//! // Server side: encode two events.
//! let mut body = data_event(&serde_json::json!({"text": "Hello"}))?;
//! body.extend(data_event("world")?);
//! assert_eq!(body, b"data: {\"text\":\"Hello\"}\n\ndata: \"world\"\n\n");
//!
//! // Client side: decode them, here split at an arbitrary point.
//! let mut decoder = SseDecoder::new();
//! decoder.push(&body[..10])?;
//! decoder.push(&body[10..])?;
//! assert_eq!(decoder.next_event().unwrap().data, r#"{"text":"Hello"}"#);
//! assert_eq!(decoder.next_event().unwrap().data, r#""world""#);
//! assert!(decoder.next_event().is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// Encodes `data` as one SSE event: `data: <single-line compact JSON>\n\n`.
///
/// Compact JSON never contains a raw line break (newlines inside strings are
/// escaped as `\n`), so the event always has exactly one `data` line.
///
/// ```
/// let bytes = agentcore_contract::sse::data_event(&serde_json::json!({"a": [1, 2]}))?;
/// assert_eq!(bytes, b"data: {\"a\":[1,2]}\n\n");
/// assert_eq!(agentcore_contract::sse::data_event("hi")?, b"data: \"hi\"\n\n");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn data_event<T: Serialize + ?Sized>(data: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut buf = Vec::new();
    write_data_event(&mut buf, data)?;
    Ok(buf)
}

/// Appends `data` encoded as one SSE event (see [`data_event`]) to `buf`.
///
/// On error `buf` is left exactly as it was.
///
/// ```
/// let mut buf = b"data: 1\n\n".to_vec();
/// agentcore_contract::sse::write_data_event(&mut buf, &2)?;
/// assert_eq!(buf, b"data: 1\n\ndata: 2\n\n");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn write_data_event<T: Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    data: &T,
) -> Result<(), serde_json::Error> {
    let start = buf.len();
    buf.extend_from_slice(b"data: ");
    if let Err(err) = serde_json::to_writer(&mut *buf, data) {
        buf.truncate(start);
        return Err(err);
    }
    buf.extend_from_slice(b"\n\n");
    Ok(())
}

/// The `message` of every [`AgentErrorEvent`].
///
/// ```
/// use agentcore_contract::sse::{AgentErrorEvent, STREAM_ERROR_MESSAGE};
/// assert_eq!(AgentErrorEvent::new("boom", "ValueError").message, STREAM_ERROR_MESSAGE);
/// ```
pub const STREAM_ERROR_MESSAGE: &str = "An error occurred during streaming";

/// The event an agent sends when streaming fails part-way:
/// `{"error": ..., "error_type": ..., "message": "An error occurred during streaming"}`.
///
/// ```
/// use agentcore_contract::sse::{AgentErrorEvent, data_event};
/// let event = AgentErrorEvent::new("boom", "ValueError");
/// assert_eq!(
///     data_event(&event)?,
///     b"data: {\"error\":\"boom\",\"error_type\":\"ValueError\",\
///       \"message\":\"An error occurred during streaming\"}\n\n"
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentErrorEvent {
    /// The error's description (for example the exception message).
    pub error: String,
    /// The error's type (for example the exception class name).
    pub error_type: String,
    /// A fixed human-readable summary, normally [`STREAM_ERROR_MESSAGE`].
    pub message: String,
}

impl AgentErrorEvent {
    /// Creates an error event whose `message` is [`STREAM_ERROR_MESSAGE`].
    ///
    /// ```
    /// let event = agentcore_contract::sse::AgentErrorEvent::new("timed out", "TimeoutError");
    /// assert_eq!(event.error, "timed out");
    /// assert_eq!(event.error_type, "TimeoutError");
    /// ```
    pub fn new(error: impl Into<String>, error_type: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            error_type: error_type.into(),
            message: STREAM_ERROR_MESSAGE.to_owned(),
        }
    }

    /// Recognises an error event in an event's `data`: returns `Some` only when
    /// `data` is a JSON object with exactly the keys `error`, `error_type` and
    /// `message`, each a string.
    ///
    /// ```
    /// use agentcore_contract::sse::AgentErrorEvent;
    /// let data = r#"{"error":"boom","error_type":"ValueError","message":"oops"}"#;
    /// assert_eq!(AgentErrorEvent::from_data(data).unwrap().message, "oops");
    /// assert_eq!(AgentErrorEvent::from_data(r#"{"error":"boom"}"#), None);
    /// ```
    pub fn from_data(data: &str) -> Option<Self> {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(data).ok()?;
        if object.len() != 3 {
            return None;
        }
        let field = |key: &str| object.get(key)?.as_str().map(str::to_owned);
        Some(Self {
            error: field("error")?,
            error_type: field("error_type")?,
            message: field("message")?,
        })
    }
}

/// The default limit of [`SseDecoder`]: bytes buffered for one pending line
/// plus the pending event's data (16 MiB).
///
/// ```
/// assert_eq!(agentcore_contract::sse::DEFAULT_MAX_EVENT_BYTES, 16 << 20);
/// ```
pub const DEFAULT_MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// One event dispatched by an [`SseDecoder`].
///
/// ```
/// let events = agentcore_contract::sse::decode_all(b"event: delta\nid: 7\ndata: hi\n\n")?;
/// assert_eq!(events[0].event.as_deref(), Some("delta"));
/// assert_eq!(events[0].data, "hi");
/// assert_eq!(events[0].id.as_deref(), Some("7"));
/// assert_eq!(events[0].retry, None);
/// # Ok::<(), agentcore_contract::sse::SseDecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SseEvent {
    /// The event type, `None` when no (or an empty) `event` field was given;
    /// the standard's default type `message` is left to the caller (see
    /// [`SseEvent::event_type`]).
    pub event: Option<String>,
    /// The data lines joined with `\n`.
    pub data: String,
    /// The last event ID at dispatch time: the last `id` seen so far in the
    /// stream, `None` if never set or last set to the empty string.
    pub id: Option<String>,
    /// The `retry` value (reconnection time in milliseconds) given in this
    /// event's fields, if any.
    pub retry: Option<u64>,
}

impl SseEvent {
    /// An event with only `data` (no type, no id, no retry), such as a client's stand-in
    /// for an answer that was not an event stream.
    ///
    /// ```
    /// let event = agentcore_contract::sse::SseEvent::new("{\"a\":1}");
    /// assert_eq!((event.event, event.id, event.retry), (None, None, None));
    /// assert_eq!(event.data, "{\"a\":1}");
    /// ```
    pub fn new(data: impl Into<String>) -> Self {
        Self {
            event: None,
            data: data.into(),
            id: None,
            retry: None,
        }
    }

    /// The event type with the standard's default applied: `message` when no
    /// event type was given.
    ///
    /// ```
    /// let events = agentcore_contract::sse::decode_all(b"data: a\n\nevent: done\ndata: b\n\n")?;
    /// assert_eq!(events[0].event_type(), "message");
    /// assert_eq!(events[1].event_type(), "done");
    /// # Ok::<(), agentcore_contract::sse::SseDecodeError>(())
    /// ```
    pub fn event_type(&self) -> &str {
        self.event.as_deref().unwrap_or("message")
    }
}

/// An error from [`SseDecoder::push`].
///
/// ```
/// use agentcore_contract::sse::{SseDecodeError, SseDecoder};
/// let err = SseDecoder::with_max_event_bytes(4).push(b"data: too long").unwrap_err();
/// assert!(matches!(err, SseDecodeError::EventTooLarge { limit: 4 }));
/// assert_eq!(err.to_string(), "server-sent event exceeds the limit of 4 bytes");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SseDecodeError {
    /// A pending line plus the pending event's data grew beyond the limit.
    #[error("server-sent event exceeds the limit of {limit} bytes")]
    EventTooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
}

const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// A streaming, incremental Server-Sent Events decoder following the HTML
/// Living Standard's "Interpreting an event stream" rules.
///
/// Feed bytes with [`push`](Self::push) in chunks of any size, take events
/// with [`next_event`](Self::next_event), and call [`finish`](Self::finish) at
/// end of stream. Bytes buffered for the pending line plus the pending event's
/// data are bounded by a limit ([`DEFAULT_MAX_EVENT_BYTES`] by default);
/// exceeding it fails the decoder, and every later `push` returns the error.
///
/// ```
/// use agentcore_contract::sse::SseDecoder;
/// let mut decoder = SseDecoder::new();
/// decoder.push(b"data: first\r\n\r\ndata: sec")?;
/// assert_eq!(decoder.next_event().unwrap().data, "first");
/// assert!(decoder.next_event().is_none());
/// decoder.push(b"ond\n\n")?;
/// assert_eq!(decoder.next_event().unwrap().data, "second");
/// # Ok::<(), agentcore_contract::sse::SseDecodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SseDecoder {
    max_event_bytes: usize,
    /// `Some(n)`: still at the start of the stream, `n` bytes of a BOM seen.
    bom_matched: Option<usize>,
    /// The previous line ended with CR, so a leading LF is part of that end.
    skip_lf: bool,
    failed: bool,
    line: Vec<u8>,
    data: String,
    event_type: String,
    last_event_id: String,
    retry: Option<u64>,
    queue: VecDeque<SseEvent>,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::with_max_event_bytes(DEFAULT_MAX_EVENT_BYTES)
    }
}

impl SseDecoder {
    /// Creates a decoder with the [`DEFAULT_MAX_EVENT_BYTES`] limit.
    ///
    /// ```
    /// let decoder = agentcore_contract::sse::SseDecoder::new();
    /// assert_eq!(decoder.last_event_id(), None);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a decoder that fails once the pending line plus the pending
    /// event's data exceeds `limit` bytes.
    ///
    /// ```
    /// use agentcore_contract::sse::SseDecoder;
    /// assert!(SseDecoder::with_max_event_bytes(7).push(b"data: x\n\n").is_ok());
    /// assert!(SseDecoder::with_max_event_bytes(6).push(b"data: x\n\n").is_err());
    /// ```
    pub fn with_max_event_bytes(limit: usize) -> Self {
        Self {
            max_event_bytes: limit,
            bom_matched: Some(0),
            skip_lf: false,
            failed: false,
            line: Vec::new(),
            data: String::new(),
            event_type: String::new(),
            last_event_id: String::new(),
            retry: None,
            queue: VecDeque::new(),
        }
    }

    /// Feeds the next chunk of the stream; completed events are queued for
    /// [`next_event`](Self::next_event).
    ///
    /// ```
    /// let mut decoder = agentcore_contract::sse::SseDecoder::new();
    /// for byte in b"data: \xC3\xA9\n\n" {
    ///     decoder.push(&[*byte])?;
    /// }
    /// assert_eq!(decoder.next_event().unwrap().data, "é");
    /// # Ok::<(), agentcore_contract::sse::SseDecodeError>(())
    /// ```
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), SseDecodeError> {
        if self.failed {
            return Err(self.too_large());
        }
        let mut chunk = chunk;
        if let Some(mut matched) = self.bom_matched {
            let mut taken = 0;
            while matched < BOM.len() && chunk.get(taken) == Some(&BOM[matched]) {
                matched += 1;
                taken += 1;
            }
            if matched < BOM.len() && taken == chunk.len() {
                self.bom_matched = Some(matched);
                return Ok(());
            }
            self.bom_matched = None;
            if matched < BOM.len() {
                // Not a BOM after all: the bytes held back are stream content.
                self.feed(&BOM[..matched])?;
            }
            chunk = &chunk[taken..];
        }
        self.feed(chunk)
    }

    /// Takes the next decoded event, in stream order.
    ///
    /// ```
    /// let mut decoder = agentcore_contract::sse::SseDecoder::new();
    /// decoder.push(b"data: 1\n\ndata: 2\n\n")?;
    /// assert_eq!(decoder.next_event().unwrap().data, "1");
    /// assert_eq!(decoder.next_event().unwrap().data, "2");
    /// assert_eq!(decoder.next_event(), None);
    /// # Ok::<(), agentcore_contract::sse::SseDecodeError>(())
    /// ```
    pub fn next_event(&mut self) -> Option<SseEvent> {
        self.queue.pop_front()
    }

    /// Ends the stream and returns the events not yet taken. As the standard
    /// requires, a pending event not terminated by a blank line (including an
    /// unterminated final line) is discarded.
    ///
    /// ```
    /// let mut decoder = agentcore_contract::sse::SseDecoder::new();
    /// decoder.push(b"data: done\n\ndata: cut off\n")?;
    /// let events = decoder.finish();
    /// assert_eq!(events.len(), 1);
    /// assert_eq!(events[0].data, "done");
    /// # Ok::<(), agentcore_contract::sse::SseDecodeError>(())
    /// ```
    pub fn finish(self) -> Vec<SseEvent> {
        self.queue.into()
    }

    /// The last event ID buffer: the last `id` seen so far, `None` if never
    /// set or last set to the empty string.
    ///
    /// ```
    /// let mut decoder = agentcore_contract::sse::SseDecoder::new();
    /// decoder.push(b"id: 42\n")?;
    /// assert_eq!(decoder.last_event_id(), Some("42"));
    /// # Ok::<(), agentcore_contract::sse::SseDecodeError>(())
    /// ```
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.last_event_id.as_str()).filter(|id| !id.is_empty())
    }

    fn too_large(&self) -> SseDecodeError {
        SseDecodeError::EventTooLarge {
            limit: self.max_event_bytes,
        }
    }

    /// Fails (for good) if `line_len` pending line bytes plus the data would
    /// exceed the limit.
    fn check_size(&mut self, line_len: usize) -> Result<(), SseDecodeError> {
        if line_len.saturating_add(self.data.len()) > self.max_event_bytes {
            self.failed = true;
            return Err(self.too_large());
        }
        Ok(())
    }

    /// Splits stream bytes (after BOM handling) into lines.
    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), SseDecodeError> {
        while !bytes.is_empty() {
            if std::mem::take(&mut self.skip_lf) && bytes[0] == b'\n' {
                bytes = &bytes[1..];
                continue;
            }
            let Some(end) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') else {
                self.check_size(self.line.len() + bytes.len())?;
                self.line.extend_from_slice(bytes);
                return Ok(());
            };
            self.check_size(self.line.len() + end)?;
            self.skip_lf = bytes[end] == b'\r';
            if self.line.is_empty() {
                self.process_line(&bytes[..end])?;
            } else {
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(&bytes[..end]);
                self.process_line(&line)?;
                line.clear();
                self.line = line;
            }
            bytes = &bytes[end + 1..];
        }
        Ok(())
    }

    fn process_line(&mut self, line: &[u8]) -> Result<(), SseDecodeError> {
        let line = String::from_utf8_lossy(line);
        if line.is_empty() {
            self.dispatch();
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (&*line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event_type),
            "data" => {
                // Replacement characters can make the data longer than the line.
                self.check_size(value.len() + 1)?;
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => value.clone_into(&mut self.last_event_id),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(retry) = value.parse() {
                    self.retry = Some(retry);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self) {
        let retry = self.retry.take();
        let event_type = std::mem::take(&mut self.event_type);
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the trailing "\n"
        self.queue.push_back(SseEvent {
            event: Some(event_type).filter(|t| !t.is_empty()),
            data,
            id: self.last_event_id().map(str::to_owned),
            retry,
        });
    }
}

/// Decodes a complete stream: [`SseDecoder::push`] then [`SseDecoder::finish`].
///
/// ```
/// let events = agentcore_contract::sse::decode_all(b"data: a\ndata: b\n\ndata: lost")?;
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].data, "a\nb");
/// # Ok::<(), agentcore_contract::sse::SseDecodeError>(())
/// ```
pub fn decode_all(bytes: &[u8]) -> Result<Vec<SseEvent>, SseDecodeError> {
    let mut decoder = SseDecoder::new();
    decoder.push(bytes)?;
    Ok(decoder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn ev(data: &str) -> SseEvent {
        SseEvent {
            event: None,
            data: data.to_owned(),
            id: None,
            retry: None,
        }
    }

    fn decode(bytes: &[u8]) -> Vec<SseEvent> {
        decode_all(bytes).unwrap()
    }

    fn decode_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new();
        for chunk in chunks {
            decoder.push(chunk).unwrap();
        }
        decoder.finish()
    }

    fn datas(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn each_line_ending_kind() {
        for input in [
            &b"data: a\ndata: b\n\ndata: c\n\n"[..],
            b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n",
            b"data: a\rdata: b\r\rdata: c\r\r",
            b"data: a\r\ndata: b\r\rdata: c\n\r\n",
        ] {
            assert_eq!(decode(input), [ev("a\nb"), ev("c")], "{input:?}");
        }
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_end() {
        let events = decode_chunks(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(events, [ev("a\nb")]);
    }

    #[test]
    fn cr_at_chunk_end_followed_by_non_lf() {
        assert_eq!(decode_chunks(&[b"data: a\r", b"\r"]), [ev("a")]);
        assert_eq!(decode_chunks(&[b"data: a\r", b"data: b\r\r"]), [ev("a\nb")]);
        // A line ended by a CR is processed at once, before the next chunk.
        let mut decoder = SseDecoder::new();
        decoder.push(b"data: a\r\r").unwrap();
        assert_eq!(decoder.next_event(), Some(ev("a")));
    }

    #[test]
    fn event_id_and_retry_fields() {
        let events = decode(b"event: delta\nid: 1\nretry: 3000\ndata: x\n\ndata: y\n\n");
        let first = SseEvent {
            event: Some("delta".into()),
            data: "x".into(),
            id: Some("1".into()),
            retry: Some(3000),
        };
        let second = SseEvent {
            id: Some("1".into()),
            ..ev("y")
        };
        assert_eq!(events, [first, second]);
        assert_eq!(events[1].event_type(), "message");
    }

    #[test]
    fn id_persists_and_empty_id_resets() {
        let mut decoder = SseDecoder::new();
        decoder
            .push(b"id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 8\n\ndata: d\n\n")
            .unwrap();
        let ids: Vec<_> = decoder.clone().finish().into_iter().map(|e| e.id).collect();
        assert_eq!(
            ids,
            [Some("7".into()), Some("7".into()), None, Some("8".into())]
        );
        assert_eq!(decoder.last_event_id(), Some("8"));
        decoder.push(b"id:\n").unwrap();
        assert_eq!(decoder.last_event_id(), None);
    }

    #[test]
    fn id_with_nul_is_ignored() {
        let events = decode(b"id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n");
        assert_eq!(events[1].id.as_deref(), Some("1"));
    }

    #[test]
    fn retry_must_be_ascii_digits_and_fit() {
        let bad_values = "1s|+5|-1|  5|5 ||1.5|99999999999999999999999|٣";
        for bad in bad_values.split('|') {
            let input = format!("retry:{bad}\ndata: a\n\n");
            assert_eq!(decode(input.as_bytes())[0].retry, None, "{bad:?}");
        }
        let events = decode(b"retry: 10\n\ndata: a\n\nretry:0\ndata: b\n\n");
        assert_eq!(events[0].retry, None, "reset by the blank line");
        assert_eq!(events[1].retry, Some(0));
    }

    #[test]
    fn comments_unknown_fields_and_bare_field_names() {
        let events = decode(b": comment\n:\nfoo: bar\nData: no\ndata\n\n");
        assert_eq!(events, [ev("")]);
        let events = decode(b"event: x\nevent\ndata: a\n\n");
        assert_eq!(events[0].event, None);
    }

    #[test]
    fn only_one_leading_space_is_removed() {
        let events = decode(b"data:x\n\ndata:  y\n\ndata: a:b \n\n");
        assert_eq!(datas(&events), ["x", " y", "a:b "]);
    }

    #[test]
    fn empty_data_and_blank_lines() {
        assert_eq!(decode(b"data:\n\n"), [ev("")]);
        assert_eq!(decode(b"data\ndata\n\n"), [ev("\n")]);
        assert!(decode(b"\n\n\r\n").is_empty());
        // A blank line without data dispatches nothing but resets the type.
        assert_eq!(decode(b"event: x\nid: 1\n\ndata: y\n\n")[0].event, None);
    }

    #[test]
    fn unterminated_last_event_is_dropped() {
        assert_eq!(decode(b"data: a\n\ndata: b\n"), [ev("a")]);
        assert_eq!(decode(b"data: a\n\ndata: b"), [ev("a")]);
        assert!(decode(b"data: a\n").is_empty());
        assert_eq!(decode(b"data: a\n\n\n"), [ev("a")]);
    }

    #[test]
    fn utf8_decoding_with_replacement() {
        let events = decode("data: é😀\n\ndata: \u{FFFD}\n\n".as_bytes());
        assert_eq!(datas(&events), ["é😀", "\u{FFFD}"]);
        let events = decode(b"data: a\xFFb\xF0\x9F\n\n");
        assert_eq!(datas(&events), ["a\u{FFFD}b\u{FFFD}"]);
    }

    #[test]
    fn byte_by_byte_matches_whole_chunk() {
        let inputs: [&[u8]; 8] = [
            b"event: e\r\nid: 1\r\nretry: 5\r\ndata: a\r\ndata: b\r\n\r\n",
            b"data: x\rdata: y\r\r: c\n\ndata\n\nid\n\ndata: z\n\n",
            "data: é\n\ndata: 😀😀\r\n\r\nevent: ünï\ndata: 中\r\r".as_bytes(),
            b"data: \xC3\n\ndata: \xFF\xFE\xF0\x9F\x98\n\ndata: \xE2\x82\xAC\n\n",
            b"\xEF\xBB\xBFdata: bom\n\n\xEF\xBB\xBFdata: x\n\n",
            b"\xEF\xBBdata: partial\n\ndata: q\n\n",
            b"id: a\0b\nretry: 1x\ndata:  two\n\ndata: tail",
            b"\r\n\r\ndata: lead\n\r\n",
        ];
        for input in inputs {
            let whole = decode(input);
            let mut decoder = SseDecoder::new();
            for byte in input {
                decoder.push(std::slice::from_ref(byte)).unwrap();
            }
            assert_eq!(decoder.finish(), whole, "{input:?}");
        }
    }

    #[test]
    fn bom_at_start_stripped_once_and_later_kept() {
        let bom = "\u{FEFF}";
        assert_eq!(decode(b"\xEF\xBB\xBFdata: a\n\n"), [ev("a")]);
        let split = decode_chunks(&[b"", b"\xEF", b"\xBB", b"\xBFdata: a\n\n"]);
        assert_eq!(split, [ev("a")]);
        assert_eq!(decode_chunks(&[b"\xEF\xBB", b"\xBFdata: a\n\n"]), [ev("a")]);
        // A second BOM is part of the field name, which is then unknown.
        assert!(decode(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n").is_empty());
        let later = format!("data: a\n\n{bom}data: b\n\ndata: {bom}c\n\n");
        assert_eq!(datas(&decode(later.as_bytes())), ["a", "\u{FEFF}c"]);
        // An incomplete BOM is ordinary (invalid) content.
        let events = decode_chunks(&[b"\xEF\xBB", b"\n\ndata: x\n\n"]);
        assert_eq!(events, [ev("x")]);
        assert!(decode(b"data\xEF\xBB\xBF: a\n\n").is_empty());
    }

    #[test]
    fn size_limit_at_its_edge() {
        // Peak: the pending 12-byte line "data: 123456".
        let input = b"data: 123456\n\n";
        assert_eq!(
            SseDecoder::with_max_event_bytes(12).push(input).ok(),
            Some(())
        );
        let mut decoder = SseDecoder::with_max_event_bytes(11);
        let err = decoder.push(input).unwrap_err();
        assert!(matches!(err, SseDecodeError::EventTooLarge { limit: 11 }));
        assert!(err.to_string().contains("11 bytes"));
        assert!(decoder.push(b"\n").is_err(), "the decoder stays failed");

        // Pending data counts too: "a\n" (2) + "data: bcd" (9) = 11.
        let input = b"data: a\ndata: bcd\n\n";
        assert!(SseDecoder::with_max_event_bytes(11).push(input).is_ok());
        assert!(SseDecoder::with_max_event_bytes(10).push(input).is_err());
        let mut decoder = SseDecoder::with_max_event_bytes(10);
        for byte in &input[..16] {
            decoder.push(std::slice::from_ref(byte)).unwrap();
        }
        assert!(decoder.push(b"d").is_err());

        // Replacement characters can grow the data beyond the line: 3 bytes
        // per invalid byte, plus "\n".
        let input = b"data:\xFF\xFF\xFF\xFF\n\n";
        assert!(SseDecoder::with_max_event_bytes(13).push(input).is_ok());
        assert!(SseDecoder::with_max_event_bytes(12).push(input).is_err());

        // Dispatched events do not count.
        let mut decoder = SseDecoder::with_max_event_bytes(8);
        for _ in 0..100 {
            decoder.push(b"data: ab\n\n").unwrap();
        }
        assert_eq!(decoder.finish().len(), 100);
    }

    #[test]
    fn data_event_exact_bytes() {
        let cases: [(Value, &[u8]); 6] = [
            (
                json!({"a": 1, "b": "x"}),
                b"data: {\"a\":1,\"b\":\"x\"}\n\n",
            ),
            (json!("hi"), b"data: \"hi\"\n\n"),
            (json!(-12.5), b"data: -12.5\n\n"),
            (Value::Null, b"data: null\n\n"),
            (
                json!({"n": [1, {"m": []}]}),
                b"data: {\"n\":[1,{\"m\":[]}]}\n\n",
            ),
            (json!("a\nb\r"), b"data: \"a\\nb\\r\"\n\n"),
        ];
        for (value, expected) in cases {
            assert_eq!(data_event(&value).unwrap(), expected, "{value}");
        }
        assert_eq!(data_event("hi").unwrap(), b"data: \"hi\"\n\n");
        assert_eq!(decode(&data_event("a\nb").unwrap()), [ev("\"a\\nb\"")]);
    }

    #[test]
    fn write_data_event_leaves_buffer_unchanged_on_error() {
        let mut buf = b"data: 1\n\n".to_vec();
        let bad: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 2)].into();
        assert!(write_data_event(&mut buf, &bad).is_err());
        assert_eq!(buf, b"data: 1\n\n");
        write_data_event(&mut buf, &[true]).unwrap();
        assert_eq!(buf, b"data: 1\n\ndata: [true]\n\n");
    }

    #[test]
    fn agent_error_event_round_trip() {
        let event = AgentErrorEvent::new("boom", "ValueError");
        let json = serde_json::to_string(&event).unwrap();
        let expected = r#"{"error":"boom","error_type":"ValueError","message":"An error occurred during streaming"}"#;
        assert_eq!(json, expected);
        assert_eq!(AgentErrorEvent::from_data(&json), Some(event));
        let reordered = r#" {"message":"m","error_type":"t","error":"e"} "#;
        let parsed = AgentErrorEvent::from_data(reordered).unwrap();
        assert_eq!(
            (parsed.error, parsed.error_type, parsed.message),
            ("e".into(), "t".into(), "m".into())
        );
    }

    #[test]
    fn agent_error_event_rejects_other_shapes() {
        for data in [
            "",
            "not json",
            "null",
            r#""error""#,
            r#"[{"error":"e","error_type":"t","message":"m"}]"#,
            r#"{"error":"e","error_type":"t"}"#,
            r#"{"error":"e","message":"m"}"#,
            r#"{"error_type":"t","message":"m"}"#,
            r#"{"error":"e","error_type":"t","message":"m","extra":1}"#,
            r#"{"error":"e","error_type":"t","msg":"m"}"#,
            r#"{"error":1,"error_type":"t","message":"m"}"#,
            r#"{"error":"e","error_type":null,"message":"m"}"#,
            r#"{"error":"e","error_type":"t","message":["m"]}"#,
            r#"{"error":"e","error_type":"t","message":"m"} x"#,
        ] {
            assert_eq!(AgentErrorEvent::from_data(data), None, "{data}");
        }
    }

    #[test]
    fn encode_decode_many_values_in_odd_chunks() {
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            seed >> 33
        };
        let pieces = [
            "", "é", "😀", "\n", "\r\n", "data: ", ":", "\u{FEFF}", "\"", "\\", "\0",
        ];
        let values: Vec<Value> = (0..50)
            .map(|i| {
                let n = next();
                let text: String = (0..n % 6)
                    .map(|_| pieces[next() as usize % pieces.len()])
                    .collect();
                match i % 5 {
                    0 => json!(text),
                    1 => json!(n as i64 - (1 << 30)),
                    2 => json!({"i": i, "text": text, "list": [n % 7, null, true]}),
                    3 => json!([text, {"nested": {"deep": n}}]),
                    _ => Value::Null,
                }
            })
            .collect();
        let mut stream = Vec::new();
        for value in &values {
            stream.extend(data_event(value).unwrap());
        }
        let mut decoder = SseDecoder::new();
        let mut decoded = Vec::new();
        let mut rest = &stream[..];
        let sizes = [1, 7, 3, 13, 2, 31, 5];
        for size in sizes.iter().cycle() {
            let (chunk, tail) = rest.split_at((*size).min(rest.len()));
            decoder.push(chunk).unwrap();
            decoded.extend(std::iter::from_fn(|| decoder.next_event()));
            rest = tail;
            if rest.is_empty() {
                break;
            }
        }
        assert!(decoder.finish().is_empty());
        let parsed: Vec<Value> = decoded
            .iter()
            .map(|e| serde_json::from_str(&e.data).unwrap())
            .collect();
        assert_eq!(parsed, values);
    }
}
