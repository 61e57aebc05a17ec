//! `GET /ws`: checks the handshake, runs the handler on the handler runtime as a session
//! that holds the connection's slot, answers the handshake as the handler decides, and
//! closes the socket with the code its outcome calls for.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use http::header::{CONNECTION, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tokio::sync::oneshot;

use crate::body::Body;
use crate::context::RequestContext;
use crate::error::{BoxError, NamedError, panic_message};
use crate::log;
use crate::response::{error_json, plain_text};
use crate::slots::SharedLease;
use crate::state::AppState;
use crate::ws::socket::{Returned, code, finish_close};
use crate::ws::upgrade::{Decision, WebSocketUpgrade, decide};
use agentcore_contract::ws::CloseFrame;

pub(super) async fn handle<B>(
    state: &Arc<AppState>,
    mut request: Request<B>,
    lease: Option<SharedLease>,
) -> Response<Body> {
    let Some(handler) = state.websocket.clone() else {
        return plain_text(StatusCode::FORBIDDEN, "Forbidden");
    };
    let Some(key) = handshake_key(request.headers()) else {
        let mut response = plain_text(StatusCode::BAD_REQUEST, "Bad Request");
        response
            .headers_mut()
            .insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        return response;
    };
    let context = RequestContext::for_app(&request, &state.health);
    let (decided, answer) = oneshot::channel();
    let decision: Decision = Arc::new(Mutex::new(Some(decided)));
    let (handback, handed_back) = oneshot::channel();
    let upgrade = WebSocketUpgrade {
        key,
        on_upgrade: hyper::upgrade::on(&mut request),
        decision: Arc::clone(&decision),
        handback,
        limits: state.websocket_limits,
        shutdown: state.shutdown.clone(),
    };
    let guard = state.sessions.track();
    let span = log::request_span("websocket", &context, request.headers());
    let session = async move {
        let _guard = guard;
        // The socket counts against the connection limit until it is closed.
        let _lease = lease.inspect(|lease| lease.0.upgraded());
        let ambient = Arc::new(context.clone());
        let session = RequestContext::scope_arc(ambient, handler(upgrade, context));
        let outcome = match AssertUnwindSafe(session).catch_unwind().await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(NamedError { error, type_name })) => {
                log::handler_failed("WebSocket handler", &type_name, &*error);
                Err(error.to_string())
            }
            Err(panic) => {
                let message = panic_message(&*panic);
                let err = BoxError::from(message.clone());
                log::handler_failed("WebSocket handler", "Panic", &*err);
                Err(message)
            }
        };
        // A handler that ended without deciding: refuse (or fail) the handshake.
        match &outcome {
            Ok(()) => decide(&decision, plain_text(StatusCode::FORBIDDEN, "Forbidden")),
            Err(message) => decide(
                &decision,
                error_json(StatusCode::INTERNAL_SERVER_ERROR, message),
            ),
        }
        if let Ok(Returned { mut inner, closed }) = handed_back.await {
            let frame = (!closed).then(|| match outcome {
                Ok(()) => CloseFrame::new(code::NORMAL, ""),
                Err(_) => CloseFrame::new(code::ERROR, "handler failed"),
            });
            let _ = finish_close(&mut inner, frame).await;
        }
    };
    state.spawn(tracing::Instrument::instrument(session, span.clone()));
    let response = answer.await.unwrap_or_else(|_| {
        error_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            "WebSocket handler vanished",
        )
    });
    log::handshake_answered(&span, response.status());
    response
}

/// The `Sec-WebSocket-Key` of a valid WebSocket handshake request.
fn handshake_key(headers: &HeaderMap) -> Option<HeaderValue> {
    let has_token = |name, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value
                .to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    let version_13 = headers
        .get(SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v == "13");
    (has_token(UPGRADE, "websocket") && has_token(CONNECTION, "upgrade") && version_13)
        .then(|| headers.get(SEC_WEBSOCKET_KEY).cloned())
        .flatten()
}
