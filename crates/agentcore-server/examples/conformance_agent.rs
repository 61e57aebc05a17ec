//! The agent `cargo xtask conformance` runs the `http` cases against (see
//! `../shared/conformance/README.md`), and `cargo xtask interop` puts behind the emulator
//! (`tests/interop/`). Debug actions on; listens on `127.0.0.1:$PORT`.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use agentcore_server::{
    App, Body, BoxError, Health, HttpError, IntoInvocationResponse, RequestContext,
    WebSocketUpgrade,
};
use futures_util::stream;
use http::{Response, StatusCode};
use serde_json::{Value, json};

/// How many invocations this process has handled, the current one included (`calls`).
static CALLS: AtomicU64 = AtomicU64::new(0);

async fn entrypoint(
    payload: Value,
    ctx: RequestContext,
    health: Health,
) -> Result<Response<Body>, BoxError> {
    let calls = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if !payload.is_object() {
        return Ok(json!({ "payload": payload }).into_invocation_response());
    }
    let text = |key: &str, default: &str| payload[key].as_str().unwrap_or(default).to_owned();
    let number = |key: &str, default: u64| payload[key].as_u64().unwrap_or(default);
    let op = payload.get("op").and_then(Value::as_str).unwrap_or("echo");
    let response = match op {
        "echo" => json!({
            "echo": payload["data"],
            "session_id": ctx.session_id,
            "request_headers": ctx.request_headers,
        })
        .into_invocation_response(),
        // The recorded `echo` answers have exactly these keys: the request id has its own op.
        "whoami" => json!({
            "request_id": ctx.request_id,
            "session_id": ctx.session_id,
        })
        .into_invocation_response(),
        "calls" => json!({ "calls": calls }).into_invocation_response(),
        "string" => payload["data"].clone().into_invocation_response(),
        "raise" => return Err(text("message", "boom").into()),
        "http_error" => {
            let status = StatusCode::from_u16(number("status", 500) as u16)?;
            return Err(HttpError::new(status, text("detail", "")).into());
        }
        "stream" => {
            let fail_after = payload["fail_after"].as_u64();
            let items = (0..number("count", 3)).map(move |i| match fail_after {
                Some(k) if i == k => Err(std::io::Error::other("stream failed")),
                _ => Ok(json!({ "i": i })),
            });
            stream::iter(items).into_invocation_response()
        }
        "task" => {
            let hold = Duration::from_millis(number("hold_ms", 300));
            tokio::spawn(health.track_future(text("name", "job"), tokio::time::sleep(hold)));
            json!({ "started": true }).into_invocation_response()
        }
        "sleep" => {
            let ms = number("ms", 100);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            json!({ "slept_ms": ms }).into_invocation_response()
        }
        "block" => {
            let ms = number("ms", 100);
            // On purpose: a handler that blocks its thread must not hold up /ping.
            std::thread::sleep(Duration::from_millis(ms));
            json!({ "blocked_ms": ms }).into_invocation_response()
        }
        "panic" => panic!("{}", text("message", "panic")),
        other => json!({ "unknown_op": other }).into_invocation_response(),
    };
    Ok(response)
}

/// Echoes JSON messages with the session id; `close` ends normally, `raise` fails.
async fn websocket(upgrade: WebSocketUpgrade, ctx: RequestContext) -> Result<(), BoxError> {
    let mut socket = upgrade.accept().await?;
    while let Some(message) = socket.recv_json::<Value>().await? {
        match message["action"].as_str() {
            Some("close") => return Ok(()),
            Some("raise") => return Err("the handler failed".into()),
            _ => {
                let echo = json!({ "echo": message, "session_id": ctx.session_id });
                socket.send_json(&echo).await?;
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    let app = App::new().debug(true).host(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let health = app.health().clone();
    app.entrypoint(move |payload: Value, ctx: RequestContext| {
        entrypoint(payload, ctx, health.clone())
    })
    .websocket(websocket)
    .run()
    .await
}
