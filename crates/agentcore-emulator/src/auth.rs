//! Who may call: bearer tokens (fixed or HS256 JWTs), SigV4 headers or presigned URLs.

use std::time::SystemTime;

use http::HeaderMap;

use crate::config::Config;
use crate::error::ServiceError;
use crate::jwt::verify_hs256;
use crate::sigv4::{SignedRequest, Verifier, is_signed};

/// How a request was let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    Bearer(String),
    SigV4,
    Anonymous,
}

/// Checks the request's credentials as the service does.
pub(crate) fn authenticate(
    config: &Config,
    region: &str,
    request: &SignedRequest<'_>,
    now: SystemTime,
) -> Result<Caller, ServiceError> {
    if let Some(token) = bearer(request.headers) {
        if token.is_empty() {
            return Err(ServiceError::unauthorized("empty bearer token"));
        }
        if config.bearer_tokens.iter().any(|t| t == token) {
            return Ok(Caller::Bearer(token.to_owned()));
        }
        return match &config.jwt_secret {
            Some(secret) => {
                verify_hs256(token, secret, now).map(|()| Caller::Bearer(token.to_owned()))
            }
            None => Err(ServiceError::access_denied("invalid bearer token")),
        };
    }
    if is_signed(request) {
        let verifier = Verifier {
            credentials: &config.credentials,
            region,
            now,
            clock_skew: config.clock_skew,
        };
        return verifier.verify(request).map(|_| Caller::SigV4);
    }
    if config.allow_anonymous {
        return Ok(Caller::Anonymous);
    }
    Err(ServiceError::unauthorized("Missing Authentication Token"))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}
