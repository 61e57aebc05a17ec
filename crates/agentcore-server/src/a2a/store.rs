//! The tasks of one running app, in memory and bounded: at most `max_tasks`
//! ([`DEFAULT_MAX_TASKS`](super::DEFAULT_MAX_TASKS) by default); a new task past the bound
//! evicts the oldest finished one, and when every stored task is still running the new
//! one is refused (the caller gets a JSON-RPC error, nothing grows).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio_util::sync::CancellationToken;

use super::types::{Message, Task, TaskState};

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
