//! [`PollPolicy`]: how a `USER_FEDERATION` flow waits for the user's consent.

use std::time::Duration;

/// How long to wait between polls for a consented token: 5 seconds, as the reference.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_client::identity::DEFAULT_POLL_INTERVAL, Duration::from_secs(5));
/// ```
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// How long to wait for the user's consent in all: 600 seconds, as the reference.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_client::identity::DEFAULT_POLL_TIMEOUT, Duration::from_secs(600));
/// ```
pub const DEFAULT_POLL_TIMEOUT: Duration = Duration::from_secs(600);

/// How a `USER_FEDERATION` flow waits for the user: a poll every `interval`, giving up
/// with [`Error::ConsentTimeout`](crate::Error::ConsentTimeout) once `timeout` has passed. Dropping the future that
/// waits stops the polling at once.
///
/// ```
/// use std::time::Duration;
///
/// use agentcore_client::identity::PollPolicy;
///
/// let policy = PollPolicy::default().interval(Duration::from_secs(1)).timeout(Duration::from_secs(60));
/// assert_eq!((policy.interval, policy.timeout), (Duration::from_secs(1), Duration::from_secs(60)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollPolicy {
    /// The wait before each poll ([`DEFAULT_POLL_INTERVAL`]).
    pub interval: Duration,
    /// The longest wait in all ([`DEFAULT_POLL_TIMEOUT`]).
    pub timeout: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            interval: DEFAULT_POLL_INTERVAL,
            timeout: DEFAULT_POLL_TIMEOUT,
        }
    }
}

impl PollPolicy {
    /// Sets the wait before each poll.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the longest wait in all.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}
