//! MCP runtimes through the emulator: rmcp's client over `client.mcp(..)`, a bare rmcp
//! server behind `--mcp-arn`, bearer tokens and SigV4, over real sockets.

use agentcore_client::rmcp::model::{CallToolRequestParams, CallToolResult};
use agentcore_client::{Error, McpClient, RuntimeClient};
use agentcore_testkit::mcp::{MCP_ARN, McpMode, McpServer};
use agentcore_testkit::{BEARER_TOKEN, QUALIFIER, World, temporary_credentials};
use serde_json::{Value, json};

const SESSION: &str = "mcp-client-session-0123456789abcdef0123";

/// The bare MCP server in `mode` and the emulator in front of it, serving [`MCP_ARN`].
async fn world(mode: McpMode) -> (McpServer, World) {
    let server = McpServer::start(mode).await;
    let url = server.url().to_owned();
    let world = World::start_with(move |builder| {
        builder
            .mcp_runtime_with_qualifiers(MCP_ARN, &url, &[QUALIFIER])
            .expect("the MCP ARN")
    })
    .await;
    (server, world)
}

fn arn() -> agentcore_client::contract::RuntimeArn {
    MCP_ARN.parse().expect("the MCP ARN")
}

fn call(name: &'static str, arguments: Value) -> CallToolRequestParams {
    let arguments = arguments.as_object().cloned().unwrap_or_default();
    CallToolRequestParams::new(name).with_arguments(arguments)
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|content| content.as_text())
        .map(|content| content.text.as_str())
        .collect()
}

