//! `/` and `/.well-known/agent-card.json`: the runtime's A2A contract. The body is read
//! where the connection is served (bounded in size and time); the JSON-RPC call then
//! runs on the handler runtime with its [`RequestContext`].

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::HOST;
use http::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::a2a::RUNTIME_URL_ENV;
use crate::body::Body;
use crate::context::RequestContext;
use crate::error::BoxError;
use crate::log;
use crate::offload::respond_on_handlers;
use crate::request_body::{read_body, refused};
use crate::response::{json_value, not_found};
use crate::state::AppState;

/// `GET /.well-known/agent-card.json`: the card, its URL the runtime's invocation URL
/// (`AGENTCORE_RUNTIME_URL`) when set, else this server as the request reached it.
pub(super) fn card<B>(state: &AppState, request: &Request<B>) -> Response<Body> {
    let Some(service) = &state.a2a else {
        return not_found();
    };
    let url = std::env::var(RUNTIME_URL_ENV)
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| {
            let host = request
                .headers()
                .get(HOST)
                .and_then(|host| host.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}/")
        });
    json_value(StatusCode::OK, &service.card(&url))
}

/// `POST /`: one JSON-RPC call.
pub(super) async fn handle<B>(state: &Arc<AppState>, request: Request<B>) -> Response<Body>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let Some(service) = &state.a2a else {
        return not_found();
    };
    let context = RequestContext::for_app(&request, &state.health);
    let (parts, body) = request.into_parts();
    let bytes = match read_body(
        &parts.headers,
        body,
        state.max_body_bytes,
        state.body_read_timeout,
    )
    .await
    {
        Ok(bytes) => bytes,
        Err(rejection) => return refused(rejection),
    };
    let span = log::request_span("a2a", &context, &parts.headers);
    let started = Instant::now();
    let service = Arc::clone(service);
    let respond = async move { service.call(&bytes, context).await }.instrument(span.clone());
    let response = respond_on_handlers(state, respond, span.clone()).await;
    log::request_completed(&span, response.status(), started, "A2A request completed");
    response
}
