//! Percent-encoding as the data plane and SigV4 want it.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~`.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes every byte but the unreserved characters `A-Z a-z 0-9 - _ . ~`, as
/// SigV4 encodes query names and values and as an ARN goes into a path (a space is `%20`,
/// `:` is `%3A`, `/` is `%2F`, UTF-8 bytes are `%XX` each).
///
/// ```
/// use agentcore_contract::encoding::percent_encode;
///
/// assert_eq!(percent_encode("a b/c:d~é"), "a%20b%2Fc%3Ad~%C3%A9");
/// assert_eq!(percent_encode("plain-text_1.0"), "plain-text_1.0");
/// ```
pub fn percent_encode(value: &str) -> Cow<'_, str> {
    utf8_percent_encode(value, NOT_UNRESERVED).into()
}
