//! The `http` suite: the agent host contract (`http-cases.json`), run against the
//! conformance agent (`agentcore-server`'s `conformance_agent` example) over real
//! HTTP/1.1 and WebSocket connections.

use std::collections::BTreeMap;
use std::env;
use std::error::Error;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep, timeout, timeout_at};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::process::{self, KillOnDrop};

use super::matching::{clip_str, match_json, media_type, parse_sse};
use super::{CaseResult, Outcome, read_json, workspace_root};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(50);
const CLOSE_DEADLINE: Duration = Duration::from_secs(5);

/// A named list of steps, run in order on the shared agent process.
#[derive(Debug, Deserialize)]
pub(crate) struct Scenario {
    name: String,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "not a valid step (one of {sleep_ms}, {request, expect}, {ws, expect}, with the README's fields)"
)]
enum Step {
    Sleep { sleep_ms: u64 },
    Request { request: Request, expect: Expect },
    Ws { ws: Ws, expect: WsExpect },
}

#[derive(Debug, Deserialize)]
struct Request {
    method: String,
    path: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default, rename = "body_b64", deserialize_with = "decode_base64")]
    body: Vec<u8>,
}

#[derive(Debug, Deserialize)]
struct Expect {
    status: u16,
    content_type: String,
    /// `Some(Value::Null)` when the file says `"json": null`.
    #[serde(default, deserialize_with = "present")]
    json: Option<Value>,
    sse: Option<Vec<Value>>,
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Ws {
    #[serde(default)]
    headers: BTreeMap<String, String>,
    send: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct WsExpect {
    received: Vec<Value>,
    /// `None`: the server must end the connection without a close code.
    close_code: Option<u16>,
}

fn decode_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(d)?;
    let engine = base64::engine::general_purpose::STANDARD;
    engine.decode(text).map_err(serde::de::Error::custom)
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Reads the scenarios and checks each expectation names at most one body kind.
pub(crate) fn load(path: &Path) -> Result<Vec<Scenario>, String> {
    let scenarios: Vec<Scenario> = read_json(path)?;
    for scenario in &scenarios {
        for (i, step) in scenario.steps.iter().enumerate() {
            if let Step::Request { expect, .. } = step {
                let kinds = [
                    expect.json.is_some(),
                    expect.sse.is_some(),
                    expect.text.is_some(),
                ];
                if kinds.into_iter().filter(|&k| k).count() > 1 {
                    return Err(format!(
                        "malformed {}: scenario {:?} step {i} expects more than one of json, sse, text",
                        path.display(),
                        scenario.name
                    ));
                }
            }
        }
    }
    Ok(scenarios)
}

/// Builds and starts the conformance agent, runs the
/// scenarios in file order on it, and stops it.
pub(crate) fn run(scenarios: Vec<Scenario>) -> Vec<CaseResult> {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run_scenarios(scenarios)),
        Err(e) => {
            let reason = format!("cannot start the tokio runtime: {e}");
            let failed = scenarios
                .into_iter()
                .map(|s| (s.name, Outcome::Fail(reason.clone())));
            failed
                .map(|(name, outcome)| CaseResult { name, outcome })
                .collect()
        }
    }
}

async fn run_scenarios(scenarios: Vec<Scenario>) -> Vec<CaseResult> {
    let mut agent = Agent::start().await;
    let mut results = Vec::new();
    for scenario in scenarios {
        let outcome = match &mut agent {
            Err(reason) => Outcome::Fail(reason.clone()),
            Ok(agent) => match agent.run(&scenario).await {
                Ok(()) => Outcome::Pass,
                Err(reason) => Outcome::Fail(reason),
            },
        };
        results.push(CaseResult {
            name: scenario.name,
            outcome,
        });
    }
    let failed = results
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Fail(_)));
    if let (true, Ok(agent)) = (failed, &agent) {
        eprintln!(
            "note: the conformance agent's log is {}",
            agent.log.display()
        );
    }
    results
}

