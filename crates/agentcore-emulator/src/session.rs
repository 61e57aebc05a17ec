//! Runtime sessions: one per (runtime, session id), each with its own working directory,
//! ended by `StopRuntimeSession` or after an idle timeout.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::sigv4::hex;

struct Session {
    directory: PathBuf,
    /// Set once the directory is made: later invocations of the session skip the
    /// filesystem (and tokio's blocking pool); a failed attempt is retried by the next.
    made: Arc<OnceCell<()>>,
    last_used: Instant,
}

/// The live sessions.
pub(crate) struct Sessions {
    root: PathBuf,
    idle_timeout: Duration,
    live: Mutex<HashMap<(String, String), Session>>,
}

impl Sessions {
    pub(crate) fn new(root: PathBuf, idle_timeout: Duration) -> Self {
        Self {
            root,
            idle_timeout,
            live: Mutex::new(HashMap::new()),
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Session>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session's working directory, creating the session when it is new (its
    /// directory once, however many invocations race to be its first).
    pub(crate) async fn touch(&self, runtime: &str, session_id: &str) -> std::io::Result<PathBuf> {
        let key = (runtime.to_owned(), session_id.to_owned());
        let (directory, made) = {
            let mut live = self.live();
            let session = live.entry(key).or_insert_with(|| Session {
                directory: self.directory_of(runtime, session_id),
                made: Arc::default(),
                last_used: Instant::now(),
            });
            session.last_used = Instant::now();
            (session.directory.clone(), Arc::clone(&session.made))
        };
        made.get_or_try_init(|| tokio::fs::create_dir_all(&directory))
            .await?;
        Ok(directory)
    }

    /// Ends a session and removes its directory; `false` when it was not running.
    pub(crate) async fn stop(&self, runtime: &str, session_id: &str) -> bool {
        let removed = self
            .live()
            .remove(&(runtime.to_owned(), session_id.to_owned()));
        match removed {
            Some(session) => {
                let _ = tokio::fs::remove_dir_all(session.directory).await;
                true
            }
            None => false,
        }
    }

    /// Whether a session is running.
    #[cfg(test)]
    pub(crate) fn is_live(&self, runtime: &str, session_id: &str) -> bool {
        self.live()
            .contains_key(&(runtime.to_owned(), session_id.to_owned()))
    }

    /// The sessions idle longer than the timeout, to end (with [`Sessions::stop`]); those
    /// `in_use` says are in use count as used now instead.
    pub(crate) fn expired(&self, in_use: impl Fn(&str, &str) -> bool) -> Vec<(String, String)> {
        let mut live = self.live();
        let mut expired = Vec::new();
        for ((runtime, id), session) in live.iter_mut() {
            if session.last_used.elapsed() <= self.idle_timeout {
                continue;
            }
            if in_use(runtime, id) {
                session.last_used = Instant::now();
            } else {
                expired.push((runtime.clone(), id.clone()));
            }
        }
        expired
    }

    /// A directory name that no session id can steer outside the root.
    fn directory_of(&self, runtime: &str, session_id: &str) -> PathBuf {
        let name = |s: &str| hex(&Sha256::digest(s.as_bytes()))[..24].to_owned();
        self.root.join(name(runtime)).join(name(session_id))
    }
}

/// The (session, client token) pairs of the stops done, so that a repeated stop is still
/// a success: at most `capacity`, the oldest forgotten first.
pub(crate) struct StopTokens {
    capacity: usize,
    order: VecDeque<(String, String)>,
    known: HashSet<(String, String)>,
}

impl StopTokens {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            order: VecDeque::new(),
            known: HashSet::new(),
        }
    }

    /// Whether this stop was done.
    pub(crate) fn contains(&self, session_id: &str, token: &str) -> bool {
        self.known
            .contains(&(session_id.to_owned(), token.to_owned()))
    }

    /// Remembers a stop, forgetting the oldest past the capacity.
    pub(crate) fn remember(&mut self, session_id: &str, token: &str) {
        let pair = (session_id.to_owned(), token.to_owned());
        if self.capacity == 0 || !self.known.insert(pair.clone()) {
            return;
        }
        self.order.push_back(pair);
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.known.remove(&oldest);
            }
        }
    }

    /// How many stops are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.known.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_tokens_are_bounded_and_forget_the_oldest() {
        let mut tokens = StopTokens::new(3);
        for i in 0..3 {
            tokens.remember(&format!("s{i}"), "t");
        }
        tokens.remember("s1", "t"); // again: no new entry
        assert_eq!(tokens.len(), 3);
        assert!(tokens.contains("s0", "t"));
        tokens.remember("s3", "t");
        assert_eq!(tokens.len(), 3);
        assert!(!tokens.contains("s0", "t"), "the oldest is forgotten");
        assert!(tokens.contains("s1", "t") && tokens.contains("s3", "t"));
        assert!(!tokens.contains("s3", "other"));
        for i in 0..10_000 {
            tokens.remember(&format!("x{i}"), "t");
        }
        assert_eq!(tokens.len(), 3);
    }

    #[tokio::test]
    async fn a_directory_that_cannot_be_made_is_an_error_retried_by_the_next_touch() {
        let root =
            std::env::temp_dir().join(format!("agentcore-sessions-{}", uuid::Uuid::new_v4()));
        std::fs::write(&root, b"a file where the root should be").unwrap();
        let sessions = Sessions::new(root.clone(), Duration::from_secs(60));
        let session = "retry-0123456789abcdef0123456789abcd";
        assert!(sessions.touch("arn", session).await.is_err());
        std::fs::remove_file(&root).unwrap();
        let directory = sessions.touch("arn", session).await.unwrap();
        assert!(directory.is_dir(), "the second touch made it");
        assert!(sessions.stop("arn", session).await);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[tokio::test]
    async fn sessions_have_their_own_directories_and_end() {
        let root =
            std::env::temp_dir().join(format!("agentcore-sessions-{}", uuid::Uuid::new_v4()));
        let sessions = Sessions::new(root.clone(), Duration::from_millis(10));
        let a = sessions
            .touch("arn", "../../etc/passwd-0123456789abcdef0123")
            .await
            .unwrap();
        let b = sessions
            .touch("arn", "other-0123456789abcdef0123456789abc")
            .await
            .unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(&root) && a.is_dir());
        let again = sessions
            .touch("arn", "../../etc/passwd-0123456789abcdef0123")
            .await
            .unwrap();
        assert_eq!(again, a, "a session keeps its directory");
        assert!(
            sessions
                .stop("arn", "other-0123456789abcdef0123456789abc")
                .await
        );
        assert!(!b.exists());
        assert!(
            !sessions
                .stop("arn", "other-0123456789abcdef0123456789abc")
                .await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        // In use: not expired, and its idle time starts again.
        assert!(sessions.expired(|_, _| true).is_empty());
        tokio::time::sleep(Duration::from_millis(20)).await;
        let expired = sessions.expired(|_, _| false);
        assert_eq!(
            expired,
            vec![(
                "arn".to_owned(),
                "../../etc/passwd-0123456789abcdef0123".to_owned()
            )]
        );
        for (runtime, id) in &expired {
            assert!(sessions.stop(runtime, id).await);
        }
        assert!(!sessions.is_live("arn", "../../etc/passwd-0123456789abcdef0123"));
        let _ = std::fs::remove_dir_all(root);
    }
}
