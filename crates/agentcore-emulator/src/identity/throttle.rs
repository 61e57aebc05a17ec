//! The Identity calls' rate limit: a token bucket.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// A token bucket holding at most `rate` calls, refilled by `rate` per second.
pub(crate) struct TokenBucket {
    rate: f64,
    /// The calls in the bucket, and when it was last refilled.
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    /// A full bucket of `per_second` calls.
    pub(crate) fn new(per_second: u32, now: Instant) -> Self {
        let rate = f64::from(per_second.max(1));
        Self {
            rate,
            state: Mutex::new((rate, now)),
        }
    }

    /// Takes one call out of the bucket; `false` when it is empty.
    pub(crate) fn take(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (tokens, last) = *state;
        let elapsed = now.saturating_duration_since(last).as_secs_f64();
        let tokens = (tokens + elapsed * self.rate).min(self.rate);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            true
        } else {
            *state = (tokens, now);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_of_the_rate_then_one_per_interval() {
        let start = Instant::now();
        let bucket = TokenBucket::new(4, start);
        assert!((0..4).all(|_| bucket.take(start)));
        assert!(!bucket.take(start), "the fifth call in the same instant");
        // A quarter second refills one call, and no more than the burst ever.
        assert!(bucket.take(start + Duration::from_millis(250)));
        assert!(!bucket.take(start + Duration::from_millis(250)));
        let later = start + Duration::from_secs(60);
        assert!((0..4).all(|_| bucket.take(later)));
        assert!(!bucket.take(later));
    }
}
