//! Fake secrets for a run against the emulator, made afresh each run: a bearer token, an
//! HS256 JWT secret, SigV4 credentials, what the Identity providers answer.

use std::hash::{BuildHasher as _, RandomState};
use std::time::{SystemTime, UNIX_EPOCH};

/// The run's secrets: fake, made afresh for each run.
#[derive(Debug)]
pub(crate) struct Secrets {
    pub(crate) bearer_token: String,
    pub(crate) jwt_secret: String,
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    /// What the API key provider answers.
    pub(crate) api_key: String,
    /// What the OAuth2 provider answers.
    pub(crate) oauth2_token: String,
}

/// Letters and digits, for tokens and secret keys.
pub(crate) const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// What an access key id is made of after `AKIA`.
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl Secrets {
    pub(crate) fn new() -> Secrets {
        let mut random = Random::new();
        Secrets {
            bearer_token: format!("interop-{}", random.text(MIXED, 32)),
            jwt_secret: random.text(MIXED, 40),
            access_key_id: format!("AKIA{}", random.text(UPPER, 16)),
            secret_access_key: random.text(MIXED, 40),
            api_key: format!("sk-interop-{}", random.text(MIXED, 32)),
            oauth2_token: format!("gho_interop{}", random.text(MIXED, 32)),
        }
    }

    /// `AK:SK`, as `--credentials` takes them.
    pub(crate) fn credentials(&self) -> String {
        format!("{}:{}", self.access_key_id, self.secret_access_key)
    }
}

/// Unpredictable enough for fake credentials that live as long as one run: the standard
/// library's randomly keyed hasher over a counter and the clock.
pub(crate) struct Random {
    state: RandomState,
    counter: u64,
}

impl Random {
    pub(crate) fn new() -> Random {
        Random {
            state: RandomState::new(),
            counter: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        self.state
            .hash_one((self.counter, nanos, std::process::id()))
    }

    /// `len` characters of `alphabet`.
    pub(crate) fn text(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[(self.next() % alphabet.len() as u64) as usize]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_and_shaped_like_aws_ones() {
        let (a, b) = (Secrets::new(), Secrets::new());
        assert_ne!(a.secret_access_key, b.secret_access_key);
        assert_ne!(a.bearer_token, b.bearer_token);
        assert_ne!(a.api_key, b.api_key);
        assert_ne!(a.oauth2_token, b.oauth2_token);
        // They travel as NAME=SECRET in comma-separated lists.
        assert!(!format!("{}{}", a.api_key, a.oauth2_token).contains([',', '=']));
        assert_eq!(a.access_key_id.len(), 20);
        assert!(a.access_key_id.starts_with("AKIA"));
        assert!(
            a.access_key_id
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(a.secret_access_key.len(), 40);
        assert!(!a.credentials()[a.access_key_id.len() + 1..].contains(':'));
    }
}
