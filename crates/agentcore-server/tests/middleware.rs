//! tower layers around the app: tower-http as it is, and extensions reaching handlers.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use agentcore_server::{App, RequestContext};
use common::TestServer;
use http::StatusCode;
use serde_json::{Value, json};

#[derive(Clone)]
struct Tenant(String);

async fn handler(payload: Value, ctx: RequestContext) -> Result<Value, Infallible> {
    if let Some(ms) = payload["sleep_ms"].as_u64() {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    Ok(json!({ "tenant": ctx.extensions.get::<Tenant>().map(|t| t.0.clone()) }))
}

fn tenant_from_header() -> tower::util::MapRequestLayer<
    impl Fn(http::Request<agentcore_server::Body>) -> http::Request<agentcore_server::Body> + Clone,
> {
    tower::util::MapRequestLayer::new(|mut request: http::Request<agentcore_server::Body>| {
        if let Some(tenant) = request
            .headers()
            .get("x-tenant")
            .and_then(|v| v.to_str().ok())
        {
            let tenant = Tenant(tenant.to_owned());
            request.extensions_mut().insert(tenant);
        }
        request
    })
}

#[tokio::test]
async fn extensions_from_a_layer_reach_the_handler() {
    let server =
        TestServer::start(App::new().entrypoint(handler).layer(tenant_from_header())).await;
    let reply = server.invoke_with(&[("x-tenant", "acme")], "{}").await;
    assert_eq!(reply.json(), json!({ "tenant": "acme" }));
    let reply = server.invoke("{}").await;
    assert_eq!(reply.json(), json!({ "tenant": null }));
}

#[tokio::test]
async fn tower_http_timeout_trace_and_headers_work_as_they_are() {
    let app = App::new()
        .entrypoint(handler)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            Duration::from_millis(200),
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            http::header::HeaderName::from_static("x-layered"),
            http::HeaderValue::from_static("yes"),
        ));
    let server = TestServer::start(app).await;

    let fast = server.invoke("{}").await;
    assert_eq!(fast.status, StatusCode::OK);
    assert_eq!(fast.headers["x-layered"], "yes");

    let slow = server.invoke(r#"{"sleep_ms": 2000}"#).await;
    assert_eq!(slow.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(slow.headers["x-layered"], "yes");

    // /ping goes through the layers too, and keeps working.
    assert_eq!(server.ping().await["status"], "Healthy");
}

#[tokio::test]
async fn a_layer_error_or_panic_is_a_500_and_the_server_keeps_serving() {
    type Response = http::Response<agentcore_server::Body>;
    let app = App::new()
        .entrypoint(handler)
        .layer(tower::layer::layer_fn(|inner| {
            tower::util::AndThen::new(inner, |response: Response| async move {
                match response.status() {
                    StatusCode::OK => {
                        Err::<Response, agentcore_server::BoxError>("refused by a layer".into())
                    }
                    _ => panic!("a layer panicked"),
                }
            })
        }));
    let server = TestServer::start(app).await;
    let reply = server.invoke("{}").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json(), json!({ "error": "refused by a layer" }));
    let reply = server.invoke("not json").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json(), json!({ "error": "a layer panicked" }));
    assert_eq!(
        server.invoke("{}").await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}
