//! Shutdown signalling: the phases every connection, body and socket watches, and the
//! operating system's signals.
//!
//! A server runs, then on a signal *drains* (stops accepting, finishes in-flight work,
//! closes WebSockets with 1001), then at the shutdown timeout is *cut* (open SSE streams
//! end with an agent error event naming the shutdown, WebSocket sends fail with 1001),
//! then, [`CUT_GRACE`] later, *aborts* (every task the server spawned is dropped).

use std::time::Duration;

use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// How long cut streams and sockets get to write their last frames before everything
/// the server spawned is dropped.
pub(crate) const CUT_GRACE: Duration = Duration::from_millis(500);

/// The phases of one server's shutdown. Cheap to clone; all clones see one state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shutdown {
    drain: CancellationToken,
    cut: CancellationToken,
    abort: CancellationToken,
}

impl Shutdown {
    /// Stops accepting; in-flight work goes on.
    pub(crate) fn drain(&self) {
        self.drain.cancel();
    }

    /// Ends open streams and sockets (the shutdown timeout has passed).
    pub(crate) fn cut(&self) {
        self.drain.cancel();
        self.cut.cancel();
    }

    /// Drops every task the server spawned.
    pub(crate) fn abort(&self) {
        self.cut();
        self.abort.cancel();
    }

    pub(crate) fn is_draining(&self) -> bool {
        self.drain.is_cancelled()
    }

    pub(crate) fn is_cut(&self) -> bool {
        self.cut.is_cancelled()
    }

    /// Completes when draining starts.
    pub(crate) async fn draining(&self) {
        self.drain.cancelled().await;
    }

    /// An owned future that completes when draining starts (for `poll`-based types).
    pub(crate) fn draining_owned(&self) -> WaitForCancellationFutureOwned {
        self.drain.clone().cancelled_owned()
    }

    /// An owned future that completes when the drain is cut (for `poll`-based types).
    pub(crate) fn cut_owned(&self) -> WaitForCancellationFutureOwned {
        self.cut.clone().cancelled_owned()
    }

    /// A token cancelled when the drain is cut (for libraries that take one).
    #[cfg(feature = "mcp")]
    pub(crate) fn cut_child(&self) -> CancellationToken {
        self.cut.child_token()
    }

    /// Runs `future` until the server aborts; `None` when it was dropped then.
    pub(crate) async fn until_aborted<F: Future>(&self, future: F) -> Option<F::Output> {
        self.abort.run_until_cancelled(future).await
    }
}

/// Completes on SIGTERM or SIGINT.
pub(crate) async fn os_signal() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn phases_follow_each_other_and_abort_drops_the_future() {
        let shutdown = Shutdown::default();
        assert!(!shutdown.is_draining());
        shutdown.drain();
        shutdown.draining().await;
        assert!(shutdown.is_draining() && !shutdown.is_cut());
        let pending = shutdown.until_aborted(std::future::pending::<()>());
        let ready = shutdown.until_aborted(async { 7 });
        assert_eq!(ready.await, Some(7));
        let waiter = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { shutdown.until_aborted(std::future::pending::<()>()).await }
        });
        shutdown.abort();
        assert!(shutdown.is_cut());
        assert_eq!(pending.await, None);
        assert_eq!(waiter.await.unwrap(), None);
    }
}
