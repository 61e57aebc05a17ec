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
async fn a_connection_that_sends_nothing_is_idle_not_slow() {
    let app = App::new()
        .header_read_timeout(Duration::from_millis(200))
        .idle_timeout(Duration::from_secs(60));
    let server = TestServer::start(app).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    assert!(still_open(&mut silent, Duration::from_millis(600)).await);
    silent.write_all(PING).await.unwrap();
    assert!(read_response(&mut silent).await.starts_with("HTTP/1.1 200"));
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

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_slot() {
    let server = TestServer::start(App::new().max_connections(2)).await;
    let mut first = TcpStream::connect(server.addr).await.unwrap();
    let mut second = TcpStream::connect(server.addr).await.unwrap();
    for socket in [&mut first, &mut second] {
        socket.write_all(PING).await.unwrap();
        assert!(read_response(socket).await.starts_with("HTTP/1.1 200"));
    }
    // The third connects (the kernel's backlog) but is not served...
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third.write_all(PING).await.unwrap();
    assert!(
        still_open(&mut third, Duration::from_millis(500)).await,
        "served beyond the limit"
    );
    // ...until a slot frees.
    drop(first);
    let response = timeout(Duration::from_secs(5), read_response(&mut third))
        .await
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"));
}
