//! MCP servers on the MCP contract (`App::mcp`), over real sockets, with rmcp's own client
//! and raw HTTP: tools, context, errors, limits, sessions, health, logs and shutdown.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use agentcore_server::contract::headers;
use agentcore_server::{App, ServeError, mcp};
use bytes::Bytes;
use common::child::{Agent, child_mode};
use common::{Captured, TestServer};
use http::{HeaderName, HeaderValue, Method, StatusCode};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig};
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::service::{RequestContext, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, RoleServer, ServerHandler, ServiceExt, schemars, tool, tool_handler};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpListener;

const SESSION: &str = "mcp-test-session-0123456789abcdef0123456789";

#[derive(Deserialize, schemars::JsonSchema)]
struct Pair {
    a: i64,
    b: i64,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Failure {
    message: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Nap {
    ms: u64,
}

/// What a tool call sees of its AgentCore request.
#[derive(Serialize, schemars::JsonSchema)]
struct Seen {
    session_id: Option<String>,
    request_id: Option<String>,
    workload_access_token: Option<String>,
    forwarded: BTreeMap<String, String>,
}

#[derive(Clone)]
struct Tools {
    tool_router: ToolRouter<Self>,
}

impl Tools {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }
}

#[rmcp::tool_router]
impl Tools {
    #[tool(description = "Add two integers")]
    fn add(&self, Parameters(Pair { a, b }): Parameters<Pair>) -> Json<i64> {
        tracing::info!("adding in a tool");
        Json(a + b)
    }

    #[tool(description = "The AgentCore request context of this call")]
    fn whoami(&self, ctx: RequestContext<RoleServer>) -> Json<Seen> {
        let context = mcp::request_context(&ctx);
        Json(Seen {
            session_id: context.and_then(|c| c.session_id.clone()),
            request_id: context.map(|c| c.request_id.clone()),
            workload_access_token: context.and_then(|c| c.workload_access_token.clone()),
            forwarded: context
                .and_then(|c| c.request_headers.clone())
                .unwrap_or_default(),
        })
    }

    #[tool(description = "Fails with the message")]
    fn fail(&self, Parameters(Failure { message }): Parameters<Failure>) -> Result<String, String> {
        Err(message)
    }

    #[tool(description = "Sleeps, then answers")]
    async fn nap(&self, Parameters(Nap { ms }): Parameters<Nap>) -> String {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        format!("slept {ms} ms")
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

fn app() -> App {
    let tools = Tools::new();
    App::new().mcp(move || tools.clone())
}

fn url(server: &TestServer) -> String {
    format!("http://{}{}", server.addr, mcp::PATH)
}

type Client = RunningService<RoleClient, ClientConfig>;

/// rmcp's client, sending `headers` with every request.
async fn connect(url: &str, headers: &[(&'static str, &str)]) -> Client {
    let headers: HashMap<HeaderName, HeaderValue> = headers
        .iter()
        .map(|(name, value)| {
            (
                HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            )
        })
        .collect();
    let config = StreamableHttpClientTransportConfig::with_uri(url).custom_headers(headers);
    ClientConfig::default()
        .serve(StreamableHttpClientTransport::from_config(config))
        .await
        .expect("the MCP handshake")
}

fn call(name: &'static str, arguments: Value) -> CallToolRequestParams {
    let arguments = arguments.as_object().cloned().unwrap_or_default();
    CallToolRequestParams::new(name).with_arguments(arguments)
}

fn text(result: &CallToolResult) -> &str {
    result.content[0]
        .as_text()
        .expect("a text block")
        .text
        .as_str()
}

/// The headers of a raw MCP POST.
const POST_HEADERS: [(&str, &str); 2] = [
    ("content-type", "application/json"),
    ("accept", "application/json, text/event-stream"),
];

fn initialize() -> String {
    json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": { "name": "raw", "version": "1" }
        }
    })
    .to_string()
}

fn add_call(id: u64) -> String {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": "tools/call",
        "params": { "name": "add", "arguments": { "a": 2, "b": 3 } }
    })
    .to_string()
}

async fn post(server: &TestServer, extra: &[(&str, &str)], body: String) -> common::Reply {
    let headers: Vec<(&str, &str)> = POST_HEADERS.iter().chain(extra).copied().collect();
    server
        .request(Method::POST, mcp::PATH, &headers, body)
        .await
}

