//! The app's MCP service: rmcp's Streamable HTTP service for the app's server handler,
//! configured from the app's settings, with its stateful sessions counted.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use http::{Request, Response};
use http_body_util::Full;
use http_body_util::combinators::BoxBody;
use rmcp::ServerHandler;
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::config::McpSettings;
use crate::error::panic_message;

/// rmcp's answer type.
pub(crate) type McpResponse = Response<BoxBody<Bytes, Infallible>>;

/// rmcp's service for one handler and session manager, its types erased. Called by
/// reference: as a tower `Service` it would clone its settings for every request.
trait Handle: Send + Sync {
    fn handle(&self, request: Request<Full<Bytes>>) -> BoxFuture<'_, McpResponse>;
}

impl<S, M> Handle for StreamableHttpService<S, M>
where
    S: ServerHandler,
    M: SessionManager,
{
    fn handle(&self, request: Request<Full<Bytes>>) -> BoxFuture<'_, McpResponse> {
        StreamableHttpService::handle(self, request).boxed()
    }
}

/// Builds the service once the app's settings are final (they may be set after
/// [`crate::App::mcp`]).
pub(crate) type McpFactory = Box<dyn FnOnce(McpOptions) -> McpService + Send>;

/// What the service is built with.
pub(crate) struct McpOptions {
    pub(crate) settings: McpSettings,
    /// The app's body limit, rmcp's too (the route enforces it first).
    pub(crate) max_body_bytes: usize,
    /// Whether rmcp checks the `Host` header against loopback names (its protection
    /// against DNS rebinding): only when the server listens on a loopback address.
    pub(crate) check_host: bool,
    /// Cancelled when the drain is cut: rmcp then ends its streams and sessions.
    pub(crate) cancel: CancellationToken,
}

/// rmcp's service, its type erased, and the sessions it keeps when stateful.
pub(crate) struct McpService {
    inner: Box<dyn Handle>,
    sessions: Option<Arc<LocalSessionManager>>,
    max_sessions: usize,
}

/// The factory of [`crate::App::mcp`], kept until the app runs.
pub(crate) fn factory<F, S>(server: F) -> McpFactory
where
    F: Fn() -> S + Send + Sync + 'static,
    S: ServerHandler,
{
    Box::new(move |options| McpService::new(server, options))
}

impl McpService {
    fn new<F, S>(server: F, options: McpOptions) -> Self
    where
        F: Fn() -> S + Send + Sync + 'static,
        S: ServerHandler,
    {
        let McpOptions {
            settings,
            max_body_bytes,
            check_host,
            cancel,
        } = options;
        // rmcp calls the factory for every request (stateless) or session (stateful): a
        // panic there is its 500, not a dead connection task.
        let server = move || {
            std::panic::catch_unwind(AssertUnwindSafe(&server)).map_err(|panic| {
                std::io::Error::other(format!(
                    "the MCP server factory panicked: {}",
                    panic_message(&*panic)
                ))
            })
        };
        let mut config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(settings.stateful)
            .with_json_response(true)
            .with_max_request_body_bytes(max_body_bytes)
            .with_cancellation_token(cancel);
        if !check_host {
            config = config.disable_allowed_hosts();
        }
        if settings.stateful {
            let mut manager = LocalSessionManager::default();
            manager.session_config.keep_alive = Some(settings.session_idle_timeout);
            let manager = Arc::new(manager);
            let service = StreamableHttpService::new(server, Arc::clone(&manager), config);
            Self {
                inner: Box::new(service),
                sessions: Some(manager),
                max_sessions: settings.max_sessions,
            }
        } else {
            let manager = Arc::new(NeverSessionManager::default());
            let service = StreamableHttpService::new(server, manager, config);
            Self {
                inner: Box::new(service),
                sessions: None,
                max_sessions: settings.max_sessions,
            }
        }
    }

    /// Whether sessions are kept (`Mcp-Session-Id`).
    pub(crate) fn is_stateful(&self) -> bool {
        self.sessions.is_some()
    }

    /// Whether every stateful session is taken, so that no new one may start.
    pub(crate) async fn sessions_full(&self) -> bool {
        match &self.sessions {
            Some(manager) => manager.sessions.read().await.len() >= self.max_sessions,
            None => false,
        }
    }

    /// rmcp's answer to one request; a panic in rmcp is its message.
    pub(crate) async fn call(&self, request: Request<Full<Bytes>>) -> Result<McpResponse, String> {
        let called = AssertUnwindSafe(self.inner.handle(request)).catch_unwind();
        called.await.map_err(|panic| panic_message(&*panic))
    }
}
