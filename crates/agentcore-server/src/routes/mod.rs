//! Routing: `/ping`, `/invocations`, `/ws` (and `/mcp` with the `mcp` feature); 405 with
//! `Allow` on a known path, else 404.
//! Requests reach the routes directly or through the app's tower layers.

#[cfg(feature = "a2a")]
mod a2a;
mod invocation;
#[cfg(feature = "mcp")]
mod mcp;
mod websocket;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use http::{Method, Request, Response, StatusCode};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

use crate::body::Body;
use crate::error::{BoxError, panic_message};
use crate::middleware::{AppService, ApplyLayer};
use crate::response::{error_json, json_value, method_not_allowed, not_found};
use crate::slots::SharedLease;
use crate::state::AppState;

async fn route<B>(state: &Arc<AppState>, mut request: Request<B>) -> Response<Body>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    // The connection's slot rides on upgrade requests only; handlers never see it.
    let lease = request.extensions_mut().remove::<SharedLease>();
    let method = request.method();
    match request.uri().path() {
        "/ping" => match *method {
            Method::GET | Method::HEAD => json_value(StatusCode::OK, &state.health.ping()),
            _ => method_not_allowed("GET, HEAD"),
        },
        "/invocations" => match *method {
            Method::POST => invocation::handle(state, request).await,
            _ => method_not_allowed("POST"),
        },
        "/ws" => match *method {
            Method::GET => websocket::handle(state, request, lease).await,
            _ => method_not_allowed("GET"),
        },
        // Its methods are rmcp's to answer (POST; GET and DELETE when stateful).
        #[cfg(feature = "mcp")]
        crate::mcp::PATH => mcp::handle(state, request).await,
        #[cfg(feature = "a2a")]
        crate::a2a::PATH if state.a2a.is_some() => match *method {
            Method::POST => a2a::handle(state, request).await,
            _ => method_not_allowed("POST"),
        },
        #[cfg(feature = "a2a")]
        crate::a2a::CARD_PATH if state.a2a.is_some() => match *method {
            Method::GET | Method::HEAD => a2a::card(state, &request),
            _ => method_not_allowed("GET, HEAD"),
        },
        _ => not_found(),
    }
}

/// How a connection's requests reach the routes: directly, or through the app's layers.
#[derive(Clone)]
pub(crate) enum Dispatch {
    Direct(Arc<AppState>),
    Layered(AppService),
}

impl Dispatch {
    pub(crate) fn new(state: Arc<AppState>, layers: Vec<ApplyLayer>) -> Self {
        if layers.is_empty() {
            return Self::Direct(state);
        }
        let routes = BoxCloneSyncService::new(tower::service_fn(move |request| {
            let state = Arc::clone(&state);
            async move { Ok::<_, BoxError>(route(&state, request).await) }
        }));
        Self::Layered(
            layers
                .into_iter()
                .fold(routes, |service, apply| apply(service)),
        )
    }

    pub(crate) async fn call<B>(&self, request: Request<B>) -> Response<Body>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        match self {
            Self::Direct(state) => route(state, request).await,
            // User layers run here, on the server runtime: a panic is a 500, as in handlers.
            Self::Layered(service) => {
                let request = request.map(Body::new);
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