/// The running conformance agent; dropping it kills the process.
struct Agent {
    child: KillOnDrop,
    port: u16,
    log: PathBuf,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// What the agent answered.
struct Response {
    status: u16,
    content_type: Option<String>,
    body: Bytes,
}

impl Agent {
    /// Builds the agent, starts it on a free port (output to a log file under the
    /// target directory) and waits until `GET /ping` answers 200.
    async fn start() -> Result<Agent, String> {
        let root = workspace_root();
        build_agent(&root)?;
        let target = env::var_os("CARGO_TARGET_DIR").map_or(root.join("target"), |d| root.join(d));
        let exe = format!("conformance_agent{}", env::consts::EXE_SUFFIX);
        let binary = target.join("release").join("examples").join(exe);
        let log = target.join("conformance-agent.log");
        let log_error = |e: io::Error| format!("cannot create {}: {e}", log.display());
        let log_file = File::create(&log).map_err(log_error)?;
        let port = crate::process::free_port()?;
        let child = Command::new(&binary)
            .env("PORT", port.to_string())
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(log_error)?)
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let client = Client::builder(TokioExecutor::new()).build_http();
        let mut agent = Agent {
            child: KillOnDrop(child),
            port,
            log,
            client,
        };
        agent.wait_ready().await?;
        Ok(agent)
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_DEADLINE;
        let ping = Request {
            method: "GET".to_owned(),
            path: "/ping".to_owned(),
            headers: BTreeMap::new(),
            body: Vec::new(),
        };
        let log = self.log.display().to_string();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let why = format!("the conformance agent exited early ({status})");
                return Err(format!(
                    "{why} before answering GET /ping; its log is {log}"
                ));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if let Ok(response) = self.send(&ping, left).await
                && response.status == 200
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let secs = STARTUP_DEADLINE.as_secs();
                return Err(format!(
                    "the conformance agent did not answer GET /ping with 200 within {secs} s; \
                     its log is {log}"
                ));
            }
            sleep(POLL_INTERVAL).await;
        }
    }

    /// Runs one scenario's steps; the error names the failing step.
    async fn run(&mut self, scenario: &Scenario) -> Result<(), String> {
        for (i, step) in scenario.steps.iter().enumerate() {
            let (what, result) = match step {
                Step::Sleep { sleep_ms } => {
                    sleep(Duration::from_millis(*sleep_ms)).await;
                    continue;
                }
                Step::Request { request, expect } => {
                    let what = format!("{} {}", request.method, request.path);
                    let result = self.send(request, REQUEST_TIMEOUT).await;
                    (
                        what,
                        result.and_then(|r| check_response(request, expect, &r)),
                    )
                }
                Step::Ws { ws, expect } => (
                    "WebSocket /ws".to_owned(),
                    ws_step(self.port, ws, expect).await,
                ),
            };
            if let Err(e) = result {
                let exited = match self.child.try_wait() {
                    Ok(Some(status)) => format!(" (the agent has exited: {status})"),
                    _ => String::new(),
                };
                return Err(format!("step {i} ({what}): {e}{exited}"));
            }
        }
        Ok(())
    }

    async fn send(&self, request: &Request, limit: Duration) -> Result<Response, String> {
        let uri = format!("http://127.0.0.1:{}{}", self.port, request.path);
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(uri);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let body = Full::new(Bytes::from(request.body.clone()));
        let req = builder
            .body(body)
            .map_err(|e| format!("invalid request: {e}"))?;
        let exchange = async {
            let response = self.client.request(req).await.map_err(|e| describe(&e))?;
            let status = response.status().as_u16();
            let content_type = response.headers().get(CONTENT_TYPE);
            let content_type =
                content_type.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| describe(&e))?;
            Ok(Response {
                status,
                content_type,
                body: body.to_bytes(),
            })
        };
        let late = format!("no complete response within {} s", limit.as_secs_f32());
        timeout(limit, exchange).await.map_err(|_| late)?
    }
}

/// Checks a response against an expectation: status and media type always, then the
/// body (`json`, `sse` or `text`) unless the request was a HEAD.
fn check_response(request: &Request, expect: &Expect, response: &Response) -> Result<(), String> {
    let body = String::from_utf8_lossy(&response.body);
    if response.status != expect.status {
        let (e, a) = (expect.status, response.status);
        return Err(format!(
            "status: expected {e}, got {a}; body: {}",
            clip_str(&body)
        ));
    }
    let actual = response.content_type.as_deref().map(media_type);
    if actual.as_deref() != Some(media_type(&expect.content_type).as_str()) {
        let actual = actual.map_or("no Content-Type".to_owned(), |t| format!("{t:?}"));
        return Err(format!(
            "content type: expected {:?}, got {actual}",
            expect.content_type
        ));
    }
    if request.method.eq_ignore_ascii_case("HEAD") {
        return Ok(());
    }
    if let Some(expected) = &expect.json {
        let actual: Value = serde_json::from_slice(&response.body)
            .map_err(|e| format!("body is not JSON ({e}): {}", clip_str(&body)))?;
        match_json(expected, &actual).map_err(|e| format!("json {e}"))?;
    }
    if let Some(expected) = &expect.sse {
        let events = parse_sse(&body).map_err(|e| format!("sse {e}; body: {}", clip_str(&body)))?;
        let (expected, actual) = (Value::Array(expected.clone()), Value::Array(events));
        match_json(&expected, &actual).map_err(|e| format!("sse data {e}"))?;
    }
    if let Some(expected) = &expect.text
        && response.body != expected.as_bytes()
    {
        let (e, a) = (clip_str(expected), clip_str(&body));
        return Err(format!("text: expected {e:?}, got {a:?}"));
    }
    Ok(())
}

