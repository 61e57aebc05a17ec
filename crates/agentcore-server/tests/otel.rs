//! Feature `otel`: the spans an agent exports over OTLP/HTTP, received by a test
//! collector on 127.0.0.1:0 that decodes the official protobuf messages.
//!
//! The agent is a child process (this binary again, see `child_agent`), configured by the
//! standard `OTEL_*` variables as on AgentCore, and stopped with SIGTERM: its batch
//! processor's delay is a minute, so the spans arrive only through the flush on
//! shutdown.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentcore_server::WebSocketUpgrade;
use agentcore_server::ws::WebSocketError;
use bytes::Bytes;
use common::child::{CHILD_MODE, child_mode, free_port};
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
use tracing::Instrument;

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const PARENT_ID: &str = "b7ad6b7169203331";
const XRAY_TRACE_ID: &str = "5759e988bd862e3fe1be46a994272793";
const XRAY_PARENT_ID: &str = "53995c3f42cd8ad8";
const SESSION: &str = "otel-session-0123456789abcdef0123456789";
const SECRETS: [&str; 4] = [
    "SECRET-AUTHORIZATION",
    "SECRET-WORKLOAD-TOKEN",
    "SECRET-PROMPT",
    "SECRET-API-KEY",
];

/// The agent process, started by the tests below (ignored in a normal run).
#[test]
#[ignore = "the agent process of the otel tests, which start it"]
fn child_agent() {
    if child_mode().is_none() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        agentcore_server::log::init().expect("the subscriber");
        if child_mode().as_deref() == Some("caller") {
            return run_caller().await;
        }
        let app = agentcore_server::App::new()
            .entrypoint(|payload: Value| async move {
                let inner = tracing::info_span!("inner_work");
                let _entered = inner.enter();
                tracing::info!("working");
                tracing::warn!("still working");
                Ok::<_, std::convert::Infallible>(json!({ "echo": payload }))
            })
            .websocket(|upgrade: WebSocketUpgrade, _ctx| async move {
                let mut socket = upgrade.accept().await?;
                while let Some(message) = socket.recv_json::<Value>().await? {
                    socket
                        .send_json(&message)
                        .instrument(tracing::info_span!("ws_message"))
                        .await?;
                }
                Ok::<_, WebSocketError>(())
            });
        if let Err(err) = app.run().await {
            eprintln!("Error: {err:?}");
            std::process::exit(1);
        }
    });
}

/// The runtime the caller agent calls (through the emulator) in the end-to-end test.
const DOWNSTREAM_ARN: &str =
    "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/downstream-e2e";
/// The emulator's bearer token in the end-to-end test.
const E2E_TOKEN: &str = "e2e-bearer-token";

/// The caller agent: each invocation calls `DOWNSTREAM_ARN` at `EMULATOR_URL` with
/// agentcore-client (feature `otel`) from a span of its own, and answers what came back.
async fn run_caller() {
    let emulator = std::env::var("EMULATOR_URL").expect("EMULATOR_URL");
    let client = agentcore_client::RuntimeClient::builder()
        .endpoint(emulator)
        .region("us-west-2")
        .bearer_token(E2E_TOKEN)
        .build()
        .expect("the client");
    let app = agentcore_server::App::new().entrypoint(move |payload: Value| {
        let client = client.clone();
        async move {
            let session = agentcore_client::RuntimeSession::new(DOWNSTREAM_ARN.parse()?);
            let answer = client
                .invoke(&session)
                .payload(payload)
                .send()
                .instrument(tracing::info_span!("call_downstream"))
                .await?;
            Ok::<_, agentcore_server::BoxError>(answer.json::<Value>()?)
        }
    });
    if let Err(err) = app.run().await {
        eprintln!("Error: {err:?}");
        std::process::exit(1);
    }
}

/// What the collector received: the raw bodies.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Bytes>>>);

impl Received {
    fn bodies(&self) -> Vec<Bytes> {
        self.0.lock().unwrap().clone()
    }

