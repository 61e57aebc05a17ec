//! The mixed load: workers on this process's runtime, each picking its next operation
//! at random by weight, through `agentcore-client` to the emulator (SigV4) and straight
//! to the agent, with a pause between operations. Every operation is expected to
//! succeed; the dropped ones (an SSE stream, a WebSocket, a command, a shell left
//! mid-way) are client disconnects on purpose, and succeed when what came before the
//! drop was right.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use agentcore_client::contract::RuntimeArn;
use agentcore_client::{
    CommandEvent, Credentials, Message, ReconnectPolicy, RetryPolicy, RuntimeClient, Shell,
    ShellEvent, WebSocket,
};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::bench::SESSION_HEADER;
use crate::secrets::{MIXED, Random};

/// The longest one operation may take before it counts as failed.
pub(crate) const OP_TIMEOUT: Duration = Duration::from_secs(30);
/// Sessions the emulator operations share (besides the fresh ones of `shell-drop`).
const POOL_SESSIONS: usize = 8;
/// Events of a stream read whole; events read of one dropped.
const SSE_WHOLE: u64 = 20;
const SSE_READ_BEFORE_DROP: usize = 5;
/// A stream dropped mid-way would be this long.
const SSE_LONG: u64 = 1_000_000;

/// An operation of the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    Invoke,
    InvokeNewClient,
    Sse,
    SseDrop,
    Ws,
    WsDrop,
    Command,
    CommandDrop,
    Shell,
    ShellDropStop,
    AgentPing,
    AgentInvoke,
    AgentInvokeChurn,
    AgentSse,
    AgentSseDrop,
    AgentWs,
    AgentWsDrop,
}

impl Kind {
    pub(crate) const ALL: [Kind; 17] = [
        Kind::Invoke,
        Kind::InvokeNewClient,
        Kind::Sse,
        Kind::SseDrop,
        Kind::Ws,
        Kind::WsDrop,
        Kind::Command,
        Kind::CommandDrop,
        Kind::Shell,
        Kind::ShellDropStop,
        Kind::AgentPing,
        Kind::AgentInvoke,
        Kind::AgentInvokeChurn,
        Kind::AgentSse,
        Kind::AgentSseDrop,
        Kind::AgentWs,
        Kind::AgentWsDrop,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Invoke => "invoke",
            Kind::InvokeNewClient => "invoke-new-client",
            Kind::Sse => "sse",
            Kind::SseDrop => "sse-drop",
            Kind::Ws => "ws",
            Kind::WsDrop => "ws-drop",
            Kind::Command => "command",
            Kind::CommandDrop => "command-drop",
            Kind::Shell => "shell",
            Kind::ShellDropStop => "shell-drop+stop",
            Kind::AgentPing => "agent-ping",
            Kind::AgentInvoke => "agent-invoke",
            Kind::AgentInvokeChurn => "agent-invoke-churn",
            Kind::AgentSse => "agent-sse",
            Kind::AgentSseDrop => "agent-sse-drop",
            Kind::AgentWs => "agent-ws",
            Kind::AgentWsDrop => "agent-ws-drop",
        }
    }

    /// What one operation does, for the report.
    pub(crate) fn what(self) -> &'static str {
        match self {
            Kind::Invoke => "JSON invocation through the emulator (pooled connection)",
            Kind::InvokeNewClient => "JSON invocation with a new client (a new connection)",
            Kind::Sse => "SSE invocation, 20 events read to the end",
            Kind::SseDrop => "SSE invocation of 1,000,000 events, dropped after 5",
            Kind::Ws => "WebSocket through the emulator, 3 echoes, closed",
            Kind::WsDrop => "WebSocket, 1 echo, dropped without a close",
            Kind::Command => "`InvokeAgentRuntimeCommand` `echo`, collected",
            Kind::CommandDrop => "a command streaming 50 MB, dropped after its first output",
            Kind::Shell => "`/ws/shells`: open, `echo`, close (the shell ends)",
            Kind::ShellDropStop => {
                "a shell in a new session: `echo`, dropped, reattached, `echo`, dropped; \
                 `StopRuntimeSession` (3 times in 4; else the idle reaper ends it)"
            }
            Kind::AgentPing => "`GET /ping` on the agent, new connection",
            Kind::AgentInvoke => "JSON invocation on the agent, keep-alive",
            Kind::AgentInvokeChurn => "JSON invocation on the agent, new connection, closed",
            Kind::AgentSse => "SSE on the agent, 20 events, keep-alive",
            Kind::AgentSseDrop => "SSE of 1,000,000 events on the agent, dropped after the first",
            Kind::AgentWs => "`/ws` on the agent, 3 echoes, closed",
            Kind::AgentWsDrop => "`/ws` on the agent, 1 echo, dropped",
        }
    }

    /// The relative frequency of the operation in the mix.
    pub(crate) fn weight(self) -> u64 {
        match self {
            Kind::Invoke | Kind::AgentInvoke => 10,
            Kind::Sse | Kind::AgentSse | Kind::AgentPing => 6,
            Kind::InvokeNewClient | Kind::AgentInvokeChurn => 4,
            Kind::SseDrop | Kind::AgentSseDrop | Kind::Ws | Kind::AgentWs => 4,
            Kind::WsDrop | Kind::AgentWsDrop => 3,
            Kind::Command | Kind::Shell => 2,
            Kind::CommandDrop | Kind::ShellDropStop => 1,
        }
    }

    fn pick(roll: u64) -> Kind {
        let total: u64 = Kind::ALL.iter().map(|k| k.weight()).sum();
        let mut roll = roll % total;
        for kind in Kind::ALL {
            if roll < kind.weight() {
                return kind;
            }
            roll -= kind.weight();
        }
        Kind::Invoke
    }
}

