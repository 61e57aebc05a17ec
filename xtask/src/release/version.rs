//! Semantic versions, `MAJOR.MINOR.PATCH[-PRE]`, with SemVer 2.0 precedence.

use std::cmp::Ordering;
use std::fmt;

/// A release version. Build metadata (`+...`) is not accepted: it does not order
/// versions, so a release that differs only there would not be "greater".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Identifier>,
}

/// One dot-separated pre-release identifier. The variant order is the SemVer order:
/// numeric identifiers sort before alphanumeric ones.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Identifier {
    Numeric(u64),
    Alphanumeric(String),
}

impl Version {
    /// Parses `MAJOR.MINOR.PATCH[-PRE]` strictly (no leading `v`, no leading zeros, no
    /// build metadata).
    pub(crate) fn parse(text: &str) -> Result<Version, String> {
        let invalid = |why: &str| {
            format!("`{text}` is not a version of the form MAJOR.MINOR.PATCH[-PRE]: {why}")
        };
        if text.starts_with(['v', 'V']) {
            return Err(invalid(
                "write it without the leading `v` (the tag gets one)",
            ));
        }
        if text.contains('+') {
            return Err(invalid("build metadata (`+...`) is not supported"));
        }
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (text, None),
        };
        let numbers = core
            .split('.')
            .map(|part| number(part).ok_or_else(|| invalid(&format!("bad number `{part}`"))))
            .collect::<Result<Vec<u64>, String>>()?;
        let [major, minor, patch] = numbers[..] else {
            return Err(invalid("it needs exactly three numbers"));
        };
        let pre = match pre {
            None => Vec::new(),
            Some(pre) => pre
                .split('.')
                .map(|id| {
                    identifier(id)
                        .ok_or_else(|| invalid(&format!("bad pre-release identifier `{id}`")))
                })
                .collect::<Result<Vec<_>, String>>()?,
        };
        Ok(Version {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// Parses a version as cargo reports it, ignoring build metadata.
    pub(crate) fn parse_lenient(text: &str) -> Result<Version, String> {
        Version::parse(text.split_once('+').map_or(text, |(version, _)| version))
    }
}

/// A numeric part: ASCII digits, no leading zero unless it is `0`.
fn number(part: &str) -> Option<u64> {
    let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits || (part.len() > 1 && part.starts_with('0')) {
        return None;
    }
    part.parse().ok()
}

fn identifier(id: &str) -> Option<Identifier> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    if id.bytes().all(|b| b.is_ascii_digit()) {
        number(id).map(Identifier::Numeric)
    } else {
        Some(Identifier::Alphanumeric(id.to_owned()))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            // A pre-release sorts before its release; two pre-releases compare
            // identifier by identifier, a shorter prefix first (which is `Vec`'s order).
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            match id {
                Identifier::Numeric(n) => write!(f, "{n}")?,
                Identifier::Alphanumeric(s) => f.write_str(s)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn parses_and_prints_release_and_pre_release_versions() {
        for text in [
            "0.1.0",
            "1.22.333",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-0.3.7",
        ] {
            assert_eq!(v(text).to_string(), text);
        }
        assert_eq!(v("1.0.0-x-y.7z").to_string(), "1.0.0-x-y.7z");
    }

    #[test]
    fn rejects_what_is_not_a_strict_version() {
        for text in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.x",
            "1.2.3-",
            "1.2.3-a..b",
            "1.2.3-01",
            "1.2.3-a_b",
            " 1.2.3",
            "-1.2.3",
            "1.2.-3",
        ] {
            assert!(Version::parse(text).is_err(), "{text:?} was accepted");
        }
        assert!(
            Version::parse("v1.2.3")
                .unwrap_err()
                .contains("leading `v`")
        );
        assert!(
            Version::parse("1.2.3+b5")
                .unwrap_err()
                .contains("build metadata")
        );
        assert_eq!(Version::parse_lenient("1.2.3+b5").unwrap(), v("1.2.3"));
    }

    #[test]
    fn orders_by_semver_precedence() {
        // The example chain of the SemVer 2.0 specification, item 11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "1.10.0",
            "2.0.0",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert!(v("0.2.0") > v("0.1.0"));
        assert!(v("0.0.1") < v("0.1.0"));
        assert_eq!(v("0.1.0").cmp(&v("0.1.0")), Ordering::Equal);
    }
}
