//! The request context over real sockets: every field, and isolation under concurrency.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use agentcore_server::{App, RequestContext, spawn_blocking};
use common::TestServer;
use futures_util::future::join_all;
use serde_json::{Value, json};

/// Reads the context through the argument and ambiently, across awaits, a spawned
/// blocking section and a stream.
async fn report(_: Value, ctx: RequestContext) -> Result<Value, Infallible> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    let ambient = RequestContext::current().and_then(|c| c.session_id.clone());
    tokio::task::yield_now().await;
    let in_blocking =
        spawn_blocking(|| RequestContext::current().and_then(|c| c.session_id.clone()))
            .await
            .unwrap();
    Ok(json!({
        "argument": ctx.session_id,
        "ambient": ambient,
        "blocking": in_blocking,
        "request_id": ctx.request_id,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_invocations_see_only_their_own_context() {
    let server = TestServer::start(App::new().entrypoint(report)).await;
    let server = &server;
    let replies = join_all((0..1000).map(|i| async move {
        let session = format!("session-{i:05}-0123456789abcdef0123456789");
        let request_id = format!("request-{i}");
        let reply = server
            .invoke_with(
                &[
                    ("x-amzn-bedrock-agentcore-runtime-session-id", &session),
                    ("x-amzn-bedrock-agentcore-runtime-request-id", &request_id),
                ],
                "{}",
            )
            .await;
        (session, request_id, reply.json())
    }))
    .await;
    for (session, request_id, json) in replies {
        assert_eq!(
            json,
            json!({"argument": session, "ambient": session, "blocking": session, "request_id": request_id})
        );
    }
}

#[tokio::test]
async fn the_context_is_ambient_while_the_stream_is_polled() {
    let app = App::new().entrypoint(|_: Value| async {
        let items = futures_util::stream::iter(0..2)
            .map(|_| RequestContext::current().map(|c| c.request_id.clone()));
        Ok::<_, Infallible>(items)
    });
    let server = TestServer::start(app).await;
    let reply = server
        .invoke_with(
            &[("x-amzn-bedrock-agentcore-runtime-request-id", "r-stream")],
            "{}",
        )
        .await;
    assert_eq!(reply.sse(), vec![json!("r-stream"), json!("r-stream")]);
}

use futures_util::StreamExt;

#[tokio::test]
async fn every_context_field_from_real_headers() {
    let app = App::new().entrypoint(|_: Value, ctx: RequestContext| async move {
        Ok::<_, Infallible>(json!({
            "session_id": ctx.session_id,
            "request_id": ctx.request_id,
            "wat": ctx.workload_access_token,
            "callback": ctx.oauth2_callback_url,
            "headers": ctx.request_headers,
            "experiment": ctx.routing_experiment.map(|e| json!([e.arn, e.variant_name])),
        }))
    });
    let server = TestServer::start(app).await;
    let reply = server
        .invoke_with(
            &[
                ("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", "s-0123456789abcdef0123456789abcdef"),
                ("X-Amz-Bedrock-AgentCore-Identity-WAT", "wat-1"),
                ("WorkloadAccessToken", "legacy"),
                ("OAuth2CallbackUrl", "https://example.com/cb"),
                ("Authorization", "Bearer abc"),
                ("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant", "acme"),
                ("X-Amzn-Trace-Id", "Root=1"),
                ("X-Amz-Security-Token", "t"),
                ("Content-Type", "application/json"),
                ("Cookie", "a=b"),
                ("baggage", "aws.agentcore.gateway.routing_experiment_arn=arn%3Aaws%3Aexp,aws.agentcore.gateway.routing_experiment_variant_name=control"),
            ],
            "{}",
        )
        .await;
    let json = reply.json();
    assert_eq!(json["session_id"], "s-0123456789abcdef0123456789abcdef");
    assert_eq!(
        json["request_id"].as_str().unwrap().len(),
        36,
        "a generated UUIDv4"
    );
    assert_eq!(json["wat"], "wat-1");
    assert_eq!(json["callback"], "https://example.com/cb");
    assert_eq!(json["experiment"], json!(["arn:aws:exp", "control"]));
    let headers = json["headers"].as_object().unwrap();
    let mut keys: Vec<&str> = headers.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "Authorization",
            "baggage",
            "oauth2callbackurl",
            "workloadaccesstoken",
            "x-amz-bedrock-agentcore-identity-wat",
            "x-amzn-bedrock-agentcore-runtime-custom-tenant",
        ]
    );
    assert_eq!(headers["Authorization"], "Bearer abc");
}
