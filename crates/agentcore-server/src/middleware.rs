//! Middleware: tower [`Layer`]s around the app's HTTP service.
//!
//! Layers see every request (`/ping`, `/invocations`, `/ws`) before the routing, on the
//! server runtime: keep them non-blocking. Values a layer inserts into the request's
//! extensions reach handlers as [`crate::RequestContext::extensions`].
//!
//! ```
//! use std::time::Duration;
//! use agentcore_server::{App, RequestContext};
//! use serde_json::{Value, json};
//!
//! #[derive(Clone)]
//! struct Tenant(String);
//!
//! let app = App::new()
//!     .entrypoint(|_: Value, ctx: RequestContext| async move {
//!         let tenant = ctx.extensions.get::<Tenant>().map(|t| t.0.clone());
//!         Ok::<_, agentcore_server::BoxError>(json!({ "tenant": tenant }))
//!     })
//!     .layer(tower::util::MapRequestLayer::new(|mut request: http::Request<_>| {
//!         request.extensions_mut().insert(Tenant("acme".into()));
//!         request
//!     }));
//! ```

use bytes::Bytes;
use http::{Request, Response};
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};

use crate::body::Body;
use crate::error::BoxError;

/// The app's HTTP service as layers see it. An error from a layer is answered with
/// `500 {"error": message}`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{App, BoxError, middleware::AppService, testing::TestClient};
///
/// // A layer that refuses everything, written against `AppService`.
/// let refuse = tower::layer::layer_fn(|_inner: AppService| {
///     tower::service_fn(|_req: http::Request<agentcore_server::Body>| async {
///         Err::<http::Response<agentcore_server::Body>, BoxError>("closed for maintenance".into())
///     })
/// });
/// let response = TestClient::new(App::new().layer(refuse)).ping().await;
/// assert_eq!(response.status(), 500);
/// # }
/// ```
pub type AppService = BoxCloneSyncService<Request<Body>, Response<Body>, BoxError>;

/// A recorded `.layer(...)`, applied when the server starts.
pub(crate) type ApplyLayer = Box<dyn FnOnce(AppService) -> AppService + Send>;

/// Records `layer`: it wraps everything added before it.
pub(crate) fn record<L, B>(layer: L) -> ApplyLayer
where
    L: Layer<AppService> + Send + 'static,
    L::Service: Service<Request<Body>, Response = Response<B>> + Clone + Send + Sync + 'static,
    <L::Service as Service<Request<Body>>>::Future: Send + 'static,
    <L::Service as Service<Request<Body>>>::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    Box::new(move |inner| {
        let layered = layer
            .layer(inner)
            .map_response(|response| response.map(Body::new))
            .map_err(Into::into);
        BoxCloneSyncService::new(layered)
    })
}
