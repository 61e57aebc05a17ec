//! Printing answers: JSON pretty-printed on a terminal, exactly as it came when piped.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

/// What to print for a response body: on a terminal, pretty JSON (when it parses) ending
/// in a newline; otherwise the bytes as they came.
fn render(bytes: &[u8], terminal: bool) -> Cow<'_, [u8]> {
    if !terminal {
        return Cow::Borrowed(bytes);
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => {
            let mut pretty = serde_json::to_vec_pretty(&value).unwrap_or_else(|_| bytes.to_vec());
            pretty.push(b'\n');
            Cow::Owned(pretty)
        }
        Err(_) if bytes.ends_with(b"\n") => Cow::Borrowed(bytes),
        Err(_) => Cow::Owned([bytes, b"\n"].concat()),
    }
}

/// Writes a response body to standard output.
pub(crate) fn body(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let terminal = out.is_terminal();
    out.write_all(&render(bytes, terminal))?;
    out.flush()
}

/// Writes one line and flushes it (streamed output).
pub(crate) fn line(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn pretty_on_a_terminal_raw_when_piped() {
        let body = br#"{"a":[1,2]}"#;
        assert_eq!(&*render(body, false), body);
        assert_eq!(
            &*render(body, true),
            b"{\n  \"a\": [\n    1,\n    2\n  ]\n}\n"
        );
        assert_eq!(&*render(b"plain", true), b"plain\n");
        assert_eq!(&*render(b"plain\n", true), b"plain\n");
    }
}