    fn spans(&self) -> Vec<Span> {
        self.bodies()
            .iter()
            .flat_map(|body| {
                ExportTraceServiceRequest::decode(body.clone())
                    .expect("an ExportTraceServiceRequest")
                    .resource_spans
            })
            .flat_map(|resource| resource.scope_spans)
            .flat_map(|scope| scope.spans)
            .collect()
    }

    fn resource_attributes(&self) -> Vec<(String, String)> {
        self.bodies()
            .iter()
            .flat_map(|body| {
                ExportTraceServiceRequest::decode(body.clone())
                    .unwrap()
                    .resource_spans
            })
            .filter_map(|resource| resource.resource)
            .flat_map(|resource| resource.attributes)
            .map(|kv| (kv.key, text(kv.value.as_ref())))
            .collect()
    }
}

/// An OTLP/HTTP collector on 127.0.0.1:0: `POST /v1/traces` bodies kept, 200 answered.
fn collector(runtime: &tokio::runtime::Runtime) -> (SocketAddr, Received) {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Received::default();
    let kept = received.clone();
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let kept = kept.clone();
                    async move {
                        assert_eq!(request.uri().path(), "/v1/traces");
                        assert_eq!(request.headers()["content-type"], "application/x-protobuf");
                        let body = request.into_body().collect().await?.to_bytes();
                        kept.0.lock().unwrap().push(body);
                        Ok::<_, hyper::Error>(http::Response::new(Full::new(Bytes::new())))
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, received)
}

struct Agent {
    child: Child,
    port: u16,
}

impl Agent {
    fn start(env: &[(&str, String)]) -> Self {
        Self::start_as("echo", env)
    }

    /// The agent of this child mode (`echo`, or `caller`).
    fn start_as(mode: &str, env: &[(&str, String)]) -> Self {
        let port = free_port();
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--exact",
                "child_agent",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_MODE, mode)
            .env("PORT", port.to_string())
            .env("DOCKER_CONTAINER", "1")
            .env("OTEL_BSP_SCHEDULE_DELAY", "60000")
            .env_remove("OTEL_SDK_DISABLED")
            .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let agent = Self {
            child: command.spawn().unwrap(),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while common::blocking_get(("127.0.0.1", port), "/ping")
            .map_or(true, |answer| !answer.starts_with("HTTP/1.1 200"))
        {
            assert!(Instant::now() < deadline, "the agent never answered /ping");
            std::thread::sleep(Duration::from_millis(20));
        }
        agent
    }

    /// `POST /invocations` with these extra header lines; the answer.
    fn invoke(&self, headers: &str, payload: &Value) -> String {
        let body = payload.to_string();
        common::blocking_exchange(
            ("127.0.0.1", self.port),
            &format!(
                "POST /invocations HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\
                 content-type: application/json\r\ncontent-length: {}\r\n{headers}\r\n{body}",
                body.len()
            ),
        )
        .unwrap()
    }

    /// A WebSocket session on `/ws` with these extra headers: one message sent and its
    /// echo read, then a close.
    fn websocket_echo(&self, headers: &[(&str, &str)]) {
        let mut request = format!("ws://127.0.0.1:{}/ws", self.port)
            .into_client_request()
            .unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (mut socket, answer) = tokio_tungstenite::connect_async(request).await.unwrap();
            assert_eq!(answer.status(), 101);
            socket
                .send(tungstenite::Message::text(r#"{"n":1}"#))
                .await
                .unwrap();
            let echo = socket.next().await.unwrap().unwrap();
            assert_eq!(echo.into_text().unwrap().as_str(), r#"{"n":1}"#);
            socket.close(None).await.unwrap();
            while socket.next().await.is_some() {}
        });
    }

    /// SIGTERM, then its standard output once it exited 0.
    fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = std::mem::replace(&mut self.child, Command::new("true").spawn().unwrap())
            .wait_with_output()
            .unwrap();
        assert!(
            output.status.success(),
            "{:?}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        other => format!("{other:?}"),
    }
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .map(|kv| text(kv.value.as_ref()))
}

/// Log lines of the agent's standard output, as JSON (the first may follow the test
/// harness's `test child_agent ... `).
fn log_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(&line[line.find('{')?..]).ok())
        .collect()
}

