//! Middleware: tower layers around the app; what a layer puts into the request's
//! extensions reaches the handler through the context.
//!
//! ```text
//! cargo run -p agentcore-server --example middleware
//! curl -s localhost:8080/invocations -H 'x-tenant: acme' -d '{}'
//! ```

use std::time::Duration;

use agentcore_server::{App, BoxError, RequestContext};
use http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::util::MapRequestLayer;

#[derive(Clone)]
struct Tenant(String);

fn tenant_from_header<B>(mut request: Request<B>) -> Request<B> {
    let tenant = request
        .headers()
        .get("x-tenant")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(tenant) = tenant {
        request.extensions_mut().insert(Tenant(tenant));
    }
    request
}

async fn answer(_payload: Value, ctx: RequestContext) -> Result<Value, BoxError> {
    let tenant = ctx.extensions.get::<Tenant>().map(|t| t.0.clone());
    Ok(json!({ "tenant": tenant }))
}

#[tokio::main]
async fn main() -> Result<(), agentcore_server::ServeError> {
    App::new()
        .entrypoint(answer)
        .layer(MapRequestLayer::new(tenant_from_header))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            Duration::from_secs(300),
        ))
        .run()
        .await
}
