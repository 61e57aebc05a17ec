//! Routing: `/ping`, `/invocations`, `/ws`; 405 with `Allow` on a known path, else 404.

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::app::Shared;
use crate::response::{json_value, method_not_allowed, not_found, plain_text};
use crate::{Body, invocation};

pub(crate) async fn route(shared: &Shared, request: Request<Incoming>) -> Response<Body> {
    let method = request.method();
    match request.uri().path() {
        "/ping" => match *method {
            Method::GET | Method::HEAD => json_value(StatusCode::OK, &shared.health.ping()),
            _ => method_not_allowed("GET, HEAD"),
        },
        "/invocations" => match *method {
            Method::POST => invocation::handle(shared, request).await,
            _ => method_not_allowed("POST"),
        },
        "/ws" => match *method {
            // No WebSocket handler can be registered yet: the upgrade is refused, as the
            // reference refuses it without one.
            Method::GET => plain_text(StatusCode::FORBIDDEN, "Forbidden"),
            _ => method_not_allowed("GET"),
        },
        _ => not_found(),
    }
}
