//! The load generator: `c` keep-alive connections over loopback on one current-thread
//! runtime, each sending its next request (or message) as soon as the last is answered,
//! for a fixed time. It reads the server's CPU time itself, just before the first timed
//! request and just after the last answer, so connecting and closing are not counted.
//!
//! Run as `xtask bench --loadgen KIND --port P --pid PID --secs S --conns C` (pinned to
//! its own core by the caller); prints one JSON [`Outcome`] line.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use super::measure::cpu_ticks;
use super::{Load, SESSION_HEADER};

/// The session id sent with every invocation.
const SESSION_ID: &str = "bench-session-0123456789abcdef0123456789abcdef";
/// The request id header the service sends with every invocation.
const REQUEST_ID_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-request-id";
/// A small agent payload.
const INVOKE_BODY: &str =
    r#"{"prompt":"What is the weather like in Seattle today?","max_tokens":256,"temperature":0.7}"#;
/// How many events one SSE request asks for, and how large each `text` is.
pub(crate) const SSE_EVENTS: u64 = 1000;
pub(crate) const SSE_EVENT_BYTES: u64 = 100;
/// The WebSocket message echoed.
const WS_MESSAGE: &str = r#"{"prompt":"What is the weather like in Seattle today?"}"#;
/// The text the MCP `echo` tool is called with.
const MCP_TEXT: &str = "What is the weather like in Seattle today?";
/// How long connecting, warming up and closing may take on top of the timed window.
const ROUND_GRACE: Duration = Duration::from_secs(30);
/// How long closing the connections may take after the timed window.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spec {
    pub(crate) load: Load,
    pub(crate) port: u16,
    pub(crate) pid: u32,
    pub(crate) secs: f64,
    pub(crate) conns: usize,
}

/// What one timed window did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Outcome {
    /// Requests, events or messages completed.
    pub(crate) units: u64,
    /// The length of the window.
    pub(crate) secs: f64,
    /// The server's CPU time in the window, in clock ticks.
    pub(crate) server_ticks: u64,
    /// The load generator's own CPU time in the window, in clock ticks.
    pub(crate) loadgen_ticks: u64,
    /// Connections that failed during the window.
    pub(crate) errors: u64,
}

/// Runs one window and returns what it did.
pub(crate) fn run(spec: &Spec) -> Result<Outcome, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?
        .block_on(async {
            // Bounded even if the server stops answering mid-request.
            let limit = Duration::from_secs_f64(spec.secs) + ROUND_GRACE;
            tokio::time::timeout(limit, window(spec))
                .await
                .unwrap_or_else(|_| Err(format!("the round did not end within {limit:?}")))
        })
}

/// One connection of any kind.
enum Conn {
    Http(SendRequest<Full<Bytes>>),
    Ws(Box<tokio_tungstenite::WebSocketStream<TcpStream>>),
}

async fn window(spec: &Spec) -> Result<Outcome, String> {
    let mut conns = Vec::with_capacity(spec.conns);
    for _ in 0..spec.conns {
        let mut conn = connect(spec.load, spec.port).await?;
        // One checked exchange each, untimed: warms the server up and proves the answers.
        exchange(&mut conn, spec.load, true).await?;
        conns.push(conn);
    }
    let self_pid = std::process::id();
    let (server_before, self_before) = (cpu_ticks(spec.pid)?, cpu_ticks(self_pid)?);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(spec.secs);
    let workers: Vec<_> = conns
        .into_iter()
        .map(|conn| tokio::spawn(worker(conn, spec.load, deadline)))
        .collect();
    let mut units = 0;
    let mut errors = 0;
    let mut finished = Vec::with_capacity(workers.len());
    for worker in workers {
        let (done, conn) = worker.await.map_err(|e| format!("worker failed: {e}"))?;
        units += done;
        match conn {
            Some(conn) => finished.push(conn),
            None => errors += 1,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let (server_after, self_after) = (cpu_ticks(spec.pid)?, cpu_ticks(self_pid)?);
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, close_all(finished)).await;
    Ok(Outcome {
        units,
        secs,
        server_ticks: server_after.saturating_sub(server_before),
        loadgen_ticks: self_after.saturating_sub(self_before),
        errors,
    })
}

/// Exchanges until the deadline; the units done and the connection, `None` if it failed.
async fn worker(mut conn: Conn, load: Load, deadline: Instant) -> (u64, Option<Conn>) {
    let mut units = 0;
    while Instant::now() < deadline {
        match exchange(&mut conn, load, false).await {
            Ok(done) => units += done,
            Err(e) => {
                eprintln!("loadgen: {e}");
                return (units, None);
            }
        }
    }
    (units, Some(conn))
}

async fn connect(load: Load, port: u16) -> Result<Conn, String> {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot connect to port {port}: {e}"))?;
    stream
        .set_nodelay(true)
        .map_err(|e| format!("TCP_NODELAY: {e}"))?;
    if load == Load::Ws {
        let url = format!("ws://127.0.0.1:{port}/ws");
        let (socket, _) = tokio_tungstenite::client_async(url, stream)
            .await
            .map_err(|e| format!("WebSocket handshake: {e}"))?;
        return Ok(Conn::Ws(Box::new(socket)));
    }
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(connection);
    Ok(Conn::Http(sender))
}

/// One request (or message) and its answer; the units it completed. `check` also
/// verifies the answer's content, not only its status and size.
async fn exchange(conn: &mut Conn, load: Load, check: bool) -> Result<u64, String> {
    match conn {
        Conn::Http(sender) => http_exchange(sender, load, check).await,
        Conn::Ws(socket) => {
            socket
                .send(Message::text(WS_MESSAGE))
                .await
                .map_err(|e| format!("WebSocket send: {e}"))?;
            match socket.next().await {
                Some(Ok(Message::Text(text))) if text.as_str() == WS_MESSAGE => Ok(1),
                other => Err(format!("unexpected WebSocket answer: {other:?}")),
            }
        }
    }
}

fn request(load: Load) -> Request<Full<Bytes>> {
    let builder = Request::builder().header("host", "127.0.0.1");
    let built = match load {
        Load::Ping => builder.uri("/ping").body(Full::default()),
        Load::Invoke | Load::Sse => {
            let body = if load == Load::Sse {
                format!(r#"{{"stream":{SSE_EVENTS},"size":{SSE_EVENT_BYTES}}}"#)
            } else {
                INVOKE_BODY.to_owned()
            };
            builder
                .method(Method::POST)
                .uri("/invocations")
                .header("content-type", "application/json")
                .header(SESSION_HEADER, SESSION_ID)
                .header(REQUEST_ID_HEADER, "bench-request")
                .body(Full::new(Bytes::from(body)))
        }
        // A stateless `tools/call`, as MCP clients send it through the runtime.
        Load::Mcp => builder
            .method(Method::POST)
            .uri("/mcp")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .header(SESSION_HEADER, SESSION_ID)
            .header(REQUEST_ID_HEADER, "bench-request")
            .body(Full::new(Bytes::from(mcp_call()))),
        Load::Ws => unreachable!("WebSocket loads send no HTTP requests"),
    };
    built.unwrap_or_default()
}

async fn http_exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    load: Load,
    check: bool,
) -> Result<u64, String> {
    sender
        .ready()
        .await
        .map_err(|e| format!("connection closed: {e}"))?;
    let response = sender
        .send_request(request(load))
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    if response.status() != StatusCode::OK {
        return Err(format!("{load:?}: status {}", response.status()));
    }
    let mut body = response.into_body();
    if load == Load::Sse {
        let mut newlines = 0;
        let mut first = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| format!("SSE body: {e}"))?;
            if let Some(data) = frame.data_ref() {
                newlines += count_newlines(data);
                if check && first.len() < 256 {
                    first.extend_from_slice(data);
                }
            }
        }
        // Every event is `data: <one-line JSON>\n\n`.
        if newlines != 2 * SSE_EVENTS {
            return Err(format!("SSE: {newlines} newlines, not {}", 2 * SSE_EVENTS));
        }
        if check {
            check_first_event(&first)?;
        }
        return Ok(SSE_EVENTS);
    }
    let bytes = body
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    if check {
        check_json(load, &bytes)?;
    }
    Ok(1)
}