#[test]
fn spans_continue_the_callers_trace_and_are_flushed_at_shutdown() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (addr, received) = collector(&runtime);
    let agent = Agent::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}")),
        ("OTEL_SERVICE_NAME", "otel-test-agent".to_owned()),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "deployment.environment=test".to_owned(),
        ),
    ]);
    let answer = agent.invoke(
        &format!(
            "traceparent: 00-{TRACE_ID}-{PARENT_ID}-01\r\n\
             tracestate: vendor=opaque\r\n\
             baggage: aws.agentcore.gateway.routing_experiment_arn=arn%3Aaws%3Aexp, \
             aws.agentcore.gateway.routing_experiment_variant_name=B\r\n\
             authorization: Bearer SECRET-AUTHORIZATION\r\n\
             x-amz-bedrock-agentcore-identity-wat: SECRET-WORKLOAD-TOKEN\r\n\
             x-amzn-bedrock-agentcore-runtime-custom-key: SECRET-API-KEY\r\n\
             x-amzn-bedrock-agentcore-runtime-session-id: {SESSION}\r\n\
             x-amzn-bedrock-agentcore-runtime-request-id: req-w3c\r\n"
        ),
        &json!({ "prompt": "SECRET-PROMPT" }),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = agent.invoke(
        &format!(
            "x-amzn-trace-id: Root=1-{}-{};Parent={XRAY_PARENT_ID};Sampled=1\r\n\
             x-amzn-bedrock-agentcore-runtime-request-id: req-xray\r\n",
            &XRAY_TRACE_ID[..8],
            &XRAY_TRACE_ID[8..]
        ),
        &json!({ "n": 1 }),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        received.bodies().is_empty(),
        "nothing is exported before the batch delay or the shutdown"
    );
    let stdout = agent.stop();

    // The flush on shutdown: every span arrived before the process exited.
    let spans = received.spans();
    let invocations: Vec<&Span> = spans.iter().filter(|s| s.name == "invocation").collect();
    assert_eq!(invocations.len(), 2, "{spans:#?}");
    let w3c = invocations
        .iter()
        .find(|s| attribute(s, "aws.agentcore.request_id").as_deref() == Some("req-w3c"))
        .expect("the W3C invocation");
    assert_eq!(hex(&w3c.trace_id), TRACE_ID);
    assert_eq!(hex(&w3c.parent_span_id), PARENT_ID);
    assert_eq!(w3c.kind, SpanKind::Server as i32);
    assert_eq!(w3c.trace_state, "vendor=opaque");
    assert_eq!(attribute(w3c, "session.id").as_deref(), Some(SESSION));
    assert_eq!(
        attribute(w3c, "http.route").as_deref(),
        Some("/invocations")
    );
    assert_eq!(
        attribute(w3c, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(
        attribute(w3c, "aws.agentcore.gateway.routing_experiment_arn").as_deref(),
        Some("arn:aws:exp")
    );
    assert_eq!(
        attribute(w3c, "aws.agentcore.gateway.routing_experiment_variant_name").as_deref(),
        Some("B")
    );
    // The handler's own span is the invocation span's child.
    let inner: Vec<&Span> = spans.iter().filter(|s| s.name == "inner_work").collect();
    assert_eq!(inner.len(), 2);
    assert!(
        inner
            .iter()
            .any(|s| s.parent_span_id == w3c.span_id && s.trace_id == w3c.trace_id),
        "{inner:#?}"
    );
    // X-Amzn-Trace-Id alone: the same trace.
    let xray = invocations
        .iter()
        .find(|s| attribute(s, "aws.agentcore.request_id").as_deref() == Some("req-xray"))
        .expect("the X-Ray invocation");
    assert_eq!(hex(&xray.trace_id), XRAY_TRACE_ID);
    assert_eq!(hex(&xray.parent_span_id), XRAY_PARENT_ID);
    assert_eq!(attribute(xray, "session.id"), None);
    // The resource from the standard variables.
    let resource = received.resource_attributes();
    assert!(resource.contains(&("service.name".into(), "otel-test-agent".into())));
    assert!(resource.contains(&("deployment.environment".into(), "test".into())));
    // No secret anywhere in what was exported.
    for body in received.bodies() {
        for secret in SECRETS {
            assert!(
                !body.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} exported"
            );
        }
    }
    // The log lines name the trace and the span they were written in.
    let lines = log_lines(&stdout);
    let completed = lines
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Invocation completed"))
                && l["requestId"] == "req-w3c"
        })
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(completed["traceId"], TRACE_ID);
    assert_eq!(completed["spanId"], hex(&w3c.span_id));
    let working = lines
        .iter()
        .find(|l| l["message"] == "working" && l["traceId"] == XRAY_TRACE_ID)
        .unwrap_or_else(|| panic!("{stdout}"));
    let xray_inner = inner.iter().find(|s| s.trace_id == xray.trace_id).unwrap();
    assert_eq!(working["spanId"], hex(&xray_inner.span_id));
}

