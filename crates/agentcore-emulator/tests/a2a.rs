//! A2A runtimes (`a2a_runtime`, `--a2a-arn`) over real sockets: invocations forwarded
//! to the container's `/`, the agent card to its `/.well-known/agent-card.json`, SSE as
//! it comes.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::{RuntimeArn, headers};
use agentcore_testkit::BEARER_TOKEN;
use agentcore_testkit::a2a::{A2A_ARN, A2aAgent};
use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

const SESSION: &str = "emulator-a2a-session-0123456789abcdef01";
const SEND: &str = r#"{"jsonrpc":"2.0","id":1,"method":"SendStreamingMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"hi"}]}}}"#;

async fn send(url: String, method: Method, body: &'static str) -> (StatusCode, String, String) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = http::Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {BEARER_TOKEN}"))
        .header("content-type", "application/json")
        .header(headers::SESSION_ID, SESSION)
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_a2a_runtimes_given_with_a2a_arn() {
    let agent = A2aAgent::start().await;
    let port = agentcore_testkit::free_port();
    let mut emulator = Command::new(env!("CARGO_BIN_EXE_agentcore-emulator"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--a2a-arn", &format!("{A2A_ARN}={}", agent.url())])
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
    let arn = RuntimeArn::new(A2A_ARN).unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let invocations = format!("{base}{}", RuntimeOperation::Invocations.path(&arn));
    let card_url = format!("{invocations}/.well-known/agent-card.json");
    let card = send(card_url, Method::GET, "").await;
    let streamed = send(invocations, Method::POST, SEND).await;
    emulator.kill().unwrap();
    let output = emulator.wait_with_output().unwrap();

    assert_eq!(card.0, StatusCode::OK, "{}", card.2);
    let card: Value = serde_json::from_str(&card.2).unwrap();
    assert_eq!(card["name"], "echo");

    assert_eq!(streamed.0, StatusCode::OK, "{}", streamed.2);
    assert!(
        streamed.1.starts_with("text/event-stream"),
        "{}",
        streamed.1
    );
    let events: Vec<Value> = streamed
        .2
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    assert_eq!(events.len(), 4, "{}", streamed.2);
    assert_eq!(
        events[2]["result"]["artifactUpdate"]["artifact"]["parts"][0]["text"],
        "echo: hi"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{A2A_ARN} -> {}/ (A2A)", agent.url())),
        "{stdout}"
    );

    // An A2A runtime needs its URL.
    let usage = Command::new(env!("CARGO_BIN_EXE_agentcore-emulator"))
        .args(["--a2a-arn", A2A_ARN])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("ARN=URL"));
}
