//! A local stand-in for the Amazon Bedrock AgentCore data plane.
//!
//! Neither a laptop test nor a CI job can reach AgentCore. The emulator serves the
//! data-plane API of the contract on loopback for one or more runtime ARNs and forwards
//! to local agents (such as the `agentcore-server` examples on port 8080):
//!
//! - `POST /runtimes/{arn}/invocations`: forwarded to the agent's `/invocations`, JSON and
//!   SSE streamed through without buffering;
//! - `GET /runtimes/{arn}/ws`: proxied to the agent's `/ws` both ways, close codes kept;
//! - `GET /runtimes/{arn}/ws/shells?shellId=..`: an interactive [shell] on a real PTY in
//!   the session's working directory, detached and reattached by shell id;
//! - `POST /runtimes/{arn}/commands`: runs the command with `sh -c` in the session's own
//!   working directory and streams stdout and stderr as AWS event-stream frames as they
//!   come; the timeout ends it with `TIMED_OUT`;
//! - `POST /runtimes/{arn}/stopruntimesession`: ends the session (idempotent per client token);
//! - `POST /identities/...`: AgentCore Identity's data plane, workload access tokens for
//!   [workloads](EmulatorBuilder::workload) and the token vault of configured
//!   [API key](EmulatorBuilder::api_key_provider) and
//!   [OAuth2](EmulatorBuilder::oauth2_provider) providers, `USER_FEDERATION` consent at an
//!   authorization URL of its own; each invocation of a runtime that is a workload carries
//!   a workload access token for its caller's user.
//!
//! It checks what the service checks: bearer tokens (fixed ones, or HS256 JWTs with a
//! configured secret), SigV4 headers and presigned URLs against configured credentials
//! (verified from the specification, with the clock skew and expiry rules), session ids
//! (33–256 characters; generated and echoed when absent), the qualifier and the payload
//! size; failures get the service's statuses, `x-amzn-errortype` and `{"message": ...}`.
//!
//! ```no_run
//! # #[tokio::main]
//! # async fn main() -> std::io::Result<()> {
//! use agentcore_emulator::Emulator;
//!
//! let running = Emulator::builder()
//!     .runtime("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo", "http://127.0.0.1:8080")
//!     .expect("a runtime ARN")
//!     .bearer_token("local-token")
//!     .build()
//!     .start("127.0.0.1:0")
//!     .await?;
//! println!("data plane at {}", running.url());
//! # Ok(())
//! # }
//! ```

mod auth;
mod body;
pub mod command;
mod config;
mod error;
mod identity;
mod jwt;
mod proxy;
mod server;
mod session;
pub mod shell;
mod sigv4;
mod upgrade;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

pub use body::BoxError;
pub use config::{
    Config, DEFAULT_AGENT_TIMEOUT, DEFAULT_CLOCK_SKEW, DEFAULT_FEDERATION_SESSION_LIFETIME,
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDENTITY_RATE_LIMIT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_FEDERATION_SESSIONS, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_SHELLS_PER_SESSION,
    DEFAULT_SESSION_IDLE_TIMEOUT, DEFAULT_SHELL_REPLAY_BYTES, DEFAULT_WAT_LIFETIME,
    EmulatorBuilder, MAX_IDENTITY_BODY_BYTES, MAX_REMEMBERED_STOP_TOKENS, Runtime, ServerProtocol,
};
pub use error::ServiceError;
pub use jwt::sign_hs256;
pub use sigv4::Credentials;

/// A configured emulator, ready to start.
///
/// ```
/// use agentcore_emulator::Emulator;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let running = Emulator::builder().allow_anonymous(true).build().start("127.0.0.1:0").await?;
/// assert!(running.url().starts_with("http://127.0.0.1:"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Emulator {
    config: Config,
}

/// A running emulator; dropping it stops it (and kills its shells), and
/// [`shutdown`](Self::shutdown) stops it gracefully.
///
/// ```
/// # use agentcore_emulator::Emulator;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let running = Emulator::builder().build().start("127.0.0.1:0").await?;
/// let port = running.addr().port();
/// drop(running); // stops serving
/// assert_ne!(port, 0);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    server: JoinHandle<()>,
    reaper: JoinHandle<()>,
    shells: Arc<shell::Shells>,
}

impl Emulator {
    /// Starts configuring an emulator.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().bearer_token("t").build();
    /// # let _ = emulator;
    /// ```
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Checks a runtime request's credentials as the server does before it serves one:
    /// a bearer token (fixed, or an HS256 JWT), a SigV4 header signature or presigned
    /// URL (with its clock skew and expiry rules), else anonymous when allowed; the head
    /// first, then `body` against what the head declared. `path` is the path as received
    /// (percent-encoded once), `query` the raw query string, `region` the one the ARN
    /// names.
    ///
    /// Public so that the verifiers can be exercised on arbitrary requests without a
    /// socket (the fuzz targets in `fuzz/` and their regression tests call it); the
    /// server itself runs the same two steps around its bounded body read.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use agentcore_emulator::Emulator;
    ///
    /// let emulator = Emulator::builder().bearer_token("t").build();
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("authorization", "Bearer t".parse().unwrap());
    /// let now = SystemTime::now();
    /// assert!(emulator.check_credentials("POST", "/x", None, &headers, b"", "us-west-2", now).is_ok());
    /// headers.insert("authorization", "Bearer other".parse().unwrap());
    /// let refused = emulator.check_credentials("POST", "/x", None, &headers, b"", "us-west-2", now);
    /// assert_eq!(refused.unwrap_err().status, 403);
    /// ```
    ///
    /// # Errors
    /// The service's answer to a request whose credentials do not pass.
    #[allow(clippy::too_many_arguments)]
    pub fn check_credentials(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: &http::HeaderMap,
        body: &[u8],
        region: &str,
        now: std::time::SystemTime,
    ) -> Result<(), ServiceError> {
        let signed = sigv4::SignedRequest {
            method,
            path,
            query,
            headers,
        };
        let (admission, _) = auth::check_head(&self.config, region, &signed, now, None)?;
        auth::check_body(&self.config, region, &signed, now, &admission, body)
    }