/// Latencies and errors of one kind in one window.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Tally {
    /// Latencies of the successful operations, in µs.
    pub(crate) micros: Vec<u64>,
    pub(crate) errors: u64,
}

/// What the workers did since the last look.
pub(crate) type Window = BTreeMap<Kind, Tally>;

/// Where the workers record; the sampler takes the window.
#[derive(Clone, Default)]
pub(crate) struct Recorder(Arc<Mutex<(Window, Vec<String>)>>);

/// Error messages kept for the log, at most.
const KEPT_ERRORS: usize = 50;

impl Recorder {
    fn record(&self, kind: Kind, outcome: Result<Duration, String>) {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let tally = inner.0.entry(kind).or_default();
        match outcome {
            Ok(elapsed) => tally.micros.push(elapsed.as_micros() as u64),
            Err(message) => {
                tally.errors += 1;
                if inner.1.len() < KEPT_ERRORS {
                    eprintln!("soak: {} failed: {message}", kind.name());
                    inner.1.push(format!("{}: {message}", kind.name()));
                }
            }
        }
    }

    /// The window so far, and a new one begun.
    pub(crate) fn take(&self) -> Window {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut inner.0)
    }

    /// The first error messages.
    pub(crate) fn errors(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .clone()
    }
}

/// Where the load goes.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `http://127.0.0.1:port` of the emulator.
    pub(crate) endpoint: String,
    pub(crate) arn: RuntimeArn,
    pub(crate) agent_port: u16,
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
}

impl Target {
    /// A client of the emulator with the run's credentials, no retries (a failure shows).
    pub(crate) fn client(&self) -> Result<RuntimeClient, String> {
        let credentials = Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            None,
            None,
            "soak",
        );
        RuntimeClient::builder()
            .endpoint(&self.endpoint)
            .credentials_provider(credentials)
            .retry(RetryPolicy::none())
            .read_timeout(OP_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build the client: {e}"))
    }
}

/// What every worker shares.
struct Shared {
    target: Target,
    client: RuntimeClient,
    agent: Client<HttpConnector, Full<Bytes>>,
    pool: Vec<String>,
    recorder: Recorder,
    pause: Duration,
}

/// A session id (33 to 256 characters).
fn session_id(random: &mut Random, what: &str) -> String {
    format!("soak-{what}-{}", random.text(MIXED, 32))
}

/// Runs `workers` workers until `deadline`, recording into `recorder`.
pub(crate) async fn run(
    target: Target,
    workers: usize,
    pause: Duration,
    deadline: Instant,
    recorder: Recorder,
) -> Result<(), String> {
    let mut random = Random::new();
    let pool = (0..POOL_SESSIONS)
        .map(|i| session_id(&mut random, &format!("pool{i}")))
        .collect();
    let shared = Arc::new(Shared {
        client: target.client()?,
        agent: Client::builder(TokioExecutor::new()).build_http(),
        target,
        pool,
        recorder,
        pause,
    });
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let shared = Arc::clone(&shared);
        tasks.push(tokio::spawn(async move {
            worker_loop(&shared, worker as u64, deadline).await;
        }));
    }
    for task in tasks {
        task.await.map_err(|e| format!("a worker panicked: {e}"))?;
    }
    Ok(())
}

