//! `POST /invocations`: read the body (bounded in size and time) where the connection
//! is served; parse it strictly, answer debug actions and call the entrypoint on the
//! handler runtime.

use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::Value;
use tracing::Instrument;

use crate::body::Body;
use crate::context::RequestContext;
use crate::debug;
use crate::error::{BoxError, panic_message};
use crate::handler;
use crate::log;
use crate::offload::{AbortOnDrop, offload_body, on_server_thread};
use crate::rejection::Rejection;
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
    let bytes = match read_body(request, state.max_body_bytes, state.body_read_timeout).await {
        Ok(bytes) => bytes,
        Err(rejection) => return closing(rejection.into_response()),
    };
    let span = log::request_span("invocation", &context);
    let started = Instant::now();
    let response = if on_server_thread() {
        offloaded(state, bytes, context, span.clone()).await
    } else {
        dispatch(state, &bytes, context)
            .instrument(span.clone())
            .await
    };
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            duration_ms = started.elapsed().as_millis() as u64,
            "Invocation completed"
        );
    });
    response
}

/// A refused body may be partly unread: the connection closes after the answer.
fn closing(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Runs the invocation on the handler runtime (this connection is on the server's) and
/// hands its streamed body back through a channel.
async fn offloaded(
    state: &Arc<AppState>,
    bytes: Bytes,
    context: RequestContext,
    span: tracing::Span,
) -> Response<Body> {
    let task = state.spawn(
        {
            let state = Arc::clone(state);
            async move { dispatch(&state, &bytes, context).await }
        }
        .instrument(span.clone()),
    );
    // Dropped when the client goes away: the handler is cancelled with it.
    let response = match AbortOnDrop(task).await {
        Ok(Some(response)) => response,
        Err(err) if err.is_panic() => error_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            &panic_message(&*err.into_panic()),
        ),
        Ok(None) | Err(_) => error_json(
            StatusCode::SERVICE_UNAVAILABLE,
            "the handler runtime is shutting down",
        ),
    };
    response.map(|body| offload_body(body, state, span))
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

fn declared_length<B>(request: &Request<B>) -> Option<u64> {
    request
        .headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Reads the body, at most `limit` bytes within `timeout`; a larger declared length is
/// refused before anything is read.
async fn read_body<B>(
    request: Request<B>,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, Rejection>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    if declared_length(&request).is_some_and(|length| length > limit as u64) {
        return Err(Rejection::TooLarge(limit));
    }
    let mut collect = std::pin::pin!(Limited::new(request.into_body(), limit).collect());
    // Most bodies arrive with their head: no timer for those.
    let first = std::future::poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await;
    let collected = match first {
        Poll::Ready(collected) => collected,
        Poll::Pending => tokio::time::timeout(timeout, collect)
            .await
            .map_err(|_| Rejection::BodyTimeout(timeout))?,
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(Rejection::TooLarge(limit)),
        Err(err) => Err(Rejection::Body(err.to_string())),
    }
}

/// UTF-8 first, then strict JSON (RFC 8259: no NaN, no byte-order mark, no lone
/// surrogates; nesting deeper than serde_json's 128 levels is refused, never a stack
/// overflow).
fn parse(bytes: &[u8]) -> Result<Value, Rejection> {
    let text = std::str::from_utf8(bytes).map_err(|err| Rejection::Encoding(err.to_string()))?;
    serde_json::from_str(text).map_err(|err| Rejection::Json(err.to_string()))
}
