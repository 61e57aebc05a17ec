//! The settings of a server, their defaults, and what is read from the host (container
//! detection, `PORT`, and `MCP_PORT` for an MCP server). Every limit and timeout of the
//! host is named here.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

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
/// How long in-flight work may run after a shutdown signal, by default.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::DEFAULT_SHUTDOWN_TIMEOUT, Duration::from_secs(30));
/// ```
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send a request head, and a new connection its first
/// request line, by default (slow clients).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::DEFAULT_HEADER_READ_TIMEOUT, Duration::from_secs(30));
/// ```
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send a whole request body, by default: 100 MB in a
/// minute is 1.7 MB/s.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::DEFAULT_BODY_READ_TIMEOUT, Duration::from_secs(60));
/// ```
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a keep-alive connection may stay idle between requests, by default.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::DEFAULT_IDLE_TIMEOUT, Duration::from_secs(120));
/// ```
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How many connections (HTTP and WebSocket) are served at once, by default.
///
/// ```
/// assert_eq!(agentcore_server::DEFAULT_MAX_CONNECTIONS, 4096);
/// ```
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// How many health-check connections are served at once, apart from
/// [`DEFAULT_MAX_CONNECTIONS`], by default.
///
/// ```
/// assert_eq!(agentcore_server::DEFAULT_MAX_HEALTH_CONNECTIONS, 256);
/// ```
pub const DEFAULT_MAX_HEALTH_CONNECTIONS: usize = 256;
/// How many accepted connections may wait for their first request line or for a
/// connection slot at once, by default.
///
/// ```
/// assert_eq!(agentcore_server::DEFAULT_MAX_PENDING_CONNECTIONS, 1024);
/// ```
pub const DEFAULT_MAX_PENDING_CONNECTIONS: usize = 1024;
/// How many threads run the server runtime (accepting, HTTP, `/ping`), by default.
///
/// ```
/// assert_eq!(agentcore_server::DEFAULT_SERVER_THREADS, 1);
/// ```
pub const DEFAULT_SERVER_THREADS: usize = 1;

/// Settings of the listener, of connections and of requests, as the builder sets them.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) host: Option<IpAddr>,
    pub(crate) port: Option<u16>,
    pub(crate) max_body_bytes: usize,
    pub(crate) body_read_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) header_read_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) max_health_connections: usize,
    pub(crate) max_pending_connections: usize,
    pub(crate) server_threads: usize,
    pub(crate) websocket: WebSocketLimits,
    #[cfg(feature = "mcp")]
    pub(crate) mcp: McpSettings,
    #[cfg(feature = "a2a")]
    pub(crate) a2a: A2aSettings,
}

/// The port of the runtime's A2A contract.
///
/// ```
/// assert_eq!(agentcore_server::a2a::DEFAULT_PORT, 9000);
/// ```
#[cfg(feature = "a2a")]
pub const DEFAULT_A2A_PORT: u16 = 9000;
/// The environment variable that overrides [`DEFAULT_A2A_PORT`]. `PORT` is not read for
/// an A2A server, as in the reference: images shared across runtimes set it for the HTTP
/// contract, and the runtime reaches A2A servers on 9000 only.
///
/// ```
/// assert_eq!(agentcore_server::a2a::PORT_ENV, "A2A_PORT");
/// ```
#[cfg(feature = "a2a")]
pub const A2A_PORT_ENV: &str = "A2A_PORT";
/// How many A2A tasks are kept in memory, by default; past it the oldest finished task
/// is evicted.
///
/// ```
/// assert_eq!(agentcore_server::a2a::DEFAULT_MAX_TASKS, 1024);
/// ```
#[cfg(feature = "a2a")]
pub const DEFAULT_A2A_MAX_TASKS: usize = 1024;

/// The settings of an A2A server.
#[cfg(feature = "a2a")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct A2aSettings {
    /// Whether the app serves A2A (then it listens on the A2A port).
    pub(crate) serve: bool,
    pub(crate) max_tasks: usize,
}

#[cfg(feature = "a2a")]
impl Default for A2aSettings {
    fn default() -> Self {
        Self {
            serve: false,
            max_tasks: DEFAULT_A2A_MAX_TASKS,
        }
    }
}

/// The port of the runtime's MCP contract.
///
/// ```
/// assert_eq!(agentcore_server::mcp::DEFAULT_PORT, 8000);
/// ```
#[cfg(feature = "mcp")]
pub const DEFAULT_MCP_PORT: u16 = 8000;
/// The environment variable that overrides [`DEFAULT_MCP_PORT`]. `PORT` is not read for
/// an MCP server: images shared across runtimes set it for the HTTP contract.
///
/// ```
/// assert_eq!(agentcore_server::mcp::PORT_ENV, "MCP_PORT");
/// ```
#[cfg(feature = "mcp")]
pub const MCP_PORT_ENV: &str = "MCP_PORT";
/// How many stateful MCP sessions are kept at once, by default; an `initialize` past it
/// gets `503`.
///
/// ```
/// assert_eq!(agentcore_server::mcp::DEFAULT_MAX_SESSIONS, 1024);
/// ```
#[cfg(feature = "mcp")]
pub const DEFAULT_MCP_MAX_SESSIONS: usize = 1024;
/// How long a stateful MCP session may go without a request before it is closed, by
/// default: the runtime's own idle session timeout (15 minutes).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::mcp::DEFAULT_SESSION_IDLE_TIMEOUT, Duration::from_secs(900));
/// ```
#[cfg(feature = "mcp")]
pub const DEFAULT_MCP_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(900);