#[test]
fn sdk_disabled_exports_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (addr, received) = collector(&runtime);
    let agent = Agent::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}")),
        ("OTEL_SDK_DISABLED", "true".to_owned()),
    ]);
    let answer = agent.invoke(
        &format!("traceparent: 00-{TRACE_ID}-{PARENT_ID}-01\r\n"),
        &json!({ "n": 1 }),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let stdout = agent.stop();
    std::thread::sleep(Duration::from_millis(200));
    assert!(received.bodies().is_empty());
    let lines = log_lines(&stdout);
    assert!(!lines.is_empty(), "{stdout}");
    assert!(lines.iter().all(|l| l.get("traceId").is_none()), "{stdout}");
}

#[test]
fn the_traces_endpoint_is_used_as_is() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (addr, received) = collector(&runtime);
    let agent = Agent::start(&[
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://127.0.0.1:9".to_owned(),
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            format!("http://{addr}/v1/traces"),
        ),
    ]);
    let answer = agent.invoke("", &json!({ "n": 1 }));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    agent.stop();
    let spans = received.spans();
    let invocation = spans
        .iter()
        .find(|s| s.name == "invocation")
        .expect("an invocation span");
    // No caller trace: a new root.
    assert!(invocation.parent_span_id.is_empty());
    assert_eq!(invocation.trace_id.len(), 16);
}

#[test]
fn rust_log_filters_the_handlers_spans_not_the_servers() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (addr, received) = collector(&runtime);
    let agent = Agent::start(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}")),
        ("RUST_LOG", "warn".to_owned()),
    ]);
    let answer = agent.invoke(
        &format!(
            "traceparent: 00-{TRACE_ID}-{PARENT_ID}-01\r\n\
             x-amzn-bedrock-agentcore-runtime-request-id: req-quiet\r\n"
        ),
        &json!({ "n": 1 }),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let stdout = agent.stop();
    let spans = received.spans();
    let invocation = spans
        .iter()
        .find(|s| s.name == "invocation")
        .unwrap_or_else(|| panic!("the server span, whatever RUST_LOG says: {spans:#?}"));
    assert_eq!(hex(&invocation.trace_id), TRACE_ID);
    assert_eq!(
        attribute(invocation, "aws.agentcore.request_id").as_deref(),
        Some("req-quiet")
    );
    assert!(
        spans.iter().all(|s| s.name != "inner_work"),
        "an info span under RUST_LOG=warn: {spans:#?}"
    );
    // Only the warning is logged, with the request's ids and trace.
    let lines = log_lines(&stdout);
    assert!(lines.iter().all(|l| l["level"] == "WARNING"), "{stdout}");
    let warning = lines
        .iter()
        .find(|l| l["message"] == "still working")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(warning["requestId"], "req-quiet");
    assert_eq!(warning["traceId"], TRACE_ID);
    assert_eq!(warning["spanId"], hex(&invocation.span_id));
}

