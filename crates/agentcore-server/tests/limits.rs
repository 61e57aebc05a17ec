//! Connection limits at their edges: header-read timeout, idle timeout, max connections.

mod common;

use std::time::Duration;

use agentcore_server::App;
use common::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

const PING: &[u8] = b"GET /ping HTTP/1.1\r\nhost: t\r\n\r\n";

/// Reads one response head and its (small, Content-Length) body.
async fn read_response(socket: &mut TcpStream) -> String {
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before a response");
        response.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&response);
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|v| v.parse().unwrap())
                })
                .unwrap_or(0);
            if response.len() >= end + 4 + length {
                return text.into_owned();
            }
        }
    }
}

/// Waits for the server to close the socket; how long it took.
async fn closed_after(socket: &mut TcpStream, start: Instant) -> Duration {
    let mut buf = [0u8; 64];
    let n = timeout(Duration::from_secs(10), socket.read(&mut buf))
        .await
        .expect("not closed within 10 s")
        .unwrap_or(0);
    assert_eq!(n, 0, "expected the connection closed");
    start.elapsed()
}

async fn still_open(socket: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 64];
    timeout(wait, socket.read(&mut buf)).await.is_err()
}

#[tokio::test]
async fn a_slow_request_head_is_cut_at_the_header_read_timeout() {
    let app = App::new()
        .header_read_timeout(Duration::from_millis(300))
        .idle_timeout(Duration::from_secs(60));
    let server = TestServer::start(app).await;

    // Within the limit: answered.
    let mut fast = TcpStream::connect(server.addr).await.unwrap();
    fast.write_all(b"GET /ping HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    fast.write_all(b"host: t\r\n\r\n").await.unwrap();
    assert!(read_response(&mut fast).await.starts_with("HTTP/1.1 200"));

    // Past it: cut.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    let start = Instant::now();
    slow.write_all(b"GET /ping HTTP/1.1\r\nhost:")
        .await
        .unwrap();
    let took = closed_after(&mut slow, start).await;
    assert!(
        took >= Duration::from_millis(300),
        "cut too early: {took:?}"
    );
}

#[tokio::test]
async fn a_new_connection_that_sends_nothing_is_closed_at_the_header_read_timeout() {
    let app = App::new()
        .header_read_timeout(Duration::from_millis(400))
        .idle_timeout(Duration::from_secs(60));
    let server = TestServer::start(app).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let start = Instant::now();
    assert!(still_open(&mut silent, Duration::from_millis(200)).await);
    let took = closed_after(&mut silent, start).await;
    assert!(
        took >= Duration::from_millis(400),
        "cut too early: {took:?}"
    );
    // One that speaks within it is served.
    let mut prompt = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    prompt.write_all(PING).await.unwrap();
    assert!(read_response(&mut prompt).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn idle_keep_alive_connections_close_and_activity_keeps_them() {
    let app = App::new()
        .idle_timeout(Duration::from_millis(400))
        .header_read_timeout(Duration::from_secs(60));
    let server = TestServer::start(app).await;

    // Requests every 150 ms keep it open well past the idle timeout.
    let mut busy = TcpStream::connect(server.addr).await.unwrap();
    for i in 0..6 {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        busy.write_all(PING).await.unwrap();
        assert!(read_response(&mut busy).await.starts_with("HTTP/1.1 200"));
    }
    // Then silence: closed after the idle timeout, counted from the last response.
    let start = Instant::now();
    let took = closed_after(&mut busy, start).await;
    assert!(
        took >= Duration::from_millis(300),
        "closed too early: {took:?}"
    );
}

/// An app whose invocations wait until `{"release": true}` arrives.
fn gated_app() -> App {
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    App::new().entrypoint(move |payload: serde_json::Value| {
        let gate = std::sync::Arc::clone(&gate);
        async move {
            if payload["release"] == true {
                gate.notify_waiters();
            } else {
                gate.notified().await;
            }
            Ok::<_, agentcore_server::BoxError>(payload)
        }
    })
}

const HELD: &[u8] = b"POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\n\r\n{}";

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_slot_then_get_503() {
    let app = gated_app()
        .max_connections(2)
        .header_read_timeout(Duration::from_millis(800));
    let server = TestServer::start(app).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket.write_all(HELD).await.unwrap();
        held.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Both slots are busy: a third waits, and is answered 503 at its header-read deadline.
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    let start = Instant::now();
    third.write_all(HELD).await.unwrap();
    assert!(
        still_open(&mut third, Duration::from_millis(400)).await,
        "served beyond the limit"
    );
    let busy = timeout(Duration::from_secs(5), read_response(&mut third))
        .await
        .unwrap();
    assert!(busy.starts_with("HTTP/1.1 503"), "{busy}");
    assert!(busy.contains("retry-after: 1"), "{busy}");
    assert!(
        start.elapsed() >= Duration::from_millis(700),
        "{:?}",
        start.elapsed()
    );
    // Health checks have slots of their own, full or not.
    let mut ping = TcpStream::connect(server.addr).await.unwrap();
    ping.write_all(PING).await.unwrap();
    assert!(read_response(&mut ping).await.starts_with("HTTP/1.1 200"));
    // A fourth waits while a slot frees: it is served then.
    let mut fourth = TcpStream::connect(server.addr).await.unwrap();
    fourth
        .write_all(b"POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 16\r\n\r\n{\"release\":true}")
        .await
        .unwrap();
    assert!(still_open(&mut fourth, Duration::from_millis(200)).await);
    drop(held.pop());
    let served = timeout(Duration::from_secs(5), read_response(&mut fourth))
        .await
        .unwrap();
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
}

#[tokio::test]
async fn a_full_pool_sheds_the_connection_idle_for_longest() {
    let server = TestServer::start(gated_app().max_connections(2)).await;
    let echo =
        b"POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 16\r\n\r\n{\"release\":true}";
    let mut older = TcpStream::connect(server.addr).await.unwrap();
    older.write_all(echo).await.unwrap();
    assert!(read_response(&mut older).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut newer = TcpStream::connect(server.addr).await.unwrap();
    newer.write_all(echo).await.unwrap();
    assert!(read_response(&mut newer).await.starts_with("HTTP/1.1 200"));
    // Idle for longer than a connection that may still be writing its answer.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Both idle keep-alives; a third is served at once, and the older idle one is closed.
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third.write_all(echo).await.unwrap();
    let served = timeout(Duration::from_secs(2), read_response(&mut third))
        .await
        .unwrap();
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    closed_after(&mut older, Instant::now()).await;
    newer.write_all(echo).await.unwrap();
    assert!(read_response(&mut newer).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_body_is_read_within_the_body_read_timeout_and_cut_past_it() {
    for (timeout_ms, expected) in [(1500, "HTTP/1.1 200"), (150, "HTTP/1.1 408")] {
        let app = App::new()
            .body_read_timeout(Duration::from_millis(timeout_ms))
            .entrypoint(|payload: serde_json::Value| async move {
                Ok::<_, agentcore_server::BoxError>(payload)
            });
        let server = TestServer::start(app).await;
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket
            .write_all(b"POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 8\r\n\r\n{\"a\":")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let _ = socket.write_all(b"1}\n").await; // may find the connection closed
        let answer = timeout(Duration::from_secs(5), read_response(&mut socket))
            .await
            .unwrap();
        assert!(answer.starts_with(expected), "{timeout_ms} ms: {answer}");
    }
}

#[tokio::test]
async fn the_pending_pool_closes_its_oldest_when_full() {
    let app = App::new()
        .max_pending_connections(4)
        .header_read_timeout(Duration::from_secs(60));
    let server = TestServer::start(app).await;
    let mut silent = Vec::new();
    for _ in 0..6 {
        silent.push(TcpStream::connect(server.addr).await.unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for oldest in &mut silent[..2] {
        closed_after(oldest, Instant::now()).await;
    }
    for newer in &mut silent[2..] {
        assert!(still_open(newer, Duration::from_millis(100)).await);
    }
    silent[5].write_all(PING).await.unwrap();
    assert!(
        read_response(&mut silent[5])
            .await
            .starts_with("HTTP/1.1 200")
    );
}

#[tokio::test]
async fn the_health_pool_closes_its_oldest_when_full_and_answers_the_newcomer() {
    let server = TestServer::start(App::new().max_health_connections(2)).await;
    let mut pingers = Vec::new();
    for _ in 0..3 {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket.write_all(PING).await.unwrap();
        assert!(read_response(&mut socket).await.starts_with("HTTP/1.1 200"));
        pingers.push(socket);
    }
    closed_after(&mut pingers[0], Instant::now()).await;
    for socket in &mut pingers[1..] {
        socket.write_all(PING).await.unwrap();
        assert!(read_response(socket).await.starts_with("HTTP/1.1 200"));
    }
}