fn mcp_call() -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": { "name": "echo", "arguments": { "text": MCP_TEXT } }
    })
    .to_string()
}

pub(crate) fn count_newlines(data: &[u8]) -> u64 {
    data.iter().filter(|&&byte| byte == b'\n').count() as u64
}

fn check_first_event(stream: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(stream);
    let event = text
        .strip_prefix("data: ")
        .and_then(|rest| rest.split("\n\n").next())
        .ok_or_else(|| format!("SSE: not an event: {text:.80}"))?;
    let value: Value = serde_json::from_str(event).map_err(|e| format!("SSE event: {e}"))?;
    let text_len = value["text"].as_str().map_or(0, str::len) as u64;
    if value["i"] != 0 || text_len != SSE_EVENT_BYTES {
        return Err(format!("SSE: unexpected first event {event:.80}"));
    }
    Ok(())
}

fn check_json(load: Load, bytes: &[u8]) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("{load:?}: answer not JSON: {e}"))?;
    let expected = match load {
        Load::Ping => value["status"] == "Healthy",
        Load::Mcp => value["result"]["content"][0]["text"] == MCP_TEXT,
        _ => {
            let payload: Value = serde_json::from_str(INVOKE_BODY).unwrap_or_default();
            value["echo"] == payload && value["session"] == SESSION_ID
        }
    };
    if expected {
        Ok(())
    } else {
        Err(format!("{load:?}: unexpected answer {value}"))
    }
}

async fn close_all(conns: Vec<Conn>) {
    for conn in conns {
        if let Conn::Ws(mut socket) = conn {
            let _ = (*socket).close(None).await;
            while let Some(Ok(_)) = socket.next().await {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sse_newlines_across_chunks() {
        let chunks: [&[u8]; 3] = [b"data: {\"i\":0}\n", b"\ndata: {\"i\":1}", b"\n\n"];
        let total: u64 = chunks.iter().map(|chunk| count_newlines(chunk)).sum();
        assert_eq!(total, 4);
    }

    #[test]
    fn checks_answers() {
        assert!(
            check_json(
                Load::Ping,
                br#"{"status":"Healthy","time_of_last_update":1}"#
            )
            .is_ok()
        );
        let echo = format!(r#"{{"echo":{INVOKE_BODY},"session":"{SESSION_ID}"}}"#);
        assert!(check_json(Load::Invoke, echo.as_bytes()).is_ok());
        assert!(check_json(Load::Invoke, br#"{"echo":{}}"#).is_err());
        let called = format!(
            r#"{{"jsonrpc":"2.0","id":1,"result":{{"content":[{{"type":"text","text":"{MCP_TEXT}"}}]}}}}"#
        );
        assert!(check_json(Load::Mcp, called.as_bytes()).is_ok());
        assert!(check_json(Load::Mcp, br#"{"jsonrpc":"2.0","id":1,"error":{}}"#).is_err());
        let event = format!("data: {{\"i\":0,\"text\":\"{}\"}}\n\n", "x".repeat(100));
        assert!(check_first_event(event.as_bytes()).is_ok());
        assert!(check_first_event(b"data: {\"i\":1}\n\n").is_err());
    }
}
