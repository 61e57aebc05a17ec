//! The app: what the agent is made of, built in code.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use agentcore_contract::PingStatus;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::handler::{DynEntrypoint, Entrypoint, erase};
use crate::middleware::{self, AppService, ApplyLayer};
use crate::tracker::Tracker;
use crate::ws::{self, DynWebSocketHandler, WebSocketUpgrade};
use crate::{BoxError, Health, RequestContext};

/// The port AgentCore Runtime talks to.
pub const DEFAULT_PORT: u16 = 8080;
/// The largest request body the service sends (and the default limit): 100,000,000 bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 100_000_000;
/// How long in-flight requests may run after a shutdown signal, by default.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send a request head, by default (slow clients).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a keep-alive connection may stay idle between requests, by default.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How many connections are served at once, by default; more wait to be accepted.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// How many threads run the server runtime (accepting, HTTP, `/ping`), by default.
pub const DEFAULT_SERVER_THREADS: usize = 1;

pub(crate) type Hook = Box<dyn FnOnce() -> BoxFuture<'static, Result<(), BoxError>> + Send>;

/// An AgentCore agent: its entrypoint, health and settings. The counterpart of the
/// Python SDK's `BedrockAgentCoreApp`.
///
/// ```no_run
/// use agentcore_server::App;
/// use serde_json::{Value, json};
///
/// #[tokio::main]
/// async fn main() -> Result<(), agentcore_server::ServeError> {
///     App::new()
///         .entrypoint(|payload: Value| async move {
///             Ok::<_, std::convert::Infallible>(json!({ "echo": payload }))
///         })
///         .run()
///         .await
/// }
/// ```
pub struct App {
    pub(crate) entrypoint: Option<DynEntrypoint>,
    pub(crate) websocket: Option<DynWebSocketHandler>,
    pub(crate) health: Health,
    pub(crate) debug: bool,
    pub(crate) config: Config,
    pub(crate) on_startup: Vec<Hook>,
    pub(crate) on_shutdown: Vec<Hook>,
    pub(crate) layers: Vec<ApplyLayer>,
}

/// Settings of the listener and of requests.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) host: Option<IpAddr>,
    pub(crate) port: Option<u16>,
    pub(crate) max_body_bytes: usize,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) header_read_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) server_threads: usize,
    pub(crate) websocket_max_message_bytes: usize,
    pub(crate) websocket_max_frame_bytes: usize,
}

/// An app taken apart to run.
pub(crate) struct Parts {
    pub(crate) shared: Arc<Shared>,
    pub(crate) config: Config,
    pub(crate) on_startup: Vec<Hook>,
    pub(crate) on_shutdown: Vec<Hook>,
    pub(crate) layers: Vec<ApplyLayer>,
}

/// What request handling shares.
pub(crate) struct Shared {
    pub(crate) entrypoint: Option<DynEntrypoint>,
    pub(crate) websocket: Option<DynWebSocketHandler>,
    pub(crate) websocket_config: WebSocketConfig,
    pub(crate) health: Health,
    pub(crate) debug: bool,
    pub(crate) max_body_bytes: usize,
    /// The runtime user code runs on.
    pub(crate) handlers: Handle,
    /// Turns `true` when the server starts shutting down.
    pub(crate) shutdown: watch::Sender<bool>,
    /// WebSocket sessions still running, which shutdown waits for.
    pub(crate) in_flight: Tracker,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("entrypoint", &self.entrypoint.is_some())
            .field("websocket", &self.websocket.is_some())
            .field("health", &self.health)
            .field("debug", &self.debug)
            .field("config", &self.config)
            .finish()
    }
}

impl App {
    /// An app with no entrypoint, debug actions off, and the default settings.
    pub fn new() -> Self {
        Self {
            entrypoint: None,
            websocket: None,
            health: Health::new(),
            debug: false,
            config: Config {
                host: None,
                port: None,
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
                header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
                idle_timeout: DEFAULT_IDLE_TIMEOUT,
                max_connections: DEFAULT_MAX_CONNECTIONS,
                server_threads: DEFAULT_SERVER_THREADS,
                websocket_max_message_bytes: ws::DEFAULT_MAX_MESSAGE_BYTES,
                websocket_max_frame_bytes: ws::DEFAULT_MAX_FRAME_BYTES,
            },
            on_startup: Vec::new(),
            on_shutdown: Vec::new(),
            layers: Vec::new(),
        }
    }