async fn worker_loop(shared: &Shared, worker: u64, deadline: Instant) {
    let mut random = Random::new();
    let mut rng = Xorshift::new(worker);
    let mut count = 0u64;
    // Spread the workers' first operations over the first pause.
    tokio::time::sleep(shared.pause.mul_f64((worker % 16) as f64 / 16.0)).await;
    while Instant::now() < deadline {
        let kind = Kind::pick(rng.next());
        count += 1;
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            OP_TIMEOUT,
            operation(shared, kind, &mut rng, &mut random, count),
        )
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {OP_TIMEOUT:?}")))
        .map(|()| started.elapsed());
        shared.recorder.record(kind, outcome);
        tokio::time::sleep(shared.pause).await;
    }
}

/// xorshift64*: the mix's dice (no dependency for that).
struct Xorshift(u64);

impl Xorshift {
    fn new(seed: u64) -> Self {
        Self(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0xBF58_476D_1CE4_E5B9) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn failed(what: &str) -> impl Fn(agentcore_client::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

async fn operation(
    shared: &Shared,
    kind: Kind,
    rng: &mut Xorshift,
    random: &mut Random,
    n: u64,
) -> Result<(), String> {
    let session = shared.pool[(rng.next() % shared.pool.len() as u64) as usize].clone();
    let client = &shared.client;
    let arn = &shared.target.arn;
    match kind {
        Kind::Invoke => invoke(client, arn, &session, n).await,
        Kind::InvokeNewClient => invoke(&shared.target.client()?, arn, &session, n).await,
        Kind::Sse | Kind::SseDrop => {
            let whole = kind == Kind::Sse;
            let count = if whole { SSE_WHOLE } else { SSE_LONG };
            let mut events = client
                .invoke_stream(arn)
                .session_id(&session)
                .json(&json!({ "stream": count, "size": 100 }))
                .map_err(failed("payload"))?
                .send()
                .await
                .map_err(failed("invoke_stream"))?;
            let mut seen = 0u64;
            while let Some(event) = events.next().await {
                let event = event.map_err(failed("event"))?;
                let value: Value = serde_json::from_str(&event.data)
                    .map_err(|e| format!("event {seen} is not JSON: {e}"))?;
                if value["i"] != seen {
                    return Err(format!("event {seen} came as {value}"));
                }
                seen += 1;
                if !whole && seen as usize == SSE_READ_BEFORE_DROP {
                    return Ok(()); // dropped mid-stream
                }
            }
            if seen == count {
                Ok(())
            } else {
                Err(format!("the stream ended after {seen} of {count} events"))
            }
        }
        Kind::Ws | Kind::WsDrop => {
            let mut ws = client
                .connect(arn)
                .session_id(&session)
                .send()
                .await
                .map_err(failed("connect"))?;
            let echoes = if kind == Kind::Ws { 3 } else { 1 };
            for i in 0..echoes {
                emulator_echo(&mut ws, &format!("soak {n} {i}")).await?;
            }
            if kind == Kind::Ws {
                ws.close().await.map_err(failed("close"))?;
                // The close handshake's answer, then the end.
                while let Some(message) = ws.next().await {
                    if message.is_err() {
                        break;
                    }
                }
            }
            Ok(())
        }
        Kind::Command => {
            let output = client
                .execute_command(arn, "echo soak-$((6*7))")
                .session_id(&session)
                .send()
                .await
                .map_err(failed("command"))?;
            if output.success() && output.stdout == "soak-42\n" {
                Ok(())
            } else {
                Err(format!("the command answered {output:?}"))
            }
        }
        Kind::CommandDrop => {
            let mut events = client
                .execute_command(arn, "head -c 50000000 /dev/zero | tr '\\0' x")
                .session_id(&session)
                .stream()
                .await
                .map_err(failed("command"))?;
            while let Some(event) = events.next().await {
                if let CommandEvent::Delta {
                    stdout: Some(out), ..
                } = event.map_err(failed("command event"))?
                    && !out.is_empty()
                {
                    return Ok(()); // dropped with output still coming
                }
            }
            Err("the command ended before any output".to_owned())
        }
        Kind::Shell => {
            let mut shell = client
                .open_shell(arn)
                .session_id(&session)
                .reconnect(ReconnectPolicy::none())
                .send()
                .await
                .map_err(failed("open_shell"))?;
            shell_echo(&mut shell, n).await?;
            shell.close().await.map_err(failed("close"))?;
            Ok(())
        }
        Kind::ShellDropStop => {
            let session = session_id(random, "shell");
            let shell_id = format!("soak-{n}");
            for attempt in 0..2 {
                let mut shell = client
                    .open_shell(arn)
                    .session_id(&session)
                    .shell_id(&shell_id)
                    .reconnect(ReconnectPolicy::none())
                    .send()
                    .await
                    .map_err(failed("open_shell"))?;
                shell_echo(&mut shell, n * 10 + attempt).await?;
                // Dropped: the shell stays, detached.
            }
            if !rng.next().is_multiple_of(4) {
                client
                    .stop_runtime_session(arn)
                    .session_id(&session)
                    .send()
                    .await
                    .map_err(failed("stop_runtime_session"))?;
            }
            Ok(())
        }
        Kind::AgentPing => {
            let request = agent_request(Method::GET, "/ping", None, true);
            let (status, _) = one_shot(shared.target.agent_port, request, None).await?;
            expect_ok(status)
        }
        Kind::AgentInvoke | Kind::AgentInvokeChurn => {
            let body = json!({ "soak": n });
            let churn = kind == Kind::AgentInvokeChurn;
            let request = agent_request(Method::POST, "/invocations", Some(&body), churn);
            let (status, bytes) = if churn {
                one_shot(shared.target.agent_port, request, None).await?
            } else {
                pooled(&shared.agent, shared.target.agent_port, request).await?
            };
            expect_ok(status)?;
            let answer: Value =
                serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
            if answer["echo"] == body {
                Ok(())
            } else {
                Err(format!("the agent answered {answer}"))
            }
        }
        Kind::AgentSse => {
            let body = json!({ "stream": SSE_WHOLE, "size": 100 });
            let request = agent_request(Method::POST, "/invocations", Some(&body), false);
            let (status, bytes) = pooled(&shared.agent, shared.target.agent_port, request).await?;
            expect_ok(status)?;
            let events = bytes.windows(6).filter(|w| w == b"data: ").count() as u64;
            if events == SSE_WHOLE {
                Ok(())
            } else {
                Err(format!("{events} of {SSE_WHOLE} events"))
            }
        }
        Kind::AgentSseDrop => {
            let body = json!({ "stream": SSE_LONG, "size": 100 });
            let request = agent_request(Method::POST, "/invocations", Some(&body), false);
            let (status, first) = one_shot(shared.target.agent_port, request, Some(1)).await?;
            expect_ok(status)?;
            if first.starts_with(b"data: ") {
                Ok(())
            } else {
                Err(format!(
                    "the stream began with {:?}",
                    String::from_utf8_lossy(&first)
                ))
            }
        }
        Kind::AgentWs | Kind::AgentWsDrop => {
            let url = format!("ws://127.0.0.1:{}/ws", shared.target.agent_port);
            let mut request = url
                .into_client_request()
                .map_err(|e| format!("request: {e}"))?;
            let value = http::HeaderValue::from_str(&session).map_err(|e| e.to_string())?;
            request.headers_mut().insert(SESSION_HEADER, value);
            let (mut ws, _) = tokio_tungstenite::connect_async(request)
                .await
                .map_err(|e| format!("WebSocket handshake: {e}"))?;
            let echoes = if kind == Kind::AgentWs { 3 } else { 1 };
            for i in 0..echoes {
                let text = format!("soak {n} {i}");
                ws.send(tungstenite::Message::text(text.clone()))
                    .await
                    .map_err(|e| format!("send: {e}"))?;
                match ws.next().await {
                    Some(Ok(tungstenite::Message::Text(echo))) if echo.as_str() == text => {}
                    other => return Err(format!("echo {i}: {other:?}")),
                }
            }
            if kind == Kind::AgentWs {
                ws.close(None).await.map_err(|e| format!("close: {e}"))?;
                while let Some(Ok(_)) = ws.next().await {}
            }
            Ok(())
        }
    }
}

async fn invoke(
    client: &RuntimeClient,
    arn: &RuntimeArn,
    session: &str,
    n: u64,
) -> Result<(), String> {
    let payload = json!({ "soak": n });
    let response = client
        .invoke(arn)
        .session_id(session)
        .json(&payload)
        .map_err(failed("payload"))?
        .send()
        .await
        .map_err(failed("invoke"))?;
    let answer: Value = response.json().map_err(failed("answer"))?;
    if answer["echo"] == payload && answer["session"] == session {
        Ok(())
    } else {
        Err(format!("the agent answered {answer}"))
    }
}

async fn emulator_echo(ws: &mut WebSocket, text: &str) -> Result<(), String> {
    ws.send(Message::text(text)).await.map_err(failed("send"))?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(echo))) if echo == text => return Ok(()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => return Err(format!("echo of {text:?}: {other:?}")),
        }
    }
}

