//! Counting work in flight, so that shutdown can wait for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// Counts live guards; [`Tracker::wait`] completes when none is left.
#[derive(Clone, Default)]
pub(crate) struct Tracker {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    count: AtomicUsize,
    idle: Notify,
}

/// One unit of tracked work, done when dropped.
pub(crate) struct TrackGuard {
    inner: Arc<Inner>,
}

impl Tracker {
    pub(crate) fn track(&self) -> TrackGuard {
        self.inner.count.fetch_add(1, Ordering::AcqRel);
        TrackGuard {
            inner: Arc::clone(&self.inner),
        }
    }

    /// How many guards are live.
    pub(crate) fn count(&self) -> usize {
        self.inner.count.load(Ordering::Acquire)
    }

    pub(crate) async fn wait(&self) {
        loop {
            let idle = self.inner.idle.notified();
            if self.inner.count.load(Ordering::Acquire) == 0 {
                return;
            }
            idle.await;
        }
    }
}

impl Drop for TrackGuard {
    fn drop(&mut self) {
        if self.inner.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.inner.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wait_completes_when_the_last_guard_drops() {
        let tracker = Tracker::default();
        tracker.wait().await;
        let a = tracker.track();
        let b = tracker.track();
        let waiter = tokio::spawn({
            let tracker = tracker.clone();
            async move { tracker.wait().await }
        });
        drop(a);
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(b);
        waiter.await.unwrap();
    }
}
