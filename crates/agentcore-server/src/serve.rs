//! Running the app: lifespan hooks, the server runtime, the accept loop, graceful
//! shutdown.

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::{Handle, Runtime};
use tokio::sync::{Semaphore, oneshot, watch};

use crate::app::{Config, Hook, Shared};
use crate::connection::{Activity, Limits, TrackedBody, WatchedStream};
use crate::offload;
use crate::route::Dispatch;
use crate::tracker::Tracker;
use crate::{App, BoxError};

/// Why the server could not run.
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
    /// A shutdown hook failed (the server had stopped).
    #[error("shutdown hook failed: {0}")]
    Shutdown(#[source] BoxError),
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

impl App {
    /// Runs the startup hooks, binds [`App::bind_address`], serves until SIGTERM or
    /// SIGINT (Ctrl-C), lets in-flight work finish for up to the shutdown timeout (closing
    /// WebSockets with 1001), then runs the shutdown hooks.
    ///
    /// Handlers run on the runtime that calls this; the server itself on its own threads
    /// (see [`crate::offload`]).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), agentcore_server::ServeError> {
    /// use agentcore_server::App;
    ///
    /// App::new()
    ///     .entrypoint(|p: serde_json::Value| async move { Ok::<_, String>(p) })
    ///     .run() // binds 0.0.0.0:8080 in a container, until SIGTERM
    ///     .await
    /// # }
    /// ```
    pub async fn run(self) -> Result<(), ServeError> {
        let addr = self.bind_address();
        let parts = self.into_parts(Handle::current());
        run_hooks(parts.on_startup)
            .await
            .map_err(ServeError::Startup)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let dispatch = Dispatch::new(Arc::clone(&parts.shared), parts.layers);
        serve_listener(
            parts.shared,
            dispatch,
            parts.config,
            listener,
            shutdown_signal(),
        )
        .await?;
        run_hooks(parts.on_shutdown)
            .await
            .map_err(ServeError::Shutdown)
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

    /// Like [`App::serve`], until `signal` completes; then stops accepting, lets in-flight
    /// work finish for up to the shutdown timeout and runs the shutdown hooks.
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
        let parts = self.into_parts(Handle::current());
        run_hooks(parts.on_startup)
            .await
            .map_err(ServeError::Startup)?;
        let dispatch = Dispatch::new(Arc::clone(&parts.shared), parts.layers);
        serve_listener(parts.shared, dispatch, parts.config, listener, signal).await?;
        run_hooks(parts.on_shutdown)
            .await
            .map_err(ServeError::Shutdown)
    }
}

async fn run_hooks(hooks: Vec<Hook>) -> Result<(), BoxError> {
    for hook in hooks {
        hook().await?;
    }
    Ok(())
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

async fn serve_listener(
    shared: Arc<Shared>,
    dispatch: Dispatch,
    config: Config,
    listener: TcpListener,
    signal: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.server_threads)
        .thread_name("agentcore-server")
        .on_thread_start(offload::mark_server_thread)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let listener = listener.into_std().map_err(ServeError::Listener)?;
    let (done, finished) = oneshot::channel();
    runtime.spawn({
        let shared = Arc::clone(&shared);
        async move {
            let _ = done.send(accept_loop(listener, shared, dispatch, config).await);
        }
    });
    let _runtime = ServerRuntime(Some(runtime));
    let mut finished = std::pin::pin!(finished);
    tokio::select! {
        () = signal => {}
        result = &mut finished => return result.unwrap_or(Ok(())),
    }
    shared.shutdown.send_replace(true);
    finished.await.unwrap_or(Ok(()))
}

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    dispatch: Dispatch,
    config: Config,
) -> Result<(), ServeError> {
    let listener = TcpListener::from_std(listener).map_err(ServeError::Listener)?;
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let connections = Tracker::default();
    let serving = Serving {
        dispatch,
        builder: auto::Builder::new(TokioExecutor::new()),
        limits: Limits {
            header_read_timeout: config.header_read_timeout,
            idle_timeout: config.idle_timeout,
        },
        shutdown: shared.shutdown.subscribe(),
    };
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            biased;
            () = shutting_down(&mut shutdown) => break,
            accepted = accept(&listener, &permits) => accepted,
        };
        let Some((stream, permit)) = accepted else {
            continue;
        };
        // Without it, every response written in several pieces (SSE events, frames)
        // waits ~40 ms behind Nagle's algorithm and delayed ACKs.
        let _ = stream.set_nodelay(true);
        let serving = serving.clone();
        let guard = connections.track();
        let handlers = shared.handlers.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _guard = guard;
            match placement(&stream, serving.limits.idle_timeout).await {
                Some(Placement::Server) => serving.serve(stream).await,
                Some(Placement::Handlers) => {
                    // Moved to the handler runtime's reactor: no hop per request.
                    let Ok(stream) = stream.into_std() else {
                        return;
                    };
                    let served = handlers.spawn(async move {
                        if let Ok(stream) = TcpStream::from_std(stream) {
                            serving.serve(stream).await;
                        }
                    });
                    let _ = served.await;
                }
                None => {}
            }
        });
    }
    drop(listener);
    let drained = async {
        connections.wait().await;
        shared.in_flight.wait().await;
    };
    let _ = tokio::time::timeout(config.shutdown_timeout, drained).await;
    Ok(())
}