/// Types an `echo` into the shell and waits for its output.
async fn shell_echo(shell: &mut Shell, n: u64) -> Result<(), String> {
    let expected = format!("soak-{}", n + 42);
    shell
        .send_input(format!("echo soak-$(({n}+42))\n"))
        .await
        .map_err(failed("send_input"))?;
    let mut output = Vec::new();
    while !output
        .windows(expected.len())
        .any(|w| w == expected.as_bytes())
    {
        match shell.next().await {
            Some(Ok(ShellEvent::Stdout(bytes) | ShellEvent::Stderr(bytes))) => {
                output.extend_from_slice(&bytes)
            }
            Some(Ok(
                ShellEvent::Reconnected { .. }
                | ShellEvent::OutputDropped { .. }
                | ShellEvent::Unknown { .. },
            )) => {}
            Some(Ok(other)) => return Err(format!("before {expected:?}: {other:?}")),
            Some(Err(e)) => return Err(format!("shell: {e}")),
            None => return Err(format!("the shell ended before {expected:?}")),
        }
    }
    Ok(())
}

fn agent_request(
    method: Method,
    path: &str,
    body: Option<&Value>,
    close: bool,
) -> Request<Full<Bytes>> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1")
        .header(SESSION_HEADER, "soak-direct-0123456789abcdef0123456789ab");
    if close {
        builder = builder.header("connection", "close");
    }
    let body = match body {
        Some(value) => {
            builder = builder.header("content-type", "application/json");
            Full::new(Bytes::from(value.to_string()))
        }
        None => Full::default(),
    };
    builder.body(body).unwrap_or_default()
}

