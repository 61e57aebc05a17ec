//! Routing: `/ping`, `/invocations`, `/ws`; 405 with `Allow` on a known path, else 404.

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use hyper::body::Incoming;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

use crate::app::Shared;
use crate::error::panic_message;
use crate::middleware::{AppService, ApplyLayer};
use crate::response::{error_json, json_value, method_not_allowed, not_found};
use crate::{Body, BoxError, invocation, ws};

pub(crate) async fn route<B>(shared: &Arc<Shared>, request: Request<B>) -> Response<Body>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
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

/// How a connection's requests reach the routes: directly, or through the app's layers.
#[derive(Clone)]
pub(crate) enum Dispatch {
    Direct(Arc<Shared>),
    Layered(AppService),
}

impl Dispatch {
    pub(crate) fn new(shared: Arc<Shared>, layers: Vec<ApplyLayer>) -> Self {
        if layers.is_empty() {
            return Self::Direct(shared);
        }
        let routes = BoxCloneSyncService::new(tower::service_fn(move |request| {
            let shared = Arc::clone(&shared);
            async move { Ok::<_, BoxError>(route(&shared, request).await) }
        }));
        Self::Layered(
            layers
                .into_iter()
                .fold(routes, |service, apply| apply(service)),
        )
    }

    pub(crate) async fn call(&self, request: Request<Incoming>) -> Response<Body> {
        match self {
            Self::Direct(shared) => route(shared, request).await,
            // User layers run here, on the server runtime: a panic is a 500, as in handlers.
            Self::Layered(service) => {
                let called = AssertUnwindSafe(service.clone().oneshot(request)).catch_unwind();
                match called.await {
                    Ok(Ok(response)) => response,
                    Ok(Err(err)) => error_json(StatusCode::INTERNAL_SERVER_ERROR, &err.to_string()),
                    Err(panic) => {
                        error_json(StatusCode::INTERNAL_SERVER_ERROR, &panic_message(&*panic))
                    }
                }
            }
        }
    }
}