type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens `/ws` with the step's headers, sends each message (reading one reply after each
/// that is not a `close` or `raise` action), then reads until the server closes.
async fn ws_step(port: u16, ws: &Ws, expect: &WsExpect) -> Result<(), String> {
    let url = format!("ws://127.0.0.1:{port}/ws");
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    for (name, value) in &ws.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("{name:?}: {e}"))?;
        let value = HeaderValue::from_str(value).map_err(|e| format!("{value:?}: {e}"))?;
        request.headers_mut().insert(name, value);
    }
    let connect = timeout(REQUEST_TIMEOUT, tokio_tungstenite::connect_async(request));
    let connected = connect
        .await
        .map_err(|_| "no handshake within 30 s".to_owned())?;
    let (mut stream, _) = connected.map_err(|e| format!("handshake failed: {e}"))?;
    let mut received = Vec::new();
    for message in &ws.send {
        let text = Message::text(message.to_string());
        stream
            .send(text)
            .await
            .map_err(|e| format!("sending failed: {e}"))?;
        let action = message.get("action").and_then(Value::as_str);
        if !matches!(action, Some("close" | "raise")) {
            received.push(read_reply(&mut stream).await?);
        }
    }
    let close_code = read_until_close(&mut stream, &mut received).await?;
    let (expected, actual) = (
        Value::Array(expect.received.clone()),
        Value::Array(received),
    );
    match_json(&expected, &actual).map_err(|e| format!("received {e}"))?;
    if close_code != expect.close_code {
        let show = |code: Option<u16>| code.map_or("none".to_owned(), |c| c.to_string());
        let (e, a) = (show(expect.close_code), show(close_code));
        return Err(format!("close code: expected {e}, got {a}"));
    }
    Ok(())
}

/// Reads the next message, which must be a JSON text frame.
async fn read_reply(stream: &mut WsStream) -> Result<Value, String> {
    loop {
        let next = timeout(REQUEST_TIMEOUT, stream.next()).await;
        match next.map_err(|_| "no reply within 30 s".to_owned())? {
            Some(Ok(Message::Text(text))) => {
                let text = text.as_str();
                return serde_json::from_str(text)
                    .map_err(|e| format!("reply is not JSON ({e}): {}", clip_str(text)));
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Close(frame))) => {
                let code = frame.map_or("none".to_owned(), |f| u16::from(f.code).to_string());
                return Err(format!(
                    "the server closed (code {code}) instead of replying"
                ));
            }
            Some(Ok(other)) => return Err(format!("expected a text reply, got {other:?}")),
            Some(Err(e)) => return Err(format!("reading a reply failed: {e}")),
            None => return Err("the connection ended instead of a reply".to_owned()),
        }
    }
}

/// Reads until the server's close frame (5 s at most) and returns its code; text frames
/// on the way count as received.
async fn read_until_close(
    stream: &mut WsStream,
    received: &mut Vec<Value>,
) -> Result<Option<u16>, String> {
    let deadline = Instant::now() + CLOSE_DEADLINE;
    loop {
        let next = timeout_at(deadline, stream.next()).await;
        match next.map_err(|_| "the server did not close within 5 s".to_owned())? {
            Some(Ok(Message::Close(frame))) => return Ok(frame.map(|f| u16::from(f.code))),
            Some(Ok(Message::Text(text))) => {
                let text = text.as_str();
                let value = serde_json::from_str(text).unwrap_or_else(|_| Value::from(text));
                received.push(value);
            }
            Some(Ok(Message::Binary(bytes))) => {
                return Err(format!(
                    "unexpected binary message of {} bytes",
                    bytes.len()
                ));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("the connection failed before a close frame: {e}")),
            None => return Ok(None),
        }
    }
}

/// Runs `cargo build --release -p agentcore-server --example conformance_agent` in the
/// workspace root, its output passed through to stderr.
fn build_agent(root: &Path) -> Result<(), String> {
    let args = [
        "build",
        "--release",
        "-p",
        "agentcore-server",
        "--example",
        "conformance_agent",
    ];
    process::cargo(root, &args, "the conformance agent")
}

