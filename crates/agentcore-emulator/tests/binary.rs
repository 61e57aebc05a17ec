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

const API_KEY: &str = "a-secret-api-key-0123456789";
const OAUTH2_TOKEN: &str = "a-secret-oauth2-token-0123456789";

/// `POST url+path` with a bearer token and a JSON body: the status and the JSON answer.
async fn identity_call(url: &str, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = http::Request::post(format!("{url}{path}"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn identity_providers_come_from_the_environment_and_are_never_logged() {
    use agentcore_contract::identity::IdentityOperation;

    let port = agentcore_testkit::free_port();
    let mut emulator = Command::new(env!("CARGO_BIN_EXE_agentcore-emulator"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--arn", ARN])
        .args(["--workload", "bin-workload", "--identity-rate-limit", "50"])
        .env("AGENTCORE_EMULATOR_BEARER_TOKEN", TOKEN)
        .env(
            "AGENTCORE_EMULATOR_API_KEY_PROVIDERS",
            format!("keys=first-key,other={API_KEY}"),
        )
        .env(
            "AGENTCORE_EMULATOR_OAUTH2_PROVIDERS",
            format!("github={OAUTH2_TOKEN}"),
        )
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

    let (status, answer) = identity_call(
        &url,
        IdentityOperation::GetWorkloadAccessToken.path(),
        serde_json::json!({ "workloadName": "bin-workload" }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let wat = answer["workloadAccessToken"].as_str().unwrap().to_owned();
    let (status, answer) = identity_call(
        &url,
        IdentityOperation::GetResourceApiKey.path(),
        serde_json::json!({ "workloadIdentityToken": wat, "resourceCredentialProviderName": "other" }),
    )
    .await;
    assert_eq!((status, answer["apiKey"].as_str()), (200, Some(API_KEY)));
    let (status, answer) = identity_call(
        &url,
        IdentityOperation::GetResourceOauth2Token.path(),
        serde_json::json!({
            "workloadIdentityToken": wat, "resourceCredentialProviderName": "github",
            "scopes": [], "oauth2Flow": "M2M",
        }),
    )
    .await;
    assert_eq!(
        (status, answer["accessToken"].as_str()),
        (200, Some(OAUTH2_TOKEN))
    );

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
    assert!(logs.contains("GetResourceApiKey"), "{logs}");
    assert!(
        logs.contains(r#"API key providers ["keys", "other"]"#),
        "{logs}"
    );
    for secret in [API_KEY, "first-key", OAUTH2_TOKEN, &wat] {
        assert!(!logs.contains(secret), "a secret was logged:\n{logs}");
    }
}

#[test]
fn identity_settings_it_refuses_stop_it_with_usage_status() {
    for (args, says) in [
        (vec!["--workload", "x"], "workloadName"),
        (
            vec![
                "--workload",
                "one",
                "--runtime-workload",
                &format!("{ARN}=two"),
            ],
            "\"two\"",
        ),
        (vec!["--api-key-provider", "no-equals-sign"], "NAME=SECRET"),
    ] {
        let port = agentcore_testkit::free_port();
        let output = Command::new(env!("CARGO_BIN_EXE_agentcore-emulator"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--arn", ARN])
            .args(&args)
            .env("AGENTCORE_EMULATOR_BEARER_TOKEN", TOKEN)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("no-equals-sign"), "{stderr}");
    }
}