fn expect_ok(status: StatusCode) -> Result<(), String> {
    if status == StatusCode::OK {
        Ok(())
    } else {
        Err(format!("status {status}"))
    }
}

/// A request on the pooled keep-alive client to the agent on `port`; the whole answer.
async fn pooled(
    client: &Client<HttpConnector, Full<Bytes>>,
    port: u16,
    mut request: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes), String> {
    // The pooled client needs an absolute URI.
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let uri = format!("http://127.0.0.1:{port}{path}");
    *request.uri_mut() = uri.parse().map_err(|e| format!("uri: {e}"))?;
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?;
    Ok((status, body.to_bytes()))
}

/// A request on a new connection of its own; the answer (only its first `frames` body
/// frames when given: the connection is then dropped mid-answer).
async fn one_shot(
    port: u16,
    request: Request<Full<Bytes>>,
    frames: Option<usize>,
) -> Result<(StatusCode, Bytes), String> {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let connection = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = response.status();
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    let mut seen = 0;
    while frames.is_none_or(|limit| seen < limit) {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    bytes.extend_from_slice(&data);
                    seen += 1;
                }
            }
            Some(Err(e)) => return Err(format!("body: {e}")),
            None => break,
        }
    }
    drop(body);
    drop(sender);
    connection.abort();
    Ok((status, Bytes::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_picks_every_kind_by_weight() {
        let total: u64 = Kind::ALL.iter().map(|k| k.weight()).sum();
        let mut seen = BTreeMap::new();
        for roll in 0..total {
            *seen.entry(Kind::pick(roll)).or_insert(0u64) += 1;
        }
        for kind in Kind::ALL {
            assert_eq!(seen[&kind], kind.weight(), "{}", kind.name());
        }
        let mut rng = Xorshift::new(3);
        assert_ne!(rng.next(), rng.next());
        let names: std::collections::HashSet<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), Kind::ALL.len());
    }

    #[test]
    fn the_recorder_keeps_latencies_and_errors_per_window() {
        let recorder = Recorder::default();
        recorder.record(Kind::Ws, Ok(Duration::from_micros(1500)));
        recorder.record(Kind::Ws, Err("boom".to_owned()));
        let window = recorder.take();
        assert_eq!(
            window[&Kind::Ws],
            Tally {
                micros: vec![1500],
                errors: 1
            }
        );
        assert!(recorder.take().is_empty());
        assert_eq!(recorder.errors(), vec!["ws: boom".to_owned()]);
    }
}