/// The one JSON-RPC message of an answer, JSON or a short SSE stream.
fn message(reply: &common::Reply) -> Value {
    if reply.content_type().starts_with("application/json") {
        return reply.json();
    }
    let data = reply
        .text()
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim)
        .find(|data| !data.is_empty())
        .unwrap_or_else(|| panic!("no message in {:?}", reply.text()));
    serde_json::from_str(data).unwrap()
}

#[tokio::test]
async fn lists_tools_and_calls_add() {
    let server = TestServer::start(app()).await;
    let client = connect(&url(&server), &[]).await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    for name in ["add", "whoami", "fail", "nap"] {
        assert!(names.contains(&name), "{names:?}");
    }
    let add = tools.iter().find(|tool| tool.name == "add").unwrap();
    assert_eq!(add.input_schema["properties"]["a"]["type"], "integer");

    let result = client
        .call_tool(call("add", json!({ "a": 2, "b": 3 })))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(false));
    assert_eq!(text(&result), "5");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_tool_call_sees_the_agentcore_request_context() {
    let server = TestServer::start(app()).await;
    let custom = format!("{}tenant", headers::CUSTOM_HEADER_PREFIX);
    let custom: &'static str = Box::leak(custom.into_boxed_str());
    let sent = [
        (headers::SESSION_ID, SESSION),
        (headers::REQUEST_ID, "mcp-request-1"),
        (headers::WORKLOAD_ACCESS_TOKEN, "wat-token"),
        (custom, "acme"),
    ];
    let client = connect(&url(&server), &sent).await;
    let result = client.call_tool(call("whoami", json!({}))).await.unwrap();
    let seen = result.structured_content.expect("structured content");
    assert_eq!(seen["session_id"], SESSION);
    assert_eq!(seen["request_id"], "mcp-request-1");
    assert_eq!(seen["workload_access_token"], "wat-token");
    assert_eq!(seen["forwarded"][custom], "acme");
    client.cancel().await.unwrap();

    // Without the runtime's headers: no session, a fresh request id per request.
    let client = connect(&url(&server), &[]).await;
    let first = client.call_tool(call("whoami", json!({}))).await.unwrap();
    let second = client.call_tool(call("whoami", json!({}))).await.unwrap();
    let (first, second) = (
        first.structured_content.unwrap(),
        second.structured_content.unwrap(),
    );
    assert_eq!(first["session_id"], Value::Null);
    assert_eq!(first["request_id"].as_str().unwrap().len(), 36);
    assert_ne!(first["request_id"], second["request_id"]);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn tool_errors_and_unknown_tools() {
    let server = TestServer::start(app()).await;
    let client = connect(&url(&server), &[]).await;
    let failed = client
        .call_tool(call("fail", json!({ "message": "the tool said no" })))
        .await
        .unwrap();
    assert_eq!(failed.is_error, Some(true));
    assert_eq!(text(&failed), "the tool said no");

    let unknown = client.call_tool(call("nope", json!({}))).await;
    let err = unknown.expect_err("an unknown tool is a protocol error");
    assert!(err.to_string().contains("tool not found"), "{err}");
    // Arguments that do not fit the schema: a tool error naming them.
    let bad_arguments = client
        .call_tool(call("add", json!({ "a": "two" })))
        .await
        .unwrap();
    assert_eq!(bad_arguments.is_error, Some(true));
    assert!(
        text(&bad_arguments).contains("invalid type"),
        "{bad_arguments:?}"
    );
    // The session goes on.
    let result = client
        .call_tool(call("add", json!({ "a": 40, "b": 2 })))
        .await
        .unwrap();
    assert_eq!(text(&result), "42");
    client.cancel().await.unwrap();

    // The same over raw HTTP: a JSON-RPC error, in the answer's body.
    let reply = post(
        &server,
        &[],
        json!({ "jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": { "name": "nope" } })
            .to_string(),
    )
    .await;
    let answer = message(&reply);
    assert_eq!(answer["id"], 7);
    assert_eq!(answer["error"]["message"], "tool not found", "{answer}");
}

#[tokio::test]
async fn malformed_json_rpc_is_refused_and_the_server_goes_on() {
    let server = TestServer::start(app()).await;
    for body in [
        "{not json",
        r#"{"jsonrpc":"2.0","id":1}"#,
        r#"{"jsonrpc":"1.0","id":1,"method":"tools/list"}"#,
        r#"[]"#,
        "",
    ] {
        let reply = post(&server, &[], body.to_owned()).await;
        assert!(
            reply.status.is_client_error(),
            "{body:?}: {} {}",
            reply.status,
            reply.text()
        );
    }
    let not_json = server
        .request(
            Method::POST,
            mcp::PATH,
            &[("content-type", "text/plain"), POST_HEADERS[1]],
            add_call(1),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let no_accept = server
        .request(Method::POST, mcp::PATH, &POST_HEADERS[..1], add_call(1))
        .await;
    assert_eq!(no_accept.status, StatusCode::NOT_ACCEPTABLE);
    let put = server
        .request(Method::PUT, mcp::PATH, &POST_HEADERS, add_call(1))
        .await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);

    let reply = post(&server, &[], add_call(2)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        message(&reply)["result"]["content"][0]["text"],
        "5",
        "{}",
        reply.text()
    );
}

/// `add_call(1)` padded with whitespace to exactly `len` bytes.
fn padded(len: usize) -> String {
    let body = add_call(1);
    format!("{body}{}", " ".repeat(len - body.len()))
}

// Blocking sockets: the server runs on other threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosts_body_limit_applies_at_its_edge() {
    const LIMIT: usize = 1024;
    let server = TestServer::start(app().max_body_bytes(LIMIT)).await;
    let at_limit = post(&server, &[], padded(LIMIT)).await;
    assert_eq!(at_limit.status, StatusCode::OK, "{}", at_limit.text());

    let over = post(&server, &[], padded(LIMIT + 1)).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(over.json()["error"], "Payload too large");
    assert_eq!(over.headers["connection"], "close");

    // Chunked, no length declared: counted as it arrives.
    let response = raw_exchange(
        server.addr,
        &format!(
            "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
             accept: application/json, text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n\
             {:x}\r\n{}\r\n0\r\n\r\n",
            LIMIT + 1,
            padded(LIMIT + 1)
        ),
    );
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
}

