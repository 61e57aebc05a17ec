//! Connection slots: bounded pools that a connection holds a lease of while it lives.
//!
//! Three pools bound what a peer can hold: *pending* connections (accepted, first request
//! line not read yet), *health* connections (the first request was `/ping`) and the
//! *main* pool (everything else, WebSockets included until they close). A full pool sheds:
//! the connection idle for longest between requests is closed to make room, and the
//! pending and health pools, whose members are cheap to reopen, close their oldest member
//! when none is idle. So no number of held connections keeps a health check out.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::activity::Activity;

/// How long a connection must have been idle to be shed: one that has just answered may
/// still be writing its response.
pub(crate) const SHED_MIN_IDLE: Duration = Duration::from_secs(1);

/// A bounded pool of connection slots.
#[derive(Debug)]
pub(crate) struct Pool {
    capacity: usize,
    members: Mutex<Members>,
    released: Notify,
}

#[derive(Debug, Default)]
struct Members {
    next_id: u64,
    /// By id, so oldest first.
    by_id: BTreeMap<u64, Member>,
}

#[derive(Debug)]
struct Member {
    activity: Arc<Activity>,
    evicted: CancellationToken,
}

/// A held slot, given back when dropped. Its connection closes when it is evicted.
#[derive(Debug)]
pub(crate) struct Lease {
    pool: Arc<Pool>,
    id: u64,
    activity: Arc<Activity>,
    evicted: CancellationToken,
}

/// A lease shared between a connection and the WebSocket session it was upgraded to,
/// carried in the upgrade request's extensions: the slot is held until both end.
#[derive(Debug, Clone)]
pub(crate) struct SharedLease(pub(crate) Arc<Lease>);

/// Which member a full pool gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shed {
    /// Only a connection idle between requests.
    Idle,
    /// One idle between requests, else the oldest.
    Oldest,
}

impl Pool {
    pub(crate) fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            capacity: capacity.max(1),
            members: Mutex::default(),
            released: Notify::new(),
        })
    }

    fn members(&self) -> MutexGuard<'_, Members> {
        self.members.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A slot, shedding a member as `shed` allows when the pool is full.
    pub(crate) fn acquire(self: &Arc<Self>, activity: &Arc<Activity>, shed: Shed) -> Option<Lease> {
        let mut members = self.members();
        if members.by_id.len() >= self.capacity {
            let victim = members.longest_idle().or(match shed {
                Shed::Idle => None,
                Shed::Oldest => members.by_id.keys().next().copied(),
            })?;
            if let Some(member) = members.by_id.remove(&victim) {
                member.evicted.cancel();
            }
        }
        let id = members.next_id;
        members.next_id += 1;
        let evicted = CancellationToken::new();
        members.by_id.insert(
            id,
            Member {
                activity: Arc::clone(activity),
                evicted: evicted.clone(),
            },
        );
        Some(Lease {
            pool: Arc::clone(self),
            id,
            activity: Arc::clone(activity),
            evicted,
        })
    }

    /// Completes after a slot is given back (call [`Pool::acquire`] again).
    pub(crate) async fn released(&self) {
        self.released.notified().await;
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.members().by_id.len()
    }
}

impl Members {
    fn longest_idle(&self) -> Option<u64> {
        let now = Instant::now();
        self.by_id
            .iter()
            .filter_map(|(id, member)| Some((member.activity.idle_since()?, *id)))
            .filter(|(since, _)| now.saturating_duration_since(*since) >= SHED_MIN_IDLE)
            .min()
            .map(|(_, id)| id)
    }
}

impl Lease {
    /// Completes when the pool evicted this connection to make room.
    /// The connection became a WebSocket: it is never idle again.
    pub(crate) fn upgraded(&self) {
        self.activity.upgraded();
    }

    pub(crate) async fn evicted(&self) {
        self.evicted.cancelled().await;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let removed = self.pool.members().by_id.remove(&self.id).is_some();
        if removed {
            self.pool.released.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_pool_sheds_the_longest_idle_else_the_oldest_or_nothing() {
        let pool = Pool::new(2);
        let (a, b) = (Arc::new(Activity::new()), Arc::new(Activity::new()));
        let busy = |activity: &Activity| activity.request_started();
        let first = pool.acquire(&a, Shed::Idle).unwrap();
        let second = pool.acquire(&b, Shed::Idle).unwrap();
        busy(&a);
        // `b` has just become idle: it may still be writing its answer.
        assert!(
            pool.acquire(&Arc::new(Activity::new()), Shed::Idle)
                .is_none()
        );
        tokio::time::advance(SHED_MIN_IDLE + Duration::from_millis(1)).await;
        // `b` is idle: shed.
        let third = pool
            .acquire(&Arc::new(Activity::new()), Shed::Idle)
            .unwrap();
        assert!(second.evicted.is_cancelled() && !first.evicted.is_cancelled());
        drop(second); // an evicted lease gives back nothing twice
        assert_eq!(pool.len(), 2);
        busy(&third_activity(&pool, &third));
        // Both busy: `Idle` gets nothing, `Oldest` evicts the first.
        assert!(
            pool.acquire(&Arc::new(Activity::new()), Shed::Idle)
                .is_none()
        );
        let fourth = pool.acquire(&Arc::new(Activity::new()), Shed::Oldest);
        assert!(fourth.is_some() && first.evicted.is_cancelled());
        assert_eq!(pool.len(), 2);
        drop((first, third, fourth));
        assert_eq!(pool.len(), 0);
    }

    fn third_activity(pool: &Pool, lease: &Lease) -> Arc<Activity> {
        Arc::clone(&pool.members().by_id[&lease.id].activity)
    }
}
