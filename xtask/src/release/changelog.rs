//! `CHANGELOG.md` in the Keep a Changelog layout: the release moves what is under
//! `## [Unreleased]` to a new `## [<version>] - <date>` section below a fresh, empty
//! `## [Unreleased]`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Returns the changelog with the Unreleased entries moved under `version`.
///
/// Refuses (rather than releasing with an empty section) when the Unreleased section is
/// missing or holds nothing: a release without a written list of changes is almost
/// always a mistake, and writing it is a one-line edit before running again.
///
/// When the Unreleased link reference has the usual `<base>/compare/<previous>...HEAD`
/// form, it is moved to `v<version>...HEAD` and a `[<version>]` link is added.
pub(crate) fn release(text: &str, version: &str, date: &str) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let heading = lines
        .iter()
        .position(|line| is_unreleased_heading(line))
        .ok_or("CHANGELOG.md has no `## [Unreleased]` section to release")?;
    if lines
        .iter()
        .any(|line| line.starts_with(&format!("## [{version}]")))
    {
        return Err(format!(
            "CHANGELOG.md already has a `## [{version}]` section"
        ));
    }
    let end = lines[heading + 1..]
        .iter()
        .position(|line| line.starts_with("## ") || is_link_definition(line))
        .map_or(lines.len(), |offset| heading + 1 + offset);
    let body = &lines[heading + 1..end];
    let first = body.iter().position(|line| !line.trim().is_empty());
    let last = body.iter().rposition(|line| !line.trim().is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        return Err(
            "the `## [Unreleased]` section of CHANGELOG.md is empty: list what this release \
             changes there first"
                .to_owned(),
        );
    };

    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 6);
    out.extend(lines[..=heading].iter().map(|line| line.to_string()));
    out.push(String::new());
    out.push(format!("## [{version}] - {date}"));
    out.push(String::new());
    out.extend(body[first..=last].iter().map(|line| line.to_string()));
    if end < lines.len() {
        out.push(String::new());
    }
    for line in &lines[end..] {
        match compare_link(line) {
            Some((base, previous)) => {
                out.push(format!("[Unreleased]: {base}/compare/v{version}...HEAD"));
                out.push(format!(
                    "[{version}]: {base}/compare/{previous}...v{version}"
                ));
            }
            None => out.push(line.to_string()),
        }
    }
    let mut released = out.join("\n");
    released.push('\n');
    Ok(released)
}

fn is_unreleased_heading(line: &str) -> bool {
    line.trim_end().eq_ignore_ascii_case("## [unreleased]")
}

/// A Markdown link reference definition at the start of a line: `[label]: target`.
fn is_link_definition(line: &str) -> bool {
    line.starts_with('[') && line.find("]: ").is_some_and(|i| i > 1)
}

/// `[Unreleased]: <base>/compare/<previous>...HEAD` → `(base, previous)`.
fn compare_link(line: &str) -> Option<(&str, &str)> {
    let (label, target) = line.split_once("]: ")?;
    if !label.eq_ignore_ascii_case("[unreleased") {
        return None;
    }
    let (base, range) = target.trim().split_once("/compare/")?;
    let previous = range.strip_suffix("...HEAD")?;
    Some((base, previous))
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub(crate) fn today_utc() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let (year, month, day) = civil_from_days(seconds / 86_400);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "\
# Changelog

Intro text.

## [Unreleased]


- Added a thing.
- Fixed another.

## [0.1.0] - 2026-01-02

- First.

[Unreleased]: https://example.com/r/compare/v0.1.0...HEAD
[0.1.0]: https://example.com/r/releases/tag/v0.1.0
";

    #[test]
    fn moves_the_unreleased_entries_under_the_version() {
        let after = release(BEFORE, "0.2.0", "2026-03-04").unwrap();
        assert_eq!(
            after,
            "\
# Changelog

Intro text.

## [Unreleased]

## [0.2.0] - 2026-03-04

- Added a thing.
- Fixed another.

## [0.1.0] - 2026-01-02

- First.

[Unreleased]: https://example.com/r/compare/v0.2.0...HEAD
[0.2.0]: https://example.com/r/compare/v0.1.0...v0.2.0
[0.1.0]: https://example.com/r/releases/tag/v0.1.0
"
        );
    }

    #[test]
    fn works_when_unreleased_is_the_only_section() {
        let after = release(
            "# Changelog\n\n## [Unreleased]\n- One.\n",
            "0.2.0",
            "2026-03-04",
        );
        assert_eq!(
            after.unwrap(),
            "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-03-04\n\n- One.\n"
        );
        let before = "## [Unreleased]\n- One.\n\n[Unreleased]: https://x/y\n";
        let after = release(before, "1.0.0", "2026-03-04").unwrap();
        assert_eq!(
            after,
            "## [Unreleased]\n\n## [1.0.0] - 2026-03-04\n\n- One.\n\n[Unreleased]: https://x/y\n"
        );
    }

    #[test]
    fn refuses_a_missing_or_empty_unreleased_section_and_a_repeated_version() {
        let missing = release("# Changelog\n\n## [0.1.0]\n- x\n", "0.2.0", "d").unwrap_err();
        assert!(missing.contains("no `## [Unreleased]`"), "{missing}");
        let empty = "# Changelog\n\n## [Unreleased]\n\n\n## [0.1.0] - d\n- x\n";
        let empty = release(empty, "0.2.0", "d").unwrap_err();
        assert!(empty.contains("is empty"), "{empty}");
        let again = release(BEFORE, "0.1.0", "d").unwrap_err();
        assert!(again.contains("already has"), "{again}");
    }

    #[test]
    fn computes_civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_453), (2025, 12, 31));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        let today = today_utc();
        assert_eq!(today.len(), 10);
        assert!(today.as_str() > "2025-01-01", "{today}");
    }
}
