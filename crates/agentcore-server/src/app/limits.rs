//! The app's limits and timeouts: every one named, with its default.
//!
//! | setting | default | what it bounds |
//! |---|---|---|
//! | [`App::max_body_bytes`] | [`DEFAULT_MAX_BODY_BYTES`] | a request body (413) |
//! | [`App::body_read_timeout`] | [`DEFAULT_BODY_READ_TIMEOUT`] | reading a request body (408) |
//! | [`App::header_read_timeout`] | [`DEFAULT_HEADER_READ_TIMEOUT`] | a request head; a new connection's first request line |
//! | [`App::idle_timeout`] | [`DEFAULT_IDLE_TIMEOUT`] | a keep-alive connection between requests |
//! | [`App::shutdown_timeout`] | [`DEFAULT_SHUTDOWN_TIMEOUT`] | the drain after a signal; the shutdown hooks |
//! | [`App::max_connections`] | [`DEFAULT_MAX_CONNECTIONS`] | HTTP and WebSocket connections |
//! | [`App::max_health_connections`] | [`DEFAULT_MAX_HEALTH_CONNECTIONS`] | health-check connections, apart |
//! | [`App::max_pending_connections`] | [`DEFAULT_MAX_PENDING_CONNECTIONS`] | connections not placed yet |
//! | [`App::server_threads`] | [`DEFAULT_SERVER_THREADS`] | the server runtime |
//! | `websocket_*` | see [`crate::ws`] | message, frame, write queue, read buffer, idle, pings |
//! | `mcp_max_sessions` | `mcp::DEFAULT_MAX_SESSIONS` (1024) | stateful MCP sessions (feature `mcp`) |
//! | `a2a_max_tasks` | `a2a::DEFAULT_MAX_TASKS` (1024) | A2A tasks kept in memory; the oldest finished is evicted (feature `a2a`) |
//! | `mcp_session_idle_timeout` | `mcp::DEFAULT_SESSION_IDLE_TIMEOUT` (15 min) | a stateful MCP session without requests (feature `mcp`) |

use std::time::Duration;

use crate::app::App;
#[cfg(doc)]
use crate::config::{
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HEALTH_CONNECTIONS,
    DEFAULT_MAX_PENDING_CONNECTIONS, DEFAULT_SERVER_THREADS, DEFAULT_SHUTDOWN_TIMEOUT,
};

