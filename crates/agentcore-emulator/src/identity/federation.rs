//! `USER_FEDERATION`: sessions waiting for the user's consent (at the emulator's own
//! authorization URL) and, with a return URL, for `CompleteResourceTokenAuth`; and the
//! consents remembered (the token vault), so that the same request gets its token at
//! once the next time.
//!
//! Memory is bounded whatever a peer sends: at most `max_sessions` sessions (a new one
//! past it drops the oldest), each holding digests of who asked for what, its return URL
//! and custom state (both bounded by the model's rules); at most
//! [`MAX_REMEMBERED_CONSENTS`] consents, digests too (the oldest forgotten first).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use agentcore_contract::encoding::percent_encode;
use agentcore_contract::identity::SESSION_URI_PREFIX;
use percent_encoding::{CONTROLS, utf8_percent_encode};
use sha2::{Digest, Sha256};

use crate::error::ServiceError;

/// How many consents the vault remembers; past it the one remembered first is
/// forgotten (its next request asks for consent again).
pub(crate) const MAX_REMEMBERED_CONSENTS: usize = 10_000;

/// A SHA-256 over length-prefixed parts: what a session or consent keeps of who asked
/// for what, in a fixed size.
pub(crate) type Digest32 = [u8; 32];

/// The digest of `parts`, each prefixed with its length (no two lists collide).
pub(crate) fn digest<'a>(parts: impl IntoIterator<Item = &'a str>) -> Digest32 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}

/// Who asks for which token: the workload, the user, the provider and the scopes (as a
/// set: order and repeats do not matter).
pub(crate) fn consent_key(
    workload: &str,
    user: &str,
    provider: &str,
    scopes: &[String],
) -> Digest32 {
    let mut scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    scopes.sort_unstable();
    scopes.dedup();
    digest([workload, user, provider].into_iter().chain(scopes))
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The user has not opened the authorization URL yet.
    AwaitingConsent,
    /// The user consented, and was sent to the return URL: `CompleteResourceTokenAuth`
    /// for the same user releases the token.
    AwaitingCompletion,
    /// Polling gets the token.
    Released,
}

struct Session {
    key: Digest32,
    /// The digest of the user alone, for `CompleteResourceTokenAuth`.
    user: Digest32,
    return_url: Option<String>,
    custom_state: Option<String>,
    started: Instant,
    stage: Stage,
}

/// A new session's request.
pub(crate) struct Request<'a> {
    pub(crate) key: Digest32,
    pub(crate) user: &'a str,
    /// The `sessionUri` the call names (a poll), if any.
    pub(crate) session_uri: Option<&'a str>,
    pub(crate) force_authentication: bool,
    pub(crate) return_url: Option<&'a str>,
    pub(crate) custom_state: Option<&'a str>,
}

/// What `GetResourceOauth2Token` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The token.
    Token,
    /// The session (its id) still waits for the user.
    Pending(String),
}

/// What opening an authorization URL gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Consent {
    /// No such session (unknown, expired or dropped).
    Unknown,
    /// Consent granted; the token is released.
    Granted,
    /// Consent granted; the browser goes on to this URL (the request's return URL with
    /// `session_id` and `state`), and `CompleteResourceTokenAuth` releases the token.
    Redirect(String),
}

/// The sessions and the remembered consents.
pub(crate) struct Federation {
    lifetime: Duration,
    max_sessions: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    sessions: HashMap<String, Session>,
    /// Session ids, oldest first: every session has the same lifetime, so this is also
    /// the order in which they expire.
    order: VecDeque<String>,
    consents: HashSet<Digest32>,
    /// Consents, remembered first first.
    consent_order: VecDeque<Digest32>,
}

impl State {
    fn prune(&mut self, lifetime: Duration, now: Instant) {
        while let Some(oldest) = self.order.front() {
            let expired = self
                .sessions
                .get(oldest)
                .is_none_or(|s| now.saturating_duration_since(s.started) >= lifetime);
            if !expired {
                break;
            }
            if let Some(id) = self.order.pop_front() {
                self.sessions.remove(&id);
            }
        }
    }

