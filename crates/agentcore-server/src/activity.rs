//! What one connection is doing, in plain atomics: requests in flight, when its current
//! request head started, when it last went idle, whether it was upgraded. The hot path (a
//! read, a request) never takes a lock; the watcher and the slot pools read it.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// The connection timeouts a watcher enforces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) header_read: Duration,
    pub(crate) idle: Duration,
}

/// Why the watcher ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// A request head did not arrive in time.
    HeaderRead,
    /// No request for too long.
    Idle,
}

/// The activity of one connection.
#[derive(Debug)]
pub(crate) struct Activity {
    /// The clock's zero for the instants below, kept as nanoseconds (0: none).
    epoch: Instant,
    in_flight: AtomicUsize,
    /// When the first byte of a request head arrived while no request was in flight.
    head_started: AtomicU64,
    /// When the connection last became idle (no request in flight).
    idle_since: AtomicU64,
    /// Upgraded to a WebSocket: never idle again.
    upgraded: AtomicBool,
}

impl Activity {
    pub(crate) fn new() -> Self {
        let activity = Self {
            epoch: Instant::now(),
            in_flight: AtomicUsize::new(0),
            head_started: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            upgraded: AtomicBool::new(false),
        };
        activity.idle_since.store(activity.now(), Ordering::Relaxed);
        activity
    }

    /// Nanoseconds since the epoch, never 0.
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn at(&self, nanos: u64) -> Instant {
        self.epoch + Duration::from_nanos(nanos)
    }

    /// Bytes arrived.
    pub(crate) fn bytes_read(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0
            && self.head_started.load(Ordering::Relaxed) == 0
        {
            self.head_started.store(self.now(), Ordering::Release);
        }
    }

    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_started.store(0, Ordering::Release);
    }

    pub(crate) fn request_finished(&self) {
        self.idle_since.store(self.now(), Ordering::Release);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    pub(crate) fn upgraded(&self) {
        self.upgraded.store(true, Ordering::Release);
    }

    /// Since when the connection has been idle between requests: no request in flight,
    /// none arriving, not upgraded. `None` when busy.
    pub(crate) fn idle_since(&self) -> Option<Instant> {
        let busy = self.upgraded.load(Ordering::Acquire)
            || self.in_flight.load(Ordering::Acquire) > 0
            || self.head_started.load(Ordering::Acquire) != 0;
        (!busy).then(|| self.at(self.idle_since.load(Ordering::Acquire)))
    }

    /// The limit that has expired at `now`, if any.
    fn expired_at(&self, timeouts: Timeouts, now: Instant) -> Option<Expiry> {
        if self.in_flight.load(Ordering::Acquire) > 0 || self.upgraded.load(Ordering::Acquire) {
            return None;
        }
        match self.head_started.load(Ordering::Acquire) {
            0 => (now >= self.at(self.idle_since.load(Ordering::Acquire)) + timeouts.idle)
                .then_some(Expiry::Idle),
            head => (now >= self.at(head) + timeouts.header_read).then_some(Expiry::HeaderRead),
        }
    }

    /// When to look next: the pending deadline, but at least every header-read timeout
    /// (a head that starts in between is then seen before its own deadline).
    fn next_look(&self, timeouts: Timeouts, now: Instant) -> Instant {
        let poll = now + timeouts.header_read.min(timeouts.idle);
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return poll;
        }
        let deadline = match self.head_started.load(Ordering::Acquire) {
            0 => self.at(self.idle_since.load(Ordering::Acquire)) + timeouts.idle,
            head => self.at(head) + timeouts.header_read,
        };
        deadline.min(poll)
    }

    /// Completes when a timeout expires (never, once upgraded).
    pub(crate) async fn expired(&self, timeouts: Timeouts) -> Expiry {
        loop {
            let now = Instant::now();
            if let Some(expiry) = self.expired_at(timeouts, now) {
                return expiry;
            }
            tokio::time::sleep_until(self.next_look(timeouts, now)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_busy_and_upgraded() {
        let activity = Activity::new();
        assert!(activity.idle_since().is_some());
        activity.bytes_read();
        assert!(activity.idle_since().is_none(), "a head is arriving");
        activity.request_started();
        assert!(activity.idle_since().is_none());
        activity.request_finished();
        assert!(activity.idle_since().is_some());
        activity.upgraded();
        assert!(activity.idle_since().is_none());
        let timeouts = Timeouts {
            header_read: Duration::ZERO,
            idle: Duration::ZERO,
        };
        assert_eq!(activity.expired_at(timeouts, Instant::now()), None);
    }
}
