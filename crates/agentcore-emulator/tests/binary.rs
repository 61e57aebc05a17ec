//! The `agentcore-emulator` binary: secrets from the environment (never argv), and one log
//! line per call and per refusal, without the secrets.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/logged";
const TOKEN: &str = "a-secret-token-0123456789";

async fn post(url: &str, token: &str) -> u16 {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let arn = agentcore_contract::RuntimeArn::new(ARN).unwrap();
    let path = agentcore_contract::endpoint::RuntimeOperation::Invocations.path(&arn);
    let request = http::Request::post(format!("{url}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    status
}

#[tokio::test]
async fn secrets_come_from_the_environment_and_calls_and_refusals_are_logged_without_them() {
    let agent = agentcore_testkit::Agent::start().await;
    let agent = agent.url();
    let port = agentcore_testkit::free_port();
    let mut emulator = Command::new(env!("CARGO_BIN_EXE_agentcore-emulator"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--arn",
            &format!("{ARN}={agent}"),
        ])
        .env("AGENTCORE_EMULATOR_BEARER_TOKEN", TOKEN)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the emulator did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let argv = std::fs::read(format!("/proc/{}/cmdline", emulator.id())).unwrap();
    assert!(
        !String::from_utf8_lossy(&argv).contains(TOKEN),
        "the token is on argv"
    );

    assert_eq!(post(&url, TOKEN).await, 200);
    assert_eq!(post(&url, "not-the-token").await, 403);
    std::thread::sleep(Duration::from_millis(200));
    let _ = emulator.kill();
    let _ = emulator.wait();
    let mut logs = String::new();
    emulator
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    emulator
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();

    let call = logs
        .lines()
        .find(|l| l.contains("call") && l.contains("InvokeAgentRuntime"))
        .unwrap_or_else(|| panic!("no call line:\n{logs}"));
    for field in ["status=200", "duration_ms=", "session=", ARN] {
        assert!(call.contains(field), "{field} missing: {call}");
    }
    let refusal = logs
        .lines()
        .find(|l| l.contains("refused"))
        .unwrap_or_else(|| panic!("no refusal line:\n{logs}"));
    for field in [
        "status=403",
        "AccessDeniedException",
        "invalid bearer token",
    ] {
        assert!(refusal.contains(field), "{field} missing: {refusal}");
    }
    assert!(!logs.contains(TOKEN), "the token was logged:\n{logs}");
    assert!(
        !logs.contains("not-the-token"),
        "a token was logged:\n{logs}"
    );
}
