//! The conformance agent: one `agentcore-server` app whose behaviour each test picks
//! through its payload.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use agentcore_server::contract::ws::Message;
use agentcore_server::{
    App, Body, BoxError, IntoInvocationResponse, RequestContext, WebSocketUpgrade,
};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// The conformance agent as an [`App`], for a process that serves it itself
/// (`agent().run()` listens on `PORT`).
///
/// An invocation's JSON payload picks what it does, in this order:
///
/// - `{"fail": true}`: the handler fails with "the agent failed" (a 500);
/// - `{"sleep_ms": N}`: it sleeps N ms first, then goes on;
/// - `{"stream": N}`: SSE events `{"i": 0}` … `{"i": N-1}`, `"interval_ms": D` apart
///   (default 0), the event `"fail_at": K` replaced by the error "stream failed";
/// - anything else: `{"echo": payload, "session": .., "request_id": .., "headers": ..,
///   "pid": ..}` with the request context's session id, request id, forwarded headers
///   and the process id.
///
/// On `/ws`, a text or binary message that is JSON is answered with `{"echo": message,
/// "session": ..}`, except `"fail"` (the handler fails: close 1011) and `"bye"` (the
/// handler returns: close 1000); any other message is sent back as it came.
pub fn agent() -> App {
    app(Arc::default())
}

/// The [conformance agent](agent) serving on `127.0.0.1`, counting its invocations.
#[derive(Debug, Clone)]
pub struct Agent {
    url: String,
    calls: Arc<AtomicUsize>,
}

impl Agent {
    /// Serves the conformance agent on a fresh port of `127.0.0.1`, in a task of the
    /// current runtime.
    pub async fn start() -> Self {
        let calls = Arc::new(AtomicUsize::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port on 127.0.0.1");
        let addr = listener.local_addr().expect("the listener's address");
        tokio::spawn(app(Arc::clone(&calls)).serve(listener));
        Agent {
            url: format!("http://{addr}"),
            calls,
        }
    }

    /// The agent's base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many invocations it has handled so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

fn app(calls: Arc<AtomicUsize>) -> App {
    App::new()
        .entrypoint(move |payload: Value, ctx: RequestContext| {
            calls.fetch_add(1, Ordering::SeqCst);
            invocation(payload, ctx)
        })
        .websocket(websocket)
}

async fn invocation(payload: Value, ctx: RequestContext) -> Result<http::Response<Body>, BoxError> {
    if payload["fail"] == true {
        return Err("the agent failed".into());
    }
    if let Some(ms) = payload["sleep_ms"].as_u64() {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if let Some(n) = payload["stream"].as_u64() {
        let fail_at = payload["fail_at"].as_u64();
        let interval = Duration::from_millis(payload["interval_ms"].as_u64().unwrap_or(0));
        let items = futures_util::stream::iter(0..n).then(move |i| async move {
            if !interval.is_zero() {
                tokio::time::sleep(interval).await;
            }
            match fail_at {
                Some(k) if k == i => Err::<Value, BoxError>("stream failed".into()),
                _ => Ok(json!({ "i": i })),
            }
        });
        return Ok(items.into_invocation_response());
    }
    Ok(json!({
        "echo": payload,
        "session": ctx.session_id,
        "request_id": ctx.request_id,
        "headers": ctx.request_headers,
        "pid": std::process::id(),
    })
    .into_invocation_response())
}

async fn websocket(upgrade: WebSocketUpgrade, ctx: RequestContext) -> Result<(), BoxError> {
    let mut socket = upgrade.accept().await?;
    while let Some(message) = socket.recv().await? {
        let json = match &message {
            Message::Text(text) => serde_json::from_str::<Value>(text).ok(),
            Message::Binary(bytes) => serde_json::from_slice::<Value>(bytes).ok(),
            _ => continue,
        };
        match json {
            Some(Value::String(word)) if word == "fail" => return Err("agent failed".into()),
            Some(Value::String(word)) if word == "bye" => return Ok(()),
            Some(value) => {
                let answer = json!({ "echo": value, "session": ctx.session_id });
                socket.send_json(&answer).await?;
            }
            None => socket.send(message).await?,
        }
    }
    Ok(())
}
