//! The routing state: what every route of one running app shares.

use std::time::Duration;

use tokio::runtime::Handle;
use tokio::task::JoinHandle;

#[cfg(feature = "a2a")]
use crate::a2a::service::A2aService;
use crate::config::WebSocketLimits;
use crate::handler::DynEntrypoint;
use crate::health::Health;
#[cfg(feature = "mcp")]
use crate::mcp::service::McpService;
use crate::shutdown::Shutdown;
use crate::tracker::Tracker;
use crate::ws::upgrade::DynWebSocketHandler;

/// What request handling shares, built once when the app starts.
pub(crate) struct AppState {
    pub(crate) entrypoint: Option<DynEntrypoint>,
    pub(crate) websocket: Option<DynWebSocketHandler>,
    pub(crate) websocket_limits: WebSocketLimits,
    pub(crate) health: Health,
    pub(crate) debug: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) body_read_timeout: Duration,
    /// The runtime user code runs on.
    pub(crate) handlers: Handle,
    pub(crate) shutdown: Shutdown,
    /// WebSocket sessions and A2A task drivers still running, which the drain waits for.
    pub(crate) sessions: Tracker,
    /// The MCP service, when the app serves MCP.
    #[cfg(feature = "mcp")]
    pub(crate) mcp: Option<McpService>,
    /// The A2A service, when the app serves A2A.
    #[cfg(feature = "a2a")]
    pub(crate) a2a: Option<std::sync::Arc<A2aService>>,
}

impl AppState {
    /// Spawns `future` on the handler runtime; it is dropped when the server aborts.
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<Option<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shutdown = self.shutdown.clone();
        self.handlers
            .spawn(async move { shutdown.until_aborted(future).await })
    }
}
