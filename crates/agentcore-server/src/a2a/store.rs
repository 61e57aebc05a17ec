//! The tasks of one running app, in memory and bounded: at most `max_tasks`
//! ([`DEFAULT_MAX_TASKS`](super::DEFAULT_MAX_TASKS) by default); a new task past the bound
//! evicts the oldest finished one, and when every stored task is still running the new
//! one is refused (the caller gets a JSON-RPC error, nothing grows).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::types::{Message, StreamResponse, Task, TaskState};
use super::{MAX_SUBSCRIBERS, SUBSCRIBER_BUFFER_EVENTS};

struct Entry {
    task: Task,
    cancel: CancellationToken,
    /// `SubscribeToTask` streams of this task, at most [`MAX_SUBSCRIBERS`].
    subscribers: Vec<mpsc::Sender<StreamResponse>>,
}

/// What `subscribe` found.
#[derive(Debug)]
pub(crate) enum Subscription {
    /// Running: the task now, and its further updates.
    Live(Task, mpsc::Receiver<StreamResponse>),
    /// Waiting for input (or auth): nothing further until a message continues it.
    Waiting(Task),
}

/// Why a task could not be subscribed to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SubscribeError {
    NotFound,
    Terminal(TaskState),
    /// [`MAX_SUBSCRIBERS`] streams follow it already.
    Full,
}

/// Whether a task in `state` waits for a message (input or auth required).
pub(crate) fn is_interrupted(state: TaskState) -> bool {
    matches!(state, TaskState::InputRequired | TaskState::AuthRequired)
}

#[derive(Default)]
struct Inner {
    tasks: HashMap<String, Entry>,
    /// Task ids, oldest first.
    order: VecDeque<String>,
}

pub(crate) struct TaskStore {
    max_tasks: usize,
    inner: Mutex<Inner>,
}

/// Which tasks `list` answers, newest status first (then by id, descending), as
/// `a2a-sdk`'s in-memory store orders them.
#[derive(Debug, Default)]
pub(crate) struct ListQuery {
    pub(crate) context_id: Option<String>,
    pub(crate) state: Option<TaskState>,
    /// Only tasks whose status timestamp is at or after this one (in [`nanos`]' form).
    pub(crate) updated_since: Option<String>,
    /// The sort key of the last task of the previous page: the tasks after it.
    pub(crate) after: Option<(String, String)>,
    pub(crate) page_size: usize,
}

/// One page of tasks: the tasks, how many matched in all, whether more follow.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) tasks: Vec<Task>,
    pub(crate) total: usize,
    pub(crate) more: bool,
}

/// An RFC 3339 UTC timestamp (`2026-01-01T00:00:00.5Z`, as protobuf JSON writes one) with
/// its fraction at nanosecond width, so that two compare as strings; `None` when it is not
/// one (another offset than `Z`, more than nine fraction digits).
pub(crate) fn nanos(at: &str) -> Option<String> {
    let (seconds, rest) = at.split_at_checked(19)?;
    let shape = seconds.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        _ => b.is_ascii_digit(),
    });
    let fraction = rest.strip_suffix('Z')?;
    let digits = match fraction.strip_prefix('.') {
        Some(digits) if (1..=9).contains(&digits.len()) => digits,
        None if fraction.is_empty() => "",
        _ => return None,
    };
    if !shape || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{seconds}.{digits:0<9}Z"))
}

/// A task's place in a listing: its status timestamp (none sorts last), its id.
pub(crate) fn sort_key(task: &Task) -> (String, String) {
    let at = task.status.timestamp.clone().unwrap_or_default();
    (at, task.id.clone())
}

/// Why a message could not continue a task.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ResumeError {
    NotFound,
    /// Finished: its state.
    Terminal(TaskState),
    /// Still being driven (not waiting for input).
    Running(TaskState),
    /// The message names another context: the task's.
    OtherContext(String),
}

/// Why a task could not be cancelled.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CancelError {
    NotFound,
    NotCancelable,
}

