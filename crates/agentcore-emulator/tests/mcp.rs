//! MCP runtimes (`mcp_runtime`, `--mcp-arn`) over real sockets: invocations forwarded to
//! the container's `/mcp`, the MCP headers both ways, SSE as it comes, the auth checks.

use std::convert::Infallible;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::{RuntimeArn, headers};
use agentcore_testkit::mcp::{MCP_ARN, McpMode, McpServer};
use agentcore_testkit::{BEARER_TOKEN, World};
use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};

const SESSION: &str = "emulator-mcp-session-0123456789abcdef01";
const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"emulator-test","version":"1.0"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const WHOAMI: &str =
    r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}"#;

fn invocations() -> String {
    RuntimeOperation::Invocations.path(&RuntimeArn::new(MCP_ARN).unwrap())
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    chunks: Vec<Bytes>,
}

impl Reply {
    fn text(&self) -> String {
        self.chunks
            .iter()
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect()
    }

    /// The JSON-RPC message of an SSE answer's `data:` line (or of a JSON body).
    fn message(&self) -> Value {
        let text = self.text();
        let data = text
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(str::trim)
            .find(|data| !data.is_empty())
            .unwrap_or(&text);
        serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {text}"))
    }
}

/// Sends one request to the emulator; the answer, its body as the pieces that came.
async fn send(url: &str, method: Method, headers: &[(&str, &str)], body: &str) -> Reply {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("{url}{}", invocations()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let (parts, mut body) = response.into_parts();
    let mut chunks = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            chunks.push(data);
        }
    }
    Reply {
        status: parts.status,
        headers: parts.headers,
        chunks,
    }
}

