//! Graceful shutdown and lifespan hooks in a real process, with real signals.
//!
//! The agent is a child process (see `common::child`), so that `kill -TERM` reaches it and
//! its exit code is real.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use agentcore_server::{
    App, Body, BoxError, DRAIN_CUT_EXIT_CODE, IntoInvocationResponse, WebSocketUpgrade,
};
use common::child::{Agent, child_mode};
use serde_json::{Value, json};

/// The agent process, started by the tests below (ignored in a normal run).
#[test]
#[ignore = "the agent process of the shutdown tests, which start it"]
fn child_agent() {
    let Some(mode) = child_mode() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = match mode.as_str() {
        "stuck" => App::new()
            .shutdown_timeout(Duration::from_secs(1))
            .entrypoint(stuck_entrypoint),
        _ => App::new()
            .shutdown_timeout(Duration::from_secs(5))
            .entrypoint(|payload: Value| async move {
                let ms = payload["sleep_ms"].as_u64().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok::<_, std::convert::Infallible>(json!({ "slept_ms": ms }))
            }),
    };
    let app = app
        .websocket(|upgrade: WebSocketUpgrade, _ctx| async move {
            let mut socket = upgrade.accept().await?;
            while let Some(message) = socket.recv().await? {
                socket.send(message).await?;
            }
            Ok::<_, BoxError>(())
        })
        .on_startup(move || async move {
            if mode == "failing-startup" {
                return Err("the model could not be loaded");
            }
            println!("startup hook ran");
            Ok(())
        })
        .on_shutdown(|| async {
            println!("shutdown hook ran");
            Ok::<_, BoxError>(())
        });
    // What `fn main() -> Result<(), ServeError>` does with an error.
    if let Err(err) = runtime.block_on(app.run()) {
        eprintln!("Error: {err:?}");
        std::process::exit(1);
    }
    std::process::exit(0);
}

/// `{"block": true}` blocks a blocking thread for an hour; otherwise one SSE event and
/// then nothing, ever.
async fn stuck_entrypoint(payload: Value) -> Result<http::Response<Body>, BoxError> {
    if payload["block"] == true {
        let answer = tokio::task::spawn_blocking(|| {
            std::thread::sleep(Duration::from_secs(3600));
            json!("never")
        })
        .await?;
        return Ok(answer.into_invocation_response());
    }
    let first = futures_util::stream::once(async { json!({ "token": "first" }) });
    let stream = futures_util::StreamExt::chain(first, futures_util::stream::pending());
    Ok(stream.into_invocation_response())
}

/// Reads the server's WebSocket close frame from a raw socket; its code.
fn read_close_code(socket: &mut TcpStream) -> u16 {
    let mut frame = [0u8; 4];
    socket.read_exact(&mut frame).unwrap();
    assert_eq!(frame[0], 0x88, "expected a close frame, got {frame:?}");
    u16::from_be_bytes([frame[2], frame[3]])
}

#[test]
fn sigterm_lets_in_flight_work_finish_closes_websockets_with_1001_and_exits_0() {
    for sig in ["TERM", "INT"] {
        let mut agent = Agent::start("normal");
        let port = agent.port;

        // A WebSocket, raw, so that the test sees the exact close frame.
        let mut ws = common::raw_websocket(("127.0.0.1", port));

        // An invocation that is still running when the signal arrives.
        let in_flight = std::thread::spawn(move || {
            let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let body = r#"{"sleep_ms":700}"#;
            write!(
                socket,
                "POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            let mut response = String::new();
            socket.read_to_string(&mut response).unwrap();
            response
        });
        std::thread::sleep(Duration::from_millis(200));
        agent.signal(sig);

        assert_eq!(read_close_code(&mut ws), 1001, "SIG{sig}");
        // Answer the close, as a client does.
        ws.write_all(&[0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE9]).unwrap();

        let response = in_flight.join().unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "SIG{sig}: {response}");
        assert!(
            response.ends_with(r#"{"slept_ms":700}"#),
            "SIG{sig}: {response}"
        );

        let status = agent.wait_exit();
        let (stdout, stderr) = agent.output();
        assert!(status.success(), "SIG{sig}: {status}\n{stderr}");
        assert!(stdout.contains("startup hook ran"), "{stdout}");
        assert!(stdout.contains("shutdown hook ran"), "{stdout}");
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "still listening"
        );
    }
}

#[test]
fn a_failing_startup_hook_exits_non_zero_before_the_port_opens() {
    let mut agent = Agent::spawn("failing-startup", None);
    let port = agent.port;
    let status = agent.wait_exit();
    let (_, stderr) = agent.output();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Error: startup hook failed: the model could not be loaded"),
        "{stderr}"
    );
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// Reads a raw HTTP/1.1 response until the server closes the connection.
fn read_to_end(socket: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let _ = socket.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn a_drain_cut_at_the_deadline_ends_streams_cleanly_abandons_blocked_calls_and_exits_124() {
    let mut agent = Agent::start("stuck");
    let port = agent.port;
    let post = |body: &str| {
        let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            socket,
            "POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        socket
    };
    // A handler stuck in a blocking call for an hour, and a stream that never ends.
    let mut blocked = post(r#"{"block":true}"#);
    let mut streaming = post(r#"{"stream":true}"#);
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("first") {
        let mut buf = [0u8; 1024];
        let n = streaming.read(&mut buf).unwrap();
        assert!(n > 0, "closed before the first event");
        seen.extend_from_slice(&buf[..n]);
    }
    let signalled = Instant::now();
    agent.signal("TERM");

    let rest = read_to_end(&mut streaming);
    let stream = format!("{}{rest}", String::from_utf8_lossy(&seen));
    assert!(stream.contains("transfer-encoding: chunked"), "{stream}");
    assert!(
        stream.contains(r#"data: {"error":"the agent is shutting down","error_type":"Shutdown""#),
        "no shutdown event: {stream}"
    );
    assert!(
        stream.ends_with("\r\n0\r\n\r\n"),
        "no chunked terminator: {stream:?}"
    );
    // The blocked call is abandoned: its connection ends without an answer.
    assert_eq!(read_to_end(&mut blocked), "");

    let status = agent.wait_exit();
    let waited = signalled.elapsed();
    let (stdout, stderr) = agent.output();
    assert_eq!(
        status.code(),
        Some(DRAIN_CUT_EXIT_CODE),
        "{status}\n{stderr}"
    );
    assert!(stdout.contains("shutdown hook ran"), "{stdout}");
    // The 1 s shutdown timeout, not the hour the blocked call would take.
    assert!(waited < Duration::from_secs(15), "exited after {waited:?}");
}