// Blocking sockets: the server runs on other threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_gets_408() {
    let server = TestServer::start(app().body_read_timeout(Duration::from_millis(200))).await;
    let mut socket = std::net::TcpStream::connect(server.addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
        .write_all(
            b"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
              accept: application/json, text/event-stream\r\ncontent-length: 100\r\n\r\n{\"jsonrpc\"",
        )
        .unwrap();
    let started = Instant::now();
    let mut response = String::new();
    let _ = socket.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn stateless_issues_no_session() {
    let server = TestServer::start(app()).await;
    let reply = post(&server, &[], initialize()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.headers.contains_key(headers::MCP_SESSION_ID));
    assert!(message(&reply)["result"]["serverInfo"].is_object());
    // Any request stands alone: no initialize needed.
    let reply = post(&server, &[], add_call(3)).await;
    assert_eq!(message(&reply)["result"]["content"][0]["text"], "5");
    // A standalone stream needs a session.
    let get = server
        .request(
            Method::GET,
            mcp::PATH,
            &[("accept", "text/event-stream")],
            "",
        )
        .await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// A raw `initialize` (and `notifications/initialized`) on a stateful server: the
/// session id.
async fn open_session(server: &TestServer) -> Option<String> {
    let reply = post(server, &[], initialize()).await;
    if reply.status != StatusCode::OK {
        return None;
    }
    let id = reply.headers[headers::MCP_SESSION_ID]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
    let ack = post(
        server,
        &[(headers::MCP_SESSION_ID, &id)],
        initialized.to_string(),
    )
    .await;
    assert_eq!(ack.status, StatusCode::ACCEPTED);
    Some(id)
}

/// `DELETE /mcp` with the session's id.
async fn close_session(server: &TestServer, id: &str) {
    let closed = server
        .request(
            Method::DELETE,
            mcp::PATH,
            &[(headers::MCP_SESSION_ID, id)],
            "",
        )
        .await;
    assert!(closed.status.is_success(), "{}", closed.status);
}

#[tokio::test]
async fn stateful_issues_and_keeps_a_session() {
    let server = TestServer::start(app().mcp_stateful(true)).await;
    let id = open_session(&server).await.expect("a session");
    let reply = post(&server, &[(headers::MCP_SESSION_ID, &id)], add_call(2)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(message(&reply)["result"]["content"][0]["text"], "5");

    let without = post(&server, &[], add_call(3)).await;
    assert_eq!(
        without.status,
        StatusCode::BAD_REQUEST,
        "a session is required"
    );
    let unknown = post(
        &server,
        &[(headers::MCP_SESSION_ID, "no-such-session")],
        add_call(4),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    close_session(&server, &id).await;
    let after = post(&server, &[(headers::MCP_SESSION_ID, &id)], add_call(5)).await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);

    // rmcp's client keeps the session it was given.
    let client = connect(&url(&server), &[(headers::SESSION_ID, SESSION)]).await;
    for _ in 0..2 {
        let seen = client.call_tool(call("whoami", json!({}))).await.unwrap();
        assert_eq!(seen.structured_content.unwrap()["session_id"], SESSION);
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn stateful_sessions_are_bounded() {
    let server = TestServer::start(app().mcp_stateful(true).mcp_max_sessions(2)).await;
    let first = open_session(&server).await.expect("the first session");
    let _second = open_session(&server).await.expect("the second session");
    let third = post(&server, &[], initialize()).await;
    assert_eq!(third.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(third.json()["error"], "Service unavailable");
    // The sessions there are still served.
    let reply = post(&server, &[(headers::MCP_SESSION_ID, &first)], add_call(1)).await;
    assert_eq!(reply.status, StatusCode::OK);

    close_session(&server, &first).await;
    assert!(open_session(&server).await.is_some(), "room for one again");
}

#[tokio::test]
async fn an_idle_stateful_session_is_closed() {
    let app = app()
        .mcp_stateful(true)
        .mcp_session_idle_timeout(Duration::from_millis(300));
    let server = TestServer::start(app).await;
    let id = open_session(&server).await.unwrap();
    let busy = post(&server, &[(headers::MCP_SESSION_ID, &id)], add_call(1)).await;
    assert_eq!(busy.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let idle = post(&server, &[(headers::MCP_SESSION_ID, &id)], add_call(2)).await;
    assert_eq!(idle.status, StatusCode::NOT_FOUND);
}

// Blocking sockets: the server runs on other threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_on_the_mcp_port() {
    let server = TestServer::start(app()).await;
    assert_eq!(server.ping().await["status"], "Healthy");
    // A health-check connection is served on the server runtime: an MCP request that
    // follows on it is handed to the handler runtime.
    let mut socket = std::net::TcpStream::connect(server.addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
        .write_all(b"GET /ping HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let ping = read_response(&mut socket);
    assert!(ping.starts_with("HTTP/1.1 200"), "{ping}");
    let body = add_call(9);
    write!(
        socket,
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let answer = read_response(&mut socket);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""text":"5""#), "{answer}");
}

// Blocking sockets: the server runs on other threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_header_is_checked_on_loopback_only() {
    let server = TestServer::start(app()).await;
    let rebound = post(&server, &[("host", "attacker.example")], add_call(1)).await;
    assert_eq!(rebound.status, StatusCode::FORBIDDEN);

    // Behind the runtime's front door (any other address), the Host is the platform's.
    let listener = TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = tokio::spawn(app().serve(listener));
    let body = add_call(1);
    let response = raw_exchange(
        ("127.0.0.1", port),
        &format!(
            "POST /mcp HTTP/1.1\r\nhost: runtime.example\r\ncontent-type: application/json\r\n\
             accept: application/json, text/event-stream\r\nconnection: close\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    served.abort();
}

/// Serves `app` until the sender is used; its address and the task.
async fn serve_until_stopped(
    app: App,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), ServeError>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{}", listener.local_addr().unwrap(), mcp::PATH);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));
    (url, stop, server)
}

/// A server stopped while a `nap` of `ms` is in flight: how the call ended, how the
/// server did, and how long both took from the signal.
async fn stop_during_a_nap(
    shutdown_timeout: Duration,
    ms: u64,
) -> (
    Result<CallToolResult, rmcp::ServiceError>,
    Result<(), ServeError>,
    Duration,
) {
    let (url, stop, server) = serve_until_stopped(app().shutdown_timeout(shutdown_timeout)).await;
    let client = connect(&url, &[]).await;
    let in_flight = tokio::spawn(async move {
        let result = client.call_tool(call("nap", json!({ "ms": ms }))).await;
        drop(client);
        result
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!in_flight.is_finished(), "the call is in flight");
    let stopping = Instant::now();
    stop.send(()).unwrap();
    let served = server.await.unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), in_flight)
        .await
        .expect("the call ends")
        .unwrap();
    (result, served, stopping.elapsed())
}

#[tokio::test]
async fn the_drain_waits_for_a_tool_call_in_flight() {
    let (result, served, took) = stop_during_a_nap(Duration::from_secs(10), 600).await;
    assert_eq!(text(&result.expect("the call completes")), "slept 600 ms");
    served.expect("a drain that finished");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn the_cut_ends_a_tool_call_that_outlives_the_drain() {
    let (result, served, took) = stop_during_a_nap(Duration::from_millis(300), 60_000).await;
    assert!(result.is_err(), "{result:?}");
    assert!(
        matches!(served, Err(ServeError::DrainCut { .. })),
        "{served:?}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn a_stateful_standalone_stream_ends_when_the_drain_starts() {
    let app = app()
        .mcp_stateful(true)
        .shutdown_timeout(Duration::from_secs(10));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));
    let raw = TestServer::at(addr);
    let id = open_session(&raw).await.unwrap();
    let stream = tokio::spawn(async move {
        raw.request(
            Method::GET,
            mcp::PATH,
            &[
                ("accept", "text/event-stream"),
                (headers::MCP_SESSION_ID, id.as_str()),
            ],
            Bytes::new(),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stream.is_finished(), "the standalone stream stays open");
    let stopping = Instant::now();
    stop.send(()).unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(5), stream)
        .await
        .expect("the stream ends with the drain")
        .unwrap();
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with("text/event-stream"));
    server.await.unwrap().expect("a drain that finished");
    assert!(stopping.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn logs_are_json_lines_with_the_request_ids() {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    let captured = LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        agentcore_server::log::init_with(agentcore_server::log::Format::Json, move || {
            writer.clone()
        })
        .unwrap();
        captured
    });
    let server = TestServer::start(app()).await;
    let session = "mcp-log-session-0123456789abcdef012345678";
    let reply = post(
        &server,
        &[
            (headers::SESSION_ID, session),
            (headers::REQUEST_ID, "mcp-log-request"),
            (headers::WORKLOAD_ACCESS_TOKEN, "never-logged-token"),
        ],
        add_call(1),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!captured.text().contains("never-logged-token"));
    let mut lines = captured.lines();
    lines.retain(|line| line["sessionId"] == session);
    let with = |message: &str| {
        lines
            .iter()
            .find(|line| line["message"].as_str().unwrap().starts_with(message))
            .unwrap_or_else(|| panic!("no {message:?} line in {lines:?}"))
    };
    let completed = with("MCP request completed");
    assert_eq!(completed["requestId"], "mcp-log-request");
    assert_eq!(completed["level"], "INFO");
    assert!(
        completed["message"]
            .as_str()
            .unwrap()
            .contains("status=200")
    );
    // The tool's own event, on rmcp's task, carries the request's ids too.
    assert_eq!(with("adding in a tool")["requestId"], "mcp-log-request");
    // rmcp's own info lines are off by default.
    assert!(lines.iter().all(|line| line["logger"] != "rmcp::service"));
}

/// The agent process of the environment test below (ignored in a normal run).
#[test]
#[ignore = "the MCP server process of the environment test, which starts it"]
fn child_agent() {
    if child_mode().is_none() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if let Err(err) = runtime.block_on(app().run()) {
        eprintln!("Error: {err:?}");
        std::process::exit(1);
    }
    std::process::exit(0);
}

#[test]
fn mcp_port_is_read_and_port_is_not() {
    let (mut agent, http_port) = Agent::start_mcp("mcp");
    let body = add_call(1);
    let answer = common::blocking_exchange(
        ("127.0.0.1", agent.port),
        &format!(
            "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
             accept: application/json, text/event-stream\r\nconnection: close\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .unwrap();
    assert!(answer.contains(r#""text":"5""#), "{answer}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", http_port)).is_err(),
        "nothing listens on PORT"
    );
    agent.signal("TERM");
    assert_eq!(agent.wait_exit().code(), Some(0));
}

/// Sends a whole request on a fresh std socket and reads the answer to its end.
fn raw_exchange(addr: impl std::net::ToSocketAddrs, request: &str) -> String {
    common::blocking_exchange(addr, request).unwrap()
}

/// Reads one response with a `content-length` (or a chunked one to its terminator).
fn read_response(socket: &mut std::net::TcpStream) -> String {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") {
        socket.read_exact(&mut byte).unwrap();
        seen.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&seen).to_lowercase();
    if let Some(length) = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
    {
        let mut body = vec![0u8; length.trim().parse().unwrap()];
        socket.read_exact(&mut body).unwrap();
        seen.extend_from_slice(&body);
    } else {
        while !seen.ends_with(b"0\r\n\r\n") {
            socket.read_exact(&mut byte).unwrap();
            seen.push(byte[0]);
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}
