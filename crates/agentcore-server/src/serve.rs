//! The listener: accept connections, serve them with hyper, shut down gracefully.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::App;
use crate::route::route;

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: io::Error,
    },
}

impl App {
    /// Binds [`App::bind_address`] and serves until SIGTERM or SIGINT (Ctrl-C), then lets
    /// in-flight requests finish for up to the shutdown timeout.
    pub async fn run(self) -> Result<(), ServeError> {
        let addr = self.bind_address();
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        self.serve_with_shutdown(listener, shutdown_signal()).await;
        Ok(())
    }

    /// Serves on a listener you bound (e.g. `127.0.0.1:0` in tests) until the process ends.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use agentcore_server::App;
    ///
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// tokio::spawn(App::new().serve(listener));
    /// # let _ = addr;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve(self, listener: TcpListener) {
        self.serve_with_shutdown(listener, std::future::pending())
            .await;
    }

    /// Serves on a listener until `signal` completes, then stops accepting and lets
    /// in-flight requests finish for up to the shutdown timeout.
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()>,
    ) {
        let shutdown_timeout = self.config.shutdown_timeout;
        let shared = Arc::new(self.into_shared());
        let service = service_fn(move |request| {
            let shared = Arc::clone(&shared);
            async move { Ok::<_, Infallible>(route(&shared, request).await) }
        });
        let builder = auto::Builder::new(TokioExecutor::new());
        let graceful = GracefulShutdown::new();
        let mut signal = std::pin::pin!(signal);
        loop {
            let (stream, _peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        accept_backoff(&err).await;
                        continue;
                    }
                },
                () = &mut signal => break,
            };
            // Without it, every response written in several pieces (SSE events, frames)
            // waits ~40 ms behind Nagle's algorithm and delayed ACKs.
            let _ = stream.set_nodelay(true);
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service.clone())
                .into_owned();
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                // A connection error concerns that client only (reset, bad request).
                let _ = connection.await;
            });
        }
        drop(listener);
        let _ = tokio::time::timeout(shutdown_timeout, graceful.shutdown()).await;
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

/// Completes on SIGTERM or SIGINT.
pub(crate) async fn shutdown_signal() {
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