/// An error with its chain of sources (hyper's own message alone is terse).
fn describe(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text = format!("{text}: {e}");
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(value: Value) -> Step {
        serde_json::from_value(value).unwrap()
    }

    fn response(status: u16, content_type: Option<&str>, body: &str) -> Response {
        let content_type = content_type.map(str::to_owned);
        Response {
            status,
            content_type,
            body: Bytes::from(body.to_owned()),
        }
    }

    fn request_step(value: Value) -> (Request, Expect) {
        match step(value) {
            Step::Request { request, expect } => (request, expect),
            other => panic!("not a request step: {other:?}"),
        }
    }

    #[test]
    fn steps_parse_and_decode_bodies() {
        assert!(matches!(
            step(json!({"sleep_ms": 5})),
            Step::Sleep { sleep_ms: 5 }
        ));
        let (request, expect) = request_step(json!({
            "request": {"method": "POST", "path": "/invocations", "body_b64": "eyJhIjoxfQ=="},
            "expect": {"status": 200, "content_type": "application/json", "json": null}
        }));
        assert_eq!(request.body, br#"{"a":1}"#);
        assert_eq!(expect.json, Some(Value::Null));
        let ws = step(
            json!({"ws": {"headers": {}, "send": []}, "expect": {"received": [], "close_code": 1000}}),
        );
        assert!(matches!(ws, Step::Ws { .. }));
    }

    #[test]
    fn responses_are_checked() {
        let (request, expect) = request_step(json!({
            "request": {"method": "GET", "path": "/ping"},
            "expect": {"status": 200, "content_type": "application/json",
                       "json": {"status": "Healthy", "time_of_last_update": "<any-int>"}}
        }));
        let good = r#"{"status":"Healthy","time_of_last_update":1700000000}"#;
        let ok = response(200, Some("application/json; charset=utf-8"), good);
        assert!(check_response(&request, &expect, &ok).is_ok());
        let err = check_response(
            &request,
            &expect,
            &response(500, Some("application/json"), "{}"),
        );
        assert_eq!(err.unwrap_err(), "status: expected 200, got 500; body: {}");
        let err = check_response(&request, &expect, &response(200, None, good)).unwrap_err();
        assert!(err.contains("got no Content-Type"), "{err}");
        let float = r#"{"status":"Healthy","time_of_last_update":1.0}"#;
        let err = check_response(
            &request,
            &expect,
            &response(200, Some("application/json"), float),
        );
        assert!(
            err.unwrap_err()
                .starts_with("json at $.time_of_last_update")
        );
    }

    #[test]
    fn head_checks_status_and_type_only() {
        let (request, expect) = request_step(json!({
            "request": {"method": "HEAD", "path": "/ping"},
            "expect": {"status": 200, "content_type": "application/json", "json": {"a": 1}}
        }));
        assert!(
            check_response(
                &request,
                &expect,
                &response(200, Some("application/json"), "")
            )
            .is_ok()
        );
    }

    #[test]
    fn sse_and_text_bodies() {
        let (request, expect) = request_step(json!({
            "request": {"method": "POST", "path": "/invocations"},
            "expect": {"status": 200, "content_type": "text/event-stream", "sse": [{"i": 0}, {"i": 1}]}
        }));
        let sse = |body| response(200, Some("text/event-stream"), body);
        let good = "data: {\"i\": 0}\n\ndata: {\"i\": 1.0}\n\n";
        assert!(check_response(&request, &expect, &sse(good)).is_ok());
        assert!(check_response(&request, &expect, &sse("data: {\"i\": 0}\n\n")).is_err());
        let crlf = "data: {\"i\": 0}\r\n\r\ndata: {\"i\": 1}\r\n\r\n";
        assert!(check_response(&request, &expect, &sse(crlf)).is_err());

        let (request, expect) = request_step(json!({
            "request": {"method": "POST", "path": "/ping"},
            "expect": {"status": 405, "content_type": "text/plain", "text": "Method Not Allowed"}
        }));
        let text = |body| response(405, Some("text/plain; charset=utf-8"), body);
        assert!(check_response(&request, &expect, &text("Method Not Allowed")).is_ok());
        let err = check_response(&request, &expect, &text("Method Not Allowed\n")).unwrap_err();
        assert_eq!(
            err,
            r#"text: expected "Method Not Allowed", got "Method Not Allowed\n""#
        );
    }

    #[test]
    fn the_shared_cases_load() {
        if let Ok(dir) = super::super::shared_dir() {
            let scenarios = load(&dir.join("http-cases.json")).unwrap();
            assert!(!scenarios.is_empty());
        }
    }
}
