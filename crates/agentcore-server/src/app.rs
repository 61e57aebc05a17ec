//! The app builder: what the agent is made of, set in code (its limits and timeouts in
//! [`limits`]).

mod limits;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use agentcore_contract::PingStatus;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::runtime::Handle;

#[cfg(feature = "a2a")]
use crate::a2a::service::{A2aService, DynA2aHandler};
use crate::body::Body;
use crate::config::Config;
use crate::context::RequestContext;
use crate::error::{BoxError, NamedError};
use crate::handler::{DynEntrypoint, Entrypoint, erase};
use crate::health::{Health, PingFn};
#[cfg(feature = "mcp")]
use crate::mcp::service::{self, McpFactory, McpOptions};
use crate::middleware::{self, AppService, ApplyLayer};
use crate::shutdown::Shutdown;
use crate::state::AppState;
use crate::tracker::Tracker;
use crate::ws::upgrade::{DynWebSocketHandler, WebSocketUpgrade};

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
    pub(crate) ping: Option<Arc<PingFn>>,
    pub(crate) debug: bool,
    pub(crate) config: Config,
    pub(crate) on_startup: Vec<Hook>,
    pub(crate) on_shutdown: Vec<Hook>,
    pub(crate) layers: Vec<ApplyLayer>,
    #[cfg(feature = "mcp")]
    pub(crate) mcp: Option<McpFactory>,
    #[cfg(feature = "a2a")]
    pub(crate) a2a: Option<(crate::a2a::AgentCard, DynA2aHandler)>,
}