fn mcp_headers<'a>(auth: &'a str, mcp_session: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut headers = vec![
        ("authorization", auth),
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
        (headers::SESSION_ID, SESSION),
        (headers::MCP_PROTOCOL_VERSION, "2025-06-18"),
    ];
    if let Some(id) = mcp_session {
        headers.push((headers::MCP_SESSION_ID, id));
    }
    headers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stateful_mcp_server_is_reached_at_mcp_with_its_session() {
    let server = McpServer::start(McpMode::Stateful).await;
    let world =
        World::start_with(|builder| builder.mcp_runtime(MCP_ARN, server.url()).unwrap()).await;
    let url = world.url();
    let auth = format!("Bearer {BEARER_TOKEN}");

    let init = send(&url, Method::POST, &mcp_headers(&auth, None), INITIALIZE).await;
    assert_eq!(init.status, StatusCode::OK, "{}", init.text());
    assert_eq!(init.headers["content-type"], "text/event-stream");
    assert_eq!(init.headers[headers::SESSION_ID], SESSION);
    let mcp_session = init.headers[headers::MCP_SESSION_ID]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!mcp_session.is_empty());
    let message = init.message();
    assert_eq!(message["id"], 1, "{message}");
    assert!(message["result"]["serverInfo"].is_object(), "{message}");

    // A notification: the server's 202 comes back as it is.
    let headers = mcp_headers(&auth, Some(&mcp_session));
    let accepted = send(&url, Method::POST, &headers, INITIALIZED).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text());

    // The MCP session id reaches the server, with the runtime session id.
    let who = send(&url, Method::POST, &headers, WHOAMI).await;
    assert_eq!(who.status, StatusCode::OK, "{}", who.text());
    let message = who.message();
    let who: Value =
        serde_json::from_str(message["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        who,
        json!({"session_id": SESSION, "mcp_session_id": mcp_session})
    );

    // Without the MCP session the stateful server refuses: the service's 424.
    let lost = send(&url, Method::POST, &mcp_headers(&auth, None), WHOAMI).await;
    assert_eq!(
        lost.status,
        StatusCode::FAILED_DEPENDENCY,
        "{}",
        lost.text()
    );

    // Auth is checked as for any runtime, and only POST is an invocation.
    let refused = send(
        &url,
        Method::POST,
        &mcp_headers("Bearer nope", None),
        INITIALIZE,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    for method in [Method::GET, Method::DELETE] {
        let other = send(&url, method.clone(), &headers, "").await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{method}");
    }
}

/// A stand-in MCP container: `POST /mcp` answers an SSE stream of two events 300 ms
/// apart, with `Mcp-Session-Id` and `Mcp-Protocol-Version`, and echoes the request's
/// path and MCP headers in the first event.
async fn slow_sse_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = hyper::service::service_fn(
                |request: http::Request<hyper::body::Incoming>| async move {
                    let header = |name: &str| {
                        request
                            .headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let seen = json!({
                        "path": request.uri().path(),
                        "mcp_session_id": header(headers::MCP_SESSION_ID),
                        "mcp_protocol_version": header(headers::MCP_PROTOCOL_VERSION),
                    });
                    let first = Bytes::from(format!("data: {seen}\n\n"));
                    let events = futures_util::stream::unfold(0, move |sent| {
                        let first = first.clone();
                        async move {
                            match sent {
                                0 => Some((Ok::<_, Infallible>(Frame::data(first)), 1)),
                                1 => {
                                    tokio::time::sleep(Duration::from_millis(300)).await;
                                    Some((
                                        Ok(Frame::data(Bytes::from_static(b"data: {\"n\":2}\n\n"))),
                                        2,
                                    ))
                                }
                                _ => None,
                            }
                        }
                    });
                    let response = http::Response::builder()
                        .header("content-type", "text/event-stream")
                        .header(headers::MCP_SESSION_ID, "server-session-1")
                        .header(headers::MCP_PROTOCOL_VERSION, "2025-06-18")
                        .body(StreamBody::new(events))
                        .unwrap();
                    Ok::<_, Infallible>(response)
                },
            );
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_headers_pass_both_ways_and_sse_is_not_buffered() {
    let server = slow_sse_server().await;
    let world = World::start_with(|builder| builder.mcp_runtime(MCP_ARN, &server).unwrap()).await;
    let auth = format!("Bearer {BEARER_TOKEN}");
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::post(format!("{}{}", world.url(), invocations()));
    for (name, value) in mcp_headers(&auth, Some("caller-session-7")) {
        request = request.header(name, value);
    }
    let started = Instant::now();
    let response = client
        .request(
            request
                .body(Full::new(Bytes::from_static(WHOAMI.as_bytes())))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[headers::MCP_SESSION_ID],
        "server-session-1"
    );
    assert_eq!(
        response.headers()[headers::MCP_PROTOCOL_VERSION],
        "2025-06-18"
    );
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    let first = loop {
        let frame = body.frame().await.expect("a first event").unwrap();
        if let Ok(data) = frame.into_data() {
            break data;
        }
    };
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "the first event waited for the second: buffered"
    );
    let seen: Value = serde_json::from_str(
        std::str::from_utf8(&first)
            .unwrap()
            .trim()
            .strip_prefix("data: ")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        seen,
        json!({"path": "/mcp", "mcp_session_id": "caller-session-7", "mcp_protocol_version": "2025-06-18"})
    );
    let rest = body.collect().await.unwrap().to_bytes();
    assert_eq!(&rest[..], b"data: {\"n\":2}\n\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_mcp_runtimes_given_with_mcp_arn() {
    let server = McpServer::start(McpMode::StatelessJson).await;
    let port = agentcore_testkit::free_port();
    let mut emulator = Command::new(env!("CARGO_BIN_EXE_agentcore-emulator"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--mcp-arn", &format!("{MCP_ARN}={}", server.url())])
        .env("AGENTCORE_EMULATOR_BEARER_TOKEN", BEARER_TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the emulator did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let auth = format!("Bearer {BEARER_TOKEN}");
    let url = format!("http://127.0.0.1:{port}");
    let init = send(&url, Method::POST, &mcp_headers(&auth, None), INITIALIZE).await;
    emulator.kill().unwrap();
    let output = emulator.wait_with_output().unwrap();
    assert_eq!(init.status, StatusCode::OK, "{}", init.text());
    assert_eq!(init.headers["content-type"], "application/json");
    assert!(init.message()["result"]["serverInfo"].is_object());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{MCP_ARN} -> {}/mcp (MCP)", server.url())),
        "{stdout}"
    );

    // An MCP runtime needs its URL.
    let usage = Command::new(env!("CARGO_BIN_EXE_agentcore-emulator"))
        .args(["--mcp-arn", MCP_ARN])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("ARN=URL"));
}