/// Where a connection is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// On the server runtime: health checks, answered whatever the handlers do.
    Server,
    /// On the handler runtime, with the handlers: no hop per request.
    Handlers,
}

/// Request lines that make a health-check connection.
const PING_LINES: [&[u8]; 3] = [b"GET /ping ", b"HEAD /ping ", b"GET /ping?"];
/// The longest of [`PING_LINES`].
const PING_LINE_MAX: usize = 11;

/// Looks at the first bytes of a connection: one whose first request is `/ping` stays on
/// the server runtime (so that health checks never wait behind a blocked handler); any
/// other goes to the handler runtime. `None` when the client sends nothing in time.
async fn placement(stream: &TcpStream, idle_timeout: Duration) -> Option<Placement> {
    let decide = async {
        let mut buf = [0u8; PING_LINE_MAX];
        loop {
            let n = stream.peek(&mut buf).await.ok()?;
            let seen = &buf[..n];
            if seen.is_empty() {
                return None;
            }
            if PING_LINES.iter().any(|line| seen.starts_with(line)) {
                return Some(Placement::Server);
            }
            let may_be_ping = PING_LINES.iter().any(|line| line.starts_with(seen));
            if !may_be_ping || seen.len() == PING_LINE_MAX {
                return Some(Placement::Handlers);
            }
            // Only part of a request line so far: wait for more.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    tokio::time::timeout(idle_timeout, decide)
        .await
        .ok()
        .flatten()
}

/// What serving a connection needs; cloned into each connection's task.
#[derive(Clone)]
struct Serving {
    dispatch: Dispatch,
    builder: auto::Builder<TokioExecutor>,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
}

impl Serving {
    /// Serves one connection until it ends, a limit expires, or shutdown drains it.
    async fn serve(mut self, stream: TcpStream) {
        let activity = Activity::new();
        let io = TokioIo::new(WatchedStream::new(stream, Arc::clone(&activity)));
        let service = {
            let dispatch = self.dispatch.clone();
            let activity = Arc::clone(&activity);
            service_fn(move |request| {
                activity.request_started();
                let dispatch = dispatch.clone();
                let activity = Arc::clone(&activity);
                async move {
                    let response = dispatch.call(request).await;
                    Ok::<_, Infallible>(response.map(|body| TrackedBody::track(body, activity)))
                }
            })
        };
        let connection = self.builder.serve_connection_with_upgrades(io, service);
        let mut connection = std::pin::pin!(connection);
        // A connection error concerns that client only (reset, malformed request); an
        // expired limit drops the connection.
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = activity.expired(self.limits) => return,
            () = shutting_down(&mut self.shutdown) => connection.as_mut().graceful_shutdown(),
        }
        tokio::select! {
            _ = connection => {}
            _ = activity.expired(self.limits) => {}
        }
    }
}

/// Waits for a connection slot, then for a connection.
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> Option<(tokio::net::TcpStream, tokio::sync::OwnedSemaphorePermit)> {
    let permit = Arc::clone(permits).acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, _peer)) => Some((stream, permit)),
        Err(err) => {
            accept_backoff(&err).await;
            None
        }
    }
}

/// Errors that concern one connection are skipped at once; others (out of file
/// descriptors) get a short pause so the loop does not spin.
async fn accept_backoff(err: &io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Completes when the server starts shutting down (or is gone).
pub(crate) async fn shutting_down(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|down| *down).await;
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
