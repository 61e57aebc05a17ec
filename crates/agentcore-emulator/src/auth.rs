//! Who may call: bearer tokens (fixed or HS256 JWTs), SigV4 headers or presigned URLs.
//! A browser, which cannot set `Authorization` on a WebSocket, offers its bearer token as
//! a subprotocol instead (`/ws/shells`): see [`offered_subprotocols`].
//!
//! Checked from the head first, so that an unauthenticated request is refused before its
//! body is read. A SigV4 header signature covers the body: when the client declared the
//! payload hash (`x-amz-content-sha256`) the signature is verified at once and the body
//! must then match it; otherwise everything but the signature is checked at once (known
//! key, scope, time, token) and the signature once the bounded body is read.

use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;

use crate::config::Config;
use crate::error::ServiceError;
use crate::jwt::verify_hs256;
use crate::sigv4::{HeadCheck, SignedRequest, Verifier, is_signed, payload_hash};

/// Who called, as far as the workload access token injected into an invocation cares:
/// the user a bearer token names, or a signed (or anonymous) caller, whose user is the
/// one the `X-Amzn-Bedrock-AgentCore-Runtime-User-Id` header names.
#[derive(Debug)]
pub(crate) enum Caller {
    /// A bearer token: a JWT's `sub` (none when it has no string `sub`), or a fixed
    /// token's [derived user](token_user).
    Bearer(Option<String>),
    /// SigV4, or an anonymous caller the emulator lets in.
    Signed,
}

impl Caller {
    /// The user of the caller: a bearer token's, or for a signed caller the user-id
    /// header's (none when absent).
    ///
    /// # Errors
    /// 400 for a user-id header that is not 1 to [`MAX_USER_ID_CHARS`] characters of
    /// visible ASCII, the model's rule for `runtimeUserId`.
    pub(crate) fn user<'a>(
        &'a self,
        headers: &'a HeaderMap,
    ) -> Result<Option<&'a str>, ServiceError> {
        match self {
            Self::Bearer(user) => Ok(user.as_deref()),
            Self::Signed => match headers.get(agentcore_contract::headers::USER_ID) {
                None => Ok(None),
                Some(value) => {
                    let id = value.to_str().unwrap_or_default();
                    let chars = id.chars().count();
                    if (1..=MAX_USER_ID_CHARS).contains(&chars) {
                        Ok(Some(id))
                    } else {
                        Err(ServiceError::validation(format!(
                            "the runtime user id must have 1 to {MAX_USER_ID_CHARS} visible ASCII characters"
                        )))
                    }
                }
            },
        }
    }
}

/// The longest `X-Amzn-Bedrock-AgentCore-Runtime-User-Id` (`runtimeUserId` in the
/// service model): 1,024 characters.
pub(crate) const MAX_USER_ID_CHARS: usize = 1024;

/// The user a fixed bearer token stands for: `bearer-` and the first 16 hex digits of the
/// token's SHA-256, stable across calls and never the token itself.
pub(crate) fn token_user(token: &str) -> String {
    let digest = payload_hash(token.as_bytes());
    format!("bearer-{}", &digest[..16])
}

/// The `sub` claim of verified JWT claims, when it is a string of at most
/// [`MAX_USER_ID_CHARS`] characters (a longer one names no user the emulator keeps).
pub(crate) fn subject(claims: &serde_json::Value) -> Option<String> {
    claims["sub"]
        .as_str()
        .filter(|sub| !sub.is_empty() && sub.chars().count() <= MAX_USER_ID_CHARS)
        .map(str::to_owned)
}

/// What the head of a request earned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admission {
    /// In: nothing about the body is left to check.
    Admitted,
    /// In if the body hashes to this (the SHA-256 the client signed and declared).
    IfBodyHashes(String),
    /// The signature covers the body: verified once it is read.
    AfterBody,
}

pub use agentcore_contract::shell::{BEARER_SUBPROTOCOL, MAX_SUBPROTOCOL_TOKEN_CHARS};

