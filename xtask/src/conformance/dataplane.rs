//! The `dataplane` suite: the client against a stand-in data plane
//! (`dataplane-cases.json`).
//!
//! For each case a loopback server ([`server`]) checks the request the client sends and
//! replays the canned answer; the client is pointed at it (`http://127.0.0.1:PORT`,
//! dummy static credentials, the bearer token of the case), runs the operation, and
//! what it gives back is written as the README's JSON outcome and compared by value.

mod server;

use std::time::Duration;

use agentcore_client::contract::RuntimeArn;
use agentcore_client::contract::sse::decode_all;
use agentcore_client::{Credentials, Error, OperationBuilder, Payload, RuntimeClient};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::matching::match_json;
use super::{CaseResult, Outcome, case_name};

/// The operations this client has; a case naming another is skipped (its feature is
/// not built).
const OPERATIONS: [&str; 5] = [
    "invoke",
    "invoke_stream",
    "execute_command",
    "execute_command_stream",
    "stop_runtime_session",
];

/// The longest a case may take.
const CASE_DEADLINE: Duration = Duration::from_secs(20);

/// One case, as the README describes it.
#[derive(Debug, Deserialize)]
pub(crate) struct Case {
    name: Option<String>,
    operation: String,
    input: Input,
    expect_request: server::ExpectRequest,
    response: server::CannedResponse,
    expect_outcome: Value,
}

#[derive(Debug, Deserialize)]
struct Input {
    runtime_arn: String,
    auth: Value,
    payload: Option<Value>,
    session_id: Option<String>,
    qualifier: Option<String>,
    user_id: Option<String>,
    #[serde(default)]
    trace: Map<String, Value>,
    accept: Option<String>,
    content_type: Option<String>,
    command: Option<String>,
    timeout_s: Option<u64>,
    client_token: Option<String>,
}

/// Runs every case.
pub(crate) fn run(cases: Vec<Case>) -> Vec<CaseResult> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let results = cases.into_iter().enumerate().map(|(index, case)| {
        let name = case_name(case.name.as_deref(), Some(&case.operation), index);
        let outcome = match &runtime {
            _ if !OPERATIONS.contains(&case.operation.as_str()) => Outcome::Skip(format!(
                "agentcore-client has no operation {:?}",
                case.operation
            )),
            Err(e) => Outcome::Fail(format!("cannot start a tokio runtime: {e}")),
            Ok(runtime) => {
                let deadline = async { tokio::time::timeout(CASE_DEADLINE, check(case)).await };
                match runtime.block_on(deadline) {
                    Ok(Ok(())) => Outcome::Pass,
                    Ok(Err(reason)) => Outcome::Fail(reason),
                    Err(_) => Outcome::Fail(format!("no outcome within {CASE_DEADLINE:?}")),
                }
            }
        };
        CaseResult { name, outcome }
    });
    results.collect()
}

async fn check(case: Case) -> Result<(), String> {
    let server = server::start(case.expect_request, case.response).await?;
    let arn: RuntimeArn = case.input.runtime_arn.parse().map_err(|e| format!("{e}"))?;
    let client = RuntimeClient::builder()
        .endpoint(format!("http://{}", server.addr))
        .region(arn.region().as_str())
        .credentials_provider(Credentials::new(
            "AKIDCONFORMANCE",
            "secret",
            None,
            None,
            "dp",
        ))
        .build()
        .map_err(|e| describe(&e))?;
    let actual = outcome(&client, &case.operation, &case.input, arn).await?;
    let requests = server
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if requests.is_empty() {
        return Err(format!("the client sent no request; outcome {actual}"));
    }
    for request in requests {
        request.map_err(|e| format!("request mismatch: {e}"))?;
    }
    match_json(&case.expect_outcome, &actual).map_err(|e| format!("outcome {e}"))
}

