//! WebSocket /ws over real sockets: messages, close codes, limits, rejection, context.

mod common;

use std::time::Duration;

use agentcore_server::ws::{Message, WebSocketError};
use agentcore_server::{App, BoxError, RequestContext, WebSocketUpgrade};
use common::TestServer;
use futures_util::{SinkExt, StreamExt};
use http::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Error as WsError, Message as WireMessage};

/// Echoes text, binary and JSON; `{"action":"close"}` ends well, `raise` fails, `panic`
/// panics.
async fn echo(upgrade: WebSocketUpgrade, ctx: RequestContext) -> Result<(), BoxError> {
    let mut socket = upgrade.accept().await?;
    while let Some(message) = socket.recv().await? {
        match message {
            Message::Binary(bytes) => socket.send_binary(bytes).await?,
            Message::Text(text) => {
                let json: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                match json["action"].as_str() {
                    Some("close") => return Ok(()),
                    Some("raise") => return Err("handler failed".into()),
                    Some("panic") => panic!("handler panicked"),
                    Some("session") => {
                        socket
                            .send_json(&json!({ "session": ctx.session_id }))
                            .await?
                    }
                    _ => socket.send_text(text.as_str()).await?,
                }
            }
            _ => {}
        }
    }
    Ok(())
}

type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &TestServer, headers: &[(&str, &str)]) -> Result<Client, WsError> {
    let mut request = format!("ws://{}/ws", server.addr).into_client_request()?;
    for (name, value) in headers {
        request.headers_mut().insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// Reads until the server's close frame, then to the end (which sends our reply); the
/// server's close code.
async fn close_code(client: &mut Client) -> Option<u16> {
    let read = async {
        let mut code = None;
        while let Some(message) = client.next().await {
            if let Ok(WireMessage::Close(frame)) = message {
                code = frame.map(|f| u16::from(f.code));
            }
        }
        code
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .expect("no close within 5 s")
}

#[tokio::test]
async fn text_binary_json_and_pings() {
    let server = TestServer::start(App::new().websocket(echo)).await;
    let mut client = connect(&server, &[]).await.unwrap();
    client.send(WireMessage::text("hello")).await.unwrap();
    assert_eq!(
        client.next().await.unwrap().unwrap(),
        WireMessage::text("hello")
    );
    client
        .send(WireMessage::binary(vec![0u8, 1, 2, 255]))
        .await
        .unwrap();
    assert_eq!(
        client.next().await.unwrap().unwrap(),
        WireMessage::binary(vec![0u8, 1, 2, 255])
    );
    client
        .send(WireMessage::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(
        client.next().await.unwrap().unwrap(),
        WireMessage::Pong(b"are you there".to_vec().into())
    );
    client
        .send(WireMessage::text(r#"{"action":"close"}"#))
        .await
        .unwrap();
    assert_eq!(close_code(&mut client).await, Some(1000));
}

#[tokio::test]
async fn the_context_comes_from_the_upgrade_request() {
    let server = TestServer::start(App::new().websocket(echo)).await;
    let session = "ws-session-0123456789abcdef0123456789";
    let mut client = connect(
        &server,
        &[("x-amzn-bedrock-agentcore-runtime-session-id", session)],
    )
    .await
    .unwrap();
    client
        .send(WireMessage::text(r#"{"action":"session"}"#))
        .await
        .unwrap();
    let reply = client.next().await.unwrap().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(reply.to_text().unwrap()).unwrap(),
        json!({ "session": session })
    );
}

#[tokio::test]
async fn handler_errors_and_panics_close_with_1011_and_the_server_keeps_serving() {
    let server = TestServer::start(App::new().websocket(echo)).await;
    for action in ["raise", "panic"] {
        let mut client = connect(&server, &[]).await.unwrap();
        client
            .send(WireMessage::text(json!({ "action": action }).to_string()))
            .await
            .unwrap();
        assert_eq!(close_code(&mut client).await, Some(1011), "{action}");
    }
    let mut client = connect(&server, &[]).await.unwrap();
    client.send(WireMessage::text("still here")).await.unwrap();
    assert_eq!(
        client.next().await.unwrap().unwrap(),
        WireMessage::text("still here")
    );
}

#[tokio::test]
async fn the_peer_closing_ends_the_handler_normally() {
    let (ended_tx, ended_rx) = tokio::sync::oneshot::channel();
    let ended_tx = std::sync::Mutex::new(Some(ended_tx));
    let app = App::new().websocket(move |upgrade: WebSocketUpgrade, _ctx| {
        let ended = ended_tx.lock().unwrap().take();
        async move {
            let mut socket = upgrade.accept().await?;
            let next = socket.recv().await?;
            if let Some(ended) = ended {
                let _ = ended.send((next.is_none(), socket.is_closed()));
            }
            Ok::<_, WebSocketError>(())
        }
    });
    let server = TestServer::start(app).await;
    let mut client = connect(&server, &[]).await.unwrap();
    client.close(None).await.unwrap();
    assert_eq!(ended_rx.await.unwrap(), (true, true));
}

#[tokio::test]
async fn no_handler_means_403() {
    let server = TestServer::start(App::new()).await;
    match connect(&server, &[]).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), StatusCode::FORBIDDEN),
        other => panic!("expected a refused handshake, got {other:?}"),
    }
}

#[tokio::test]
async fn handlers_reject_or_fail_before_accepting() {
    let app = App::new().websocket(
        |upgrade: WebSocketUpgrade, ctx: RequestContext| async move {
            match ctx
                .request_headers
                .as_ref()
                .and_then(|h| h.get("x-mode"))
                .map(String::as_str)
            {
                Some("reject") => {
                    upgrade.reject(StatusCode::UNAUTHORIZED, "no token");
                    Ok(())
                }
                Some("fail") => Err::<(), BoxError>("cannot start".into()),
                _ => Ok(()), // ends without deciding
            }
        },
    );
    let server = TestServer::start(app).await;
    for (mode, status) in [
        ("reject", StatusCode::UNAUTHORIZED),
        ("fail", StatusCode::INTERNAL_SERVER_ERROR),
        ("undecided", StatusCode::FORBIDDEN),
    ] {
        match connect(&server, &[("x-mode", mode)]).await {
            Err(WsError::Http(response)) => assert_eq!(response.status(), status, "{mode}"),
            other => panic!("{mode}: expected a refused handshake, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_plain_get_on_ws_is_a_bad_request() {
    let server = TestServer::start(App::new().websocket(echo)).await;
    let reply = server.request(http::Method::GET, "/ws", &[], "").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.headers["sec-websocket-version"], "13");
}

#[tokio::test]
async fn message_limit_at_its_edge_closes_with_1009() {
    let app = App::new()
        .websocket_max_message_bytes(10)
        .websocket_max_frame_bytes(10)
        .websocket(echo);
    let server = TestServer::start(app).await;
    let mut client = connect(&server, &[]).await.unwrap();
    client.send(WireMessage::text("0123456789")).await.unwrap();
    assert_eq!(
        client.next().await.unwrap().unwrap(),
        WireMessage::text("0123456789")
    );
    client.send(WireMessage::text("0123456789A")).await.unwrap();
    assert_eq!(
        close_code(&mut client).await,
        Some(u16::from(CloseCode::Size))
    );
}

#[tokio::test]
async fn a_protocol_violation_closes_with_1002() {
    let server = TestServer::start(App::new().websocket(echo)).await;
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let handshake = format!(
        "GET /ws HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        server.addr
    );
    socket.write_all(handshake.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(socket.read_u8().await.unwrap());
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    // A client frame must be masked: this one is not.
    socket.write_all(&[0x81, 0x02, b'h', b'i']).await.unwrap();
    let mut frame = [0u8; 4];
    tokio::time::timeout(Duration::from_secs(5), socket.read_exact(&mut frame))
        .await
        .expect("no close frame")
        .unwrap();
    assert_eq!(frame[0], 0x88, "a close frame");
    assert_eq!(u16::from_be_bytes([frame[2], frame[3]]), 1002);
}

#[tokio::test]
async fn shutdown_closes_sockets_with_1001() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        App::new()
            .websocket(echo)
            .serve_with_shutdown(listener, async {
                let _ = stopped.await;
            }),
    );
    let (mut client, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    client.send(WireMessage::text("before")).await.unwrap();
    assert_eq!(
        client.next().await.unwrap().unwrap(),
        WireMessage::text("before")
    );
    stop.send(()).unwrap();
    assert_eq!(close_code(&mut client).await, Some(1001));
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server did not stop")
        .unwrap()
        .unwrap();
    assert!(matches!(
        tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await,
        Err(tungstenite::Error::Io(_))
    ));
}

#[tokio::test]
async fn the_write_queue_is_bounded_and_a_send_that_cannot_progress_times_out() {
    let (report, mut reports) = tokio::sync::mpsc::unbounded_channel();
    let app = App::new()
        .websocket_max_write_buffer_bytes(16 * 1024)
        .websocket_idle_timeout(Duration::from_millis(500))
        .websocket(move |upgrade: WebSocketUpgrade, _ctx| {
            let report = report.clone();
            async move {
                let mut socket = upgrade.accept().await?;
                // Within the bound, then over it.
                socket.send_binary(vec![0u8; 8 * 1024]).await?;
                let too_large = socket.send_binary(vec![0u8; 64 * 1024]).await.unwrap_err();
                report.send(("too large", too_large.is_too_large())).ok();
                // A peer that reads nothing: sends stall, then fail.
                let started = tokio::time::Instant::now();
                let stalled = loop {
                    if let Err(err) = socket.send_binary(vec![0u8; 8 * 1024]).await {
                        break err;
                    }
                };
                let waited = started.elapsed() >= Duration::from_millis(400);
                report
                    .send(("timeout", stalled.is_timeout() && waited))
                    .ok();
                Ok::<_, BoxError>(())
            }
        });
    let server = TestServer::start(app).await;
    let _client = connect(&server, &[]).await.unwrap(); // never read
    let first = tokio::time::timeout(Duration::from_secs(5), reports.recv())
        .await
        .unwrap();
    assert_eq!(first, Some(("too large", true)));
    let second = tokio::time::timeout(Duration::from_secs(20), reports.recv())
        .await
        .unwrap();
    assert_eq!(second, Some(("timeout", true)));
}
