//! `InvokeAgentRuntime`: [`RuntimeClient::invoke`] (the whole answer) and
//! [`RuntimeClient::invoke_stream`] (SSE events as they arrive).

use std::pin::Pin;
use std::task::{Context, Poll};

use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::headers::{APPLICATION_JSON, TEXT_EVENT_STREAM};
use agentcore_contract::sse::{AgentErrorEvent, SseDecoder, SseEvent};
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use http::HeaderMap;
use serde::de::DeserializeOwned;

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::head::ResponseHead;
use crate::request::Payload;
use crate::request::{Call, CallOptions};
use crate::session::RuntimeSession;
use crate::transport::ResponseBody;
use crate::ws::Auth;

/// The whole answer of [`RuntimeClient::invoke`].
///
/// ```no_run
/// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
/// let answer = client
///     .invoke(&session)
///     .json(&serde_json::json!({"prompt": "hi"}))?
///     .send()
///     .await?;
/// match answer.head().content_type() {
///     Some("text/event-stream") => {
///         for event in answer.events()? {
///             println!("{}", event.data);
///         }
///     }
///     _ => println!("{}", answer.json::<serde_json::Value>()?),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct InvokeResponse {
    head: ResponseHead,
    body: Bytes,
}

impl InvokeResponse {
    /// The status and headers: status, session id, request id, content type.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// let answer = client.invoke(&session).payload(serde_json::json!({"prompt": "hi"})).send().await?;
    /// assert!(answer.head().status().is_success());
    /// assert_eq!(answer.head().session_id(), Some(session.session_id().as_str()));
    /// # Ok(()) }
    /// ```
    pub fn head(&self) -> &ResponseHead {
        &self.head
    }

    /// The body as received.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// let answer = client.invoke(&session).payload(serde_json::json!({"prompt": "hi"})).send().await?;
    /// println!("{} bytes", answer.bytes().len());
    /// # Ok(()) }
    /// ```
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as UTF-8 text ([`Error::Decode`] when it is not).
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// let answer = client.invoke(&session).payload(serde_json::json!({"prompt": "hi"})).send().await?;
    /// println!("{}", answer.text()?);
    /// # Ok(()) }
    /// ```
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.body)
            .map_err(|e| Error::Decode(format!("body is not UTF-8: {e}")))
    }

    /// The body parsed as JSON into `T` ([`Error::Decode`] when it does not parse).
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// let answer = client.invoke(&session).payload(serde_json::json!({"prompt": "hi"})).send().await?;
    /// let value: serde_json::Value = answer.json()?;
    /// println!("{}", value["result"]);
    /// # Ok(()) }
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode(format!("body JSON: {e}")))
    }

    /// The events of an SSE answer; an agent error event is [`Error::Agent`]. An answer
    /// that is not `text/event-stream` is one event whose data is the whole body.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// let answer = client.invoke(&session).payload(serde_json::json!({"prompt": "hi"})).send().await?;
    /// for event in answer.events()? {
    ///     println!("{}", event.data);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events(&self) -> Result<Vec<SseEvent>, Error> {
        if self.head.content_type() != Some(TEXT_EVENT_STREAM) {
            return Ok(vec![SseEvent::new(String::from_utf8_lossy(&self.body))]);
        }
        let mut decoder = SseDecoder::new();
        decoder
            .push(&self.body)
            .map_err(|e| Error::Decode(e.to_string()))?;
        let events = decoder.finish();
        for event in &events {
            check_agent_error(event)?;
        }
        Ok(events)
    }
}

/// The media type of `Content-Type`, parameters removed.
fn media_type(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or(value).trim())
}

/// [`Error::Agent`] when `event` is an agent error event (CONTRACT.md §1: a JSON object
/// with exactly the string keys `error`, `error_type` and `message`). Data without the
/// `"error_type"` key is passed by a substring search, before any JSON parsing.
///
/// ```
/// use agentcore_client::check_agent_error;
/// use agentcore_client::contract::sse::SseEvent;
///
/// assert!(check_agent_error(&SseEvent::new(r#"{"text":"hi"}"#)).is_ok());
/// let failed = SseEvent::new(r#"{"error":"boom","error_type":"ValueError","message":"m"}"#);
/// assert!(matches!(check_agent_error(&failed), Err(agentcore_client::Error::Agent { .. })));
/// ```
pub fn check_agent_error(event: &SseEvent) -> Result<(), Error> {
    let data = event.data.trim_start();
    if !data.starts_with('{') || !data.contains("\"error_type\"") {
        return Ok(());
    }
    match AgentErrorEvent::from_data(data) {
        Some(e) => Err(Error::Agent {
            error: e.error,
            error_type: e.error_type,
            message: e.message,
        }),
        None => Ok(()),
    }
}