impl App {
    /// The largest request body accepted; larger ones get 413 without being read
    /// (default [`DEFAULT_MAX_BODY_BYTES`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, BoxError, testing::TestClient};
    /// use serde_json::{Value, json};
    ///
    /// async fn echo(payload: Value) -> Result<Value, BoxError> {
    ///     Ok(payload)
    /// }
    /// let app = App::new().entrypoint(echo).max_body_bytes(16);
    /// let response = TestClient::new(app).invoke(&json!({ "text": "far more than sixteen bytes" })).await;
    /// assert_eq!(response.status(), 413);
    /// # }
    /// ```
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.config.max_body_bytes = limit;
        self
    }

    /// How long a client may take to send a whole request body; a slower one gets
    /// `408` and the connection is closed (default [`DEFAULT_BODY_READ_TIMEOUT`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use agentcore_server::App;
    ///
    /// let app = App::new().body_read_timeout(Duration::from_secs(10));
    /// assert!(format!("{app:?}").contains("body_read_timeout: 10s"));
    /// ```
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.body_read_timeout = timeout;
        self
    }

    /// How long in-flight work may go on after a shutdown signal, and then how long the
    /// shutdown hooks may take (default [`DEFAULT_SHUTDOWN_TIMEOUT`]). Past it the drain
    /// is cut: see [`App::run`].
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

    /// How long a client may take to send a request's head once its first byte arrived,
    /// and a new connection its first request line; a slower client is disconnected
    /// (default [`DEFAULT_HEADER_READ_TIMEOUT`]).
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

    /// How many connections (HTTP, and WebSockets until they close) are served at once
    /// (default [`DEFAULT_MAX_CONNECTIONS`]). When all are taken, the one idle for longest
    /// between requests is closed to make room; when none is idle, a new connection waits
    /// for a slot until its header-read deadline and then gets `503`. Health checks have
    /// slots of their own ([`App::max_health_connections`]).
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

    /// How many health-check connections (those whose first request is `GET /ping`) are
    /// served at once, apart from [`App::max_connections`]; when all are taken, the
    /// oldest is closed to make room, so a new health check is always answered
    /// (default [`DEFAULT_MAX_HEALTH_CONNECTIONS`]).
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().max_health_connections(4);
    /// assert!(format!("{app:?}").contains("max_health_connections: 4"));
    /// ```
    pub fn max_health_connections(mut self, limit: usize) -> Self {
        self.config.max_health_connections = limit.max(1);
        self
    }

    /// How many accepted connections may wait at once for their first request line or
    /// for a slot; when all are taken, the oldest is closed
    /// (default [`DEFAULT_MAX_PENDING_CONNECTIONS`]).
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().max_pending_connections(64);
    /// assert!(format!("{app:?}").contains("max_pending_connections: 64"));
    /// ```
    pub fn max_pending_connections(mut self, limit: usize) -> Self {
        self.config.max_pending_connections = limit.max(1);
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
    /// (default [`ws::DEFAULT_MAX_MESSAGE_BYTES`](crate::ws::DEFAULT_MAX_MESSAGE_BYTES)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, BoxError, testing::TestClient, ws::{Message, WebSocketUpgrade}};
    ///
    /// async fn drain(upgrade: WebSocketUpgrade, _: agentcore_server::RequestContext) -> Result<(), BoxError> {
    ///     let mut socket = upgrade.accept().await?;
    ///     while socket.recv().await?.is_some() {}
    ///     Ok(())
    /// }
    /// let app = App::new().websocket(drain).websocket_max_message_bytes(8);
    /// let client = TestClient::new(app); // keep it: dropping it stops the app
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// ws.send(Message::text("much longer than eight bytes")).await.unwrap();
    /// assert_eq!(ws.recv().await, Err(Some(1009)));
    /// # }
    /// ```
    pub fn websocket_max_message_bytes(mut self, limit: usize) -> Self {
        self.config.websocket.max_message_bytes = limit;
        self
    }

    /// The largest WebSocket frame accepted; a larger one closes the socket with 1009
    /// (default [`ws::DEFAULT_MAX_FRAME_BYTES`](crate::ws::DEFAULT_MAX_FRAME_BYTES)).
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().websocket_max_frame_bytes(1 << 20).websocket_max_message_bytes(4 << 20);
    /// assert!(format!("{app:?}").contains("max_frame_bytes: 1048576"));
    /// ```
    pub fn websocket_max_frame_bytes(mut self, limit: usize) -> Self {
        self.config.websocket.max_frame_bytes = limit;
        self
    }

    /// The most a WebSocket queues for writing: a send that would queue more fails
    /// ([`is_too_large`](crate::ws::WebSocketError::is_too_large)), and pongs are never
    /// queued faster than the peer reads them (default
    /// [`ws::DEFAULT_MAX_WRITE_BUFFER_BYTES`](crate::ws::DEFAULT_MAX_WRITE_BUFFER_BYTES)).
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().websocket_max_write_buffer_bytes(1 << 20);
    /// assert!(format!("{app:?}").contains("max_write_buffer_bytes: 1048576"));
    /// ```
    pub fn websocket_max_write_buffer_bytes(mut self, limit: usize) -> Self {
        self.config.websocket.max_write_buffer_bytes = limit;
        self
    }

    /// The size of each WebSocket's read buffer: what an idle socket holds (default
    /// [`ws::DEFAULT_READ_BUFFER_BYTES`](crate::ws::DEFAULT_READ_BUFFER_BYTES)).
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().websocket_read_buffer_bytes(4096);
    /// assert!(format!("{app:?}").contains("read_buffer_bytes: 4096"));
    /// ```
    pub fn websocket_read_buffer_bytes(mut self, bytes: usize) -> Self {
        self.config.websocket.read_buffer_bytes = bytes;
        self
    }

    /// How long a WebSocket may go without a frame from the peer (data, or the pong to the
    /// server's ping), or a send without progress, before it is closed with 1001 (default
    /// [`ws::DEFAULT_IDLE_TIMEOUT`](crate::ws::DEFAULT_IDLE_TIMEOUT)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use agentcore_server::App;
    ///
    /// let app = App::new().websocket_idle_timeout(Duration::from_secs(300));
    /// assert!(format!("{app:?}").contains("idle_timeout: 300s"));
    /// ```
    pub fn websocket_idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.websocket.idle_timeout = timeout;
        self
    }

    /// How long a WebSocket may be silent before the server pings the peer (whose pong
    /// keeps it open); `None` sends no pings, so a quiet peer is closed at the idle
    /// timeout (default [`ws::DEFAULT_PING_INTERVAL`](crate::ws::DEFAULT_PING_INTERVAL)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use agentcore_server::App;
    ///
    /// let app = App::new().websocket_ping_interval(None);
    /// assert!(format!("{app:?}").contains("ping_interval: None"));
    /// let app = App::new().websocket_ping_interval(Duration::from_secs(10));
    /// assert!(format!("{app:?}").contains("ping_interval: Some(10s)"));
    /// ```
    pub fn websocket_ping_interval(mut self, every: impl Into<Option<Duration>>) -> Self {
        self.config.websocket.ping_interval = every.into();
        self
    }

    /// How many A2A tasks are kept in memory (feature `a2a`; default
    /// [`a2a::DEFAULT_MAX_TASKS`](crate::a2a::DEFAULT_MAX_TASKS)): a new task past it evicts
    /// the oldest finished one, and is refused (`-32603`) when every stored task is still
    /// running. At least 1.
    ///
    /// ```
    /// use agentcore_server::App;
    /// assert!(format!("{:?}", App::new().a2a_max_tasks(0)).contains("max_tasks: 1 "));
    /// ```
    #[cfg(feature = "a2a")]
    pub fn a2a_max_tasks(mut self, limit: usize) -> Self {
        self.config.a2a.max_tasks = limit.max(1);
        self
    }

    /// How many stateful MCP sessions are kept at once (feature `mcp`, with
    /// [`App::mcp_stateful`]); a request that would start another (no `Mcp-Session-Id`)
    /// gets `503` (default [`mcp::DEFAULT_MAX_SESSIONS`](crate::mcp::DEFAULT_MAX_SESSIONS)).
    ///
    /// ```
    /// use agentcore_server::App;
    ///
    /// let app = App::new().mcp_stateful(true).mcp_max_sessions(64);
    /// assert!(format!("{app:?}").contains("max_sessions: 64"));
    /// assert!(format!("{:?}", App::new().mcp_max_sessions(0)).contains("max_sessions: 1,"));
    /// ```
    #[cfg(feature = "mcp")]
    pub fn mcp_max_sessions(mut self, limit: usize) -> Self {
        self.config.mcp.max_sessions = limit.max(1);
        self
    }

    /// How long a stateful MCP session may go without a request before it is closed;
    /// its id then gets `404` and the client starts a new session (feature `mcp`; default
    /// [`mcp::DEFAULT_SESSION_IDLE_TIMEOUT`](crate::mcp::DEFAULT_SESSION_IDLE_TIMEOUT), the
    /// runtime's own idle session timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// use agentcore_server::App;
    ///
    /// let app = App::new().mcp_stateful(true).mcp_session_idle_timeout(Duration::from_secs(60));
    /// assert!(format!("{app:?}").contains("session_idle_timeout: 60s"));
    /// ```
    #[cfg(feature = "mcp")]
    pub fn mcp_session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.mcp.session_idle_timeout = timeout;
        self
    }
}
