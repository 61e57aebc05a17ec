//! The service model's field rules (lengths in characters, patterns matched whole).

use std::ops::RangeInclusive;

/// A field that breaks the service model's rules: what a `ValidationException` with
/// reason `FieldValidationFailed` names in its `fieldList`.
///
/// ```
/// use agentcore_contract::identity::check_workload_name;
///
/// let err = check_workload_name("a b").unwrap_err();
/// assert_eq!(err.field, "workloadName");
/// assert_eq!(err.to_string(), "workloadName: only A-Z a-z 0-9 _ . - are allowed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
#[non_exhaustive]
pub struct FieldError {
    /// The field's name in the body (`workloadName`, `scopes[0]`, …).
    pub field: String,
    /// What is wrong with it (never its value).
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Checks a workload identity name: 3 to 255 of `A-Z a-z 0-9 _ . -`.
///
/// ```
/// # use agentcore_contract::identity::check_workload_name;
/// assert!(check_workload_name("my-agent.v2").is_ok());
/// assert!(check_workload_name("ab").is_err());
/// ```
pub fn check_workload_name(name: &str) -> Result<(), FieldError> {
    check_chars(
        "workloadName",
        name,
        3..=255,
        |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'),
        "only A-Z a-z 0-9 _ . - are allowed",
    )
}

/// Checks a credential provider name: 1 to 128 of `A-Z a-z 0-9 - _`.
///
/// ```
/// # use agentcore_contract::identity::check_provider_name;
/// assert!(check_provider_name("github-oauth_2").is_ok());
/// assert!(check_provider_name("git.hub").is_err());
/// ```
pub fn check_provider_name(name: &str) -> Result<(), FieldError> {
    check_chars(
        "resourceCredentialProviderName",
        name,
        1..=128,
        |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'),
        "only A-Z a-z 0-9 - _ are allowed",
    )
}

/// The length of `value` in characters, within `range`.
pub(crate) fn check_len(
    field: &str,
    value: &str,
    range: RangeInclusive<usize>,
) -> Result<(), FieldError> {
    let len = value.chars().count();
    if range.contains(&len) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "must have {} to {} characters, has {len}",
                range.start(),
                range.end()
            ),
        ))
    }
}

/// The length within `range`, and every character one that `allowed` accepts.
pub(crate) fn check_chars(
    field: &str,
    value: &str,
    range: RangeInclusive<usize>,
    allowed: impl Fn(char) -> bool,
    rule: &str,
) -> Result<(), FieldError> {
    check_len(field, value, range)?;
    if value.chars().all(allowed) {
        Ok(())
    } else {
        Err(FieldError::new(field, rule))
    }
}

/// A user's JWT: three non-empty dot-separated parts of `A-Z a-z 0-9 - _ =`.
pub(crate) fn check_user_token(field: &str, token: &str) -> Result<(), FieldError> {
    check_len(field, token, 1..=131_072)?;
    let parts: Vec<&str> = token.split('.').collect();
    let base64url = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=');
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(base64url))
    {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "must be a JWT (header.payload.signature)",
        ))
    }
}

/// A session URI: `urn:ietf:params:oauth:request_uri:` then `A-Z a-z 0-9 - . _ ~`,
/// at most 1024 characters.
pub(crate) fn check_session_uri(field: &str, uri: &str) -> Result<(), FieldError> {
    check_len(field, uri, 1..=1024)?;
    let rest = uri.strip_prefix(super::SESSION_URI_PREFIX);
    let unreserved = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    match rest {
        Some(rest) if !rest.is_empty() && rest.chars().all(unreserved) => Ok(()),
        _ => Err(FieldError::new(
            field,
            format!("must be {}<id>", super::SESSION_URI_PREFIX),
        )),
    }
}

/// A return URL: `scheme:` then at least one character, no whitespace, at most 2048.
pub(crate) fn check_return_url(field: &str, url: &str) -> Result<(), FieldError> {
    check_len(field, url, 1..=2048)?;
    let valid = url.split_once(':').is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !rest.trim_start_matches('/').is_empty()
            && !url.chars().any(char::is_whitespace)
    });
    if valid {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "must be a URL (scheme:rest, no whitespace)",
        ))
    }
}

/// Each of `values` within `range`, named `field[i]`.
pub(crate) fn check_each(
    field: &str,
    values: &[String],
    range: RangeInclusive<usize>,
) -> Result<(), FieldError> {
    values
        .iter()
        .enumerate()
        .try_for_each(|(i, v)| check_len(&format!("{field}[{i}]"), v, range.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_counted_in_characters_at_both_edges() {
        assert!(check_workload_name(&"a".repeat(3)).is_ok());
        assert!(check_workload_name(&"a".repeat(255)).is_ok());
        assert!(check_workload_name(&"a".repeat(256)).is_err());
        assert!(check_len("f", &"é".repeat(128), 1..=128).is_ok());
        assert!(check_len("f", &"é".repeat(129), 1..=128).is_err());
        assert!(check_len("f", "", 1..=128).is_err());
    }

    #[test]
    fn user_tokens_are_three_part_jwts() {
        assert!(check_user_token("userToken", "aGVhZA.cGF5bG9hZA.c2ln").is_ok());
        assert!(check_user_token("userToken", "a.b").is_err());
        assert!(check_user_token("userToken", "a..c").is_err());
        assert!(check_user_token("userToken", "a.b.c d").is_err());
    }

    #[test]
    fn session_uris_and_return_urls() {
        assert!(check_session_uri("s", "urn:ietf:params:oauth:request_uri:abc-1.2_3~").is_ok());
        assert!(check_session_uri("s", "urn:ietf:params:oauth:request_uri:").is_err());
        assert!(check_session_uri("s", "urn:other:abc").is_err());
        assert!(check_return_url("u", "https://app.example.com/cb?x=1").is_ok());
        assert!(check_return_url("u", "myapp:done").is_ok());
        assert!(check_return_url("u", "https://").is_err());
        assert!(check_return_url("u", "no scheme").is_err());
    }
}
