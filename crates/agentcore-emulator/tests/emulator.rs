//! The emulator over real sockets, in front of a real agent (agentcore-server).

use std::time::Duration;

use agentcore_emulator::{Emulator, RunningEmulator};
use agentcore_testkit::{ARN, BEARER_TOKEN, JWT_SECRET, World};
use aws_smithy_eventstream::frame::read_message_from;
use bytes::{Buf, Bytes};
use futures_util::{SinkExt, StreamExt};
use http::StatusCode;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SESSION: &str = "emulator-session-0123456789abcdef01234";

fn path(operation: &str) -> String {
    let arn = agentcore_contract::RuntimeArn::new(ARN).unwrap();
    agentcore_contract::endpoint::RuntimeOperation::Invocations
        .path(&arn)
        .replace("/invocations", &format!("/{operation}"))
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

async fn post(
    emulator: &RunningEmulator,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::post(format!("{}{target}", emulator.url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(
            request
                .body(Full::new(Bytes::from(body.to_owned())))
                .unwrap(),
        )
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

fn bearer() -> (&'static str, String) {
    ("authorization", format!("Bearer {BEARER_TOKEN}"))
}

#[tokio::test]
async fn invocations_are_forwarded_with_the_session() {
    let world = World::start().await;
    let emulator = world.emulator();
    let auth = bearer();
    let reply = post(
        emulator,
        &format!("{}?qualifier=prod", path("invocations")),
        &[
            (auth.0, &auth.1),
            ("content-type", "application/json"),
            ("x-amzn-bedrock-agentcore-runtime-session-id", SESSION),
            ("x-amzn-bedrock-agentcore-runtime-custom-tenant", "acme"),
        ],
        r#"{"prompt":"hi"}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers["x-amzn-bedrock-agentcore-runtime-session-id"],
        SESSION
    );
    let json = reply.json();
    assert_eq!(json["echo"], json!({ "prompt": "hi" }));
    assert_eq!(json["session"], SESSION);
    // The caller's request id is the one the agent was given.
    assert_eq!(json["request_id"].as_str().unwrap().len(), 36);
    assert_eq!(
        reply.headers["x-amzn-requestid"],
        json["request_id"].as_str().unwrap()
    );
    assert_eq!(
        json["headers"]["x-amzn-bedrock-agentcore-runtime-custom-tenant"],
        "acme"
    );
    // Authorization is not on the (empty) allowlist: the agent does not see it.
    assert!(json["headers"].get("Authorization").is_none(), "{json}");

    // No session id: one is generated and echoed.
    let reply = post(emulator, &path("invocations"), &[(auth.0, &auth.1)], "{}").await;
    let generated = reply.headers["x-amzn-bedrock-agentcore-runtime-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 36);
    assert_eq!(reply.json()["session"], generated);
}

#[tokio::test]
async fn sse_streams_through_as_it_is_produced() {
    let world = World::start().await;
    let emulator = world.emulator();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = http::Request::post(format!("{}{}", emulator.url(), path("invocations")))
        .header("authorization", format!("Bearer {BEARER_TOKEN}"))
        .body(Full::new(Bytes::from_static(
            br#"{"stream":5,"interval_ms":20}"#,
        )))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    let mut chunks = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            chunks.push(data);
        }
    }
    let text: String = chunks
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    assert_eq!(
        text,
        (0..5)
            .map(|i| format!("data: {{\"i\":{i}}}\n\n"))
            .collect::<String>()
    );
    assert!(
        chunks.len() >= 5,
        "the events arrived in one piece: buffered ({} chunks)",
        chunks.len()
    );
}

/// A target, its headers, the expected status and error type.
type Case = (
    String,
    Vec<(&'static str, String)>,
    StatusCode,
    &'static str,
);

#[tokio::test]
async fn auth_arn_qualifier_and_session_checks() {
    let world = World::start().await;
    let emulator = world.emulator();
    let auth = bearer();
    let cases: Vec<Case> = vec![
        (
            path("invocations"),
            vec![],
            StatusCode::UNAUTHORIZED,
            "UnauthorizedException",
        ),
        (
            path("invocations"),
            vec![("authorization", "Bearer wrong".into())],
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
        ),
        (
            path("invocations").replace("testkit-agent", "other-agent"),
            vec![(auth.0, auth.1.clone())],
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
        ),
        (
            format!("{}?qualifier=nope", path("invocations")),
            vec![(auth.0, auth.1.clone())],
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
        ),
        (
            path("invocations"),
            vec![
                (auth.0, auth.1.clone()),
                (
                    "x-amzn-bedrock-agentcore-runtime-session-id",
                    "short".into(),
                ),
            ],
            StatusCode::BAD_REQUEST,
            "ValidationException",
        ),
        (
            "/runtimes/not-an-arn/invocations".into(),
            vec![(auth.0, auth.1.clone())],
            StatusCode::BAD_REQUEST,
            "ValidationException",
        ),
    ];
    for (target, headers, status, kind) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let reply = post(emulator, &target, &headers, "{}").await;
        assert_eq!(reply.status, status, "{target} {headers:?}");
        assert!(
            reply.headers["x-amzn-errortype"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{target}"
        );
        assert!(reply.json()["message"].is_string());
    }

    // HS256 JWTs: valid, expired.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let valid = agentcore_emulator::sign_hs256(&json!({ "exp": now + 60 }), JWT_SECRET);
    let expired = agentcore_emulator::sign_hs256(&json!({ "exp": now - 1 }), JWT_SECRET);
    let ok = post(
        emulator,
        &path("invocations"),
        &[("authorization", &format!("Bearer {valid}"))],
        "{}",
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let refused = post(
        emulator,
        &path("invocations"),
        &[("authorization", &format!("Bearer {expired}"))],
        "{}",
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// The command's events, decoded with the smithy reader.
fn decode_events(mut body: Bytes) -> Vec<Value> {
    let mut events = Vec::new();
    while body.has_remaining() {
        let message = read_message_from(&mut body).unwrap();
        events.push(serde_json::from_slice(message.payload()).unwrap());
    }
    events
}

#[tokio::test]
async fn commands_stream_output_exit_codes_and_timeouts() {
    let world = World::start().await;
    let emulator = world.emulator();
    let auth = bearer();
    let headers = [
        (auth.0, auth.1.as_str()),
        ("x-amzn-bedrock-agentcore-runtime-session-id", SESSION),
    ];
    let run =
        |command: &str, timeout: u64| json!({ "command": command, "timeout": timeout }).to_string();

    let reply = post(
        emulator,
        &path("commands"),
        &headers,
        &run("echo out; echo err >&2; pwd > where; exit 3", 10),
    )
    .await;
    assert_eq!(
        reply.headers["content-type"],
        "application/vnd.amazon.eventstream"
    );
    let events = decode_events(reply.body);
    assert_eq!(events.first(), Some(&json!({ "contentStart": {} })));
    assert_eq!(
        events.last(),
        Some(&json!({ "contentStop": { "exitCode": 3, "status": "COMPLETED" } }))
    );
    let stdout: String = events
        .iter()
        .filter_map(|e| e["contentDelta"]["stdout"].as_str())
        .collect();
    let stderr: String = events
        .iter()
        .filter_map(|e| e["contentDelta"]["stderr"].as_str())
        .collect();
    assert_eq!((stdout.as_str(), stderr.as_str()), ("out\n", "err\n"));

    // The session keeps its directory across commands.
    let reply = post(emulator, &path("commands"), &headers, &run("cat where", 10)).await;
    let events = decode_events(reply.body);
    let dir: String = events
        .iter()
        .filter_map(|e| e["contentDelta"]["stdout"].as_str())
        .collect();
    let root = world.work_root().to_str().unwrap();
    assert!(dir.starts_with(root), "{dir} is not in {root}");

    let reply = post(
        emulator,
        &path("commands"),
        &headers,
        &run("echo started; sleep 5", 1),
    )
    .await;
    let events = decode_events(reply.body);
    assert_eq!(
        events.last(),
        Some(&json!({ "contentStop": { "exitCode": -1, "status": "TIMED_OUT" } }))
    );
    assert!(
        events
            .iter()
            .any(|e| e["contentDelta"]["stdout"] == "started\n")
    );

    let reply = post(emulator, &path("commands"), &headers, r#"{"command":""}"#).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn stopping_sessions_is_idempotent_per_client_token() {
    let world = World::start().await;
    let emulator = world.emulator();
    let auth = bearer();
    let headers = [
        (auth.0, auth.1.as_str()),
        ("x-amzn-bedrock-agentcore-runtime-session-id", SESSION),
    ];
    post(emulator, &path("invocations"), &headers, "{}").await;
    let token = r#"{"clientToken":"client-token-0000000000000000000000000001"}"#;
    let reply = post(emulator, &path("stopruntimesession"), &headers, token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers["x-amzn-bedrock-agentcore-runtime-session-id"],
        SESSION
    );
    assert_eq!(
        post(emulator, &path("stopruntimesession"), &headers, token)
            .await
            .status,
        StatusCode::OK
    );
    let other = r#"{"clientToken":"client-token-0000000000000000000000000002"}"#;
    assert_eq!(
        post(emulator, &path("stopruntimesession"), &headers, other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let no_session = post(
        emulator,
        &path("stopruntimesession"),
        &[(auth.0, &auth.1)],
        token,
    )
    .await;
    assert_eq!(no_session.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn websockets_are_proxied_with_their_close_codes() {
    let world = World::start().await;
    let emulator = world.emulator();
    let url = format!("{}{}", emulator.url().replace("http", "ws"), path("ws"));
    for (last, code) in [(json!("bye"), 1000u16), (json!("fail"), 1011)] {
        let mut request = url.as_str().into_client_request().unwrap();
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {BEARER_TOKEN}").parse().unwrap(),
        );
        request.headers_mut().insert(
            "x-amzn-bedrock-agentcore-runtime-session-id",
            SESSION.parse().unwrap(),
        );
        let (mut socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(
            response.headers()["x-amzn-bedrock-agentcore-runtime-session-id"],
            SESSION
        );
        socket.send(Message::text(r#"{"n":1}"#)).await.unwrap();
        let reply: Value =
            serde_json::from_str(socket.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
        assert_eq!(reply, json!({ "echo": { "n": 1 }, "session": SESSION }));
        socket.send(Message::text(last.to_string())).await.unwrap();
        let mut close = None;
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                close = frame.map(|f| u16::from(f.code));
            }
        }
        assert_eq!(close, Some(code));
    }

    // Refused without credentials.
    let refused = tokio_tungstenite::connect_async(url.as_str()).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("expected 401, got {other:?}"),
    }
}

#[tokio::test]
async fn authorization_reaches_the_agent_only_when_the_allowlist_names_it() {
    let world = World::start_with(|builder| builder.forward_header("Authorization")).await;
    let emulator = world.emulator();
    let auth = bearer();
    let reply = post(emulator, &path("invocations"), &[(auth.0, &auth.1)], "{}").await;
    assert_eq!(
        reply.json()["headers"]["Authorization"],
        format!("Bearer {BEARER_TOKEN}")
    );
}

#[tokio::test]
async fn an_agent_failure_is_a_424_runtime_client_error() {
    let world = World::start().await;
    let emulator = world.emulator();
    let auth = bearer();
    let before = world.agent().calls();
    let reply = post(
        emulator,
        &path("invocations"),
        &[(auth.0, &auth.1)],
        r#"{"fail":true}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FAILED_DEPENDENCY);
    assert_eq!(reply.headers["x-amzn-errortype"], "RuntimeClientError");
    assert_eq!(
        reply.json(),
        json!({ "message": "Received error (500) from runtime. Please check your CloudWatch logs for more information." })
    );
    assert_eq!(reply.headers["x-amzn-requestid"].len(), 36);
    assert!(world.agent().calls() > before);
}

#[tokio::test]
async fn an_unreachable_or_slow_agent_is_a_424_with_its_own_message() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let unreachable = Emulator::builder()
        .runtime(ARN, &format!("http://{closed}"))
        .unwrap()
        .bearer_token(BEARER_TOKEN)
        .build()
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let auth = bearer();
    let reply = post(
        &unreachable,
        &path("invocations"),
        &[(auth.0, &auth.1)],
        "{}",
    )
    .await;
    assert_eq!(reply.status, StatusCode::FAILED_DEPENDENCY);
    assert_eq!(reply.headers["x-amzn-errortype"], "RuntimeClientError");
    let refused = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(refused.contains("not reachable"), "{refused}");

    let world =
        World::start_with(|builder| builder.agent_timeout(Duration::from_millis(300))).await;
    let slow = world.emulator();
    let reply = post(
        slow,
        &path("invocations"),
        &[(auth.0, &auth.1)],
        r#"{"sleep_ms":2000}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FAILED_DEPENDENCY);
    let timed_out = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(timed_out.contains("did not answer within"), "{timed_out}");
    assert_ne!(refused, timed_out);
}

#[tokio::test]
async fn unauthenticated_requests_are_refused_before_their_body_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let world = World::start().await;
    let emulator = world.emulator();
    for auth in ["", "authorization: Bearer wrong-token\r\n"] {
        let mut socket = tokio::net::TcpStream::connect(emulator.addr())
            .await
            .unwrap();
        // A 99 MB body announced, not one byte of it sent.
        let head = format!(
            "POST {} HTTP/1.1\r\nhost: t\r\n{auth}content-length: 99000000\r\n\r\n",
            path("invocations")
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut answer))
            .await
            .expect("no answer before the body")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
        assert!(
            answer.starts_with("HTTP/1.1 401") || answer.starts_with("HTTP/1.1 403"),
            "{answer}"
        );
        assert!(answer.contains("x-amzn-requestid: "), "{answer}");
    }
}

#[tokio::test]
async fn slow_heads_are_cut_and_connections_beyond_the_limit_wait() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let world = World::start_with(|builder| {
        builder
            .header_read_timeout(Duration::from_millis(300))
            .max_connections(2)
    })
    .await;
    let emulator = world.emulator();
    let started = tokio::time::Instant::now();
    let mut slow = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    slow.write_all(b"POST /runtimes/x/invocations HTTP/1.1\r\nhost:")
        .await
        .unwrap();
    let mut second = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    second.write_all(b"GET / HTTP/1.1\r\nhost:").await.unwrap();
    // The third waits for a slot: it is answered only once the slow ones were cut.
    let mut third = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    third
        .write_all(format!("POST {} HTTP/1.1\r\nhost: t\r\nauthorization: Bearer {BEARER_TOKEN}\r\ncontent-length: 2\r\n\r\n{{}}", path("invocations")).as_bytes())
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let cut = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf))
        .await
        .unwrap();
    assert!(
        matches!(cut, Ok(0) | Err(_)),
        "the slow head was answered: {cut:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), third.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "served beyond the limit"
    );
}