    /// Listens on `addr` (e.g. `127.0.0.1:0`) and serves in the background.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let running = Emulator::builder().build().start("127.0.0.1:0").await?;
    /// assert!(running.url().starts_with("http://127.0.0.1:"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// `addr` cannot be bound, or as [`start_on`](Self::start_on).
    pub async fn start(self, addr: &str) -> std::io::Result<RunningEmulator> {
        let listener = TcpListener::bind(addr).await?;
        self.start_on(listener)
    }

    /// Serves on a listener you bound, in the background.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// let running = Emulator::builder().build().start_on(listener)?;
    /// assert_eq!(running.addr(), addr);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// The listener's address cannot be read; an Identity setting is invalid
    /// (`InvalidInput`: a workload or provider name, an empty secret, a runtime workload
    /// naming no runtime or workload); the operating system gives no random bytes.
    pub fn start_on(self, listener: TcpListener) -> std::io::Result<RunningEmulator> {
        let addr = listener.local_addr()?;
        let identity = identity::Identity::new(&self.config, addr)?;
        let idle = self.config.session_idle_timeout;
        let shells = Arc::new(shell::Shells::new(&self.config));
        let state = Arc::new(server::State {
            sessions: session::Sessions::new(self.config.work_root.clone(), idle),
            client: hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http(),
            shells: Arc::clone(&shells),
            stopped: Mutex::new(session::StopTokens::new(MAX_REMEMBERED_STOP_TOKENS)),
            identity,
            config: self.config,
        });
        let reaper = tokio::spawn({
            let state = Arc::clone(&state);
            async move {
                let mut tick = tokio::time::interval((idle / 4).max(Duration::from_millis(50)));
                loop {
                    tick.tick().await;
                    reap(&state).await;
                }
            }
        });
        let server = tokio::spawn(accept_loop(listener, state));
        Ok(RunningEmulator {
            addr,
            server,
            reaper,
            shells,
        })
    }
}

/// Ends the sessions idle past the timeout, their shells first; a session with a client
/// attached to one of its shells is in use, not idle.
async fn reap(state: &server::State) {
    let expired = state
        .sessions
        .expired(|runtime, session| state.shells.attached(runtime, session));
    for (runtime, session) in expired {
        state.shells.end_session(&runtime, &session).await;
        state.sessions.stop(&runtime, &session).await;
    }
}

/// Accepts up to `max_connections` at once (more wait in the listen backlog); each gets
/// the header-read timeout.
async fn accept_loop(listener: TcpListener, state: Arc<server::State>) {
    let slots = Arc::new(Semaphore::new(state.config.max_connections));
    let header_read_timeout = state.config.header_read_timeout;
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors, most likely: wait for a connection to end.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let _slot = slot;
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(server::handle(state, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

impl RunningEmulator {
    /// The address it listens on.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let running = Emulator::builder().build().start("127.0.0.1:0").await?;
    /// assert!(running.addr().ip().is_loopback());
    /// assert_ne!(running.addr().port(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:PORT`: the endpoint to give a client.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let running = Emulator::builder().build().start("127.0.0.1:0").await?;
    /// assert_eq!(running.url(), format!("http://127.0.0.1:{}", running.addr().port()));
    /// assert!(running.url().starts_with("http://127.0.0.1:"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Runs until the process ends (for the binary).
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let running = Emulator::builder().build().start("127.0.0.1:0").await?;
    /// assert!(running.url().starts_with("http://127.0.0.1:"));
    /// // Serve until the process ends (here: for a moment).
    /// let _ = tokio::time::timeout(std::time::Duration::from_millis(10), running.wait()).await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait(mut self) {
        let _ = (&mut self.server).await;
    }

    /// Stops gracefully: no new connections; every client attached to a shell is closed
    /// with 1001 (going away) and every shell process killed. Returns once those
    /// connections closed, or after a few seconds (a client that does not read its
    /// close). Other connections in flight are left to finish, as with a drop.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let running = Emulator::builder().build().start("127.0.0.1:0").await?;
    /// let addr = running.addr();
    /// running.shutdown().await;
    /// assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        self.server.abort();
        self.reaper.abort();
        // The listener goes with the accept loop.
        let _ = (&mut self.server).await;
        self.shells.shut_down(SHUTDOWN_PATIENCE).await;
    }
}

/// How long [`RunningEmulator::shutdown`] waits for shell connections to close.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(5);

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.server.abort();
        self.reaper.abort();
        self.shells.kill_all();
    }
}

/// The guide's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/EMULATOR.md")]
struct Guide;
