//! The app: what the agent is made of, built in code.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use agentcore_contract::PingStatus;

use crate::Health;
use crate::handler::{DynEntrypoint, Entrypoint, erase};

/// The port AgentCore Runtime talks to.
pub const DEFAULT_PORT: u16 = 8080;
/// The largest request body the service sends (and the default limit): 100,000,000 bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 100_000_000;
/// How long in-flight requests may run after a shutdown signal, by default.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

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
    pub(crate) health: Health,
    pub(crate) debug: bool,
    pub(crate) config: Config,
}

/// Settings of the listener and of requests.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) host: Option<IpAddr>,
    pub(crate) port: Option<u16>,
    pub(crate) max_body_bytes: usize,
    pub(crate) shutdown_timeout: Duration,
}

/// What request handling shares: everything but the listener settings.
pub(crate) struct Shared {
    pub(crate) entrypoint: Option<DynEntrypoint>,
    pub(crate) health: Health,
    pub(crate) debug: bool,
    pub(crate) config: Config,
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
            health: Health::new(),
            debug: false,
            config: Config {
                host: None,
                port: None,
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            },
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

    /// The address [`App::run`] binds, from the settings and the environment.
    pub fn bind_address(&self) -> SocketAddr {
        let host = self.config.host.unwrap_or_else(default_host);
        let port = self.config.port.or_else(env_port).unwrap_or(DEFAULT_PORT);
        SocketAddr::new(host, port)
    }

    pub(crate) fn into_shared(self) -> Shared {
        Shared {
            entrypoint: self.entrypoint,
            health: self.health,
            debug: self.debug,
            config: self.config,
        }
    }
}

fn default_host() -> IpAddr {
    let in_container = std::path::Path::new("/.dockerenv").exists()
        || std::env::var_os("DOCKER_CONTAINER").is_some_and(|v| !v.is_empty());
    if in_container {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    }
}

fn env_port() -> Option<u16> {
    std::env::var("PORT").ok()?.trim().parse().ok()
}
