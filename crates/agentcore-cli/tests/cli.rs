//! The real `agentcore` binary against the emulator in front of a real agent.

mod common;

use std::process::Output;

use agentcore_testkit::{ARN, BEARER_TOKEN as TOKEN, World};
use serde_json::{Value, json};

const SESSION: &str = "cli-session-0123456789abcdef0123456789";

/// Runs `agentcore` against the world's emulator with these arguments and stdin.
async fn agentcore(world: &World, args: &[&str], stdin: &str) -> Output {
    common::against(world.url(), args, stdin, &[]).await
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_from_argument_file_and_stdin_in_both_auth_modes() {
    let emulator = World::start().await;
    let file =
        std::env::temp_dir().join(format!("agentcore-cli-payload-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"from":"file"}"#).unwrap();
    let at_file = format!("@{}", file.display());
    for bearer in [true, false] {
        let auth: Vec<&str> = if bearer {
            vec!["--bearer", TOKEN]
        } else {
            vec![]
        };
        for (payload, stdin, expected) in [
            (Some(r#"{"from":"arg"}"#), "", json!({ "from": "arg" })),
            (Some(at_file.as_str()), "", json!({ "from": "file" })),
            (None, r#"{"from":"stdin"}"#, json!({ "from": "stdin" })),
        ] {
            let mut args = vec!["invoke", ARN, "--session-id", SESSION];
            args.extend(&auth);
            args.extend(payload);
            let output = agentcore(&emulator, &args, stdin).await;
            assert!(output.status.success(), "{args:?}: {}", stderr(&output));
            // Piped: the body exactly as the agent sent it.
            let body: Value = serde_json::from_str(&stdout(&output)).unwrap();
            assert_eq!(body["echo"], expected, "{body}");
            assert_eq!(body["session"], SESSION, "{body}");
        }
    }
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_stream_prints_each_event() {
    let emulator = World::start().await;
    let output = agentcore(
        &emulator,
        &[
            "invoke",
            ARN,
            r#"{"stream":3}"#,
            "--stream",
            "--bearer",
            TOKEN,
        ],
        "",
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_streams_output_and_exits_with_the_commands_code() {
    let emulator = World::start().await;
    let ok = agentcore(
        &emulator,
        &["exec", ARN, "echo out; echo err >&2", "--bearer", TOKEN],
        "",
    )
    .await;
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert_eq!(
        (stdout(&ok).as_str(), stderr(&ok).as_str()),
        ("out\n", "err\n")
    );

    let failing = agentcore(&emulator, &["exec", ARN, "exit 7"], "").await;
    assert_eq!(failing.status.code(), Some(7), "{}", stderr(&failing));

    let slow = agentcore(
        &emulator,
        &["exec", ARN, "sleep 5", "--timeout", "1", "--bearer", TOKEN],
        "",
    )
    .await;
    assert_eq!(slow.status.code(), Some(6));
    assert_eq!(stderr(&slow).lines().count(), 1, "{}", stderr(&slow));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_a_session_then_it_is_gone() {
    let emulator = World::start().await;
    let invoke = agentcore(
        &emulator,
        &["invoke", ARN, "{}", "--session-id", SESSION],
        "",
    )
    .await;
    assert!(invoke.status.success(), "{}", stderr(&invoke));
    let stop = agentcore(&emulator, &["stop", ARN, "--session-id", SESSION], "").await;
    assert!(stop.status.success(), "{}", stderr(&stop));
    assert_eq!(stdout(&stop), format!("stopped session {SESSION}\n"));
    let again = agentcore(&emulator, &["stop", ARN, "--session-id", SESSION], "").await;
    assert_eq!(again.status.code(), Some(4), "{}", stderr(&again));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presign_prints_a_url_the_data_plane_accepts() {
    let emulator = World::start().await;
    let output = agentcore(
        &emulator,
        &["presign", ARN, "--expires", "60", "--param", "tenant=acme"],
        "",
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let url = stdout(&output).trim().to_owned();
    assert!(
        url.starts_with(&format!(
            "{}/runtimes/",
            emulator.url().replace("http", "ws")
        )),
        "{url}"
    );
    assert!(
        url.contains("tenant=acme")
            && url.contains("X-Amz-Expires=60")
            && url.contains("X-Amz-Signature=")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect("the URL is accepted");
    socket.close(None).await.unwrap();

    let too_long = agentcore(&emulator, &["presign", ARN, "--expires", "301"], "").await;
    assert_eq!(too_long.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_sends_stdin_lines_and_prints_messages() {
    let emulator = World::start().await;
    for extra in [vec![], vec!["--presigned"], vec!["--bearer", TOKEN]] {
        let mut args = vec!["ws", ARN];
        args.extend(&extra);
        let output = agentcore(&emulator, &args, "{\"n\":1}\n{\"n\":2}\n").await;
        assert!(output.status.success(), "{extra:?}: {}", stderr(&output));
        let echoed: Vec<Value> = stdout(&output)
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap()["echo"].clone())
            .collect();
        assert_eq!(echoed, [json!({"n": 1}), json!({"n": 2})], "{extra:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_auth_and_bad_usage_have_their_own_exit_codes_and_no_secrets() {
    let emulator = World::start().await;
    let refused = agentcore(
        &emulator,
        &["invoke", ARN, "{}", "--bearer", "wrong-secret-value"],
        "",
    )
    .await;
    assert_eq!(refused.status.code(), Some(3));
    let message = stderr(&refused);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.starts_with("agentcore: "), "{message}");
    assert!(!message.contains("wrong-secret-value"), "{message}");

    let bad_arn = agentcore(&emulator, &["invoke", "arn:nope", "{}"], "").await;
    assert_eq!(bad_arn.status.code(), Some(2));
    let bad_json = agentcore(&emulator, &["invoke", ARN, "{nope"], "").await;
    assert_eq!(bad_json.status.code(), Some(2));
    let unknown = agentcore(
        &emulator,
        &["invoke", &ARN.replace("testkit-agent", "other"), "{}"],
        "",
    )
    .await;
    assert_eq!(unknown.status.code(), Some(4));
    let help = agentcore(&emulator, &["exec", "--help"], "").await;
    assert!(help.status.success() && stdout(&help).contains("--timeout"));

    // The service is not there at all: a transport failure.
    let gone_url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let gone = agentcore(
        &emulator,
        &[
            "invoke",
            ARN,
            "{}",
            "--endpoint",
            &gone_url,
            "--bearer",
            TOKEN,
        ],
        "",
    )
    .await;
    assert_eq!(gone.status.code(), Some(6), "{}", stderr(&gone));
}