#[test]
fn a_websocket_session_is_a_server_span_with_its_handshake_status() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (addr, received) = collector(&runtime);
    let agent = Agent::start(&[("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}"))]);
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    agent.websocket_echo(&[
        ("traceparent", &traceparent),
        ("x-amzn-bedrock-agentcore-runtime-session-id", SESSION),
        ("x-amzn-bedrock-agentcore-runtime-request-id", "req-ws"),
    ]);
    agent.stop();
    let spans = received.spans();
    let session = spans
        .iter()
        .find(|s| s.name == "websocket")
        .unwrap_or_else(|| panic!("{spans:#?}"));
    assert_eq!(hex(&session.trace_id), TRACE_ID);
    assert_eq!(hex(&session.parent_span_id), PARENT_ID);
    assert_eq!(session.kind, SpanKind::Server as i32);
    assert_eq!(attribute(session, "http.route").as_deref(), Some("/ws"));
    assert_eq!(
        attribute(session, "http.response.status_code").as_deref(),
        Some("101")
    );
    assert_eq!(attribute(session, "session.id").as_deref(), Some(SESSION));
    assert_eq!(
        attribute(session, "aws.agentcore.request_id").as_deref(),
        Some("req-ws")
    );
    // The span lasts as long as the session; the handler's span is its child.
    let message = spans
        .iter()
        .find(|s| s.name == "ws_message")
        .unwrap_or_else(|| panic!("{spans:#?}"));
    assert_eq!(message.parent_span_id, session.span_id);
    assert!(session.end_time_unix_nano >= message.end_time_unix_nano);
}

#[test]
fn one_trace_from_agent_through_client_and_emulator_to_agent() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (addr, received) = collector(&runtime);
    let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}"));
    let downstream = Agent::start(std::slice::from_ref(&endpoint));
    let emulator = runtime
        .block_on(
            agentcore_emulator::Emulator::builder()
                .runtime(
                    DOWNSTREAM_ARN,
                    &format!("http://127.0.0.1:{}", downstream.port),
                )
                .unwrap()
                .bearer_token(E2E_TOKEN)
                .build()
                .start("127.0.0.1:0"),
        )
        .unwrap();
    let caller = Agent::start_as("caller", &[endpoint, ("EMULATOR_URL", emulator.url())]);
    let answer = caller.invoke(
        &format!(
            "traceparent: 00-{TRACE_ID}-{PARENT_ID}-01\r\n\
             baggage: aws.agentcore.gateway.routing_experiment_arn=arn%3Aaws%3Aexp, \
             aws.agentcore.gateway.routing_experiment_variant_name=B\r\n\
             x-amzn-bedrock-agentcore-runtime-request-id: req-upstream\r\n"
        ),
        &json!({ "hop": 1 }),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#"{"echo":{"hop":1}}"#), "{answer}");
    caller.stop();
    downstream.stop();
    let spans = received.spans();
    let upstream = spans
        .iter()
        .find(|s| {
            s.name == "invocation"
                && attribute(s, "aws.agentcore.request_id").as_deref() == Some("req-upstream")
        })
        .unwrap_or_else(|| panic!("{spans:#?}"));
    let call = spans
        .iter()
        .find(|s| s.name == "call_downstream")
        .unwrap_or_else(|| panic!("{spans:#?}"));
    let downstream_span = spans
        .iter()
        .find(|s| s.name == "invocation" && s.span_id != upstream.span_id)
        .unwrap_or_else(|| panic!("{spans:#?}"));
    // One trace: the platform's caller -> the agent -> its call -> the other agent.
    for span in [upstream, call, downstream_span] {
        assert_eq!(hex(&span.trace_id), TRACE_ID, "{span:#?}");
    }
    assert_eq!(hex(&upstream.parent_span_id), PARENT_ID);
    assert_eq!(call.parent_span_id, upstream.span_id);
    assert_eq!(downstream_span.parent_span_id, call.span_id);
    // The baggage went on with the call: the other agent's span names the experiment.
    assert_eq!(
        attribute(
            downstream_span,
            "aws.agentcore.gateway.routing_experiment_variant_name"
        )
        .as_deref(),
        Some("B")
    );
    assert_eq!(
        attribute(
            downstream_span,
            "aws.agentcore.gateway.routing_experiment_arn"
        )
        .as_deref(),
        Some("arn:aws:exp")
    );
}
