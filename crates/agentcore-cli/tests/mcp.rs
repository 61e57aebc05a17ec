//! `agentcore mcp tools` and `agentcore mcp call`: the real binary against the emulator
//! in front of a bare rmcp server.

mod common;

use std::process::Output;

use agentcore_testkit::mcp::{MCP_ARN, McpMode, McpServer};
use agentcore_testkit::{BEARER_TOKEN as TOKEN, World};
use serde_json::Value;

async fn world() -> (McpServer, World) {
    let server = McpServer::start(McpMode::StatelessSse).await;
    let url = server.url().to_owned();
    let world =
        World::start_with(move |builder| builder.mcp_runtime(MCP_ARN, &url).expect("the ARN"))
            .await;
    (server, world)
}

/// Runs `agentcore` against the world's emulator (with `AGENT_ARN` when given).
async fn agentcore(world: &World, args: &[&str], agent_arn: Option<&str>) -> Output {
    let env: Vec<(&str, &str)> = agent_arn
        .map(|arn| ("AGENT_ARN", arn))
        .into_iter()
        .collect();
    common::against(world.url(), args, "", &env).await
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_are_json_when_piped_with_either_auth() {
    let (_server, world) = world().await;
    for auth in [vec!["--bearer", TOKEN], vec![], vec!["--json"]] {
        let mut args = vec!["mcp", "tools", MCP_ARN];
        args.extend(&auth);
        let output = agentcore(&world, &args, None).await;
        assert!(output.status.success(), "{auth:?}: {}", stderr(&output));
        let tools: Vec<Value> = serde_json::from_str(&stdout(&output)).unwrap();
        let add = tools.iter().find(|tool| tool["name"] == "add").unwrap();
        assert_eq!(add["description"], "Add two integers");
        assert_eq!(add["inputSchema"]["properties"]["a"]["type"], "integer");
        assert!(tools.iter().any(|tool| tool["name"] == "whoami"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_prints_the_result_and_a_tool_error_exits_7() {
    let (_server, world) = world().await;
    let sum = agentcore(
        &world,
        &["mcp", "call", MCP_ARN, "add", r#"{"a":2,"b":3}"#],
        None,
    )
    .await;
    assert!(sum.status.success(), "{}", stderr(&sum));
    assert_eq!(stdout(&sum), "5\n");

    // The ARN from AGENT_ARN, the whole result as JSON.
    let json = agentcore(
        &world,
        &[
            "mcp",
            "call",
            "add",
            r#"{"a":40,"b":2}"#,
            "--json",
            "--bearer",
            TOKEN,
        ],
        Some(MCP_ARN),
    )
    .await;
    assert!(json.status.success(), "{}", stderr(&json));
    let result: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(result["content"][0]["text"], "42", "{result}");

    let overflow = r#"{"a":9223372036854775807,"b":1}"#;
    let failed = agentcore(&world, &["mcp", "call", MCP_ARN, "add", overflow], None).await;
    assert_eq!(failed.status.code(), Some(7), "{}", stderr(&failed));
    assert!(stdout(&failed).contains("overflows"), "{}", stdout(&failed));
    assert_eq!(stderr(&failed).lines().count(), 1, "{}", stderr(&failed));
    assert!(stderr(&failed).starts_with("agentcore: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_and_refusals_have_their_exit_codes() {
    let (_server, world) = world().await;
    for (args, code) in [
        (vec!["mcp", "call", MCP_ARN, "divide", "{}"], 2), // an unknown tool
        (vec!["mcp", "call", MCP_ARN, "add", "{nope"], 2),
        (vec!["mcp", "call", MCP_ARN, "add", "[1, 2]"], 2),
        (vec!["mcp", "call", MCP_ARN], 2),
        (vec!["mcp", "call"], 2),
        (vec!["mcp", "tools", "arn:nope"], 2),
        (
            vec!["mcp", "tools", MCP_ARN, "--bearer", "wrong-token-value"],
            3,
        ),
    ] {
        let output = agentcore(&world, &args, None).await;
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("wrong-token-value"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_are_readable_text_on_a_terminal() {
    if !common::tmux_installed() {
        return;
    }
    let (_server, world) = world().await;
    let quote = |word: &str| format!("'{}'", word.replace('\'', r"'\''"));
    let script = format!(
        "AGENTCORE_ENDPOINT={} {} --bearer {} mcp tools {}; sleep 30",
        quote(&world.url()),
        quote(env!("CARGO_BIN_EXE_agentcore")),
        quote(TOKEN),
        quote(MCP_ARN),
    );
    let tmux =
        tokio::task::spawn_blocking(move || common::Tmux::start("mcp-tools", (120, 40), &script))
            .await
            .unwrap();
    let screen = tokio::task::spawn_blocking(move || tmux.wait_for_screen("whoami"))
        .await
        .unwrap();
    assert!(screen.contains("add: Add two integers"), "{screen}");
    assert!(screen.contains("    a: integer (required)"), "{screen}");
    assert!(
        screen.contains("whoami: The runtime session id of this call"),
        "{screen}"
    );
}
