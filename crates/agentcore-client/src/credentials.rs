//! Credentials for SigV4: the caller's provider behind a small refreshing cache.
//!
//! aws-config's default chain does not cache (AWS SDK clients cache in their identity
//! cache), so without one every signature would call STS, SSO or the instance metadata
//! service. Credentials are reused until 10 seconds before they expire, never past it;
//! credentials without an expiry are asked for again every 15 minutes, as the SDK does.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::identity::Identity;

use crate::error::Error;

/// How long before their expiry credentials are refreshed.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(10);
/// How long credentials without an expiry are reused.
const NO_EXPIRY_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// A shared credentials provider with its cache; cheap to clone.
#[derive(Clone)]
pub(crate) struct CachedCredentials {
    provider: SharedCredentialsProvider,
    cache: Arc<Cache>,
}

struct Cache {
    /// The credentials (as the identity aws-sigv4 signs with) and the time until which
    /// they may be reused.
    current: RwLock<Option<(Identity, SystemTime)>>,
    /// Held while the provider is asked, so that concurrent callers wait for one answer.
    refresh: tokio::sync::Mutex<()>,
}

impl CachedCredentials {
    pub(crate) fn new(provider: SharedCredentialsProvider) -> Self {
        Self {
            provider,
            cache: Arc::new(Cache {
                current: RwLock::new(None),
                refresh: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Credentials valid at `now`: cached ones, else fresh ones from the provider.
    pub(crate) async fn get(&self, now: SystemTime) -> Result<Identity, Error> {
        if let Some(identity) = self.cached(now) {
            return Ok(identity);
        }
        let _refreshing = self.cache.refresh.lock().await;
        if let Some(identity) = self.cached(now) {
            return Ok(identity);
        }
        let credentials = self
            .provider
            .provide_credentials()
            .await
            .map_err(|e| Error::Credentials(e.into()))?;
        let reuse_until = match credentials.expiry() {
            Some(expiry) => expiry
                .checked_sub(REFRESH_BEFORE_EXPIRY)
                .unwrap_or(SystemTime::UNIX_EPOCH),
            None => now + NO_EXPIRY_LIFETIME,
        };
        let identity = Identity::from(credentials);
        let mut current = self
            .cache
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner());
        *current = Some((identity.clone(), reuse_until));
        Ok(identity)
    }

    fn cached(&self, now: SystemTime) -> Option<Identity> {
        let current = self.cache.current.read().unwrap_or_else(|e| e.into_inner());
        match &*current {
            Some((identity, reuse_until)) if now < *reuse_until => Some(identity.clone()),
            _ => None,
        }
    }
}

impl fmt::Debug for CachedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The provider's own Debug is not ours to trust with secrets.
        f.write_str("CachedCredentials")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use aws_credential_types::Credentials;
    use aws_credential_types::provider::future;

    use super::*;

    fn access_key(identity: &Identity) -> &str {
        identity.data::<Credentials>().unwrap().access_key_id()
    }

    /// Counts its calls; each answer expires `lifetime` after `issued`.
    #[derive(Debug)]
    struct Counting {
        calls: Arc<AtomicU32>,
        issued: SystemTime,
        lifetime: Option<Duration>,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            let expiry = self.lifetime.map(|l| self.issued + l);
            future::ProvideCredentials::ready(Ok(Credentials::new(
                format!("AKID{n}"),
                "secret",
                None,
                expiry,
                "test",
            )))
        }
    }

    /// A cache over a [`Counting`] provider, its call counter and the issue time.
    fn cache(lifetime: Option<Duration>) -> (CachedCredentials, Arc<AtomicU32>, SystemTime) {
        let issued = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let calls = Arc::new(AtomicU32::new(0));
        let provider = Counting {
            calls: Arc::clone(&calls),
            issued,
            lifetime,
        };
        let shared = SharedCredentialsProvider::new(provider);
        (CachedCredentials::new(shared), calls, issued)
    }

    #[tokio::test]
    async fn expiring_credentials_are_refreshed_before_expiry() {
        let (cache, calls, t0) = cache(Some(Duration::from_secs(3600)));
        assert_eq!(access_key(&cache.get(t0).await.unwrap()), "AKID0");
        let later = t0 + Duration::from_secs(3589);
        assert_eq!(access_key(&cache.get(later).await.unwrap()), "AKID0");
        let near_expiry = t0 + Duration::from_secs(3591);
        assert_eq!(access_key(&cache.get(near_expiry).await.unwrap()), "AKID1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn credentials_without_expiry_are_reloaded_every_15_minutes() {
        let (cache, calls, t0) = cache(None);
        cache.get(t0).await.unwrap();
        cache.get(t0 + Duration::from_secs(899)).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let reloaded = cache.get(t0 + Duration::from_secs(900)).await.unwrap();
        assert_eq!(access_key(&reloaded), "AKID1");
    }

    #[tokio::test]
    async fn expired_credentials_are_never_reused() {
        let (cache, calls, t0) = cache(Some(Duration::from_secs(5)));
        cache.get(t0).await.unwrap();
        cache.get(t0).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn debug_shows_nothing_of_the_provider() {
        let (cache, _, _) = cache(None);
        assert_eq!(format!("{cache:?}"), "CachedCredentials");
    }
}