/// Runs the case's operation and writes what it gave back as JSON.
async fn outcome(
    client: &RuntimeClient,
    operation: &str,
    input: &Input,
    arn: RuntimeArn,
) -> Result<Value, String> {
    let payload = input.payload.clone().unwrap_or(Value::Null);
    let payload = match &input.content_type {
        Some(content_type) => Payload::bytes(payload.to_string(), content_type),
        None => Payload::from(payload),
    };
    Ok(match operation {
        "invoke" => {
            let request = with_input(client.invoke(&arn), input).payload(payload);
            match request.send().await {
                Ok(response) => invoke_outcome(&response),
                Err(e) => error_outcome(&e),
            }
        }
        "invoke_stream" => {
            let request = with_input(client.invoke_stream(&arn), input).payload(payload);
            match request.send().await {
                Ok(mut stream) => {
                    let mut events = Vec::new();
                    let mut failure = None;
                    while let Some(event) = stream.next().await {
                        match event {
                            Ok(event) => events.push(sse_json(&event)),
                            Err(e) => failure = Some(e),
                        }
                    }
                    stream_outcome(events, failure)
                }
                Err(e) => error_outcome(&e),
            }
        }
        "execute_command" | "execute_command_stream" => {
            let command = input.command.as_deref().ok_or("no input.command")?;
            let mut request = with_input(client.execute_command(&arn, command), input);
            if let Some(timeout) = input.timeout_s {
                request = request.command_timeout(Duration::from_secs(timeout));
            }
            if operation == "execute_command" {
                match request.send().await {
                    Ok(output) => json!({
                        "stdout": output.stdout,
                        "stderr": output.stderr,
                        "exit_code": output.exit_code,
                        "status": output.status.as_str(),
                    }),
                    Err(e) => error_outcome(&e),
                }
            } else {
                match request.stream().await {
                    Ok(mut stream) => {
                        let mut events = Vec::new();
                        let mut failure = None;
                        while let Some(event) = stream.next().await {
                            match event {
                                Ok(event) => events.push(event.to_json()),
                                Err(e) => failure = Some(e),
                            }
                        }
                        stream_outcome(events, failure)
                    }
                    Err(e) => error_outcome(&e),
                }
            }
        }
        "stop_runtime_session" => {
            let mut request = with_input(client.stop_runtime_session(&arn), input);
            if let Some(token) = &input.client_token {
                request = request.client_token(token.clone());
            }
            match request.send().await {
                Ok(()) => json!({"ok": true}),
                Err(e) => error_outcome(&e),
            }
        }
        other => return Err(format!("unknown operation {other:?}")),
    })
}

/// The case's session, qualifier, auth, user id, trace headers and `Accept`, on any
/// operation's request.
fn with_input<'c, O>(
    mut request: OperationBuilder<'c, O>,
    input: &Input,
) -> OperationBuilder<'c, O> {
    if let Some(id) = &input.session_id {
        request = request.session_id(id.clone());
    }
    if let Some(qualifier) = &input.qualifier {
        request = request.qualifier(qualifier.clone());
    }
    if let Some(token) = input.auth.get("bearer").and_then(Value::as_str) {
        request = request.bearer(token);
    }
    if let Some(user_id) = &input.user_id {
        request = request.user_id(user_id.clone());
    }
    for (name, value) in &input.trace {
        request = request.trace_header(name.clone(), value.as_str().unwrap_or_default());
    }
    if let Some(accept) = &input.accept {
        request = request.accept(accept.clone());
    }
    request
}

/// `{status, content_type, session_id}` plus `events`, `json` or `text`.
fn invoke_outcome(response: &agentcore_client::InvokeResponse) -> Value {
    let mut outcome = json!({
        "status": response.head().status().as_u16(),
        "content_type": response.head().content_type(),
        "session_id": response.head().session_id(),
    });
    let media = response.head().content_type().unwrap_or_default();
    if media == "text/event-stream" {
        match response.events() {
            Ok(events) => outcome["events"] = events.iter().map(sse_json).collect(),
            Err(e) => {
                let before = decode_all(response.bytes()).unwrap_or_default();
                let before = before.iter().take_while(|event| {
                    agentcore_client::contract::sse::AgentErrorEvent::from_data(&event.data)
                        .is_none()
                });
                let events: Vec<Value> = before.map(sse_json).collect();
                merge(&mut outcome, stream_outcome(events, Some(e)));
            }
        }
        return outcome;
    }
    let json_media = media == "application/json" || media.ends_with("+json");
    match response.json::<Value>() {
        Ok(value) if json_media => outcome["json"] = value,
        _ => {
            outcome["text"] = String::from_utf8_lossy(response.bytes())
                .into_owned()
                .into()
        }
    }
    outcome
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}

fn sse_json(event: &agentcore_client::contract::sse::SseEvent) -> Value {
    json!({"event": event.event, "id": event.id, "data": event.data})
}

/// `{events}` plus the failure that ended the stream, if any.
fn stream_outcome(events: Vec<Value>, failure: Option<Error>) -> Value {
    let mut outcome = json!({ "events": events });
    if let Some(e) = failure {
        merge(&mut outcome, error_outcome(&e));
    }
    outcome
}

/// A failure as the README writes it.
fn error_outcome(error: &Error) -> Value {
    match error {
        Error::Service {
            kind,
            status,
            message,
            ..
        } => json!({"error": {"type": kind, "status": status, "message": message}}),
        Error::StreamException { kind, message } => {
            json!({"error": {"type": kind, "status": null, "message": message}})
        }
        Error::Agent {
            error,
            error_type,
            message,
        } => {
            json!({"stream_error": {"error": error, "error_type": error_type, "message": message}})
        }
        Error::Decode(_) => json!({"decode_error": true}),
        Error::IncompleteCommand => json!({"incomplete": true}),
        other => json!({"client_error": describe(other)}),
    }
}

/// An error with its chain of sources.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
