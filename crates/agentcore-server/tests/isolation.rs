//! Handlers never hold up the server: blocked handlers, disconnects, cancelled streams.

mod common;

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use agentcore_server::App;
use common::TestServer;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_while_every_handler_thread_is_blocked() {
    let finished = Arc::new(AtomicUsize::new(0));
    let done = Arc::clone(&finished);
    let app = App::new().entrypoint(move |_: Value| {
        let done = Arc::clone(&done);
        async move {
            // On purpose: block the async worker thread.
            std::thread::sleep(Duration::from_millis(1500));
            done.fetch_add(1, Ordering::SeqCst);
            Ok::<_, std::convert::Infallible>(json!({}))
        }
    });
    let server = TestServer::start(app).await;
    let addr = server.addr;
    // Block both handler workers.
    let blockers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(move || {
                let mut socket = std::net::TcpStream::connect(addr).unwrap();
                write!(
                    socket,
                    "POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\n\r\n{{}}"
                )
                .unwrap();
                let mut buf = [0u8; 512];
                let _ = socket.read(&mut buf);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let pinged = std::thread::spawn(move || common::blocking_get(addr, "/ping").unwrap())
        .join()
        .unwrap();
    assert!(pinged.starts_with("HTTP/1.1 200"), "{pinged}");
    assert!(pinged.contains("\"status\":\"Healthy\""), "{pinged}");
    assert_eq!(
        finished.load(Ordering::SeqCst),
        0,
        "/ping waited for a blocked handler"
    );
    for blocker in blockers {
        blocker.join().unwrap();
    }
    assert_eq!(finished.load(Ordering::SeqCst), 2);
}

/// Counts its own drops.
struct DropFlag(Arc<AtomicUsize>);

/// Waits (5 s at most) until a `DropFlag` on `dropped` has been dropped.
async fn wait_dropped(dropped: &AtomicUsize, failure: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while dropped.load(Ordering::SeqCst) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "{failure}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_client_that_disconnects_mid_stream_drops_the_producer() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let flag = Arc::clone(&dropped);
    let app = App::new().entrypoint(move |_: Value| {
        let guard = DropFlag(Arc::clone(&flag));
        async move {
            // One event, then silence: the producer only ends when it is dropped.
            let first = futures_util::stream::once(async { json!({"i": 0}) });
            let forever = futures_util::stream::pending();
            let stream = futures_util::StreamExt::chain(first, forever);
            let stream = futures_util::StreamExt::map(stream, move |item: Value| {
                let _keep = &guard;
                item
            });
            Ok::<_, std::convert::Infallible>(stream)
        }
    });
    let server = TestServer::start(app).await;
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(b"POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\n\r\n{}")
        .await
        .unwrap();
    let mut received = Vec::new();
    while !String::from_utf8_lossy(&received).contains("data: {\"i\":0}") {
        let mut buf = [0u8; 1024];
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed early");
        received.extend_from_slice(&buf[..n]);
    }
    assert_eq!(dropped.load(Ordering::SeqCst), 0);
    drop(socket);
    wait_dropped(&dropped, "the producer was not dropped").await;
    // Others are not stalled.
    assert_eq!(server.ping().await["status"], "Healthy");
}

#[tokio::test]
async fn a_client_that_disconnects_cancels_its_handler() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let flag = Arc::clone(&dropped);
    let app = App::new().entrypoint(move |_: Value| {
        let guard = DropFlag(Arc::clone(&flag));
        async move {
            let _guard = guard;
            std::future::pending::<()>().await;
            Ok::<_, std::convert::Infallible>(json!({}))
        }
    });
    let server = TestServer::start(app).await;
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    socket
        .write_all(b"POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\n\r\n{}")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(socket);
    wait_dropped(&dropped, "the handler was not cancelled").await;
}

#[tokio::test]
async fn keep_alive_comments_are_sent_when_turned_on() {
    let app = App::new().entrypoint(|_: Value| async {
        let late = futures_util::stream::once(async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            json!("late")
        });
        Ok::<_, std::convert::Infallible>(
            agentcore_server::Sse::new(late).keep_alive(Duration::from_millis(100)),
        )
    });
    let server = TestServer::start(app).await;
    let reply = server.invoke("{}").await;
    let text = reply.text();
    assert!(text.starts_with(": keep-alive\n\n"), "{text:?}");
    assert!(text.ends_with("data: \"late\"\n\n"), "{text:?}");
}

/// A connection that starts with a health check stays on the server runtime; what it
/// carries later is offloaded to the handlers, streams included.
#[tokio::test]
async fn invocations_on_a_health_check_connection_are_offloaded() {
    let app = App::new().entrypoint(|payload: Value| async move {
        use agentcore_server::IntoInvocationResponse;
        let response = match payload["stream"].as_u64() {
            Some(n) => futures_util::stream::iter((0..n).map(|i| json!({ "i": i })))
                .into_invocation_response(),
            None => json!({ "echo": payload }).into_invocation_response(),
        };
        Ok::<_, std::convert::Infallible>(response)
    });
    let server = TestServer::start(app).await;
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let read_until = async |socket: &mut tokio::net::TcpStream, end: &str| {
        let mut text = String::new();
        while !text.contains(end) {
            let mut buf = [0u8; 4096];
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed: {text}");
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        text
    };
    socket
        .write_all(b"GET /ping HTTP/1.1\r\nhost: t\r\n\r\n")
        .await
        .unwrap();
    assert!(read_until(&mut socket, "}").await.contains("Healthy"));
    socket
        .write_all(b"POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 7\r\n\r\n{\"a\":1}")
        .await
        .unwrap();
    assert!(
        read_until(&mut socket, "}}")
            .await
            .contains(r#"{"echo":{"a":1}}"#)
    );
    socket
        .write_all(
            b"POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 12\r\n\r\n{\"stream\":3}",
        )
        .await
        .unwrap();
    let text = read_until(&mut socket, "data: {\"i\":2}\n\n").await;
    assert!(text.contains("text/event-stream"), "{text}");
    for i in 0..2 {
        assert!(text.contains(&format!("data: {{\"i\":{i}}}\n\n")), "{text}");
    }
}