impl RuntimeClient {
    /// Invokes the agent and reads its whole answer. The payload is a
    /// [`serde_json::Value`], a [`Payload::json`] or [`Payload::bytes`]; `Accept`
    /// defaults to `application/json`, the qualifier to `DEFAULT`. Not retried.
    pub(crate) async fn invoke_call_with(
        &self,
        session: &RuntimeSession,
        auth: &Auth,
        payload: impl Into<Payload>,
        options: &CallOptions,
    ) -> Result<InvokeResponse, Error> {
        let payload = payload.into();
        let call = self.invoke_call(&payload, options, APPLICATION_JSON);
        let (head, body) = self.send(session, auth, &call).await?;
        let body = body
            .collect(self.response_limit(options.max_response_bytes))
            .await?;
        let (head, ()) = head.into_parts();
        Ok(InvokeResponse {
            head: ResponseHead::new(head.status, head.headers),
            body,
        })
    }

    /// Invokes the agent and streams its SSE events as they arrive (`Accept:
    /// text/event-stream` by default). An agent error event ends the stream with
    /// [`Error::Agent`]; an answer that is not `text/event-stream` is one event whose
    /// data is the whole body. Dropping the stream cancels the request.
    pub(crate) async fn invoke_stream_with(
        &self,
        session: &RuntimeSession,
        auth: &Auth,
        payload: impl Into<Payload>,
        options: &CallOptions,
    ) -> Result<EventStream, Error> {
        let payload = payload.into();
        let call = self.invoke_call(&payload, options, TEXT_EVENT_STREAM);
        let (head, body) = self.send(session, auth, &call).await?;
        let (head, ()) = head.into_parts();
        let mode = if media_type(&head.headers) == Some(TEXT_EVENT_STREAM) {
            Mode::Sse(SseDecoder::new())
        } else {
            Mode::Whole(BytesMut::new())
        };
        Ok(EventStream {
            head: ResponseHead::new(head.status, head.headers),
            body,
            mode,
            limit: self.response_limit(options.max_response_bytes),
            done: false,
        })
    }

    fn invoke_call<'a>(
        &self,
        payload: &'a Payload,
        options: &'a CallOptions,
        accept: &'a str,
    ) -> Call<'a> {
        Call {
            operation: RuntimeOperation::Invocations,
            body: payload.body().clone(),
            content_type: Some(payload.content_type()),
            accept: Some(accept),
            options,
            read_timeout: options.timeout.unwrap_or(self.read_timeout()),
        }
    }
}

/// The SSE events of [`RuntimeClient::invoke_stream`], as they arrive: a
/// [`Stream`] of [`SseEvent`]s that ends after the first error.
///
/// ```no_run
/// # async fn example(mut events: agentcore_client::EventStream) -> Result<(), agentcore_client::Error> {
/// use futures_util::StreamExt;
///
/// println!("{} session {:?}", events.head().status(), events.head().session_id());
/// while let Some(event) = events.next().await {
///     match event {
///         Ok(event) => println!("{}", event.data),
///         Err(agentcore_client::Error::Agent { error, .. }) => eprintln!("agent failed: {error}"),
///         Err(other) => return Err(other),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct EventStream {
    head: ResponseHead,
    body: ResponseBody,
    mode: Mode,
    /// The largest body collected as one event when the answer is not SSE.
    limit: usize,
    done: bool,
}

#[derive(Debug)]
enum Mode {
    Sse(SseDecoder),
    /// Not an event stream: the body, collected into one event.
    Whole(BytesMut),
}

impl EventStream {
    /// The status and headers: status, session id, request id, content type.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// let events = client.invoke_stream(&session).payload(serde_json::json!({"prompt": "hi"})).send().await?;
    /// assert!(events.head().status().is_success());
    /// # Ok(()) }
    /// ```
    pub fn head(&self) -> &ResponseHead {
        &self.head
    }
}

impl Stream for EventStream {
    type Item = Result<SseEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Mode::Sse(decoder) = &mut this.mode
                && let Some(event) = decoder.next_event()
            {
                if let Err(e) = check_agent_error(&event) {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                return Poll::Ready(Some(Ok(event)));
            }
            let chunk = match this.body.poll_chunk(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(chunk) => chunk,
            };
            match (chunk, &mut this.mode) {
                (Some(Ok(bytes)), Mode::Sse(decoder)) => {
                    if let Err(e) = decoder.push(&bytes) {
                        this.done = true;
                        return Poll::Ready(Some(Err(Error::Decode(e.to_string()))));
                    }
                }
                (Some(Ok(bytes)), Mode::Whole(all)) => {
                    if all.len() + bytes.len() > this.limit {
                        this.done = true;
                        let limit = this.limit;
                        return Poll::Ready(Some(Err(Error::ResponseTooLarge { limit })));
                    }
                    all.extend_from_slice(&bytes);
                }
                (Some(Err(e)), _) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                (None, Mode::Sse(_)) => this.done = true,
                (None, Mode::Whole(all)) => {
                    this.done = true;
                    let data = String::from_utf8_lossy(all).into_owned();
                    return Poll::Ready(Some(Ok(SseEvent::new(data))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_error_events_are_recognised() {
        let error = SseEvent::new(r#"{"error":"x","error_type":"E","message":"m"}"#);
        assert!(
            matches!(check_agent_error(&error), Err(Error::Agent { error, .. }) if error == "x")
        );
        let extra = SseEvent::new(r#"{"error":"x","error_type":"E","message":"m","n":1}"#);
        assert!(check_agent_error(&extra).is_ok());
        assert!(check_agent_error(&SseEvent::new("\"error_type\"")).is_ok());
    }
}