impl TaskStore {
    pub(crate) fn new(max_tasks: usize) -> Self {
        Self {
            max_tasks: max_tasks.max(1),
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing here panics while holding the lock; a poisoned one is still consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores a new task; `None` when the store is full of running tasks.
    pub(crate) fn insert(&self, task: Task) -> Option<CancellationToken> {
        let mut inner = self.lock();
        if inner.tasks.len() >= self.max_tasks {
            let finished = inner.order.iter().position(|id| {
                inner
                    .tasks
                    .get(id)
                    .is_none_or(|entry| entry.task.status.state.is_terminal())
            })?;
            if let Some(id) = inner.order.remove(finished) {
                inner.tasks.remove(&id);
            }
        }
        let cancel = CancellationToken::new();
        inner.order.push_back(task.id.clone());
        inner.tasks.insert(
            task.id.clone(),
            Entry {
                task,
                cancel: cancel.clone(),
                subscribers: Vec::new(),
            },
        );
        Some(cancel)
    }

    /// Applies `change` to a stored task unless it is already finished; the task after.
    pub(crate) fn update(&self, id: &str, change: impl FnOnce(&mut Task)) -> Option<Task> {
        let mut inner = self.lock();
        let entry = inner.tasks.get_mut(id)?;
        if !entry.task.status.state.is_terminal() {
            change(&mut entry.task);
        }
        Some(entry.task.clone())
    }

    /// Continues a task waiting for input or auth with `message` (appended to its
    /// history; the task is working again): the task, and a new token stopping its driver.
    pub(crate) fn resume(
        &self,
        id: &str,
        mut message: Message,
        timestamp: String,
    ) -> Result<(Task, CancellationToken), ResumeError> {
        let mut inner = self.lock();
        let entry = inner.tasks.get_mut(id).ok_or(ResumeError::NotFound)?;
        let state = entry.task.status.state;
        if state.is_terminal() {
            return Err(ResumeError::Terminal(state));
        }
        if !matches!(state, TaskState::InputRequired | TaskState::AuthRequired) {
            return Err(ResumeError::Running(state));
        }
        let context_id = &entry.task.context_id;
        if message
            .context_id
            .as_ref()
            .is_some_and(|c| !c.is_empty() && c != context_id)
        {
            return Err(ResumeError::OtherContext(context_id.clone()));
        }
        message.context_id = Some(context_id.clone());
        message.task_id = Some(id.to_owned());
        // The agent's question moves into the history, as the reference's task manager does.
        if let Some(asked) = entry.task.status.message.take() {
            entry.task.history.push(asked);
        }
        entry.task.history.push(message);
        entry.task.status.state = TaskState::Working;
        entry.task.status.timestamp = Some(timestamp);
        entry.cancel = CancellationToken::new();
        Ok((entry.task.clone(), entry.cancel.clone()))
    }

    /// One page of the stored tasks matching `query` (at most `query.page_size`).
    pub(crate) fn list(&self, query: &ListQuery) -> Page {
        let inner = self.lock();
        let mut matching: Vec<&Task> = inner
            .tasks
            .values()
            .map(|entry| &entry.task)
            .filter(|task| {
                query
                    .context_id
                    .as_ref()
                    .is_none_or(|c| &task.context_id == c)
            })
            .filter(|task| query.state.is_none_or(|state| task.status.state == state))
            .filter(|task| {
                query.updated_since.as_ref().is_none_or(|since| {
                    let at = task.status.timestamp.as_deref().and_then(nanos);
                    at.is_some_and(|at| at >= *since)
                })
            })
            .collect();
        matching.sort_by_cached_key(|task| std::cmp::Reverse(sort_key(task)));
        let total = matching.len();
        let start = query.after.as_ref().map_or(0, |after| {
            matching
                .iter()
                .position(|task| sort_key(task) < *after)
                .unwrap_or(total)
        });
        let end = start.saturating_add(query.page_size).min(total);
        Page {
            tasks: matching[start..end]
                .iter()
                .map(|task| (*task).clone())
                .collect(),
            total,
            more: end < total,
        }
    }

    /// Follows a running task: its state now and, on a channel of
    /// [`SUBSCRIBER_BUFFER_EVENTS`], each update [`publish`](Self::publish)ed after.
    pub(crate) fn subscribe(&self, id: &str) -> Result<Subscription, SubscribeError> {
        let mut inner = self.lock();
        let entry = inner.tasks.get_mut(id).ok_or(SubscribeError::NotFound)?;
        let state = entry.task.status.state;
        if state.is_terminal() {
            return Err(SubscribeError::Terminal(state));
        }
        if is_interrupted(state) {
            return Ok(Subscription::Waiting(entry.task.clone()));
        }
        entry
            .subscribers
            .retain(|subscriber| !subscriber.is_closed());
        if entry.subscribers.len() >= MAX_SUBSCRIBERS {
            return Err(SubscribeError::Full);
        }
        let (sender, receiver) = mpsc::channel(SUBSCRIBER_BUFFER_EVENTS);
        entry.subscribers.push(sender);
        Ok(Subscription::Live(entry.task.clone(), receiver))
    }

    /// Hands an update of a task to its subscribers, without waiting: one whose buffer
    /// is full is dropped (its stream ends), as the reference evicts a subscriber that
    /// falls behind. An update ending the task or its turn ends every subscription.
    pub(crate) fn publish(&self, id: &str, update: &StreamResponse) {
        let mut inner = self.lock();
        let Some(entry) = inner.tasks.get_mut(id) else {
            return;
        };
        entry
            .subscribers
            .retain(|subscriber| subscriber.try_send(update.clone()).is_ok());
        let last = matches!(update, StreamResponse::StatusUpdate(u)
            if u.status.state.is_terminal() || is_interrupted(u.status.state));
        if last {
            entry.subscribers.clear();
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<Task> {
        self.lock().tasks.get(id).map(|entry| entry.task.clone())
    }

    /// Marks a running task canceled and stops its handler.
    pub(crate) fn cancel(&self, id: &str, timestamp: String) -> Result<Task, CancelError> {
        let mut inner = self.lock();
        let entry = inner.tasks.get_mut(id).ok_or(CancelError::NotFound)?;
        if entry.task.status.state.is_terminal() {
            return Err(CancelError::NotCancelable);
        }
        entry.task.status.state = TaskState::Canceled;
        entry.task.status.message = None;
        entry.task.status.timestamp = Some(timestamp);
        entry.cancel.cancel();
        Ok(entry.task.clone())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().tasks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::a2a::types::TaskStatus;

    fn task(id: &str, state: TaskState) -> Task {
        Task {
            id: id.into(),
            context_id: "c".into(),
            status: TaskStatus {
                state,
                ..TaskStatus::default()
            },
            ..Task::default()
        }
    }

    #[test]
    fn the_oldest_finished_task_goes_first_and_running_ones_stay() {
        let store = TaskStore::new(2);
        assert!(store.insert(task("a", TaskState::Working)).is_some());
        assert!(store.insert(task("b", TaskState::Completed)).is_some());
        assert!(store.insert(task("c", TaskState::Completed)).is_some());
        assert_eq!(store.len(), 2);
        assert!(store.get("a").is_some() && store.get("b").is_none());
        // a is running, c finished: d evicts c.
        assert!(store.insert(task("d", TaskState::Working)).is_some());
        assert!(store.get("c").is_none());
        // Both running: full.
        assert!(store.insert(task("e", TaskState::Working)).is_none());
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn only_a_task_waiting_for_input_resumes() {
        let store = TaskStore::new(4);
        let first = store.insert(task("a", TaskState::InputRequired)).unwrap();
        store.insert(task("b", TaskState::Completed)).unwrap();
        store.insert(task("c", TaskState::Working)).unwrap();
        let (resumed, token) = store
            .resume("a", Message::agent_text("more"), "t".into())
            .unwrap();
        assert_eq!(resumed.status.state, TaskState::Working);
        assert_eq!(resumed.history.len(), 1);
        assert_eq!(resumed.history[0].task_id.as_deref(), Some("a"));
        assert_eq!(resumed.history[0].context_id.as_deref(), Some("c"));
        assert!(!first.is_cancelled() && !token.is_cancelled());
        // Working again: a second message cannot resume it.
        let again = store.resume("a", Message::agent_text("x"), "t".into());
        assert_eq!(again.unwrap_err(), ResumeError::Running(TaskState::Working));
        let done = store.resume("b", Message::agent_text("x"), "t".into());
        assert_eq!(
            done.unwrap_err(),
            ResumeError::Terminal(TaskState::Completed)
        );
        let mut other = Message::agent_text("x");
        other.context_id = Some("elsewhere".into());
        store.insert(task("d", TaskState::InputRequired)).unwrap();
        let elsewhere = store.resume("d", other, "t".into());
        assert_eq!(
            elsewhere.unwrap_err(),
            ResumeError::OtherContext("c".into())
        );
        let gone = store.resume("z", Message::agent_text("x"), "t".into());
        assert_eq!(gone.unwrap_err(), ResumeError::NotFound);
    }

    #[test]
    fn a_listing_pages_newest_first_and_filters() {
        let store = TaskStore::new(8);
        for (id, at, context, state) in [
            ("a", "2026-01-01T00:00:01.000Z", "c1", TaskState::Completed),
            ("b", "2026-01-01T00:00:02.000Z", "c2", TaskState::Working),
            ("c", "2026-01-01T00:00:02.000Z", "c1", TaskState::Completed),
            (
                "d",
                "2026-01-01T00:00:03.000Z",
                "c1",
                TaskState::InputRequired,
            ),
        ] {
            let mut task = task(id, state);
            task.context_id = context.into();
            task.status.timestamp = Some(at.into());
            store.insert(task).unwrap();
        }
        let ids = |page: &Page| page.tasks.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        let first = store.list(&ListQuery {
            page_size: 3,
            ..ListQuery::default()
        });
        assert_eq!(ids(&first), ["d", "c", "b"]);
        assert!(first.more && first.total == 4);
        let after = Some(sort_key(first.tasks.last().unwrap()));
        let rest = store.list(&ListQuery {
            page_size: 3,
            after,
            ..ListQuery::default()
        });
        assert_eq!(ids(&rest), ["a"]);
        assert!(!rest.more);
        let c1 = store.list(&ListQuery {
            context_id: Some("c1".into()),
            state: Some(TaskState::Completed),
            page_size: 10,
            ..ListQuery::default()
        });
        assert_eq!(ids(&c1), ["c", "a"]);
        assert_eq!(
            nanos("2026-01-01T00:00:02Z").unwrap(),
            "2026-01-01T00:00:02.000000000Z"
        );
        assert_eq!(
            nanos("2026-01-01T00:00:02.5Z").unwrap(),
            "2026-01-01T00:00:02.500000000Z"
        );
        for bad in [
            "2026-01-01T00:00:02+01:00",
            "2026-01-01",
            "2026-01-01T00:00:02.Z",
            "2026-01-01T00:00:02.1234567890Z",
            "2026-01-01X00:00:02Z",
        ] {
            assert_eq!(nanos(bad), None, "{bad}");
        }
        let since = store.list(&ListQuery {
            updated_since: nanos("2026-01-01T00:00:02Z"),
            page_size: 10,
            ..ListQuery::default()
        });
        assert_eq!(ids(&since), ["d", "c", "b"]);
    }

    fn status_update(state: TaskState) -> StreamResponse {
        StreamResponse::StatusUpdate(crate::a2a::TaskStatusUpdateEvent {
            task_id: "a".into(),
            context_id: "c".into(),
            status: TaskStatus {
                state,
                ..TaskStatus::default()
            },
        })
    }

    fn live(store: &TaskStore) -> mpsc::Receiver<StreamResponse> {
        match store.subscribe("a") {
            Ok(Subscription::Live(_, receiver)) => receiver,
            other => panic!("not live: {other:?}"),
        }
    }

    #[test]
    fn a_subscriber_that_falls_behind_its_buffer_is_dropped() {
        let store = TaskStore::new(4);
        store.insert(task("a", TaskState::Working)).unwrap();
        let (mut keeping_up, mut behind) = (live(&store), live(&store));
        let working = status_update(TaskState::Working);
        // The buffer's edge: SUBSCRIBER_BUFFER_EVENTS unread updates are held.
        for _ in 0..SUBSCRIBER_BUFFER_EVENTS {
            store.publish("a", &working);
            assert!(keeping_up.try_recv().is_ok());
        }
        assert_eq!(store.lock().tasks["a"].subscribers.len(), 2);
        // One more: the one behind is dropped; it still reads what it was given.
        store.publish("a", &working);
        assert_eq!(store.lock().tasks["a"].subscribers.len(), 1);
        assert!(keeping_up.try_recv().is_ok());
        for _ in 0..SUBSCRIBER_BUFFER_EVENTS {
            assert!(behind.try_recv().is_ok());
        }
        assert_eq!(
            behind.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        );
        // The end of the task ends the others.
        store.publish("a", &status_update(TaskState::Completed));
        assert!(keeping_up.try_recv().is_ok());
        assert_eq!(
            keeping_up.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        );
    }

    #[test]
    fn subscribers_are_bounded_and_only_running_tasks_have_them() {
        let store = TaskStore::new(4);
        store.insert(task("a", TaskState::Working)).unwrap();
        let mut held: Vec<_> = (0..MAX_SUBSCRIBERS).map(|_| live(&store)).collect();
        assert_eq!(store.subscribe("a").unwrap_err(), SubscribeError::Full);
        // A subscriber gone frees its place.
        held.pop();
        drop(live(&store));
        store.insert(task("w", TaskState::InputRequired)).unwrap();
        assert!(matches!(store.subscribe("w"), Ok(Subscription::Waiting(_))));
        store.insert(task("d", TaskState::Failed)).unwrap();
        let done = store.subscribe("d").unwrap_err();
        assert_eq!(done, SubscribeError::Terminal(TaskState::Failed));
        assert_eq!(store.subscribe("z").unwrap_err(), SubscribeError::NotFound);
    }

    #[test]
    fn cancel_stops_a_running_task_only() {
        let store = TaskStore::new(4);
        let token = store.insert(task("a", TaskState::Working)).unwrap();
        store.insert(task("b", TaskState::Completed)).unwrap();
        let canceled = store.cancel("a", "t".into()).unwrap();
        assert_eq!(canceled.status.state, TaskState::Canceled);
        assert!(token.is_cancelled());
        assert_eq!(
            store.cancel("b", "t".into()),
            Err(CancelError::NotCancelable)
        );
        assert_eq!(store.cancel("z", "t".into()), Err(CancelError::NotFound));
        // A finished task no longer changes.
        let after = store
            .update("a", |t| t.status.state = TaskState::Completed)
            .unwrap();
        assert_eq!(after.status.state, TaskState::Canceled);
    }
}