    fn remember(&mut self, key: Digest32) {
        if self.consents.insert(key) {
            self.consent_order.push_back(key);
        }
        while self.consent_order.len() > MAX_REMEMBERED_CONSENTS {
            if let Some(oldest) = self.consent_order.pop_front() {
                self.consents.remove(&oldest);
            }
        }
    }
}

/// The session id in a session URI.
fn session_id(uri: &str) -> &str {
    uri.strip_prefix(SESSION_URI_PREFIX).unwrap_or(uri)
}

/// An unknown session. The message does not quote the URI: its id opens the
/// authorization URL, and refusals are logged.
fn no_session() -> ServiceError {
    ServiceError::not_found("no such session: it is unknown, expired or was dropped for newer ones")
}

impl Federation {
    pub(crate) fn new(lifetime: Duration, max_sessions: usize) -> Self {
        Self {
            lifetime,
            max_sessions: max_sessions.max(1),
            state: Mutex::default(),
        }
    }

    fn state(&self, now: Instant) -> std::sync::MutexGuard<'_, State> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.prune(self.lifetime, now);
        state
    }

    /// A `USER_FEDERATION` request: the token when the vault remembers this consent (and
    /// authentication is not forced) or the session it names was released; the session
    /// it names while that waits; else a new session.
    ///
    /// # Errors
    /// 404 for a session URI that names no session (unknown, expired, dropped) unless
    /// the vault answers; 400 for one started by another request.
    pub(crate) fn request(
        &self,
        request: &Request<'_>,
        now: Instant,
    ) -> Result<Outcome, ServiceError> {
        let mut state = self.state(now);
        let remembered = !request.force_authentication && state.consents.contains(&request.key);
        if let Some(uri) = request.session_uri {
            let id = session_id(uri);
            return match state.sessions.get(id) {
                Some(session) if session.key != request.key => Err(ServiceError::invalid_field(
                    "sessionUri",
                    "the session was started by another request (workload, user, provider or scopes)",
                )),
                Some(session) if session.stage == Stage::Released => Ok(Outcome::Token),
                Some(_) => Ok(Outcome::Pending(id.to_owned())),
                None if remembered => Ok(Outcome::Token),
                None => Err(no_session()),
            };
        }
        if remembered {
            return Ok(Outcome::Token);
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        while state.order.len() >= self.max_sessions {
            if let Some(oldest) = state.order.pop_front() {
                state.sessions.remove(&oldest);
            }
        }
        state.sessions.insert(
            id.clone(),
            Session {
                key: request.key,
                user: digest([request.user]),
                return_url: request.return_url.map(str::to_owned),
                custom_state: request.custom_state.map(str::to_owned),
                started: now,
                stage: Stage::AwaitingConsent,
            },
        );
        state.order.push_back(id.clone());
        Ok(Outcome::Pending(id))
    }
}

impl Federation {
    /// The user opened the authorization URL of session `id`: consent is granted. Without
    /// a return URL that releases the token (and the vault remembers the consent); with
    /// one, the browser is sent there and `CompleteResourceTokenAuth` releases it.
    /// Opening it again answers the same.
    pub(crate) fn consent(&self, id: &str, now: Instant) -> Consent {
        let mut state = self.state(now);
        let Some(session) = state.sessions.get_mut(id) else {
            return Consent::Unknown;
        };
        let Some(return_url) = &session.return_url else {
            session.stage = Stage::Released;
            let key = session.key;
            state.remember(key);
            return Consent::Granted;
        };
        if session.stage == Stage::AwaitingConsent {
            session.stage = Stage::AwaitingCompletion;
        }
        let uri = format!("{SESSION_URI_PREFIX}{id}");
        Consent::Redirect(redirect_location(
            return_url,
            &uri,
            session.custom_state.as_deref(),
        ))
    }

