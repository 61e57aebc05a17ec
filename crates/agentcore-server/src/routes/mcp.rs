//! `/mcp`: the runtime's MCP contract. The body is read where the connection is served
//! (bounded in size and time); the request, its [`RequestContext`] in its extensions,
//! goes to rmcp's Streamable HTTP service on the handler runtime. A request that would
//! start a stateful session past the limit gets `503`; the standalone `GET` stream of a
//! stateful session ends when the drain starts, as WebSockets close then.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use agentcore_contract::headers::MCP_SESSION_ID;
use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{Method, Request, Response, StatusCode};
use http_body::Frame;
use http_body_util::Full;
use tokio_util::sync::WaitForCancellationFutureOwned;
use tracing::Instrument;

use crate::body::Body;
use crate::context::RequestContext;
use crate::error::BoxError;
use crate::log;
use crate::mcp::service::McpResponse;
use crate::offload::respond_on_handlers;
use crate::request_body::{read_body, refused};
use crate::response::{error_details, error_json, not_found};
use crate::state::AppState;

pub(super) async fn handle<B>(state: &Arc<AppState>, request: Request<B>) -> Response<Body>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let Some(service) = &state.mcp else {
        return not_found();
    };
    let context = RequestContext::for_app(&request, &state.health);
    let (mut parts, body) = request.into_parts();
    let limit = state.max_body_bytes;
    let bytes = match read_body(&parts.headers, body, limit, state.body_read_timeout).await {
        Ok(bytes) => bytes,
        Err(rejection) => return refused(rejection),
    };
    let opens_session = service.is_stateful()
        && parts.method == Method::POST
        && !parts.headers.contains_key(MCP_SESSION_ID);
    if opens_session && service.sessions_full().await {
        return error_details(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable",
            "every MCP session is taken (mcp_max_sessions)",
        );
    }
    let span = log::request_span("mcp", &context, &parts.headers);
    // A stateful session's requests are served by the task its `initialize` started:
    // what is logged there carries the session, not that first request's id.
    let served_in = if service.is_stateful() {
        log::session_span(&context)
    } else {
        span.clone()
    };
    let standalone_stream = parts.method == Method::GET;
    parts.extensions.insert(context);
    let request = Request::from_parts(parts, Full::new(bytes));
    let started = Instant::now();
    let shared = Arc::clone(state);
    let respond = async move { answer(&shared, request).await }.instrument(served_in);
    let response = respond_on_handlers(state, respond, span.clone()).await;
    log::request_completed(&span, response.status(), started, "MCP request completed");
    if standalone_stream && is_event_stream(&response) {
        let drain = state.shutdown.draining_owned();
        return response.map(|body| {
            Body::new(EndsAtDrain {
                body,
                drain: Box::pin(drain),
            })
        });
    }
    response
}

/// rmcp's answer, as a response of this crate.
async fn answer(state: &AppState, request: Request<Full<Bytes>>) -> Response<Body> {
    let Some(service) = &state.mcp else {
        return not_found();
    };
    match service.call(request).await {
        Ok(response) => into_response(response),
        Err(panic) => error_json(StatusCode::INTERNAL_SERVER_ERROR, &panic),
    }
}

fn into_response(response: McpResponse) -> Response<Body> {
    response.map(Body::new)
}

fn is_event_stream(response: &Response<Body>) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/event-stream"))
}

/// A stream that ends (cleanly, with the chunked terminator) when the drain starts.
struct EndsAtDrain {
    body: Body,
    drain: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl http_body::Body for EndsAtDrain {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.drain.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Pin::new(&mut self.body).poll_frame(cx)
    }
}
