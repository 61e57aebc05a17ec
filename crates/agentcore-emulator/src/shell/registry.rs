//! The shells of every session: found by (runtime, session, shell id), started on first
//! attach, at most so many running per session, ended with their session or the emulator.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use agentcore_contract::shell::ShellId;
use tokio::sync::Notify;

use super::process::{ShellHandle, Spec};
use crate::config::Config;
use crate::error::ServiceError;

/// Where a shell lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ShellKey {
    pub(crate) runtime: String,
    pub(crate) session: String,
    pub(crate) shell: ShellId,
}

/// A shell in the registry; `serial` tells it from a later shell with the same id.
#[derive(Debug)]
struct Entry {
    serial: u64,
    handle: Arc<ShellHandle>,
}

type Live = Arc<Mutex<HashMap<ShellKey, Entry>>>;

/// Every shell.
#[derive(Debug)]
pub(crate) struct Shells {
    program: String,
    args: Vec<String>,
    max_per_session: usize,
    replay_bytes: usize,
    live: Live,
    serials: AtomicU64,
    closing: AtomicBool,
    connections: Arc<Connections>,
}

/// A shell to attach to.
pub(crate) struct Opened {
    pub(crate) handle: Arc<ShellHandle>,
    pub(crate) serial: u64,
    /// It was running (or waiting with its output) before.
    pub(crate) reconnected: bool,
}

fn lock(live: &Live) -> MutexGuard<'_, HashMap<ShellKey, Entry>> {
    live.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The default shell: `$SHELL`, else `/bin/sh`.
fn default_shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|shell| !shell.is_empty())
        .unwrap_or_else(|| "/bin/sh".to_owned())
}

impl Shells {
    pub(crate) fn new(config: &Config) -> Self {
        let (program, args) = config
            .shell_command
            .clone()
            .unwrap_or_else(|| (default_shell(), Vec::new()));
        Self {
            program,
            args,
            max_per_session: config.max_shells_per_session,
            replay_bytes: config.shell_replay_bytes,
            live: Arc::default(),
            serials: AtomicU64::new(0),
            closing: AtomicBool::new(false),
            connections: Arc::default(),
        }
    }

    /// The shell `key` names, started in `directory` when there is none.
    ///
    /// # Errors
    /// 429 when the session runs as many shells as allowed already; 500 when the PTY or
    /// the process cannot be made, or the emulator is shutting down.
    pub(crate) fn open(&self, key: ShellKey, directory: &Path) -> Result<Opened, ServiceError> {
        if self.closing.load(Ordering::Acquire) {
            return Err(ServiceError::internal("the emulator is shutting down"));
        }
        let mut live = lock(&self.live);
        if let Some(entry) = live.get(&key) {
            return Ok(Opened {
                handle: Arc::clone(&entry.handle),
                serial: entry.serial,
                reconnected: true,
            });
        }
        let running = live
            .iter()
            .filter(|(k, entry)| {
                k.runtime == key.runtime && k.session == key.session && !entry.handle.has_exited()
            })
            .count();
        if running >= self.max_per_session {
            return Err(ServiceError::throttling(format!(
                "Maximum terminal sessions reached: {} shells run in this session",
                self.max_per_session
            )));
        }
        let serial = self.serials.fetch_add(1, Ordering::Relaxed);
        let forget = {
            let live = Arc::clone(&self.live);
            let key = key.clone();
            Box::new(move || remove(&live, &key, serial))
        };
        let spec = Spec {
            program: &self.program,
            args: &self.args,
            directory,
            replay_bytes: self.replay_bytes,
        };
        // Spawned under the lock: two first attaches of one id start one shell.
        let handle = ShellHandle::spawn(&spec, forget).map_err(|err| {
            ServiceError::internal(format!("cannot start the shell {}: {err}", self.program))
        })?;
        tracing::info!(
            runtime = key.runtime,
            session = key.session,
            shell = key.shell.as_str(),
            program = self.program,
            "shell started"
        );
        let handle = Arc::new(handle);
        live.insert(
            key,
            Entry {
                serial,
                handle: Arc::clone(&handle),
            },
        );
        Ok(Opened {
            handle,
            serial,
            reconnected: false,
        })
    }

    /// Forgets the shell `key` names if it is still the one with this serial.
    pub(crate) fn forget(&self, key: &ShellKey, serial: u64) {
        remove(&self.live, key, serial);
    }

    /// Whether a client is attached to a shell of this session.
    pub(crate) fn attached(&self, runtime: &str, session: &str) -> bool {
        lock(&self.live)
            .iter()
            .any(|(k, e)| k.runtime == runtime && k.session == session && e.handle.is_attached())
    }

    /// Ends the shells of a session (its stop): each process gets SIGHUP, then SIGKILL
    /// after the grace; an attached client gets the exit status, then close 1000. Returns
    /// once they are over.
    pub(crate) async fn end_session(&self, runtime: &str, session: &str) {
        let ended: Vec<Arc<ShellHandle>> = {
            let mut live = lock(&self.live);
            let keys: Vec<ShellKey> = live
                .keys()
                .filter(|k| k.runtime == runtime && k.session == session)
                .cloned()
                .collect();
            keys.iter()
                .filter_map(|k| live.remove(k))
                .map(|e| e.handle)
                .collect()
        };
        for handle in &ended {
            handle.terminate().await;
        }
        let all = futures_util::future::join_all(ended.iter().map(|h| h.finished()));
        let _ = tokio::time::timeout(super::KILL_GRACE * 2, all).await;
    }

    /// The emulator's shutdown: no new shells; every attached client is closed with 1001
    /// and every process killed. Returns once the connections closed (within `patience`).
    pub(crate) async fn shut_down(&self, patience: Duration) {
        self.closing.store(true, Ordering::Release);
        let all: Vec<Arc<ShellHandle>> = lock(&self.live).drain().map(|(_, e)| e.handle).collect();
        for handle in &all {
            handle.shut_down().await;
        }
        let finished = futures_util::future::join_all(all.iter().map(|h| h.finished()));
        let _ = tokio::time::timeout(patience, async {
            finished.await;
            self.connections.idle().await;
        })
        .await;
    }

    /// SIGKILL to every shell, now (the emulator is dropped).
    pub(crate) fn kill_all(&self) {
        for entry in lock(&self.live).values() {
            entry.handle.kill_now();
        }
    }

    /// Counts a client connection until the guard is dropped (the shutdown waits for
    /// them to close).
    pub(crate) fn connection(&self) -> ConnectionGuard {
        self.connections.count.fetch_add(1, Ordering::AcqRel);
        ConnectionGuard(Arc::clone(&self.connections))
    }
}

fn remove(live: &Live, key: &ShellKey, serial: u64) {
    let mut live = lock(live);
    if live.get(key).is_some_and(|entry| entry.serial == serial) {
        live.remove(key);
    }
}

/// The client connections of shells, counted.
#[derive(Debug, Default)]
struct Connections {
    count: AtomicUsize,
    idle: Notify,
}

impl Connections {
    async fn idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// One client connection, counted while it lives.
pub(crate) struct ConnectionGuard(Arc<Connections>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}