/// The settings of an MCP server.
#[cfg(feature = "mcp")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct McpSettings {
    /// Whether the app serves MCP (then it listens on the MCP port).
    pub(crate) serve: bool,
    pub(crate) stateful: bool,
    pub(crate) max_sessions: usize,
    pub(crate) session_idle_timeout: Duration,
}

#[cfg(feature = "mcp")]
impl Default for McpSettings {
    fn default() -> Self {
        Self {
            serve: false,
            stateful: false,
            max_sessions: DEFAULT_MCP_MAX_SESSIONS,
            session_idle_timeout: DEFAULT_MCP_SESSION_IDLE_TIMEOUT,
        }
    }
}

/// The limits of accepted WebSockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WebSocketLimits {
    pub(crate) max_message_bytes: usize,
    pub(crate) max_frame_bytes: usize,
    pub(crate) max_write_buffer_bytes: usize,
    pub(crate) read_buffer_bytes: usize,
    pub(crate) idle_timeout: Duration,
    pub(crate) ping_interval: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_health_connections: DEFAULT_MAX_HEALTH_CONNECTIONS,
            max_pending_connections: DEFAULT_MAX_PENDING_CONNECTIONS,
            server_threads: DEFAULT_SERVER_THREADS,
            websocket: WebSocketLimits::default(),
            #[cfg(feature = "mcp")]
            mcp: McpSettings::default(),
            #[cfg(feature = "a2a")]
            a2a: A2aSettings::default(),
        }
    }
}

/// The default largest WebSocket message: 64 MiB.
///
/// ```
/// assert_eq!(agentcore_server::ws::DEFAULT_MAX_MESSAGE_BYTES, 64 * 1024 * 1024);
/// ```
pub const DEFAULT_WEBSOCKET_MAX_MESSAGE_BYTES: usize = 64 << 20;
/// The default largest WebSocket frame: 16 MiB.
///
/// ```
/// assert_eq!(agentcore_server::ws::DEFAULT_MAX_FRAME_BYTES, 16 * 1024 * 1024);
/// ```
pub const DEFAULT_WEBSOCKET_MAX_FRAME_BYTES: usize = 16 << 20;
/// The default bound of a WebSocket's write queue: one largest message. A send that
/// would queue more fails ([`crate::ws::WebSocketError::is_too_large`]).
///
/// ```
/// assert_eq!(agentcore_server::ws::DEFAULT_MAX_WRITE_BUFFER_BYTES, 64 * 1024 * 1024);
/// ```
pub const DEFAULT_WEBSOCKET_MAX_WRITE_BUFFER_BYTES: usize = 64 << 20;
/// The default size of a WebSocket's read buffer: 8 KiB (what an idle socket holds).
///
/// ```
/// assert_eq!(agentcore_server::ws::DEFAULT_READ_BUFFER_BYTES, 8 * 1024);
/// ```
pub const DEFAULT_WEBSOCKET_READ_BUFFER_BYTES: usize = 8 << 10;
/// The default WebSocket idle timeout: 120 s without a frame (data or pong) from the
/// peer, or of a send that makes no progress.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::ws::DEFAULT_IDLE_TIMEOUT, Duration::from_secs(120));
/// ```
pub const DEFAULT_WEBSOCKET_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// The default WebSocket ping interval: the server pings after 30 s without a frame
/// from the peer, so a live but quiet peer answers with a pong.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_server::ws::DEFAULT_PING_INTERVAL, Duration::from_secs(30));
/// ```
pub const DEFAULT_WEBSOCKET_PING_INTERVAL: Duration = Duration::from_secs(30);

impl Default for WebSocketLimits {
    fn default() -> Self {
        Self {
            max_message_bytes: DEFAULT_WEBSOCKET_MAX_MESSAGE_BYTES,
            max_frame_bytes: DEFAULT_WEBSOCKET_MAX_FRAME_BYTES,
            max_write_buffer_bytes: DEFAULT_WEBSOCKET_MAX_WRITE_BUFFER_BYTES,
            read_buffer_bytes: DEFAULT_WEBSOCKET_READ_BUFFER_BYTES,
            idle_timeout: DEFAULT_WEBSOCKET_IDLE_TIMEOUT,
            ping_interval: Some(DEFAULT_WEBSOCKET_PING_INTERVAL),
        }
    }
}

impl Config {
    /// The address to bind: the settings, else the environment, else the defaults.
    pub(crate) fn bind_address(&self) -> SocketAddr {
        let host = self.host.unwrap_or_else(default_host);
        #[cfg(feature = "mcp")]
        if self.mcp.serve {
            let port = self.port.or_else(|| env_port(MCP_PORT_ENV));
            return SocketAddr::new(host, port.unwrap_or(DEFAULT_MCP_PORT));
        }
        #[cfg(feature = "a2a")]
        if self.a2a.serve {
            let port = self.port.or_else(|| env_port(A2A_PORT_ENV));
            return SocketAddr::new(host, port.unwrap_or(DEFAULT_A2A_PORT));
        }
        let port = self
            .port
            .or_else(|| env_port("PORT"))
            .unwrap_or(DEFAULT_PORT);
        SocketAddr::new(host, port)
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

fn env_port(name: &str) -> Option<u16> {
    std::env::var(name).ok()?.trim().parse().ok()
}
