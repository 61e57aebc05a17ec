//! Workload access tokens: minted by the emulator, bound to a workload and optionally a
//! user, expiring; signed with a key of this process.
//!
//! A token is an HS256 JWT (`header.claims.signature`, base64url) with the claims
//! `workload`, `user` (when bound to one), `iat`, `exp` and `jti`, signed with a random
//! key made when the emulator starts: opaque to callers, who get it from the emulator
//! only. The same JWT code verifies bearer tokens.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::ServiceError;
use crate::jwt::{sign_hs256, verify_hs256};

/// How many workload access tokens minted for invocations are kept for reuse, one per
/// (workload, user); past it the one first kept is forgotten.
pub(crate) const MAX_CACHED_WATS: usize = 1024;

/// What a verified token is bound to.
#[derive(Debug)]
pub(crate) struct Bound {
    pub(crate) workload: String,
    pub(crate) user: Option<String>,
}

/// The process's signing key, the tokens' lifetime, and the tokens kept for invocations.
pub(crate) struct Wats {
    key: [u8; 32],
    lifetime_secs: u64,
    cache: Mutex<Cache>,
}

/// Tokens minted for invocations: `(workload, user)` → `(token, exp)`.
#[derive(Default)]
struct Cache {
    tokens: HashMap<(String, String), (String, u64)>,
    /// The keys in the order they were first kept.
    order: VecDeque<(String, String)>,
}

fn epoch_secs(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Wats {
    /// Tokens signed with `key`, valid for `lifetime` (whole seconds, at least 1).
    pub(crate) fn new(key: [u8; 32], lifetime: Duration) -> Self {
        Self {
            key,
            lifetime_secs: lifetime.as_secs().max(1),
            cache: Mutex::default(),
        }
    }

    /// A new token for `workload` (and `user`), valid from `now`; its `exp` too.
    fn mint_with_exp(&self, workload: &str, user: Option<&str>, now: SystemTime) -> (String, u64) {
        let iat = epoch_secs(now);
        let exp = iat.saturating_add(self.lifetime_secs);
        let mut claims = serde_json::json!({
            "workload": workload,
            "iat": iat,
            "exp": exp,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        if let Some(user) = user {
            claims["user"] = user.into();
        }
        (sign_hs256(&claims, &self.key), exp)
    }

    /// A new token for `workload` (and `user`), valid from `now`.
    pub(crate) fn mint(&self, workload: &str, user: Option<&str>, now: SystemTime) -> String {
        self.mint_with_exp(workload, user, now).0
    }

    /// The token an invocation of `workload` by `user` carries: the one minted for them
    /// before while more than half its lifetime is left, else a new one (kept in its
    /// place). Client-side caches keyed on the token then hit across invocations.
    pub(crate) fn for_invocation(&self, workload: &str, user: &str, now: SystemTime) -> String {
        let key = (workload.to_owned(), user.to_owned());
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh_until = epoch_secs(now).saturating_add(self.lifetime_secs / 2);
        if let Some((token, exp)) = cache.tokens.get(&key)
            && *exp > fresh_until
        {
            return token.clone();
        }
        let (token, exp) = self.mint_with_exp(workload, Some(user), now);
        if cache
            .tokens
            .insert(key.clone(), (token.clone(), exp))
            .is_none()
        {
            cache.order.push_back(key);
        }
        while cache.order.len() > MAX_CACHED_WATS {
            if let Some(oldest) = cache.order.pop_front() {
                cache.tokens.remove(&oldest);
            }
        }
        token
    }

    /// Verifies `token`: this process's signature, not expired, bound to a workload that
    /// `known` accepts.
    ///
    /// # Errors
    /// 403 `AccessDeniedException` for anything else (forged, tampered, malformed,
    /// expired, an unknown workload); the message never quotes the token.
    pub(crate) fn verify(
        &self,
        token: &str,
        now: SystemTime,
        known: impl Fn(&str) -> bool,
    ) -> Result<Bound, ServiceError> {
        let refused = |why: &str| {
            ServiceError::access_denied(format!("invalid workload access token: {why}"))
        };
        let claims = verify_hs256(token, &self.key, now).map_err(refused)?;
        let workload = claims["workload"]
            .as_str()
            .ok_or_else(|| refused("no workload"))?;
        if !known(workload) {
            return Err(refused("its workload is not one of the emulator's"));
        }
        Ok(Bound {
            workload: workload.to_owned(),
            user: claims["user"].as_str().map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wats(lifetime_secs: u64) -> Wats {
        Wats::new([7; 32], Duration::from_secs(lifetime_secs))
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn minted_tokens_verify_until_they_expire() {
        let wats = wats(60);
        let token = wats.mint("agent", Some("alice"), at(1000));
        let bound = wats.verify(&token, at(1059), |w| w == "agent").unwrap();
        assert_eq!(bound.user.as_deref(), Some("alice"));
        let expired = wats.verify(&token, at(1060), |_| true).unwrap_err();
        assert_eq!(expired.kind, "AccessDeniedException");
        assert!(expired.message.contains("expired"), "{expired}");
        let unknown = wats.verify(&token, at(1001), |w| w == "other").unwrap_err();
        assert_eq!(unknown.status, http::StatusCode::FORBIDDEN);
        let no_user = wats.mint("agent", None, at(1000));
        assert_eq!(
            wats.verify(&no_user, at(1001), |_| true).unwrap().user,
            None
        );
    }

    #[test]
    fn another_key_or_a_changed_claim_is_refused() {
        let token = wats(60).mint("agent", Some("alice"), at(1000));
        let other = Wats::new([8; 32], Duration::from_secs(60));
        assert!(other.verify(&token, at(1001), |_| true).is_err());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"workload":"agent","user":"mallory","exp":9999999999}"#,
        );
        let tampered = parts.join(".");
        assert!(wats(60).verify(&tampered, at(1001), |_| true).is_err());
        assert!(wats(60).verify("garbage", at(1001), |_| true).is_err());
    }

    #[test]
    fn invocations_reuse_a_token_for_half_its_lifetime() {
        let wats = wats(60);
        let first = wats.for_invocation("agent", "alice", at(1000));
        assert_eq!(wats.for_invocation("agent", "alice", at(1029)), first);
        assert_ne!(wats.for_invocation("agent", "bob", at(1029)), first);
        let renewed = wats.for_invocation("agent", "alice", at(1030));
        assert_ne!(renewed, first, "at half its lifetime a token is renewed");
        assert_eq!(wats.for_invocation("agent", "alice", at(1031)), renewed);
    }

    #[test]
    fn the_cache_is_bounded() {
        let wats = wats(60);
        let first = wats.for_invocation("agent", "user-0", at(1000));
        for i in 1..=MAX_CACHED_WATS {
            wats.for_invocation("agent", &format!("user-{i}"), at(1000));
        }
        let cache = wats.cache.lock().unwrap();
        assert_eq!(cache.tokens.len(), MAX_CACHED_WATS);
        assert_eq!(cache.order.len(), MAX_CACHED_WATS);
        drop(cache);
        // The first one kept was forgotten: a new token.
        assert_ne!(wats.for_invocation("agent", "user-0", at(1000)), first);
        // The last one is still there.
        let last = format!("user-{MAX_CACHED_WATS}");
        let cache = wats.cache.lock().unwrap();
        assert!(cache.tokens.contains_key(&("agent".to_owned(), last)));
    }
}
