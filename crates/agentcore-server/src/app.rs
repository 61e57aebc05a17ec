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
///
/// ```
/// assert_eq!(agentcore_server::DEFAULT_PORT, 8080);
/// ```
pub const DEFAULT_PORT: u16 = 8080;
/// The largest request body the service sends (and the default limit): 100,000,000 bytes.
///
/// ```
/// assert_eq!(agentcore_server::DEFAULT_MAX_BODY_BYTES, 100_000_000);
/// ```
pub const DEFAULT_MAX_BODY_BYTES: usize = 100_000_000;
/// How long in-flight requests may run after a shutdown signal, by default.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::DEFAULT_SHUTDOWN_TIMEOUT, Duration::from_secs(30));
/// ```
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send a request head, by default (slow clients).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::DEFAULT_HEADER_READ_TIMEOUT, Duration::from_secs(30));
/// ```
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a keep-alive connection may stay idle between requests, by default.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::DEFAULT_IDLE_TIMEOUT, Duration::from_secs(120));
/// ```
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How many connections are served at once, by default; more wait to be accepted.
///
/// ```
/// assert_eq!(agentcore_server::DEFAULT_MAX_CONNECTIONS, 4096);
/// ```
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// How many threads run the server runtime (accepting, HTTP, `/ping`), by default.
///
/// ```
/// assert_eq!(agentcore_server::DEFAULT_SERVER_THREADS, 1);
/// ```
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
    ///
    /// ```
    /// use agentcore_server::{App, PingStatus};
    ///
    /// let app = App::new();
    /// assert_eq!(app.health().ping().status, PingStatus::Healthy);
    /// assert_eq!(app.port(9000).bind_address().port(), 9000);
    /// ```
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use serde_json::{Value, json};
    ///
    /// let app = App::new().entrypoint(|payload: Value| async move {
    ///     Ok::<_, agentcore_server::BoxError>(json!({ "len": payload["text"].as_str().map(str::len) }))
    /// });
    /// let response = TestClient::new(app).invoke(&json!({ "text": "hello" })).await;
    /// assert_eq!(response.json::<Value>(), json!({ "len": 5 }));
    /// # }
    /// ```
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient, ws::{Message, WebSocketError}};
    ///
    /// let app = App::new().websocket(|upgrade, _ctx| async move {
    ///     let mut socket = upgrade.accept().await?;
    ///     while let Some(message) = socket.recv().await? {
    ///         socket.send(message).await?;
    ///     }
    ///     Ok::<_, WebSocketError>(())
    /// });
    /// let client = TestClient::new(app); // keep it: dropping it stops the app
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// ws.send(Message::text("hi")).await.unwrap();
    /// assert_eq!(ws.recv().await.unwrap(), Message::text("hi"));
    /// # }
    /// ```
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, Body, testing::TestClient};
    /// use tower::util::MapResponseLayer;
    ///
    /// let app = App::new().layer(MapResponseLayer::new(|mut response: http::Response<Body>| {
    ///     response.headers_mut().insert("x-served-by", http::HeaderValue::from_static("agent"));
    ///     response
    /// }));
    /// let response = TestClient::new(app).ping().await;
    /// assert_eq!(response.headers()["x-served-by"], "agent");
    /// # }
    /// ```
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::sync::{Arc, atomic::{AtomicBool, Ordering}};
    /// use agentcore_server::App;
    ///
    /// let flushed = Arc::new(AtomicBool::new(false));
    /// let flag = Arc::clone(&flushed);
    /// let app = App::new().on_shutdown(move || async move {
    ///     flag.store(true, Ordering::SeqCst);
    ///     Ok::<_, std::io::Error>(())
    /// });
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// app.serve_with_shutdown(listener, async {}).await.unwrap(); // stops at once
    /// assert!(flushed.load(Ordering::SeqCst));
    /// # }
    /// ```
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use serde_json::{Value, json};
    ///
    /// let client = TestClient::new(App::new().debug(true));
    /// let response = client.invoke(&json!({ "_agent_core_app_action": "force_busy" })).await;
    /// assert_eq!(response.json::<Value>(), json!({ "forced_status": "HealthyBusy" }));
    /// assert_eq!(client.ping().await.json::<Value>()["status"], "HealthyBusy");
    /// # }
    /// ```
    pub fn debug(mut self, on: bool) -> Self {
        self.debug = on;
        self
    }

    /// The app's health: track tasks, force a status. Clone it into your handlers.
    ///
    /// ```
    /// use agentcore_server::{App, PingStatus};
    ///
    /// let app = App::new();
    /// let health = app.health().clone(); // e.g. moved into a handler
    /// let _job = health.track("warm-up");
    /// assert_eq!(app.health().ping().status, PingStatus::HealthyBusy);
    /// ```
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Replaces the health state, e.g. with one on a test clock ([`Health::with_clock`]).
    /// A custom ping function set earlier stays with the old state: set it afterwards.
    ///
    /// ```
    /// use agentcore_server::{App, Health, PingStatus};
    ///
    /// let health = Health::new();
    /// let app = App::new().with_health(health.clone());
    /// health.force(PingStatus::HealthyBusy);
    /// assert_eq!(app.health().forced(), Some(PingStatus::HealthyBusy));
    /// ```
    pub fn with_health(mut self, health: Health) -> Self {
        self.health = health;
        self
    }

    /// The address [`App::run`] binds (default: `0.0.0.0` in a container, that is when
    /// `/.dockerenv` exists or `DOCKER_CONTAINER` is set, else `127.0.0.1`).
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use agentcore_server::App;
    ///
    /// let app = App::new().host(IpAddr::V4(Ipv4Addr::UNSPECIFIED)).port(9000);
    /// assert_eq!(app.bind_address().to_string(), "0.0.0.0:9000");
    /// ```
    pub fn host(mut self, host: IpAddr) -> Self {
        self.config.host = Some(host);
        self
    }

    /// The port [`App::run`] binds; wins over the `PORT` environment variable
    /// (default [`DEFAULT_PORT`]).
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use agentcore_server::App;
    ///
    /// let app = App::new().host(Ipv4Addr::LOCALHOST.into()).port(3000);
    /// assert_eq!(app.bind_address().to_string(), "127.0.0.1:3000");
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = Some(port);
        self
    }

    /// The largest request body accepted; larger ones get 413 without being read
    /// (default [`DEFAULT_MAX_BODY_BYTES`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use serde_json::{Value, json};
    ///
    /// let app = App::new()
    ///     .entrypoint(|p: Value| async move { Ok::<_, agentcore_server::BoxError>(p) })
    ///     .max_body_bytes(16);
    /// let response = TestClient::new(app).invoke(&json!({ "text": "far more than sixteen bytes" })).await;
    /// assert_eq!(response.status(), 413);
    /// # }
    /// ```
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.config.max_body_bytes = limit;
        self
    }

    /// How long in-flight requests may go on after a shutdown signal
    /// (default [`DEFAULT_SHUTDOWN_TIMEOUT`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use agentcore_server::App;
    ///
    /// let app = App::new().shutdown_timeout(Duration::from_secs(5));
    /// assert!(format!("{app:?}").contains("shutdown_timeout: 5s"));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.config.shutdown_timeout = timeout;
        self
    }

    /// How long a client may take to send a request's head once its first byte arrived;
    /// a slower client is disconnected (default [`DEFAULT_HEADER_READ_TIMEOUT`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use agentcore_server::App;
    ///
    /// let app = App::new().header_read_timeout(Duration::from_secs(10));
    /// assert!(format!("{app:?}").contains("header_read_timeout: 10s"));
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_read_timeout = timeout;
        self
    }

    /// How long a keep-alive connection may wait for its next request before it is closed
    /// (default [`DEFAULT_IDLE_TIMEOUT`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use agentcore_server::App;
    ///
    /// let app = App::new().idle_timeout(Duration::from_secs(60));
    /// assert!(format!("{app:?}").contains("idle_timeout: 60s"));
    /// ```
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.idle_timeout = timeout;
        self
    }

    /// How many connections are served at once; further ones wait in the listen backlog
    /// until one closes (default [`DEFAULT_MAX_CONNECTIONS`]).
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().max_connections(256);
    /// assert!(format!("{app:?}").contains("max_connections: 256"));
    /// // At least one connection is always served.
    /// assert!(format!("{:?}", App::new().max_connections(0)).contains("max_connections: 1,"));
    /// ```
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.config.max_connections = limit.max(1);
        self
    }

    /// How many threads run the server runtime, which accepts connections, speaks HTTP
    /// and answers `/ping` apart from your handlers (default [`DEFAULT_SERVER_THREADS`]).
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().server_threads(2);
    /// assert!(format!("{app:?}").contains("server_threads: 2"));
    /// assert!(format!("{:?}", App::new().server_threads(0)).contains("server_threads: 1,"));
    /// ```
    pub fn server_threads(mut self, threads: usize) -> Self {
        self.config.server_threads = threads.max(1);
        self
    }

    /// The largest WebSocket message accepted; a larger one closes the socket with 1009
    /// (default [`ws::DEFAULT_MAX_MESSAGE_BYTES`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient, ws::{Message, WebSocketError}};
    ///
    /// let app = App::new()
    ///     .websocket(|upgrade, _ctx| async move {
    ///         let mut socket = upgrade.accept().await?;
    ///         while socket.recv().await?.is_some() {}
    ///         Ok::<_, WebSocketError>(())
    ///     })
    ///     .websocket_max_message_bytes(8);
    /// let client = TestClient::new(app); // keep it: dropping it stops the app
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// ws.send(Message::text("much longer than eight bytes")).await.unwrap();
    /// assert_eq!(ws.recv().await, Err(Some(1009)));
    /// # }
    /// ```
    pub fn websocket_max_message_bytes(mut self, limit: usize) -> Self {
        self.config.websocket_max_message_bytes = limit;
        self
    }

    /// The largest WebSocket frame accepted; a larger one closes the socket with 1009
    /// (default [`ws::DEFAULT_MAX_FRAME_BYTES`]).
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().websocket_max_frame_bytes(1 << 20).websocket_max_message_bytes(4 << 20);
    /// assert!(format!("{app:?}").contains("websocket_max_frame_bytes: 1048576"));
    /// ```
    pub fn websocket_max_frame_bytes(mut self, limit: usize) -> Self {
        self.config.websocket_max_frame_bytes = limit;
        self
    }

    /// The address [`App::run`] binds, from the settings and the environment.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use agentcore_server::App;
    ///
    /// let app = App::new().host(IpAddr::V4(Ipv4Addr::LOCALHOST)).port(8081);
    /// assert_eq!(app.bind_address().ip(), Ipv4Addr::LOCALHOST);
    /// assert_eq!(app.bind_address().port(), 8081);
    /// ```
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
