//! Running the app: lifespan hooks, the server runtime, the accept loop, the drain and
//! its deadline.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::runtime::{Handle, Runtime};
use tokio::sync::oneshot;

use crate::accept::{Admission, accept_loop};
use crate::activity::Timeouts;
use crate::app::{App, Hook, Parts};
use crate::connection::Serving;
use crate::error::BoxError;
use crate::offload;
use crate::routes::Dispatch;
use crate::shutdown::{CUT_GRACE, Shutdown, os_signal};
use crate::slots::Pool;

/// The exit code of a process whose [`App::run`] had to cut the drain at the shutdown
/// timeout (work was abandoned); a drain that finished exits with 0. 124 is what
/// `timeout(1)` exits with when its command timed out.
///
/// ```
/// assert_eq!(agentcore_server::DRAIN_CUT_EXIT_CODE, 124);
/// ```
pub const DRAIN_CUT_EXIT_CODE: i32 = 124;

/// Why the server could not run, or did not stop cleanly.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{App, ServeError};
///
/// let app = App::new().on_startup(|| async { Err::<(), _>("no model weights") });
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let err = app.serve(listener).await.unwrap_err();
/// assert!(matches!(err, ServeError::Startup(_)));
/// assert_eq!(err.to_string(), "startup hook failed: no model weights");
/// # }
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A startup hook failed; the port was not opened.
    #[error("startup hook failed: {0}")]
    Startup(#[source] BoxError),
    /// A shutdown hook failed or timed out (the server had stopped).
    #[error("shutdown hook failed: {0}")]
    Shutdown(#[source] BoxError),
    /// The drain did not finish within the shutdown timeout: the remaining work was
    /// aborted, the shutdown hooks ran.
    #[error(
        "the drain was cut at the shutdown timeout ({remaining} connections or sessions still open)"
    )]
    DrainCut {
        /// How many connections and WebSocket sessions were still open.
        remaining: usize,
    },
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: io::Error,
    },
    /// The listener could not be moved to the server runtime.
    #[error("cannot use the listener: {0}")]
    Listener(#[source] io::Error),
    /// The server runtime could not be started.
    #[error("cannot start the server runtime: {0}")]
    Runtime(#[source] io::Error),
}

/// Shows the message, so that `fn main() -> Result<(), ServeError>` exits with a clear
/// line rather than a struct dump.
impl fmt::Debug for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// How a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drained {
    Finished,
    Cut { remaining: usize },
}

impl App {
    /// Runs the startup hooks, binds [`App::bind_address`], serves until SIGTERM or
    /// SIGINT (Ctrl-C), then drains: stops accepting, lets in-flight work finish for up to
    /// the shutdown timeout (closing WebSockets with 1001) and runs the shutdown hooks.
    ///
    /// A drain that finishes returns `Ok(())`: the process exits with 0. A drain cut at
    /// the shutdown timeout ends open SSE streams with an agent error event naming the
    /// shutdown, aborts what is left, runs the shutdown hooks and then **exits the
    /// process** with [`DRAIN_CUT_EXIT_CODE`]: a handler stuck in a blocking call would
    /// otherwise keep the runtime (and the process) alive until it returned.
    ///
    /// Handlers run on the runtime that calls this; the server itself on its own threads
    /// (see [`crate::offload`]).
    ///
    /// ```no_run
    /// use agentcore_server::{App, BoxError};
    /// use serde_json::Value;
    ///
    /// async fn echo(payload: Value) -> Result<Value, BoxError> {
    ///     Ok(payload)
    /// }
    ///
    /// #[tokio::main]
    /// async fn main() -> Result<(), agentcore_server::ServeError> {
    ///     App::new().entrypoint(echo).run().await // 0.0.0.0:8080 in a container, until SIGTERM
    /// }
    /// ```
    pub async fn run(self) -> Result<(), ServeError> {
        let addr = self.bind_address();
        let mut parts = self.into_parts(Handle::current(), addr.ip());
        run_hooks(std::mem::take(&mut parts.on_startup), None)
            .await
            .map_err(ServeError::Startup)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let grace = parts.config.shutdown_timeout;
        let (drained, on_shutdown) = serve_parts(parts, listener, os_signal(), true).await?;
        let hooks = run_hooks(on_shutdown, Some(grace)).await;
        // The spans of the last requests, exported before the process ends.
        #[cfg(feature = "otel")]
        crate::otel::shutdown().await;
        if let Drained::Cut { remaining } = drained {
            tracing::error!(remaining, "Drain cut at the shutdown timeout; exiting");
            std::process::exit(DRAIN_CUT_EXIT_CODE);
        }
        hooks.map_err(ServeError::Shutdown)
    }

    /// Serves on a listener you bound (e.g. `127.0.0.1:0` in tests) until the future is
    /// dropped, after running the startup hooks.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use agentcore_server::App;
    ///
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// let server = tokio::spawn(App::new().serve(listener));
    /// # let _ = addr;
    /// server.abort();
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve(self, listener: TcpListener) -> Result<(), ServeError> {
        self.serve_with_shutdown(listener, std::future::pending())
            .await
    }