/// What a WebSocket handshake offers in `Sec-WebSocket-Protocol` for auth.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Subprotocols {
    /// The bearer token of `base64UrlBearerAuthorization.<base64url(token)>`, decoded.
    pub(crate) bearer: Option<String>,
    /// Whether the bare [`BEARER_SUBPROTOCOL`] was offered (the 101 then selects it).
    pub(crate) bearer_offered: bool,
}

/// Reads the auth subprotocols a handshake offers: every `Sec-WebSocket-Protocol` value,
/// comma-separated.
///
/// # Errors
/// 400 for an encoded token over [`MAX_SUBPROTOCOL_TOKEN_CHARS`] or a token offered
/// without the bare protocol (a browser would refuse the 101 that selects it); 401 for a
/// token that is not base64url (without padding) of UTF-8.
pub(crate) fn offered_subprotocols(headers: &HeaderMap) -> Result<Subprotocols, ServiceError> {
    let mut offered = Subprotocols::default();
    let mut encoded = None;
    let values = headers.get_all(http::header::SEC_WEBSOCKET_PROTOCOL);
    for protocol in values
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
    {
        if protocol == BEARER_SUBPROTOCOL {
            offered.bearer_offered = true;
        } else if let Some(token) = protocol
            .strip_prefix(BEARER_SUBPROTOCOL)
            .and_then(|rest| rest.strip_prefix('.'))
        {
            encoded.get_or_insert(token);
        }
    }
    let Some(encoded) = encoded else {
        return Ok(offered);
    };
    let chars = encoded.chars().count();
    if chars > MAX_SUBPROTOCOL_TOKEN_CHARS {
        return Err(ServiceError::validation(format!(
            "the bearer token subprotocol has {chars} characters, more than {MAX_SUBPROTOCOL_TOKEN_CHARS}"
        )));
    }
    if !offered.bearer_offered {
        return Err(ServiceError::validation(format!(
            "a bearer token subprotocol must be offered with {BEARER_SUBPROTOCOL} itself"
        )));
    }
    let token = URL_SAFE_NO_PAD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            ServiceError::unauthorized("the bearer token subprotocol is not base64url of a token")
        })?;
    offered.bearer = Some(token);
    Ok(offered)
}

/// Checks the request's credentials from its head, as the service does: a bearer token
/// (`Authorization`, else `subprotocol_bearer`, the one a handshake offered as a
/// subprotocol), else a SigV4 signature (header or query), else anonymous if allowed;
/// and who the caller is.
pub(crate) fn check_head(
    config: &Config,
    region: &str,
    request: &SignedRequest<'_>,
    now: SystemTime,
    subprotocol_bearer: Option<&str>,
) -> Result<(Admission, Caller), ServiceError> {
    if let Some(token) = bearer(request.headers).or(subprotocol_bearer) {
        if token.is_empty() {
            return Err(ServiceError::unauthorized("empty bearer token"));
        }
        if config.bearer_tokens.iter().any(|t| t == token) {
            let caller = Caller::Bearer(Some(token_user(token)));
            return Ok((Admission::Admitted, caller));
        }
        return match &config.jwt_secret {
            Some(secret) => match verify_hs256(token, secret, now) {
                Ok(claims) => Ok((Admission::Admitted, Caller::Bearer(subject(&claims)))),
                Err(why) => Err(ServiceError::access_denied(format!(
                    "invalid bearer token: {why}"
                ))),
            },
            None => Err(ServiceError::access_denied("invalid bearer token")),
        };
    }
    if is_signed(request) {
        let admission = match verifier(config, region, now).check_head(request)? {
            HeadCheck::Verified {
                declared_payload: Some(hash),
            } => Admission::IfBodyHashes(hash),
            HeadCheck::Verified {
                declared_payload: None,
            } => Admission::Admitted,
            HeadCheck::NeedsBody => Admission::AfterBody,
        };
        return Ok((admission, Caller::Signed));
    }
    if config.allow_anonymous {
        return Ok((Admission::Admitted, Caller::Signed));
    }
    Err(ServiceError::unauthorized("Missing Authentication Token"))
}