    /// `CompleteResourceTokenAuth`: `user` says the consent of session `uri` is theirs,
    /// which releases its token (and the vault remembers the consent).
    ///
    /// # Errors
    /// 404 for an unknown (or expired, or dropped) session; 403 when `user` is not the
    /// session's user; 400 when the user has not opened the authorization URL yet.
    pub(crate) fn complete(&self, uri: &str, user: &str, now: Instant) -> Result<(), ServiceError> {
        let mut state = self.state(now);
        let session = state
            .sessions
            .get_mut(session_id(uri))
            .ok_or_else(no_session)?;
        if session.user != digest([user]) {
            return Err(ServiceError::access_denied(
                "the session was started for another user",
            ));
        }
        match session.stage {
            Stage::AwaitingConsent => Err(ServiceError::invalid_field(
                "sessionUri",
                "the user has not consented yet: open the authorization URL first",
            )),
            Stage::AwaitingCompletion | Stage::Released => {
                session.stage = Stage::Released;
                let key = session.key;
                state.remember(key);
                Ok(())
            }
        }
    }
}

/// The return URL with `session_id=<session URI>` (and `state=<custom state>`) added to
/// its query, as the service redirects; characters a header cannot carry (controls,
/// non-ASCII) are percent-encoded.
fn redirect_location(return_url: &str, session_uri: &str, custom_state: Option<&str>) -> String {
    let (base, fragment) = match return_url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (return_url, None),
    };
    let mut location = utf8_percent_encode(base, CONTROLS).to_string();
    if !location.ends_with(['?', '&']) {
        location.push(if location.contains('?') { '&' } else { '?' });
    }
    location.push_str("session_id=");
    location.push_str(&percent_encode(session_uri));
    if let Some(custom_state) = custom_state {
        location.push_str("&state=");
        location.push_str(&percent_encode(custom_state));
    }
    if let Some(fragment) = fragment {
        location.push('#');
        location.push_str(&utf8_percent_encode(fragment, CONTROLS).to_string());
    }
    location
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(key: Digest32, user: &'a str) -> Request<'a> {
        Request {
            key,
            user,
            session_uri: None,
            force_authentication: false,
            return_url: None,
            custom_state: None,
        }
    }

    fn pending(outcome: Outcome) -> String {
        match outcome {
            Outcome::Pending(id) => id,
            Outcome::Token => panic!("a token, not a session"),
        }
    }

    #[test]
    fn keys_are_sets_of_scopes_and_parts_do_not_run_together() {
        let scopes = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let a = consent_key("w", "u", "p", &scopes(&["b", "a"]));
        assert_eq!(a, consent_key("w", "u", "p", &scopes(&["a", "b", "a"])));
        assert_ne!(a, consent_key("w", "u", "p", &scopes(&["a"])));
        assert_ne!(digest(["ab", "c"]), digest(["a", "bc"]));
    }

    #[test]
    fn consent_without_a_return_url_releases_and_is_remembered() {
        let federation = Federation::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        let key = consent_key("w", "alice", "p", &[]);
        let id = pending(federation.request(&request(key, "alice"), now).unwrap());
        let uri = format!("{SESSION_URI_PREFIX}{id}");
        let poll = Request {
            session_uri: Some(&uri),
            ..request(key, "alice")
        };
        assert_eq!(
            federation.request(&poll, now),
            Ok(Outcome::Pending(id.clone()))
        );
        assert_eq!(federation.consent(&id, now), Consent::Granted);
        assert_eq!(federation.consent(&id, now), Consent::Granted, "idempotent");
        assert_eq!(federation.request(&poll, now), Ok(Outcome::Token));
        assert_eq!(
            federation.request(&request(key, "alice"), now),
            Ok(Outcome::Token)
        );
        let forced = Request {
            force_authentication: true,
            ..request(key, "alice")
        };
        assert!(matches!(
            federation.request(&forced, now),
            Ok(Outcome::Pending(_))
        ));
        // Another request naming this session is refused.
        let other = Request {
            session_uri: Some(&uri),
            ..request(consent_key("w", "bob", "p", &[]), "bob")
        };
        assert_eq!(federation.request(&other, now).unwrap_err().status, 400);
    }

    #[test]
    fn a_return_url_waits_for_the_same_user_to_complete() {
        let federation = Federation::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        let key = consent_key("w", "alice", "p", &[]);
        let with_return = Request {
            return_url: Some("https://app.example/cb?x=1#top"),
            custom_state: Some("a b&c"),
            ..request(key, "alice")
        };
        let id = pending(federation.request(&with_return, now).unwrap());
        let uri = format!("{SESSION_URI_PREFIX}{id}");
        let early = federation.complete(&uri, "alice", now).unwrap_err();
        assert_eq!(early.status, 400);
        let Consent::Redirect(location) = federation.consent(&id, now) else {
            panic!("a redirect")
        };
        assert_eq!(
            location,
            format!(
                "https://app.example/cb?x=1&session_id=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A{id}&state=a%20b%26c#top"
            )
        );
        let poll = Request {
            session_uri: Some(&uri),
            ..request(key, "alice")
        };
        assert!(matches!(
            federation.request(&poll, now),
            Ok(Outcome::Pending(_))
        ));
        assert_eq!(
            federation
                .complete(&uri, "mallory", now)
                .unwrap_err()
                .status,
            403
        );
        federation.complete(&uri, "alice", now).unwrap();
        assert_eq!(federation.request(&poll, now), Ok(Outcome::Token));
        let unknown = format!("{SESSION_URI_PREFIX}nope");
        assert_eq!(
            federation
                .complete(&unknown, "alice", now)
                .unwrap_err()
                .status,
            404
        );
    }

    #[test]
    fn sessions_expire_and_the_oldest_is_dropped_past_the_limit() {
        let federation = Federation::new(Duration::from_secs(60), 2);
        let now = Instant::now();
        let ids: Vec<String> = ["a", "b", "c"]
            .iter()
            .map(|user| {
                let key = consent_key("w", user, "p", &[]);
                pending(federation.request(&request(key, user), now).unwrap())
            })
            .collect();
        assert_eq!(
            federation.consent(&ids[0], now),
            Consent::Unknown,
            "dropped"
        );
        assert_eq!(federation.consent(&ids[1], now), Consent::Granted);
        let later = now + Duration::from_secs(60);
        assert_eq!(
            federation.consent(&ids[2], later),
            Consent::Unknown,
            "expired"
        );
        assert!(federation.state(later).sessions.is_empty());
    }

    #[test]
    fn the_vault_forgets_the_oldest_consent_past_its_limit() {
        let mut state = State::default();
        for i in 0..=MAX_REMEMBERED_CONSENTS {
            state.remember(digest([i.to_string().as_str()]));
        }
        assert_eq!(state.consents.len(), MAX_REMEMBERED_CONSENTS);
        assert!(!state.consents.contains(&digest(["0"])));
        assert!(state.consents.contains(&digest(["1"])));
        // Remembering again does not count twice.
        state.remember(digest(["1"]));
        assert_eq!(state.consent_order.len(), MAX_REMEMBERED_CONSENTS);
    }

    #[test]
    fn redirects_encode_what_a_header_cannot_carry() {
        assert_eq!(
            redirect_location("myapp:done", "urn:x", None),
            "myapp:done?session_id=urn%3Ax"
        );
        assert_eq!(
            redirect_location("https://h/é?", "u", None),
            "https://h/%C3%A9?session_id=u"
        );
        assert!(
            http::HeaderValue::from_str(&redirect_location("https://h/\u{7f}", "u", Some("s")))
                .is_ok()
        );
    }
}
