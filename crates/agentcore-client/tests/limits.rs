//! The client's limits and timeouts at their edges, against raw loopback servers: the
//! response size limit (bodies, non-SSE streams), error bodies read only so far, the
//! WebSocket connect timeout, and the workload access token on the wire.

use std::time::{Duration, Instant};

use agentcore_client::contract::RuntimeArn;
use agentcore_client::{Error, RuntimeClient};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/limited";

fn arn() -> RuntimeArn {
    ARN.parse().unwrap()
}

/// Reads a request head and its `content-length` body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if socket.read_exact(&mut byte).await.is_err() {
            break;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let length: usize = text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    let _ = socket.read_exact(&mut body).await;
    text
}

/// Answers every request with `status`, `body` and a `content-length` of `declared`
/// (default: the body's); when that is more than the body, holds the connection (a
/// client that reads on waits for more).
async fn server(
    status: u16,
    content_type: &str,
    body: Vec<u8>,
    declared: Option<usize>,
) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let content_type = content_type.to_owned();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            let content_type = content_type.clone();
            tokio::spawn(async move {
                // Keep-alive: one answer per request, until the client goes away.
                while !read_request(&mut socket).await.is_empty() {
                    let length = declared.unwrap_or(body.len());
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\nx-amzn-errortype: InternalServerException\r\n\r\n"
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&body).await;
                    if length > body.len() {
                        // Announced more than it sends: hold the connection.
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                }
            });
        }
    });
    (url, task)
}

fn client(url: &str) -> RuntimeClient {
    RuntimeClient::builder()
        .endpoint(url)
        .bearer_token("t")
        .read_timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_collected_body_is_read_up_to_the_limit_and_refused_past_it() {
    let (url, _server) = server(200, "application/json", vec![b'1'; 1000], None).await;
    let client = client(&url);
    let answer = client
        .invoke(arn())
        .max_response_bytes(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.bytes().len(), 1000);
    let err = client
        .invoke(arn())
        .max_response_bytes(999)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 999 }),
        "{err:?}"
    );
    assert!(err.is_too_large());

    // The same through invoke_stream, whose non-SSE answer is collected as one event.
    let mut events = client
        .invoke_stream(arn())
        .max_response_bytes(999)
        .send()
        .await
        .unwrap();
    let err = events.next().await.unwrap().unwrap_err();
    assert!(err.is_too_large(), "{err:?}");
    assert!(events.next().await.is_none());

    // And the client-wide default.
    let small = RuntimeClient::builder()
        .endpoint(&url)
        .bearer_token("t")
        .max_response_bytes(10)
        .build()
        .unwrap();
    assert!(small.invoke(arn()).send().await.unwrap_err().is_too_large());
}

#[tokio::test]
async fn an_error_body_is_read_only_up_to_64_kib() {
    // 64 KiB of an error body arrive, a megabyte is announced, and nothing more comes:
    // a client reading it all would wait for the read timeout.
    let body = vec![b' '; agentcore_client::MAX_ERROR_BODY_BYTES];
    let (url, _server) = server(500, "application/json", body, Some(1 << 20)).await;
    let started = Instant::now();
    let err = client(&url).invoke(arn()).send().await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    assert_eq!(err.service_kind(), Some("InternalServerException"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "read past the cap: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_websocket_connect_that_gets_no_handshake_times_out() {
    // Accepts, reads, never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let _held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = RuntimeClient::builder()
        .endpoint(url)
        .bearer_token("t")
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.connect(arn()).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[tokio::test]
async fn the_workload_access_token_is_sent_and_never_shown() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let captured = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let head = read_request(&mut socket).await;
        let reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nx-amzn-bedrock-agentcore-runtime-session-endpoint-url: https://session.example/abc\r\n\r\n{}";
        socket.write_all(reply).await.unwrap();
        head
    });
    let client = client(&url);
    let request = client.invoke(arn()).workload_access_token("wat-secret-1");
    assert!(!format!("{request:?}").contains("wat-secret-1"));
    let answer = request.send().await.unwrap();
    let head = captured.await.unwrap().to_ascii_lowercase();
    assert!(
        head.contains("x-amz-bedrock-agentcore-identity-wat: wat-secret-1\r\n"),
        "{head}"
    );
    assert_eq!(
        answer.head().session_endpoint_url(),
        Some("https://session.example/abc")
    );
}