/// An app taken apart to run.
pub(crate) struct Parts {
    pub(crate) state: Arc<AppState>,
    pub(crate) config: Config,
    pub(crate) on_startup: Vec<Hook>,
    pub(crate) on_shutdown: Vec<Hook>,
    pub(crate) layers: Vec<ApplyLayer>,
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
            ping: None,
            debug: false,
            config: Config::default(),
            on_startup: Vec::new(),
            on_shutdown: Vec::new(),
            layers: Vec::new(),
            #[cfg(feature = "mcp")]
            mcp: None,
            #[cfg(feature = "a2a")]
            a2a: None,
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
                .map(|result| result.map_err(NamedError::new))
                .boxed()
        }));
        self
    }

    /// Serves an MCP server on the runtime's MCP contract (feature `mcp`): rmcp's
    /// Streamable HTTP transport on `/mcp`, port 8000 ([`crate::mcp`] says where, how and
    /// what applies). `server` makes the rmcp server handler: once per request when
    /// stateless (the default), once per session when [stateful](App::mcp_stateful), so
    /// keep it cheap (clone what is built once). `/ping` is answered on the same port.
    ///
    /// ```
    /// use agentcore_server::App;
    /// use rmcp::ServerHandler;
    ///
    /// #[derive(Clone)]
    /// struct Empty;
    /// impl ServerHandler for Empty {}
    ///
    /// let app = App::new().mcp(|| Empty);
    /// # if std::env::var_os("MCP_PORT").is_none() {
    /// assert_eq!(app.bind_address().port(), 8000); // MCP_PORT, if set, wins
    /// # }
    /// assert_eq!(app.port(9000).bind_address().port(), 9000);
    /// ```
    #[cfg(feature = "mcp")]
    pub fn mcp<F, S>(mut self, server: F) -> Self
    where
        F: Fn() -> S + Send + Sync + 'static,
        S: rmcp::ServerHandler,
    {
        self.mcp = Some(service::factory(server));
        self.config.mcp.serve = true;
        self
    }

    /// Serves an A2A agent on the runtime's A2A contract (feature `a2a`): JSON-RPC on `/`,
    /// the `card` on `/.well-known/agent-card.json`, port 9000 ([`crate::a2a`] says where,
    /// how and what applies). `handler` gets each sent message with the call's
    /// [`RequestContext`] and returns a stream of [`Event`](crate::a2a::Event)s, which the
    /// host turns into a task (or, when the first is a message, a message answer).
    ///
    /// ```
    /// use agentcore_server::App;
    /// use agentcore_server::a2a::{AgentCard, Event, Message};
    ///
    /// let app = App::new().a2a(AgentCard::new("echo", "Echoes"), |message: Message, _ctx| {
    ///     let reply = Message::agent_text(format!("echo: {}", message.text()));
    ///     futures_util::stream::iter([Ok::<_, agentcore_server::BoxError>(Event::Message(reply))])
    /// });
    /// assert_eq!(app.bind_address().port(), 9000);
    /// ```
    #[cfg(feature = "a2a")]
    pub fn a2a<F, S>(mut self, card: crate::a2a::AgentCard, handler: F) -> Self
    where
        F: Fn(crate::a2a::Message, RequestContext) -> S + Send + Sync + 'static,
        S: futures_util::Stream<Item = Result<crate::a2a::Event, BoxError>> + Send + 'static,
    {
        use futures_util::StreamExt;
        let handler: DynA2aHandler =
            Arc::new(move |message, context| handler(message, context).boxed());
        self.a2a = Some((card, handler));
        self.config.a2a.serve = true;
        self
    }

    /// Keeps MCP sessions (feature `mcp`): `initialize` issues an `Mcp-Session-Id`, later
    /// requests carry it, and one server handler serves the whole session. Stateless (the
    /// default), every request stands alone and no session id is issued. Sessions are
    /// bounded by [`App::mcp_max_sessions`] and [`App::mcp_session_idle_timeout`].
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().mcp_stateful(true);
    /// assert!(format!("{app:?}").contains("stateful: true"));
    /// ```
    #[cfg(feature = "mcp")]
    pub fn mcp_stateful(mut self, stateful: bool) -> Self {
        self.config.mcp.stateful = stateful;
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
        L::Service: tower::Service<http::Request<Body>, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<http::Request<Body>>>::Future: Send + 'static,
        <L::Service as tower::Service<http::Request<Body>>>::Error: Into<BoxError>,
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
    pub fn ping<F, R>(mut self, ping: F) -> Self
    where
        F: Fn() -> R + Send + Sync + 'static,
        R: Into<Option<PingStatus>>,
    {
        let ping: Arc<PingFn> = Arc::new(move || ping().into());
        self.health.set_ping_fn(Some(Arc::clone(&ping)));
        self.ping = Some(ping);
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
    /// The custom ping function ([`App::ping`]) belongs to the app and carries over.
    ///
    /// ```
    /// use agentcore_server::{App, Health, PingStatus};
    ///
    /// let health = Health::new();
    /// let app = App::new().ping(|| PingStatus::HealthyBusy).with_health(health.clone());
    /// assert_eq!(health.ping().status, PingStatus::HealthyBusy); // the ping function came along
    /// health.force(PingStatus::Healthy);
    /// assert_eq!(app.health().forced(), Some(PingStatus::Healthy));
    /// ```
    pub fn with_health(mut self, health: Health) -> Self {
        health.set_ping_fn(self.ping.clone());
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
    /// (default [`DEFAULT_PORT`](crate::DEFAULT_PORT)).
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
        self.config.bind_address()
    }

    /// Splits the app into what requests share, the settings, and the hooks;
    /// `listening_on` is the address the server listens on.
    pub(crate) fn into_parts(self, handlers: Handle, listening_on: IpAddr) -> Parts {
        let config = self.config;
        let shutdown = Shutdown::default();
        #[cfg(feature = "mcp")]
        let mcp = self.mcp.map(|build| {
            build(McpOptions {
                settings: config.mcp,
                max_body_bytes: config.max_body_bytes,
                check_host: listening_on.is_loopback(),
                cancel: shutdown.cut_child(),
            })
        });
        #[cfg(not(feature = "mcp"))]
        let _ = listening_on;
        let sessions = Tracker::default();
        #[cfg(feature = "a2a")]
        let a2a = self.a2a.map(|(card, handler)| {
            let (drivers, aborted) = (sessions.clone(), shutdown.clone());
            let service = A2aService::new(handler, card, config.a2a.max_tasks, drivers, aborted);
            Arc::new(service)
        });
        let state = AppState {
            entrypoint: self.entrypoint,
            websocket: self.websocket,
            websocket_limits: config.websocket,
            health: self.health,
            debug: self.debug,
            max_body_bytes: config.max_body_bytes,
            body_read_timeout: config.body_read_timeout,
            handlers,
            shutdown,
            sessions,
            #[cfg(feature = "mcp")]
            mcp,
            #[cfg(feature = "a2a")]
            a2a,
        };
        Parts {
            state: Arc::new(state),
            config,
            on_startup: self.on_startup,
            on_shutdown: self.on_shutdown,
            layers: self.layers,
        }
    }
}
