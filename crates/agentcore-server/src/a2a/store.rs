//! The tasks of one running app, in memory and bounded: at most `max_tasks`
//! ([`DEFAULT_MAX_TASKS`](super::DEFAULT_MAX_TASKS) by default); a new task past the bound
//! evicts the oldest finished one, and when every stored task is still running the new
//! one is refused (the caller gets a JSON-RPC error, nothing grows).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio_util::sync::CancellationToken;

use super::types::{Task, TaskState};

struct Entry {
    task: Task,
    cancel: CancellationToken,
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
