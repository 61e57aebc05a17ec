//! `POST /invocations`: read the body (bounded in size and time, [`crate::request_body`])
//! where the connection is served; parse it strictly, answer debug actions and call the entrypoint on the
//! handler runtime.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::Value;
use tracing::Instrument;

use crate::body::Body;
use crate::context::RequestContext;
use crate::debug;
use crate::error::BoxError;
use crate::handler;
use crate::log;
use crate::offload::{on_handlers, on_server_thread};
use crate::rejection::Rejection;
use crate::request_body::{read_body, refused};
use crate::response::error_json;
use crate::state::AppState;

/// The payload key that names a debug action.
const DEBUG_ACTION_KEY: &str = "_agent_core_app_action";

pub(super) async fn handle<B>(state: &Arc<AppState>, request: Request<B>) -> Response<Body>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let context = RequestContext::for_app(&request, &state.health);
    let (parts, body) = request.into_parts();
    let limit = state.max_body_bytes;
    let bytes = match read_body(&parts.headers, body, limit, state.body_read_timeout).await {
        Ok(bytes) => bytes,
        Err(rejection) => return refused(rejection),
    };
    let span = log::request_span("invocation", &context, &parts.headers);
    let started = Instant::now();
    let response = if on_server_thread() {
        let shared = Arc::clone(state);
        let dispatched = async move { dispatch(&shared, &bytes, context).await };
        on_handlers(state, dispatched, span.clone()).await
    } else {
        dispatch(state, &bytes, context)
            .instrument(span.clone())
            .await
    };
    log::request_completed(&span, response.status(), started, "Invocation completed");
    response
}

async fn dispatch(state: &AppState, bytes: &[u8], context: RequestContext) -> Response<Body> {
    let payload = match parse(bytes) {
        Ok(payload) => payload,
        Err(rejection) => return rejection.into_response(),
    };
    if state.debug
        && let Some(action) = payload.get(DEBUG_ACTION_KEY)
    {
        return debug::handle(action, &state.health);
    }
    match &state.entrypoint {
        Some(entrypoint) => handler::invoke(entrypoint, payload, context).await,
        None => error_json(StatusCode::INTERNAL_SERVER_ERROR, "No entrypoint defined"),
    }
}

/// UTF-8 first, then strict JSON (RFC 8259: no NaN, no byte-order mark, no lone
/// surrogates; nesting deeper than serde_json's 128 levels is refused, never a stack
/// overflow).
fn parse(bytes: &[u8]) -> Result<Value, Rejection> {
    let text = std::str::from_utf8(bytes).map_err(|err| Rejection::Encoding(err.to_string()))?;
    serde_json::from_str(text).map_err(|err| Rejection::Json(err.to_string()))
}
