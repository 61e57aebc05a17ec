//! A2A runtimes: JSON-RPC calls of the A2A protocol (v1.0, as the Python `a2a-sdk` 1.x
//! speaks it) over the data plane (feature `a2a`).
//!
//! An A2A server on AgentCore Runtime serves JSON-RPC 2.0 at `/` in its container (port
//! 9000); callers reach it through `InvokeAgentRuntime`, `POST
//! /runtimes/{arn}/invocations?qualifier=..`, one call per request, and its card through
//! [`RuntimeClient::get_agent_card`]. [`A2aBuilder`] sends the calls on this crate's own
//! request machinery (SigV4 or a bearer token, the runtime session id, the read timeout,
//! bounded answers, SSE through the contract's decoder); results are JSON
//! ([`serde_json::Value`], in the v1.0 shapes: `{"task": ..}` or `{"message": ..}` for a
//! sent message, a `Task` for `GetTask` and `CancelTask`).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use serde::Serialize;
use serde_json::{Value, json};

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::invoke::EventStream;
use crate::operation::{CallTarget, OperationBuilder};
use crate::request::Payload;

/// The parts of [`RuntimeClient::a2a`], the `O` of its [`OperationBuilder`]: none
/// besides the common ones (session id, qualifier, auth, headers, timeout, limit).
///
/// ```
/// # let client = agentcore_client::RuntimeClient::builder().build()?;
/// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/peer-1".parse()?;
/// let request = client.a2a(&arn).qualifier("prod").bearer("my-jwt");
/// let debug = format!("{request:?}");
/// assert!(debug.contains("A2aCall") && debug.contains("prod") && !debug.contains("my-jwt"));
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct A2aCall {
    _private: (),
}

/// A2A calls to a runtime ([`RuntimeClient::a2a`]).
pub type A2aBuilder<'c> = OperationBuilder<'c, A2aCall>;

impl RuntimeClient {
    /// A2A calls to the A2A server of a runtime: see [`A2aBuilder`]. Each call is one
    /// `InvokeAgentRuntime` of the builder's runtime session (a new UUIDv4 unless one is
    /// set), with its auth and options.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let result = client.a2a(&arn).bearer("my-jwt").send_message(&agentcore_client::a2a_text_message("hi")).await?;
    /// let task_id = result["task"]["id"].as_str().unwrap_or_default().to_owned();
    /// let task = client.a2a(&arn).get_task(&task_id).await?;
    /// println!("{}", task["status"]["state"]);
    /// # Ok(()) }
    /// ```
    pub fn a2a(&self, target: impl Into<CallTarget>) -> A2aBuilder<'_> {
        OperationBuilder::new(self, target.into(), A2aCall::default())
    }
}

/// A v1.0 user message of one text part, with a fresh id: what
/// [`A2aBuilder::send_message`] takes.
///
/// ```
/// let message = agentcore_client::a2a_text_message("hi");
/// assert_eq!(message["role"], "ROLE_USER");
/// assert_eq!(message["parts"][0]["text"], "hi");
/// ```
pub fn a2a_text_message(text: &str) -> Value {
    json!({
        "messageId": uuid::Uuid::new_v4().to_string(),
        "role": "ROLE_USER",
        "parts": [{ "text": text }],
    })
}