/// Finishes the check of a request admitted from its head, with its body.
pub(crate) fn check_body(
    config: &Config,
    region: &str,
    request: &SignedRequest<'_>,
    now: SystemTime,
    admission: &Admission,
    body: &[u8],
) -> Result<(), ServiceError> {
    match admission {
        Admission::Admitted => Ok(()),
        Admission::IfBodyHashes(declared) => {
            if payload_hash(body) == *declared {
                Ok(())
            } else {
                Err(ServiceError::access_denied(
                    "x-amz-content-sha256 does not match the body",
                ))
            }
        }
        Admission::AfterBody => verifier(config, region, now).verify(request, &payload_hash(body)),
    }
}

fn verifier<'c>(config: &'c Config, region: &'c str, now: SystemTime) -> Verifier<'c> {
    Verifier {
        credentials: &config.credentials,
        region,
        now,
        clock_skew: config.clock_skew,
        signing_hosts: &config.signing_hosts,
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offering(values: &[&str]) -> Result<Subprotocols, ServiceError> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(http::header::SEC_WEBSOCKET_PROTOCOL, value.parse().unwrap());
        }
        offered_subprotocols(&headers)
    }

    #[test]
    fn the_bearer_subprotocol_and_its_limits() {
        let encoded = URL_SAFE_NO_PAD.encode("tok?en>");
        let offered = offering(&[&format!(
            "{BEARER_SUBPROTOCOL}.{encoded}, {BEARER_SUBPROTOCOL}"
        )])
        .unwrap();
        assert_eq!(offered.bearer.as_deref(), Some("tok?en>"));
        assert!(offered.bearer_offered);
        // The same in two headers, and the bare one alone.
        let split = offering(&[
            &format!("{BEARER_SUBPROTOCOL}.{encoded}"),
            BEARER_SUBPROTOCOL,
        ]);
        assert_eq!(split.unwrap().bearer.as_deref(), Some("tok?en>"));
        let bare = offering(&[BEARER_SUBPROTOCOL]).unwrap();
        assert_eq!((bare.bearer, bare.bearer_offered), (None, true));
        assert_eq!(offering(&["chat"]).unwrap(), Subprotocols::default());

        // The token without the bare protocol, padding, not base64url, too long.
        let alone = offering(&[&format!("{BEARER_SUBPROTOCOL}.{encoded}")]).unwrap_err();
        assert_eq!(alone.status, http::StatusCode::BAD_REQUEST);
        let padded = URL_SAFE_NO_PAD.encode("ab") + "=";
        for bad in [padded.as_str(), "a+b/", "!"] {
            let err = offering(&[&format!("{BEARER_SUBPROTOCOL}.{bad}, {BEARER_SUBPROTOCOL}")])
                .unwrap_err();
            assert_eq!(err.status, http::StatusCode::UNAUTHORIZED, "{bad}");
        }
        // 3 bytes are 4 characters of base64.
        let at_limit = URL_SAFE_NO_PAD.encode("t".repeat(MAX_SUBPROTOCOL_TOKEN_CHARS / 4 * 3));
        assert_eq!(at_limit.len(), MAX_SUBPROTOCOL_TOKEN_CHARS);
        let fits = offering(&[&format!(
            "{BEARER_SUBPROTOCOL}.{at_limit}, {BEARER_SUBPROTOCOL}"
        )]);
        assert!(fits.unwrap().bearer.is_some());
        let over = URL_SAFE_NO_PAD.encode("t".repeat(MAX_SUBPROTOCOL_TOKEN_CHARS / 4 * 3 + 1));
        let err = offering(&[&format!(
            "{BEARER_SUBPROTOCOL}.{over}, {BEARER_SUBPROTOCOL}"
        )])
        .unwrap_err();
        assert_eq!(err.status, http::StatusCode::BAD_REQUEST);
    }
}
