//! The agent's health: ping status, tracked background tasks and forced status.
//!
//! The status `/ping` reports is, in order of priority: a status forced by the app
//! ([`Health::force`]), else the custom ping function ([`crate::App::ping`]), else the
//! automatic one: `HealthyBusy` while any tracked task is running, else `Healthy`.
//!
//! `time_of_last_update` is the wall-clock second of the last *change* of that status
//! (initially: when the [`Health`] was created). Re-stamping it on every ping would keep
//! idle sessions alive forever, so it moves only on transitions.
//!
//! Every lock here is a short synchronous critical section, never held across an
//! `.await` or while user code runs, so `/ping` never waits behind a handler.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use agentcore_contract::PingStatus;
use serde::Serialize;

type Clock = dyn Fn() -> SystemTime + Send + Sync;
pub(crate) type PingFn = dyn Fn() -> Option<PingStatus> + Send + Sync;

/// A shared handle on the agent's health. Cheap to clone; all clones see one state.
///
/// ```
/// use agentcore_server::{Health, PingStatus};
///
/// let health = Health::new();
/// assert_eq!(health.ping().status, PingStatus::Healthy);
///
/// let guard = health.track("indexing");
/// assert_eq!(health.ping().status, PingStatus::HealthyBusy);
/// assert_eq!(health.jobs().active_count, 1);
/// drop(guard);
/// assert_eq!(health.ping().status, PingStatus::Healthy);
///
/// health.force(PingStatus::HealthyBusy);
/// assert_eq!(health.ping().status, PingStatus::HealthyBusy);
/// health.clear_forced();
/// ```
#[derive(Clone)]
pub struct Health {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    next_task_id: AtomicU64,
    clock: Box<Clock>,
    ping_fn: Mutex<Option<Arc<PingFn>>>,
}

struct State {
    forced: Option<PingStatus>,
    tasks: BTreeMap<u64, Task>,
    last_status: PingStatus,
    last_change: u64,
}

struct Task {
    name: String,
    started: Instant,
}

/// The body of `GET /ping`.
///
/// ```
/// use agentcore_server::{Health, PingStatus};
///
/// let ping = Health::new().ping();
/// assert_eq!(ping.status, PingStatus::Healthy);
/// assert!(ping.time_of_last_update > 0);
/// assert_eq!(serde_json::to_value(ping).unwrap()["status"], "Healthy");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Ping {
    /// The current status.
    pub status: PingStatus,
    /// Whole epoch seconds of the last change of the status.
    pub time_of_last_update: u64,
}

/// The tracked tasks, as the `job_status` debug action reports them.
///
/// ```
/// use agentcore_server::Health;
///
/// let health = Health::new();
/// let _guard = health.track("upload");
/// let jobs = health.jobs();
/// assert_eq!(jobs.active_count, 1);
/// assert_eq!(jobs.running_jobs[0].name, "upload");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct JobStatus {
    /// How many tracked tasks are running.
    pub active_count: usize,
    /// The running tasks, oldest first.
    pub running_jobs: Vec<Job>,
}

/// One running tracked task.
///
/// ```
/// use agentcore_server::Health;
///
/// let health = Health::new();
/// let _guard = health.track("embed");
/// let job = &health.jobs().running_jobs[0];
/// assert_eq!(job.name, "embed");
/// assert!(job.duration >= 0.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Job {
    /// The name it was registered with.
    pub name: String,
    /// Seconds since it started.
    pub duration: f64,
}

/// The id of a tracked task, as returned by [`Health::add_task`].
///
/// ```
/// use agentcore_server::Health;
///
/// let health = Health::new();
/// let (a, b) = (health.add_task("a"), health.add_task("b"));
/// assert_ne!(a, b);
/// assert!(health.complete_task(a) && health.complete_task(b));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TaskId(u64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Default for Health {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Health")
            .field("forced", &state.forced)
            .field("active_tasks", &state.tasks.len())
            .field("last_status", &state.last_status)
            .field("last_change", &state.last_change)
            .finish_non_exhaustive()
    }
}

impl Health {
    /// A healthy state with no tasks, stamped now by the system clock.
    ///
    /// ```
    /// use agentcore_server::{Health, PingStatus};
    ///
    /// let health = Health::new();
    /// assert_eq!(health.ping().status, PingStatus::Healthy);
    /// assert_eq!(health.jobs().active_count, 0);
    /// ```
    pub fn new() -> Self {
        Self::with_clock(SystemTime::now)
    }