/// One JSON-RPC call's body.
fn call(method: &str, params: Value) -> Result<Payload, Error> {
    let id = uuid::Uuid::new_v4().to_string();
    Payload::json(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
}

/// The `result` of a JSON-RPC answer, or its error as [`Error::A2a`].
fn result(mut answer: Value) -> Result<Value, Error> {
    if let Some(error) = answer.get("error") {
        return Err(Error::A2a {
            code: error["code"].as_i64().unwrap_or_default(),
            message: error["message"].as_str().unwrap_or_default().to_owned(),
        });
    }
    match answer.get_mut("result") {
        Some(result) => Ok(result.take()),
        None => Err(Error::A2a {
            code: -32603,
            message: "the answer has neither result nor error".into(),
        }),
    }
}

impl A2aBuilder<'_> {
    /// `SendMessage`: the agent's answer once it is done, `{"task": ..}` or
    /// `{"message": ..}`. `message` is an A2A `Message` ([`a2a_text_message`] makes one).
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let result = client.a2a(&arn).send_message(&agentcore_client::a2a_text_message("hi")).await?;
    /// println!("{}", result["task"]["artifacts"][0]["parts"][0]["text"]);
    /// # Ok(()) }
    /// ```
    pub async fn send_message<M: Serialize + ?Sized>(self, message: &M) -> Result<Value, Error> {
        let params = json!({ "message": serde_json::to_value(message)? });
        self.unary("SendMessage", params).await
    }

    /// `SendStreamingMessage`: each result as it arrives (`{"task": ..}`,
    /// `{"statusUpdate": ..}`, `{"artifactUpdate": ..}`, `{"message": ..}`); a JSON-RPC
    /// error is the stream's [`Error::A2a`]. Dropping the stream cancels the request.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// use futures_util::StreamExt;
    ///
    /// let mut events = client.a2a(&arn).send_streaming_message(&agentcore_client::a2a_text_message("hi")).await?;
    /// while let Some(event) = events.next().await {
    ///     println!("{}", event?);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send_streaming_message<M: Serialize + ?Sized>(
        self,
        message: &M,
    ) -> Result<A2aStream, Error> {
        let body = call(
            "SendStreamingMessage",
            json!({ "message": serde_json::to_value(message)? }),
        )?;
        let session = self.session()?;
        let events = self
            .client()
            .invoke_stream_with(&session, &self.chosen_auth(), body, self.options())
            .await?;
        Ok(A2aStream { events })
    }

    /// `GetTask`: the task as it stands.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let task = client.a2a(&arn).get_task("4f0c…").await?;
    /// println!("{}", task["status"]["state"]);
    /// # Ok(()) }
    /// ```
    pub async fn get_task(self, id: &str) -> Result<Value, Error> {
        self.unary("GetTask", json!({ "id": id })).await
    }

    /// `CancelTask`: the task, canceled; [`Error::A2a`] with `-32002` when it already
    /// finished, `-32001` when the agent has no such task.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let task = client.a2a(&arn).cancel_task("4f0c…").await?;
    /// assert_eq!(task["status"]["state"], "TASK_STATE_CANCELED");
    /// # Ok(()) }
    /// ```
    pub async fn cancel_task(self, id: &str) -> Result<Value, Error> {
        self.unary("CancelTask", json!({ "id": id })).await
    }

    async fn unary(self, method: &str, params: Value) -> Result<Value, Error> {
        let session = self.session()?;
        let answer = self
            .client()
            .invoke_call_with(
                &session,
                &self.chosen_auth(),
                call(method, params)?,
                self.options(),
            )
            .await?;
        result(answer.json()?)
    }
}

/// The results of [`A2aBuilder::send_streaming_message`], as they arrive.
#[derive(Debug)]
pub struct A2aStream {
    events: EventStream,
}

impl Stream for A2aStream {
    type Item = Result<Value, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.events).poll_next(cx) {
            Poll::Ready(Some(Ok(event))) => {
                let answer = serde_json::from_str(&event.data).map_err(Error::from);
                Poll::Ready(Some(answer.and_then(result)))
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(err))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_and_errors_of_answers() {
        assert_eq!(
            result(json!({ "jsonrpc": "2.0", "id": 1, "result": { "a": 1 } })).unwrap(),
            json!({ "a": 1 })
        );
        let err = result(
            json!({ "jsonrpc": "2.0", "id": 1, "error": { "code": -32001, "message": "Task not found" } }),
        );
        assert!(
            matches!(err, Err(Error::A2a { code: -32001, ref message }) if message == "Task not found")
        );
        assert!(matches!(
            result(json!({})),
            Err(Error::A2a { code: -32603, .. })
        ));
    }
}
