//! Bearer tokens: fixed tokens, or JWTs signed with HS256 and a configured secret.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Verifies an HS256 JWT: header `alg` `HS256`, signature, `exp` (required, in the
/// future) and `nbf` (when present, in the past); its claims, or why it is refused (a
/// reason that never quotes the token).
pub(crate) fn verify_hs256(
    token: &str,
    secret: &[u8],
    now: SystemTime,
) -> Result<serde_json::Value, &'static str> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT");
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| "bad base64url");
    let header: serde_json::Value =
        serde_json::from_slice(&decode(header)?).map_err(|_| "bad header")?;
    if header["alg"] != "HS256" {
        return Err("the algorithm must be HS256");
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| "bad secret")?;
    mac.update(&token.as_bytes()[..token.len() - signature.len() - 1]);
    mac.verify_slice(&decode(signature)?)
        .map_err(|_| "bad signature")?;
    let claims: serde_json::Value =
        serde_json::from_slice(&decode(claims)?).map_err(|_| "bad claims")?;
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    match claims["exp"].as_u64() {
        Some(exp) if exp > now => {}
        Some(_) => return Err("expired"),
        None => return Err("no exp claim"),
    }
    if claims["nbf"].as_u64().is_some_and(|nbf| nbf > now) {
        return Err("not yet valid");
    }
    Ok(claims)
}

/// Makes an HS256 JWT with these claims (for tests and local tooling).
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
///
/// let exp = (SystemTime::now() + Duration::from_secs(60)).duration_since(UNIX_EPOCH).unwrap().as_secs();
/// let token = agentcore_emulator::sign_hs256(&serde_json::json!({ "sub": "me", "exp": exp }), b"secret");
/// assert_eq!(token.split('.').count(), 3);
/// ```
pub fn sign_hs256(claims: &serde_json::Value, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn valid_expired_tampered_and_wrong_secret() {
        let token = sign_hs256(&json!({ "exp": 2000, "nbf": 1000 }), b"s3cret");
        assert_eq!(
            verify_hs256(&token, b"s3cret", at(1500)).unwrap()["exp"],
            2000
        );
        assert_eq!(verify_hs256(&token, b"s3cret", at(2000)), Err("expired"));
        assert!(
            verify_hs256(&token, b"s3cret", at(999)).is_err(),
            "not yet valid"
        );
        assert_eq!(
            verify_hs256(&token, b"other", at(1500)),
            Err("bad signature")
        );
        let mut tampered = token.clone();
        tampered.insert(token.find('.').unwrap() + 2, 'x');
        assert!(verify_hs256(&tampered, b"s3cret", at(1500)).is_err());
        let no_exp = sign_hs256(&json!({ "sub": "x" }), b"s3cret");
        assert!(verify_hs256(&no_exp, b"s3cret", at(1500)).is_err());
        assert!(verify_hs256("abc", b"s3cret", at(1500)).is_err());
    }
}
