//! Routing: `/ping`, `/invocations`, `/ws`; 405 with `Allow` on a known path, else 404.

use std::sync::Arc;

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::app::Shared;
use crate::response::{json_value, method_not_allowed, not_found};
use crate::{Body, invocation, ws};

pub(crate) async fn route(shared: &Arc<Shared>, request: Request<Incoming>) -> Response<Body> {
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
            Method::GET => ws::handle(shared, request).await,
            _ => method_not_allowed("GET"),
        },
        _ => not_found(),
    }
}