/// Connects with a bearer token (`true`) or SigV4 with the temporary credentials.
async fn connect(client: &RuntimeClient, bearer: bool) -> McpClient {
    let builder = client.mcp(arn()).session_id(SESSION);
    let builder = if bearer {
        builder.bearer(BEARER_TOKEN)
    } else {
        builder
    };
    builder.connect().await.expect("the MCP client connects")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_are_listed_and_called_in_every_mode_with_both_auths() {
    for mode in [
        McpMode::StatelessJson,
        McpMode::StatelessSse,
        McpMode::Stateful,
    ] {
        let (_server, world) = world(mode).await;
        for bearer in [true, false] {
            let mcp = connect(&world.client(), bearer).await;
            let tools = mcp.list_all_tools().await.expect("tools/list");
            let mut names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
            names.sort_unstable();
            assert_eq!(names, ["add", "whoami"], "{mode:?}");
            let add = tools.iter().find(|tool| tool.name == "add").unwrap();
            assert_eq!(add.description.as_deref(), Some("Add two integers"));
            let schema = Value::Object((*add.input_schema).clone());
            assert_eq!(schema["properties"]["a"]["type"], "integer", "{schema}");
            assert_eq!(schema["properties"]["b"]["type"], "integer", "{schema}");

            let sum = mcp.call_tool(call("add", json!({"a": 2, "b": 3}))).await;
            let sum = sum.expect("tools/call add");
            assert_eq!(text(&sum), "5", "{mode:?} bearer {bearer}");
            assert_ne!(sum.is_error, Some(true));
            mcp.cancel().await.expect("the client closes");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_error_is_a_result_and_an_unknown_tool_a_json_rpc_error() {
    for mode in [McpMode::StatelessJson, McpMode::Stateful] {
        let (_server, world) = world(mode).await;
        let mcp = connect(&world.client(), true).await;
        let overflow = json!({"a": i64::MAX, "b": 1});
        let failed = mcp
            .call_tool(call("add", overflow))
            .await
            .expect("a result");
        assert_eq!(failed.is_error, Some(true), "{mode:?}");
        assert!(text(&failed).contains("overflows"), "{}", text(&failed));

        let unknown = mcp.call_tool(call("divide", json!({}))).await.unwrap_err();
        match Error::from(unknown) {
            Error::JsonRpc { code, message } => {
                assert_eq!(code, -32602, "{message}");
                assert!(
                    message.contains("divide") || message.contains("not found"),
                    "{message}"
                );
            }
            other => panic!("{mode:?}: {other:?}"),
        }
        // The session goes on after both.
        let sum = mcp.call_tool(call("add", json!({"a": 40, "b": 2}))).await;
        assert_eq!(text(&sum.expect("add")), "42");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stateful_servers_session_is_kept_and_the_runtime_session_id_reaches_it() {
    let (_server, world) = world(McpMode::Stateful).await;
    let mcp = connect(&world.client(), false).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let who = mcp
            .call_tool(call("whoami", json!({})))
            .await
            .expect("whoami");
        let who: Value = serde_json::from_str(&text(&who)).expect("JSON text");
        assert_eq!(who["session_id"], SESSION, "{who}");
        seen.push(who["mcp_session_id"].clone());
    }
    assert!(seen[0].is_string(), "{seen:?}");
    assert!(seen.iter().all(|id| *id == seen[0]), "{seen:?}");

    // A second client is a second MCP session, whatever its runtime session.
    let other = connect(&world.client(), true).await;
    let who = other
        .call_tool(call("whoami", json!({})))
        .await
        .expect("whoami");
    let who: Value = serde_json::from_str(&text(&who)).expect("JSON text");
    assert!(who["mcp_session_id"].is_string() && who["mcp_session_id"] != seen[0]);

    // A stateless server has none; a new runtime session id is made when none is set.
    let (_server, world) = world_pair(McpMode::StatelessSse).await;
    let mcp = world
        .client()
        .mcp(arn())
        .bearer(BEARER_TOKEN)
        .connect()
        .await;
    let who = mcp
        .expect("connects")
        .call_tool(call("whoami", json!({})))
        .await;
    let who: Value = serde_json::from_str(&text(&who.expect("whoami"))).expect("JSON text");
    assert!(who["mcp_session_id"].is_null(), "{who}");
    assert!(
        who["session_id"].as_str().is_some_and(|id| id.len() >= 33),
        "{who}"
    );
}

/// [`world`], under another name for the tests that make two.
async fn world_pair(mode: McpMode) -> (McpServer, World) {
    world(mode).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualifiers_and_client_wide_bearer_tokens_apply() {
    let (_server, world) = world(McpMode::StatelessSse).await;
    let client = world
        .client_builder()
        .bearer_token(BEARER_TOKEN)
        .build()
        .unwrap();
    let mcp = client.mcp(arn()).qualifier(QUALIFIER).connect().await;
    let tools = mcp.expect("connects to prod").list_all_tools().await;
    assert_eq!(tools.expect("tools/list").len(), 2);

    let missing = client.mcp(arn()).qualifier("canary").connect().await;
    let err = missing.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
    assert_eq!(err.service_kind(), Some("ResourceNotFoundException"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_tokens_and_bad_signatures_are_typed_errors() {
    let (_server, world) = world(McpMode::StatelessSse).await;
    let refused = world
        .client()
        .mcp(arn())
        .bearer("not-the-token")
        .connect()
        .await;
    let err = refused.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err:?}");
    assert_eq!(err.service_kind(), Some("AccessDeniedException"));
    assert!(!format!("{err:?}{err}").contains("not-the-token"));

    let wrong_secret = world
        .client_builder()
        .credentials_provider(temporary_credentials("not-the-secret"))
        .build()
        .unwrap();
    let err = wrong_secret.mcp(arn()).connect().await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err:?}");
    assert_eq!(err.service_kind(), Some("AccessDeniedException"));

    let unsigned = RuntimeClient::builder()
        .endpoint(world.url())
        .build()
        .unwrap();
    let err = unsigned.mcp(arn()).connect().await.unwrap_err();
    assert!(matches!(err, Error::NoCredentials), "{err:?}");

    let empty = world
        .client()
        .mcp(arn())
        .bearer("")
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(empty, Error::EmptyBearerToken), "{empty:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_over_the_response_limit_are_refused() {
    // A JSON answer over the limit: the typed error, from `connect` (initialize's answer).
    let (_server, world) = world(McpMode::StatelessJson).await;
    let client = world.client();
    let small = client
        .mcp(arn())
        .bearer(BEARER_TOKEN)
        .max_response_bytes(64);
    let err = small.connect().await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 64 }),
        "{err:?}"
    );
    // The client-wide limit applies too, and a large enough one lets it through.
    let client = world
        .client_builder()
        .max_response_bytes(64)
        .build()
        .unwrap();
    let err = client
        .mcp(arn())
        .bearer(BEARER_TOKEN)
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 64 }),
        "{err:?}"
    );
    let roomy = client
        .mcp(arn())
        .bearer(BEARER_TOKEN)
        .max_response_bytes(64 << 10);
    roomy.connect().await.expect("64 KiB is enough");

    // An SSE event over the limit ends the answer, and rmcp ends the connection with it:
    // initialize's (about 200 bytes), or a later one (tools/list's, about 450).
    let (_server, world) = world_pair(McpMode::StatelessSse).await;
    let client = world.client();
    let small = client
        .mcp(arn())
        .bearer(BEARER_TOKEN)
        .max_response_bytes(64);
    let err = small.connect().await.unwrap_err();
    assert!(matches!(err, Error::Mcp(_)), "{err:?}");
    let mcp = client
        .mcp(arn())
        .bearer(BEARER_TOKEN)
        .max_response_bytes(300);
    let mcp = mcp.connect().await.expect("initialize's answer fits");
    let err = Error::from(mcp.list_all_tools().await.unwrap_err());
    assert!(matches!(err, Error::Mcp(_)), "{err:?}");
}

#[test]
fn a_transport_needs_a_tokio_runtime() {
    let client = RuntimeClient::builder().build().unwrap();
    let Err(err) = client.mcp(arn()).transport() else {
        panic!("a transport outside a runtime");
    };
    assert!(matches!(err, Error::InvalidOption(_)), "{err:?}");
}
