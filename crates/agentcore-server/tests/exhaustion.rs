//! Health checks that nothing starves: `/ping` on a fresh connection is answered while
//! peers hold every other slot, body read and socket they can. All over real sockets.

mod common;

use std::time::Duration;

use agentcore_server::{App, BoxError, WebSocketUpgrade};
use common::TestServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{self, Message as WireMessage};

/// `/ping` on a fresh connection, answered within 2 s.
async fn ping_is_answered(server: &TestServer) {
    let ping = async {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket
            .write_all(b"GET /ping HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        socket.read_to_string(&mut response).await.unwrap();
        response
    };
    let response = timeout(Duration::from_secs(2), ping)
        .await
        .expect("/ping was not answered within 2 s");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

/// Waits (5 s at most) for the server to close `socket`, reading what it sends.
async fn closed_by_server(socket: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    timeout(Duration::from_secs(5), socket.read_to_end(&mut seen))
        .await
        .expect("the server kept the connection open")
        .unwrap_or_default();
    String::from_utf8_lossy(&seen).into_owned()
}

/// CPU time (user + system) this process has used.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // Linux reports in USER_HZ, 100 per second.
    Duration::from_millis(ticks * 10)
}

#[tokio::test]
async fn request_lines_cut_short_by_a_fin_end_their_connections_at_once() {
    // Long timeouts: only the end of stream may close these connections.
    let app = App::new()
        .max_connections(32)
        .header_read_timeout(Duration::from_secs(60))
        .idle_timeout(Duration::from_secs(60));
    let server = TestServer::start(app).await;
    let mut sockets = Vec::new();
    for _ in 0..256 {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket.write_all(b"GET /p").await.unwrap(); // may still become `GET /ping`
        socket.shutdown().await.unwrap();
        sockets.push(socket);
    }
    for socket in &mut sockets {
        assert_eq!(closed_by_server(socket).await, "");
    }
    ping_is_answered(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_request_lines_held_open_cost_no_cpu() {
    let server = TestServer::start(App::new()).await;
    let mut sockets = Vec::new();
    for _ in 0..500 {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket.write_all(b"GET /p").await.unwrap();
        sockets.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = process_cpu();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let spent = process_cpu() - before;
    // A polling placement spent a whole core here; waiting on the sockets spends nothing.
    assert!(
        spent < Duration::from_millis(250),
        "{spent:?} of CPU in 1 s"
    );
    ping_is_answered(&server).await;
}

#[tokio::test]
async fn ping_answers_while_request_bodies_never_arrive_and_they_time_out() {
    let app = App::new()
        .max_connections(8)
        .body_read_timeout(Duration::from_millis(800))
        .entrypoint(|payload: Value| async move { Ok::<_, BoxError>(payload) });
    let server = TestServer::start(app).await;
    let mut stalled = Vec::new();
    for _ in 0..32 {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket
            .write_all(
                b"POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 10\r\n\r\n{\"a\":",
            )
            .await
            .unwrap();
        stalled.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    ping_is_answered(&server).await;
    // Each body that was being read is answered 408 and closed at the timeout.
    let mut timed_out = 0;
    for socket in &mut stalled {
        let answer = closed_by_server(socket).await;
        if answer.starts_with("HTTP/1.1 408") {
            assert!(answer.contains("connection: close"), "{answer}");
            timed_out += 1;
        } else {
            // Beyond the 8 slots: waited for one, then refused.
            assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
        }
    }
    assert!(timed_out >= 8, "{timed_out} timed out");
    let reply = server.invoke(r#"{"after":true}"#).await;
    assert_eq!(reply.json()["after"], true);
}

async fn hold(
    upgrade: WebSocketUpgrade,
    _ctx: agentcore_server::RequestContext,
) -> Result<(), BoxError> {
    let mut socket = upgrade.accept().await?;
    while let Some(message) = socket.recv().await? {
        socket.send(message).await?;
    }
    Ok(())
}

async fn open_ws(
    server: &TestServer,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
    tungstenite::Error,
> {
    let url = format!("ws://{}/ws", server.addr);
    timeout(
        Duration::from_secs(5),
        tokio_tungstenite::connect_async(url),
    )
    .await
    .expect("the handshake hung")
    .map(|(socket, _)| socket)
}

#[tokio::test]
async fn websockets_hold_their_connection_slot_until_they_close() {
    let app = App::new()
        .max_connections(4)
        .header_read_timeout(Duration::from_millis(500))
        .websocket(hold);
    let server = TestServer::start(app).await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(open_ws(&server).await.unwrap());
    }
    // The limit holds for upgraded connections: a fifth is refused...
    match open_ws(&server).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("a fifth WebSocket was not refused: {:?}", other.map(|_| ())),
    }
    // ...while health checks are answered, and the open ones still work.
    ping_is_answered(&server).await;
    let first = &mut open[0];
    first.send(WireMessage::text("still")).await.unwrap();
    assert_eq!(
        first.next().await.unwrap().unwrap(),
        WireMessage::text("still")
    );
    // Closing one frees its slot.
    let mut closing = open.pop().unwrap();
    closing.close(None).await.unwrap();
    while closing.next().await.is_some() {}
    tokio::time::sleep(Duration::from_millis(100)).await;
    open.push(open_ws(&server).await.unwrap());
}

/// The close code the server sends, reading (and so answering pings) until then.
async fn close_code(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
) -> Option<u16> {
    while let Some(message) = socket.next().await {
        if let Ok(WireMessage::Close(frame)) = message {
            return frame.map(|f| f.code.into());
        }
    }
    None
}

#[tokio::test]
async fn a_silent_websocket_is_closed_at_the_idle_timeout_and_pongs_keep_a_live_one() {
    // No pings: a peer that says nothing is closed with 1001 at the idle timeout.
    let app = App::new()
        .websocket_idle_timeout(Duration::from_millis(400))
        .websocket_ping_interval(None)
        .websocket(hold);
    let server = TestServer::start(app).await;
    let mut silent = open_ws(&server).await.unwrap();
    let started = tokio::time::Instant::now();
    let code = timeout(Duration::from_secs(5), close_code(&mut silent))
        .await
        .unwrap();
    assert_eq!(code, Some(1001));
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );

    // With pings, a quiet peer that answers them (any reading client does) stays open.
    let app = App::new()
        .websocket_idle_timeout(Duration::from_millis(400))
        .websocket_ping_interval(Duration::from_millis(100))
        .websocket(hold);
    let server = TestServer::start(app).await;
    let mut quiet = open_ws(&server).await.unwrap();
    let reading = timeout(Duration::from_millis(1200), async {
        let mut pings = 0;
        while let Some(Ok(message)) = quiet.next().await {
            if matches!(message, WireMessage::Ping(_)) {
                pings += 1;
            }
        }
        pings
    })
    .await;
    assert!(
        reading.is_err(),
        "closed while answering pings: {reading:?}"
    );
    quiet.send(WireMessage::text("alive")).await.unwrap();
    let echoed = loop {
        match quiet.next().await.unwrap().unwrap() {
            WireMessage::Ping(_) => continue,
            other => break other,
        }
    };
    assert_eq!(echoed, WireMessage::text("alive"));
}