    /// Like [`Health::new`], with a wall clock of your own (for tests: the timestamp is
    /// epoch seconds, which a paused tokio clock does not move).
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use agentcore_server::Health;
    ///
    /// let now = Arc::new(AtomicU64::new(1_000));
    /// let clock = now.clone();
    /// let health = Health::with_clock(move || UNIX_EPOCH + Duration::from_secs(clock.load(Ordering::SeqCst)));
    /// now.store(1_005, Ordering::SeqCst);
    /// assert_eq!(health.ping().time_of_last_update, 1_000); // no change, no new stamp
    /// let _busy = health.track("job");
    /// assert_eq!(health.ping().time_of_last_update, 1_005);
    /// ```
    pub fn with_clock(clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        let started = epoch_seconds(clock());
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    forced: None,
                    tasks: BTreeMap::new(),
                    last_status: PingStatus::Healthy,
                    last_change: started,
                }),
                next_task_id: AtomicU64::new(1),
                clock: Box::new(clock),
                ping_fn: Mutex::new(None),
            }),
        }
    }

    /// The current status and the time of its last change, as `/ping` reports them.
    ///
    /// ```
    /// use agentcore_server::{Health, PingStatus};
    ///
    /// let health = Health::new();
    /// let ping = health.ping();
    /// assert_eq!(ping.status, PingStatus::Healthy);
    /// assert_eq!(health.ping().time_of_last_update, ping.time_of_last_update); // no change
    /// ```
    pub fn ping(&self) -> Ping {
        let status = self.compute();
        self.observe(status)
    }

    /// Forces the status, overriding the custom ping function and the tasks.
    ///
    /// ```
    /// use agentcore_server::{Health, PingStatus};
    ///
    /// let health = Health::new();
    /// let _job = health.track("busy work");
    /// health.force(PingStatus::Healthy); // wins over the tracked task
    /// assert_eq!(health.ping().status, PingStatus::Healthy);
    /// ```
    pub fn force(&self, status: PingStatus) {
        self.state().forced = Some(status);
        self.refresh();
    }

    /// Removes a forced status.
    ///
    /// ```
    /// use agentcore_server::{Health, PingStatus};
    ///
    /// let health = Health::new();
    /// health.force(PingStatus::HealthyBusy);
    /// health.clear_forced();
    /// assert_eq!(health.forced(), None);
    /// assert_eq!(health.ping().status, PingStatus::Healthy);
    /// ```
    pub fn clear_forced(&self) {
        self.state().forced = None;
        self.refresh();
    }

    /// The forced status, if any.
    ///
    /// ```
    /// use agentcore_server::{Health, PingStatus};
    ///
    /// let health = Health::new();
    /// assert_eq!(health.forced(), None);
    /// health.force(PingStatus::HealthyBusy);
    /// assert_eq!(health.forced(), Some(PingStatus::HealthyBusy));
    /// ```
    pub fn forced(&self) -> Option<PingStatus> {
        self.state().forced
    }

    /// Registers a running task (the status is `HealthyBusy` while any is registered).
    /// Complete it with [`Health::complete_task`]; [`Health::track`] does both for you.
    ///
    /// ```
    /// use agentcore_server::{Health, PingStatus};
    ///
    /// let health = Health::new();
    /// let id = health.add_task("nightly sync");
    /// assert_eq!(health.ping().status, PingStatus::HealthyBusy);
    /// health.complete_task(id);
    /// assert_eq!(health.ping().status, PingStatus::Healthy);
    /// ```
    pub fn add_task(&self, name: impl Into<String>) -> TaskId {
        let id = self.inner.next_task_id.fetch_add(1, Ordering::Relaxed);
        let task = Task {
            name: name.into(),
            started: Instant::now(),
        };
        self.state().tasks.insert(id, task);
        self.refresh();
        TaskId(id)
    }

    /// Marks a task as done; `false` when no such task was running.
    ///
    /// ```
    /// use agentcore_server::Health;
    ///
    /// let health = Health::new();
    /// let id = health.add_task("job");
    /// assert!(health.complete_task(id));
    /// assert!(!health.complete_task(id)); // already done
    /// ```
    pub fn complete_task(&self, id: TaskId) -> bool {
        let removed = self.state().tasks.remove(&id.0).is_some();
        if removed {
            self.refresh();
        }
        removed
    }

    /// Registers a task that completes when the returned guard is dropped.
    ///
    /// ```
    /// use agentcore_server::{Health, PingStatus};
    ///
    /// let health = Health::new();
    /// {
    ///     let _guard = health.track("reindex");
    ///     assert_eq!(health.ping().status, PingStatus::HealthyBusy);
    /// }
    /// assert_eq!(health.ping().status, PingStatus::Healthy);
    /// ```
    pub fn track(&self, name: impl Into<String>) -> TaskGuard {
        TaskGuard {
            health: self.clone(),
            id: self.add_task(name),
        }
    }

    /// Wraps a future so that it counts as a running task until it finishes or is dropped.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{Health, PingStatus};
    ///
    /// let health = Health::new();
    /// let work = health.track_future("report", async { 42 });
    /// assert_eq!(health.ping().status, PingStatus::HealthyBusy);
    /// assert_eq!(work.await, 42);
    /// assert_eq!(health.ping().status, PingStatus::Healthy);
    /// # }
    /// ```
    pub fn track_future<F: Future, N: Into<String>>(
        &self,
        name: N,
        future: F,
    ) -> impl Future<Output = F::Output> + use<F, N> {
        let guard = self.track(name);
        async move {
            let output = future.await;
            drop(guard);
            output
        }
    }

    /// The running tasks.
    ///
    /// ```
    /// use agentcore_server::Health;
    ///
    /// let health = Health::new();
    /// let _a = health.track("first");
    /// let _b = health.track("second");
    /// let names: Vec<_> = health.jobs().running_jobs.into_iter().map(|job| job.name).collect();
    /// assert_eq!(names, ["first", "second"]);
    /// ```
    pub fn jobs(&self) -> JobStatus {
        let state = self.state();
        let running_jobs: Vec<Job> = state
            .tasks
            .values()
            .map(|task| Job {
                name: task.name.clone(),
                duration: task.started.elapsed().as_secs_f64(),
            })
            .collect();
        JobStatus {
            active_count: running_jobs.len(),
            running_jobs,
        }
    }

    /// Sets the custom ping function. `None` (or a panic) falls back to the automatic
    /// status. It runs on every `/ping`: keep it quick and non-blocking.
    /// Installs (or removes) the app's custom ping function.
    pub(crate) fn set_ping_fn(&self, ping_fn: Option<Arc<PingFn>>) {
        *self
            .inner
            .ping_fn
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = ping_fn;
    }

    fn compute(&self) -> PingStatus {
        let (forced, busy) = {
            let state = self.state();
            (state.forced, !state.tasks.is_empty())
        };
        if let Some(status) = forced {
            return status;
        }
        if let Some(ping_fn) = self.ping_fn() {
            // User code: outside our locks, and a panic is a fallback, not a crash.
            if let Ok(Some(status)) = catch_unwind(AssertUnwindSafe(|| ping_fn())) {
                return status;
            }
        }
        if busy {
            PingStatus::HealthyBusy
        } else {
            PingStatus::Healthy
        }
    }

    /// Stamps a transition at the moment it happens, when our own state decides the
    /// status (with a custom ping function the change is seen on the next ping).
    fn refresh(&self) {
        if self.ping_fn().is_none() {
            self.ping();
        }
    }

    fn observe(&self, status: PingStatus) -> Ping {
        let now = epoch_seconds((self.inner.clock)());
        let mut state = self.state();
        if state.last_status != status {
            state.last_status = status;
            state.last_change = now;
        }
        Ping {
            status,
            time_of_last_update: state.last_change,
        }
    }

    fn ping_fn(&self) -> Option<Arc<PingFn>> {
        self.inner
            .ping_fn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent at every step, so a poisoned lock is still usable.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn epoch_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Keeps a tracked task running until dropped. See [`Health::track`].
///
/// ```
/// use agentcore_server::Health;
///
/// let health = Health::new();
/// let guard = health.track("download");
/// assert_eq!(health.jobs().active_count, 1);
/// drop(guard);
/// assert_eq!(health.jobs().active_count, 0);
/// ```
#[must_use = "the task completes when the guard is dropped"]
#[derive(Debug)]
pub struct TaskGuard {
    health: Health,
    id: TaskId,
}

impl TaskGuard {
    /// The task's id.
    ///
    /// ```
    /// use agentcore_server::Health;
    ///
    /// let health = Health::new();
    /// let guard = health.track("download");
    /// assert!(health.complete_task(guard.id())); // completed early; the drop does nothing
    /// drop(guard);
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.health.complete_task(self.id);
    }
}
