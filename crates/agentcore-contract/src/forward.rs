//! Which request headers reach agent code, and under which key.
//!
//! A header is forwarded unless (compared lower-cased) it is one of the
//! [`restricted`] headers, or starts with `x-amz-` (except exactly
//! `x-amz-bedrock-agentcore-identity-wat`), or starts with `x-amzn-` (except the custom
//! prefix `x-amzn-bedrock-agentcore-runtime-custom-`). `Authorization` is kept under the
//! key `Authorization`, every other header under its lower-case name.
//!
//! ```
//! use agentcore_contract::forward;
//!
//! assert_eq!(forward::context_key("X-Api-Key").as_deref(), Some("x-api-key"));
//! assert_eq!(forward::context_key("authorization").as_deref(), Some("Authorization"));
//! assert_eq!(forward::context_key("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant").as_deref(),
//!            Some("x-amzn-bedrock-agentcore-runtime-custom-tenant"));
//! assert_eq!(forward::context_key("X-Amzn-Trace-Id"), None);
//! assert_eq!(forward::context_key("Cookie"), None);
//! ```

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use crate::headers::{
    AUTHORIZATION, AUTHORIZATION_CONTEXT_KEY, CUSTOM_HEADER_PREFIX, WORKLOAD_ACCESS_TOKEN,
};

/// The restricted-headers list, one lower-case name a line, `#` comments.
const RESTRICTED_LIST: &str = include_str!("../data/restricted-headers.txt");

static RESTRICTED: LazyLock<HashSet<&'static str>> = LazyLock::new(|| restricted().collect());

/// The headers that are never forwarded to agent code, lower-case.
///
/// ```
/// assert!(agentcore_contract::forward::restricted().any(|h| h == "cookie"));
/// ```
pub fn restricted() -> impl Iterator<Item = &'static str> {
    RESTRICTED_LIST
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Whether a header with this name is forwarded to agent code (any case).
///
/// ```
/// use agentcore_contract::forward::is_forwarded;
///
/// assert!(is_forwarded("X-Amz-Bedrock-AgentCore-Identity-WAT"));
/// assert!(!is_forwarded("X-Amz-Date"));
/// ```
pub fn is_forwarded(name: &str) -> bool {
    is_forwarded_lower(&lower_case(name))
}

/// The name lower-cased, without allocating when it already is (as `http` keeps them).
fn lower_case(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

fn is_forwarded_lower(lower: &str) -> bool {
    if RESTRICTED.contains(lower) {
        return false;
    }
    if lower.starts_with("x-amz-") {
        return lower == WORKLOAD_ACCESS_TOKEN;
    }
    if lower.starts_with("x-amzn-") {
        return lower.starts_with(CUSTOM_HEADER_PREFIX);
    }
    true
}

/// The key under which a forwarded header is kept, or `None` when it is not forwarded.
///
/// ```
/// use agentcore_contract::forward::context_key;
///
/// assert_eq!(context_key("Authorization").as_deref(), Some("Authorization"));
/// assert_eq!(context_key("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Foo").as_deref(),
///     Some("x-amzn-bedrock-agentcore-runtime-custom-foo"));
/// assert_eq!(context_key("x-amzn-trace-id"), None);
/// ```
pub fn context_key(name: &str) -> Option<Cow<'static, str>> {
    let lower = lower_case(name);
    if !is_forwarded_lower(&lower) {
        return None;
    }
    if lower == AUTHORIZATION {
        Some(Cow::Borrowed(AUTHORIZATION_CONTEXT_KEY))
    } else {
        Some(Cow::Owned(lower.into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_restricted_header_is_refused_in_any_case() {
        let mut count = 0;
        for name in restricted() {
            count += 1;
            assert!(!is_forwarded(name), "{name}");
            assert!(!is_forwarded(&name.to_ascii_uppercase()), "{name}");
        }
        assert!(count > 100);
    }

    #[test]
    fn amazon_prefixes() {
        assert!(!is_forwarded("x-amz-date"));
        assert!(!is_forwarded("x-amz-security-token"));
        assert!(is_forwarded("x-amz-bedrock-agentcore-identity-wat"));
        assert!(!is_forwarded("x-amz-bedrock-agentcore-identity-wat-2"));
        assert!(!is_forwarded("x-amzn-bedrock-agentcore-runtime-session-id"));
        assert!(!is_forwarded("x-amzn-trace-id"));
        assert!(is_forwarded(
            "x-amzn-bedrock-agentcore-runtime-custom-anything"
        ));
        assert!(!is_forwarded("x-amzn-bedrock-agentcore-runtime-custom"));
        assert!(is_forwarded("x-amzfoo"));
        assert!(is_forwarded("traceparent"));
        assert!(is_forwarded("workloadaccesstoken"));
    }

    #[test]
    fn the_shipped_list_matches_the_shared_contract_when_present() {
        let shared = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/contract/restricted-headers.txt"
        );
        if let Ok(text) = std::fs::read_to_string(shared) {
            assert_eq!(
                text, RESTRICTED_LIST,
                "data/restricted-headers.txt is out of date"
            );
        }
    }
}