    /// Like [`App::serve`], until `signal` completes; then drains as [`App::run`] does,
    /// runs the shutdown hooks and returns. A drain cut at the shutdown timeout is
    /// [`ServeError::DrainCut`] (the process goes on: that is yours to decide).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use agentcore_server::App;
    ///
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let server = tokio::spawn(App::new().serve_with_shutdown(listener, async {
    ///     let _ = stopped.await;
    /// }));
    /// stop.send(()).unwrap();
    /// server.await??; // stopped cleanly, shutdown hooks run
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()>,
    ) -> Result<(), ServeError> {
        let listening_on = listener
            .local_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip());
        let mut parts = self.into_parts(Handle::current(), listening_on);
        run_hooks(std::mem::take(&mut parts.on_startup), None)
            .await
            .map_err(ServeError::Startup)?;
        let grace = parts.config.shutdown_timeout;
        let (drained, on_shutdown) = serve_parts(parts, listener, signal, false).await?;
        let hooks = run_hooks(on_shutdown, Some(grace)).await;
        #[cfg(feature = "otel")]
        crate::otel::flush().await;
        hooks.map_err(ServeError::Shutdown)?;
        match drained {
            Drained::Finished => Ok(()),
            Drained::Cut { remaining } => Err(ServeError::DrainCut { remaining }),
        }
    }
}

/// Runs hooks in order, within `timeout` in all when one is given.
async fn run_hooks(hooks: Vec<Hook>, timeout: Option<Duration>) -> Result<(), BoxError> {
    let all = async {
        for hook in hooks {
            hook().await?;
        }
        Ok(())
    };
    match timeout {
        None => all.await,
        Some(limit) => tokio::time::timeout(limit, all).await.unwrap_or_else(|_| {
            Err(format!("the shutdown hooks took longer than {limit:?}").into())
        }),
    }
}

/// The server runtime, shut down (without blocking) when dropped.
struct ServerRuntime(Option<Runtime>);

impl Drop for ServerRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Aborts everything the server spawned when dropped.
struct AbortOnDrop(Shutdown);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves until `signal`, then drains; the shutdown hooks are handed back to run.
async fn serve_parts(
    parts: Parts,
    listener: TcpListener,
    signal: impl Future<Output = ()>,
    exit_when_stuck: bool,
) -> Result<(Drained, Vec<Hook>), ServeError> {
    let Parts {
        state,
        config,
        on_shutdown,
        layers,
        ..
    } = parts;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.server_threads)
        .thread_name("agentcore-server")
        .on_thread_start(offload::mark_server_thread)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let listener = listener.into_std().map_err(ServeError::Listener)?;
    let timeouts = Timeouts {
        header_read: config.header_read_timeout,
        idle: config.idle_timeout,
    };
    let dispatch = Dispatch::new(Arc::clone(&state), layers);
    let admission = Arc::new(Admission {
        serving: Serving::new(dispatch, timeouts, state.shutdown.clone()),
        pending: Pool::new(config.max_pending_connections),
        health: Pool::new(config.max_health_connections),
        main: Pool::new(config.max_connections),
        header_read_timeout: config.header_read_timeout,
        connections: Default::default(),
        state: Arc::clone(&state),
    });
    let (report, reported) = oneshot::channel();
    let shutdown_timeout = config.shutdown_timeout;
    runtime.spawn(async move {
        let listener = match TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(err) => {
                let _ = report.send(Err(ServeError::Listener(err)));
                return;
            }
        };
        accept_loop(listener, Arc::clone(&admission)).await;
        let drained = drain(&admission, shutdown_timeout).await;
        let _ = report.send(Ok(drained));
        if exit_when_stuck && drained != Drained::Finished {
            // The caller runs the shutdown hooks and exits; should its runtime be wedged
            // by handlers that block its threads, exit from here.
            tokio::time::sleep(shutdown_timeout + CUT_GRACE).await;
            std::process::exit(DRAIN_CUT_EXIT_CODE);
        }
    });
    let _runtime = ServerRuntime(Some(runtime));
    // Dropped before the end (a test aborting its server): nothing spawned outlives it.
    let _abort = AbortOnDrop(state.shutdown.clone());
    let mut reported = std::pin::pin!(reported);
    tokio::select! {
        () = signal => state.shutdown.drain(),
        result = &mut reported => return finished(result, on_shutdown),
    }
    finished(reported.await, on_shutdown)
}

fn finished(
    result: Result<Result<Drained, ServeError>, oneshot::error::RecvError>,
    on_shutdown: Vec<Hook>,
) -> Result<(Drained, Vec<Hook>), ServeError> {
    let drained = result.unwrap_or(Ok(Drained::Finished))?;
    Ok((drained, on_shutdown))
}

/// Waits for connections and WebSocket sessions to end; at the shutdown timeout cuts
/// them, and [`CUT_GRACE`] later aborts what is left.
async fn drain(admission: &Admission, shutdown_timeout: Duration) -> Drained {
    let shutdown = &admission.state.shutdown;
    let connections = &admission.connections;
    let sessions = &admission.state.sessions;
    let all_ended = || async {
        connections.wait().await;
        sessions.wait().await;
    };
    if tokio::time::timeout(shutdown_timeout, all_ended())
        .await
        .is_ok()
    {
        return Drained::Finished;
    }
    let remaining = connections.count() + sessions.count();
    shutdown.cut();
    let _ = tokio::time::timeout(CUT_GRACE, all_ended()).await;
    shutdown.abort();
    Drained::Cut { remaining }
}
