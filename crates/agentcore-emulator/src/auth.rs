//! Who may call: bearer tokens (fixed or HS256 JWTs), SigV4 headers or presigned URLs.
//!
//! Checked from the head first, so that an unauthenticated request is refused before its
//! body is read. A SigV4 header signature covers the body: when the client declared the
//! payload hash (`x-amz-content-sha256`) the signature is verified at once and the body
//! must then match it; otherwise everything but the signature is checked at once (known
//! key, scope, time, token) and the signature once the bounded body is read.

use std::time::SystemTime;

use http::HeaderMap;

use crate::config::Config;
use crate::error::ServiceError;
use crate::jwt::verify_hs256;
use crate::sigv4::{HeadCheck, SignedRequest, Verifier, is_signed, payload_hash};

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

/// Checks the request's credentials from its head, as the service does.
pub(crate) fn check_head(
    config: &Config,
    region: &str,
    request: &SignedRequest<'_>,
    now: SystemTime,
) -> Result<Admission, ServiceError> {
    if let Some(token) = bearer(request.headers) {
        if token.is_empty() {
            return Err(ServiceError::unauthorized("empty bearer token"));
        }
        if config.bearer_tokens.iter().any(|t| t == token) {
            return Ok(Admission::Admitted);
        }
        return match &config.jwt_secret {
            Some(secret) => verify_hs256(token, secret, now).map(|()| Admission::Admitted),
            None => Err(ServiceError::access_denied("invalid bearer token")),
        };
    }
    if is_signed(request) {
        return match verifier(config, region, now).check_head(request)? {
            HeadCheck::Verified {
                declared_payload: Some(hash),
            } => Ok(Admission::IfBodyHashes(hash)),
            HeadCheck::Verified {
                declared_payload: None,
            } => Ok(Admission::Admitted),
            HeadCheck::NeedsBody => Ok(Admission::AfterBody),
        };
    }
    if config.allow_anonymous {
        return Ok(Admission::Admitted);
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