    /// Sets the function that answers `POST /invocations` (see [`Entrypoint`]).
    pub fn entrypoint<H, Args, M>(mut self, handler: H) -> Self
    where
        H: Entrypoint<Args, M>,
    {
        self.entrypoint = Some(erase(handler));
        self
    }

    /// Sets the function that handles WebSocket upgrades on `/ws`: it accepts
    /// ([`WebSocketUpgrade::accept`]) or rejects ([`WebSocketUpgrade::reject`]) and then
    /// talks over the socket. Without one, upgrades are refused with 403.
    pub fn websocket<F, Fut, E>(mut self, handler: F) -> Self
    where
        F: Fn(WebSocketUpgrade, RequestContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.websocket = Some(Arc::new(move |upgrade, context| {
            handler(upgrade, context)
                .map(|result| result.map_err(Into::into))
                .boxed()
        }));
        self
    }

    /// Wraps the app's HTTP service in a tower [`Layer`](tower::Layer) (see
    /// [`crate::middleware`]); each layer wraps those added before it. tower-http's
    /// `TimeoutLayer` and `TraceLayer` work as they are.
    pub fn layer<L, B>(mut self, layer: L) -> Self
    where
        L: tower::Layer<AppService> + Send + 'static,
        L::Service: tower::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<http::Request<hyper::body::Incoming>>>::Future:
            Send + 'static,
        <L::Service as tower::Service<http::Request<hyper::body::Incoming>>>::Error: Into<BoxError>,
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.layers.push(middleware::record(layer));
        self
    }

    /// Adds a hook that runs before the server accepts connections (the Python
    /// `lifespan` start). If it fails, [`App::run`] returns the error before the port opens.
    ///
    /// ```no_run
    /// # async fn load_model() -> Result<(), std::io::Error> { Ok(()) }
    /// let app = agentcore_server::App::new().on_startup(|| async { load_model().await });
    /// ```
    pub fn on_startup<F, Fut, E>(mut self, hook: F) -> Self
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.on_startup.push(Box::new(move || {
            hook().map(|r| r.map_err(Into::into)).boxed()
        }));
        self
    }

    /// Adds a hook that runs after the server stopped and in-flight work ended (the
    /// Python `lifespan` end). Hooks run in the order they were added.
    pub fn on_shutdown<F, Fut, E>(mut self, hook: F) -> Self
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.on_shutdown.push(Box::new(move || {
            hook().map(|r| r.map_err(Into::into)).boxed()
        }));
        self
    }

    /// Sets a custom ping function: its status wins over the automatic one, a forced
    /// status wins over it. Returning `None`, or panicking, falls back to the automatic
    /// status. It runs on every `/ping`, so it must be quick and must not block.
    ///
    /// ```
    /// use agentcore_server::{App, PingStatus};
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let busy = Arc::new(AtomicBool::new(false));
    /// let flag = busy.clone();
    /// let app = App::new().ping(move || {
    ///     if flag.load(Ordering::Relaxed) { PingStatus::HealthyBusy } else { PingStatus::Healthy }
    /// });
    /// busy.store(true, Ordering::Relaxed);
    /// assert_eq!(app.health().ping().status, PingStatus::HealthyBusy);
    /// ```
    pub fn ping<F, R>(self, ping: F) -> Self
    where
        F: Fn() -> R + Send + Sync + 'static,
        R: Into<Option<PingStatus>>,
    {
        self.health.set_ping_fn(Arc::new(move || ping().into()));
        self
    }

    /// Turns the debug actions (`{"_agent_core_app_action": ...}` payloads) on or off.
    pub fn debug(mut self, on: bool) -> Self {
        self.debug = on;
        self
    }

    /// The app's health: track tasks, force a status. Clone it into your handlers.
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Replaces the health state, e.g. with one on a test clock ([`Health::with_clock`]).
    /// A custom ping function set earlier stays with the old state: set it afterwards.
    pub fn with_health(mut self, health: Health) -> Self {
        self.health = health;
        self
    }

    /// The address [`App::run`] binds (default: `0.0.0.0` in a container, that is when
    /// `/.dockerenv` exists or `DOCKER_CONTAINER` is set, else `127.0.0.1`).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.config.host = Some(host);
        self
    }

    /// The port [`App::run`] binds; wins over the `PORT` environment variable
    /// (default [`DEFAULT_PORT`]).
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = Some(port);
        self
    }

    /// The largest request body accepted; larger ones get 413 without being read
    /// (default [`DEFAULT_MAX_BODY_BYTES`]).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.config.max_body_bytes = limit;
        self
    }

    /// How long in-flight requests may go on after a shutdown signal
    /// (default [`DEFAULT_SHUTDOWN_TIMEOUT`]).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.config.shutdown_timeout = timeout;
        self
    }

    /// How long a client may take to send a request's head once its first byte arrived;
    /// a slower client is disconnected (default [`DEFAULT_HEADER_READ_TIMEOUT`]).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_read_timeout = timeout;
        self
    }

    /// How long a keep-alive connection may wait for its next request before it is closed
    /// (default [`DEFAULT_IDLE_TIMEOUT`]).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.idle_timeout = timeout;
        self
    }

    /// How many connections are served at once; further ones wait in the listen backlog
    /// until one closes (default [`DEFAULT_MAX_CONNECTIONS`]).
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.config.max_connections = limit.max(1);
        self
    }

    /// How many threads run the server runtime, which accepts connections, speaks HTTP
    /// and answers `/ping` apart from your handlers (default [`DEFAULT_SERVER_THREADS`]).
    pub fn server_threads(mut self, threads: usize) -> Self {
        self.config.server_threads = threads.max(1);
        self
    }

    /// The largest WebSocket message accepted; a larger one closes the socket with 1009
    /// (default [`ws::DEFAULT_MAX_MESSAGE_BYTES`]).
    pub fn websocket_max_message_bytes(mut self, limit: usize) -> Self {
        self.config.websocket_max_message_bytes = limit;
        self
    }

    /// The largest WebSocket frame accepted; a larger one closes the socket with 1009
    /// (default [`ws::DEFAULT_MAX_FRAME_BYTES`]).
    pub fn websocket_max_frame_bytes(mut self, limit: usize) -> Self {
        self.config.websocket_max_frame_bytes = limit;
        self
    }

    /// The address [`App::run`] binds, from the settings and the environment.
    pub fn bind_address(&self) -> SocketAddr {
        let host = self.config.host.unwrap_or_else(default_host);
        let port = self.config.port.or_else(env_port).unwrap_or(DEFAULT_PORT);
        SocketAddr::new(host, port)
    }

    /// Splits the app into what requests share, the settings, and the hooks.
    pub(crate) fn into_parts(self, handlers: Handle) -> Parts {
        let config = self.config;
        let shared = Shared {
            entrypoint: self.entrypoint,
            websocket: self.websocket,
            websocket_config: ws::config(
                config.websocket_max_message_bytes,
                config.websocket_max_frame_bytes,
            ),
            health: self.health,
            debug: self.debug,
            max_body_bytes: config.max_body_bytes,
            handlers,
            shutdown: watch::Sender::new(false),
            in_flight: Tracker::default(),
        };
        Parts {
            shared: Arc::new(shared),
            config,
            on_startup: self.on_startup,
            on_shutdown: self.on_shutdown,
            layers: self.layers,
        }
    }
}

/// Whether this process runs in a container: `/.dockerenv` exists or `DOCKER_CONTAINER`
/// is set to a non-empty value.
pub(crate) fn in_container() -> bool {
    std::path::Path::new("/.dockerenv").exists()
        || std::env::var_os("DOCKER_CONTAINER").is_some_and(|v| !v.is_empty())
}

fn default_host() -> IpAddr {
    if in_container() {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    }
}

fn env_port() -> Option<u16> {
    std::env::var("PORT").ok()?.trim().parse().ok()
}
