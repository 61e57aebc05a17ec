//! `POST /invocations`: read the body, parse it strictly, answer debug actions, call the
//! entrypoint.

use http::header::CONTENT_LENGTH;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use serde_json::Value;

use crate::app::Shared;
use crate::rejection::Rejection;
use crate::response::error_json;
use crate::{Body, RequestContext, debug, handler};

/// The payload key that names a debug action.
const DEBUG_ACTION_KEY: &str = "_agent_core_app_action";

pub(crate) async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<Body> {
    let context = RequestContext::from_headers(request.headers());
    let payload = match read_payload(request, shared.config.max_body_bytes).await {
        Ok(payload) => payload,
        Err(rejection) => return rejection.into_response(),
    };
    if shared.debug
        && let Some(action) = payload.get(DEBUG_ACTION_KEY)
    {
        return debug::handle(action, &shared.health);
    }
    match &shared.entrypoint {
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

/// Reads the body (at most `limit` bytes, refusing a larger declared length before
/// reading anything) and parses it.
async fn read_payload(request: Request<Incoming>, limit: usize) -> Result<Value, Rejection> {
    if declared_length(&request).is_some_and(|length| length > limit as u64) {
        return Err(Rejection::TooLarge(limit));
    }
    let bytes = match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<LengthLimitError>() => return Err(Rejection::TooLarge(limit)),
        Err(err) => return Err(Rejection::Body(err.to_string())),
    };
    parse(&bytes)
}

/// UTF-8 first, then strict JSON (RFC 8259: no NaN, no byte-order mark, no lone
/// surrogates; nesting deeper than serde_json's 128 levels is refused, never a stack
/// overflow).
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, Rejection> {
    let text = std::str::from_utf8(bytes).map_err(|err| Rejection::Encoding(err.to_string()))?;
    serde_json::from_str(text).map_err(|err| Rejection::Json(err.to_string()))
}
