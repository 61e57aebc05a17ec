//! When a shell's connection drops, how it is reattached: the reference's policy.

use std::time::Duration;

/// How an open shell reconnects after its connection drops (a network failure, close
/// 1001, 1006, 1008, 1009, 1011): rounds of up to `max_retries` attempts with jittered
/// exponential backoff from `base_delay` to `max_delay`, `round_delay` between rounds,
/// until `window` has passed since the drop. The defaults are the reference SDK's: 5
/// tries from 1 s to 15 s, 30 s between rounds, within 900 s (the platform keeps a
/// detached shell about that long).
///
/// A shell is never reconnected after it exited, after [`Shell::close`] or
/// [`Shell::detach`], when the runtime evicted it, or when another client took it over
/// (close 4000).
///
/// [`Shell::close`]: crate::Shell::close
/// [`Shell::detach`]: crate::Shell::detach
///
/// ```
/// use std::time::Duration;
/// use agentcore_client::ReconnectPolicy;
///
/// let policy = ReconnectPolicy::default();
/// assert_eq!(policy.max_retries(), 5);
/// assert_eq!(policy.window(), Duration::from_secs(900));
/// let patient = policy.with_window(Duration::from_secs(3600));
/// assert_eq!(patient.window(), Duration::from_secs(3600));
/// assert_eq!(ReconnectPolicy::none().max_retries(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    round_delay: Duration,
    window: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15),
            round_delay: Duration::from_secs(30),
            window: Duration::from_secs(900),
        }
    }
}

impl ReconnectPolicy {
    /// No reconnecting: a dropped connection ends the shell's stream with the error.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Attempts per round (default 5); 0 turns reconnecting off.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first backoff (default 1 s) and the longest (default 15 s).
    pub fn with_delays(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// The pause between rounds (default 30 s).
    pub fn with_round_delay(mut self, delay: Duration) -> Self {
        self.round_delay = delay;
        self
    }

    /// How long after a drop attempts go on (default 900 s).
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Attempts per round.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// How long after a drop attempts go on.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Whether it reconnects at all.
    pub(crate) fn enabled(&self) -> bool {
        self.max_retries > 0 && !self.window.is_zero()
    }

    /// The pause after failed attempt `attempt` (1-based) of a round: `base · 2^(n-1)`
    /// capped at `max_delay`, ±25 % jitter (`jitter` in 0..1), the cap applied last.
    pub(crate) fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let base = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        base.mul_f64(0.75 + 0.5 * jitter.clamp(0.0, 1.0))
            .min(self.max_delay)
    }

    /// The pause between rounds.
    pub(crate) fn round_delay(&self) -> Duration {
        self.round_delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter_inside_it() {
        let policy = ReconnectPolicy::default();
        let middle: Vec<u64> = (1..=6).map(|n| policy.backoff(n, 0.5).as_secs()).collect();
        assert_eq!(middle, [1, 2, 4, 8, 15, 15]);
        assert_eq!(policy.backoff(1, 0.0), Duration::from_millis(750));
        assert_eq!(policy.backoff(1, 1.0), Duration::from_millis(1250));
        assert_eq!(policy.backoff(5, 1.0), Duration::from_secs(15));
        assert_eq!(policy.backoff(u32::MAX, 0.5), Duration::from_secs(15));
        assert!(!ReconnectPolicy::none().enabled());
        assert!(!policy.with_window(Duration::ZERO).enabled());
    }
}
