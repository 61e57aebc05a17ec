//! The token cache of [`Identity`](super::Identity): bounded, each entry kept until
//! shortly before it expires.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use agentcore_contract::identity::Oauth2Flow;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::secret::Secret;

/// How [`Identity`](super::Identity) caches what it fetched (OAuth2 tokens, API keys,
/// AWS-signed JWTs, the local workload access token).
///
/// An entry lives until `refresh_margin` before its expiry: a JWT's `exp` claim (or the
/// expiry STS gives), else `ttl` after it was fetched (API keys and opaque tokens carry no
/// expiry). At most `max_entries` are kept: when full, expired entries go first, then the
/// one that expires soonest.
///
/// ```
/// use std::time::Duration;
///
/// use agentcore_client::identity::CachePolicy;
///
/// let policy = CachePolicy::default();
/// assert_eq!(policy.ttl, Duration::from_secs(300));
/// assert_eq!(policy.refresh_margin, Duration::from_secs(60));
/// assert_eq!(policy.max_entries, 1024);
/// assert_eq!(CachePolicy::disabled().max_entries, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CachePolicy {
    /// How long an entry without an expiry of its own is kept (5 minutes).
    pub ttl: Duration,
    /// How long before its expiry an entry is dropped (60 seconds).
    pub refresh_margin: Duration,
    /// The most entries kept (1024); 0 caches nothing.
    pub max_entries: usize,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            refresh_margin: Duration::from_secs(60),
            max_entries: 1024,
        }
    }
}

impl CachePolicy {
    /// A policy that caches nothing: every call asks the service.
    pub fn disabled() -> Self {
        Self {
            max_entries: 0,
            ..Self::default()
        }
    }

    /// Sets the lifetime of entries without an expiry of their own.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets how long before its expiry an entry is dropped.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Sets the most entries kept.
    pub fn max_entries(mut self, max: usize) -> Self {
        self.max_entries = max;
        self
    }
}

/// What an entry is: a value of one provider (or STS) for one workload access token.
///
/// The workload access token stands for (workload, user): it is kept as its SHA-256 only,
/// so a token fetched for one user is never handed to another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum CacheKey {
    ApiKey {
        provider: String,
        wat: [u8; 32],
    },
    Oauth2 {
        provider: String,
        wat: [u8; 32],
        flow: Oauth2Flow,
        /// Sorted and deduplicated: the order scopes are asked in does not matter.
        scopes: Vec<String>,
        /// The digest of the resources, audiences and custom parameters.
        extra: [u8; 32],
    },
    IamJwt {
        audiences: Vec<String>,
        algorithm: String,
        duration: u64,
        tags: Vec<(String, String)>,
    },
    LocalWorkloadToken,
}

/// The digest standing for a workload access token (or secret parameters) in a key.
pub(crate) fn digest(wat: &str) -> [u8; 32] {
    Sha256::digest(wat.as_bytes()).into()
}

/// The expiry a token carries when it is a JWT (its `exp`, read without verifying: only
/// for how long to keep it).
pub(crate) fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let mut parts = token.split('.');
    let (_, payload, _, None) = (parts.next()?, parts.next()?, parts.next()?, parts.next()) else {
        return None;
    };
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_u64()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(exp))
}

#[derive(Debug)]
struct Entry {
    value: Secret,
    until: Instant,
}

/// The cache itself (behind the `Identity`'s lock).
#[derive(Debug)]
pub(crate) struct TokenCache {
    policy: CachePolicy,
    entries: HashMap<CacheKey, Entry>,
}

impl TokenCache {
    pub(crate) fn new(policy: CachePolicy) -> Self {
        Self {
            policy,
            entries: HashMap::new(),
        }
    }

    /// The value under `key` if it is still fresh.
    pub(crate) fn get(&mut self, key: &CacheKey) -> Option<Secret> {
        let now = Instant::now();
        match self.entries.get(key) {
            Some(entry) if entry.until > now => Some(entry.value.clone()),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Keeps `value` until `refresh_margin` before `expires` (else `ttl` from now).
    pub(crate) fn put(&mut self, key: CacheKey, value: Secret, expires: Option<SystemTime>) {
        if self.policy.max_entries == 0 {
            return;
        }
        let now = Instant::now();
        let lifetime = match expires {
            Some(at) => at
                .duration_since(SystemTime::now())
                .unwrap_or_default()
                .saturating_sub(self.policy.refresh_margin),
            None => self.policy.ttl,
        };
        if lifetime.is_zero() {
            return;
        }
        if !self.entries.contains_key(&key) && self.entries.len() >= self.policy.max_entries {
            self.entries.retain(|_, entry| entry.until > now);
            if self.entries.len() >= self.policy.max_entries
                && let Some(soonest) = self
                    .entries
                    .iter()
                    .min_by_key(|(_, entry)| entry.until)
                    .map(|(key, _)| key.clone())
            {
                self.entries.remove(&soonest);
            }
        }
        let until = now + lifetime;
        self.entries.insert(key, Entry { value, until });
    }

    /// Forgets `key`.
    pub(crate) fn remove(&mut self, key: &CacheKey) {
        self.entries.remove(key);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> CacheKey {
        CacheKey::ApiKey {
            provider: format!("p{n}"),
            wat: [n; 32],
        }
    }

    fn jwt(exp: u64) -> String {
        let claims = URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{exp}}}"#));
        format!("eyJhbGciOiJub25lIn0.{claims}.c2ln")
    }

    #[tokio::test(start_paused = true)]
    async fn entries_live_for_the_ttl() {
        let mut cache = TokenCache::new(CachePolicy::default().ttl(Duration::from_secs(10)));
        cache.put(key(1), Secret::new("v"), None);
        tokio::time::advance(Duration::from_millis(9_999)).await;
        assert_eq!(
            cache.get(&key(1)).map(|s| s.expose().to_owned()).as_deref(),
            Some("v")
        );
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(cache.get(&key(1)).is_none());
    }

    #[test]
    fn a_jwt_lives_until_the_margin_before_its_exp() {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(
            jwt_expiry(&jwt(now + 120)),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(now + 120))
        );
        assert_eq!(jwt_expiry("opaque-token"), None);
        assert_eq!(jwt_expiry("a.b.c.d"), None);
        let mut cache = TokenCache::new(CachePolicy::default());
        // Inside the refresh margin already: not kept.
        let soon = SystemTime::now() + Duration::from_secs(30);
        cache.put(key(1), Secret::new("v"), Some(soon));
        assert!(cache.get(&key(1)).is_none());
        let later = SystemTime::now() + Duration::from_secs(3600);
        cache.put(key(2), Secret::new("v"), Some(later));
        assert!(cache.get(&key(2)).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn full_caches_drop_the_soonest_to_expire() {
        let mut cache = TokenCache::new(CachePolicy::default().max_entries(2));
        cache.put(key(1), Secret::new("1"), None);
        tokio::time::advance(Duration::from_secs(1)).await;
        cache.put(key(2), Secret::new("2"), None);
        cache.put(key(3), Secret::new("3"), None);
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key(1)).is_none());
        assert!(cache.get(&key(2)).is_some() && cache.get(&key(3)).is_some());
        let mut off = TokenCache::new(CachePolicy::disabled());
        off.put(key(1), Secret::new("1"), None);
        assert!(off.get(&key(1)).is_none());
    }
}
