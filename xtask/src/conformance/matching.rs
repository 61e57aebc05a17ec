//! Expectation matching, as the README's "Expectations" section describes it.
//!
//! JSON values compare by value (numbers numerically, objects with exactly the expected
//! keys, arrays element by element); the expected strings `"<any-string>"`, `"<any-int>"`
//! and `"<any-number>"` match any value of that kind.

use serde_json::{Number, Value};

/// How many characters of a value a failure reason shows.
const CLIP: usize = 300;

/// Checks `actual` against `expected`; the error names the first difference and where
/// it is (`$` is the whole value, then `.key` and `[index]`).
pub(crate) fn match_json(expected: &Value, actual: &Value) -> Result<(), String> {
    match_at("$", expected, actual)
}

fn match_at(path: &str, expected: &Value, actual: &Value) -> Result<(), String> {
    let ok = match (expected, actual) {
        (Value::String(s), _) if s == "<any-string>" => actual.is_string(),
        (Value::String(s), _) if s == "<any-int>" => is_int(actual),
        (Value::String(s), _) if s == "<any-number>" => actual.is_number(),
        (Value::Number(e), Value::Number(a)) => numbers_equal(e, a),
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                let (n, m) = (e.len(), a.len());
                return Err(format!(
                    "at {path}: expected {n} items, got {m}: {}",
                    clip(actual)
                ));
            }
            for (i, (e, a)) in e.iter().zip(a).enumerate() {
                match_at(&format!("{path}[{i}]"), e, a)?;
            }
            true
        }
        (Value::Object(e), Value::Object(a)) => {
            if let Some(key) = e.keys().find(|k| !a.contains_key(*k)) {
                return Err(format!(
                    "at {path}: missing key {key:?} in {}",
                    clip(actual)
                ));
            }
            if let Some(key) = a.keys().find(|k| !e.contains_key(*k)) {
                return Err(format!(
                    "at {path}: unexpected key {key:?} in {}",
                    clip(actual)
                ));
            }
            for (key, e) in e {
                match_at(&format!("{path}.{key}"), e, &a[key])?;
            }
            true
        }
        _ => expected == actual,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "at {path}: expected {}, got {}",
            clip(expected),
            clip(actual)
        ))
    }
}

/// An integer: a JSON number written without fraction or exponent (never `1.0`, never
/// a boolean).
fn is_int(value: &Value) -> bool {
    value.is_i64() || value.is_u64()
}

fn numbers_equal(a: &Number, b: &Number) -> bool {
    fn int(n: &Number) -> Option<i128> {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    match (int(a), int(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// The media type of a `Content-Type` value: parameters dropped, lower-cased.
pub(crate) fn media_type(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().to_ascii_lowercase()
}

/// Parses a Server-Sent Events body that must consist exactly of events
/// `data: <json>\n\n`: one `data: ` line each (no other fields, no comments, no CR, no
/// whitespace around the JSON), then a blank line. Returns the data values.
pub(crate) fn parse_sse(body: &str) -> Result<Vec<Value>, String> {
    let mut events = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let n = events.len();
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        let Some(data) = line.strip_prefix("data: ") else {
            return Err(format!("event {n}: expected a `data: ` line, got {line:?}"));
        };
        if data.contains('\r') {
            return Err(format!(
                "event {n}: carriage return in {line:?} (lines must end in LF)"
            ));
        }
        if data.trim() != data || data.is_empty() {
            return Err(format!(
                "event {n}: data must be exactly one JSON value, got {data:?}"
            ));
        }
        let value = serde_json::from_str(data)
            .map_err(|e| format!("event {n}: data is not JSON ({e}): {}", clip_str(data)))?;
        let Some(after) = after.strip_prefix('\n') else {
            let next = after.lines().next().unwrap_or("end of body");
            return Err(format!(
                "event {n}: expected a blank line after the data line, got {next:?}"
            ));
        };
        events.push(value);
        rest = after;
    }
    Ok(events)
}

/// A JSON value as compact text, cut to about 300 characters.
pub(crate) fn clip(value: &Value) -> String {
    clip_str(&value.to_string())
}

/// Text cut to about 300 characters (on a character boundary), marked with `…` when cut.
pub(crate) fn clip_str(text: &str) -> String {
    match text.char_indices().nth(CLIP) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(match_json(&parse("1"), &parse("1.0")).is_ok());
        assert!(match_json(&parse("1.0"), &parse("1")).is_ok());
        assert!(match_json(&parse("-3"), &parse("-3.0")).is_ok());
        assert!(match_json(&parse("1"), &parse("2")).is_err());
        assert!(
            match_json(
                &parse("18446744073709551615"),
                &parse("18446744073709551615")
            )
            .is_ok()
        );
        assert!(match_json(&parse("1"), &parse("true")).is_err());
    }

    #[test]
    fn any_int_accepts_only_integers() {
        let any = json!("<any-int>");
        for ok in ["0", "-7", "1700000000", "18446744073709551615"] {
            assert!(match_json(&any, &parse(ok)).is_ok(), "{ok}");
        }
        for bad in ["1.0", "1e3", "1.5", "true", "false", "null", "\"1\"", "[1]"] {
            assert!(match_json(&any, &parse(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn any_string_and_any_number() {
        let s = json!("<any-string>");
        assert!(match_json(&s, &json!("")).is_ok());
        assert!(match_json(&s, &json!("x")).is_ok());
        assert!(match_json(&s, &json!(1)).is_err());
        assert!(match_json(&s, &json!(null)).is_err());
        let n = json!("<any-number>");
        assert!(match_json(&n, &parse("1")).is_ok());
        assert!(match_json(&n, &parse("0.25")).is_ok());
        assert!(match_json(&n, &json!(true)).is_err());
        assert!(match_json(&n, &json!("1")).is_err());
    }

    #[test]
    fn matchers_work_nested_and_literal_strings_compare_exactly() {
        let expected = json!({"status": "Healthy", "time_of_last_update": "<any-int>"});
        let actual = json!({"status": "Healthy", "time_of_last_update": 1_700_000_000});
        assert!(match_json(&expected, &actual).is_ok());
        let err = match_json(
            &expected,
            &json!({"status": "Busy", "time_of_last_update": 1}),
        );
        assert_eq!(
            err.unwrap_err(),
            r#"at $.status: expected "Healthy", got "Busy""#
        );
        // A matcher only works on the expected side.
        assert!(match_json(&json!("x"), &json!("<any-string>")).is_err());
    }

    #[test]
    fn objects_need_exactly_the_expected_keys() {
        let expected = json!({"a": 1, "b": null});
        assert!(match_json(&expected, &json!({"b": null, "a": 1.0})).is_ok());
        let missing = match_json(&expected, &json!({"a": 1})).unwrap_err();
        assert!(missing.contains("missing key \"b\""), "{missing}");
        let extra = match_json(&expected, &json!({"a": 1, "b": null, "c": 2})).unwrap_err();
        assert!(extra.contains("unexpected key \"c\""), "{extra}");
        // `null` expected is not the same as absent.
        assert!(match_json(&json!({"b": null}), &json!({})).is_err());
    }

    #[test]
    fn arrays_need_same_length_and_order() {
        assert!(match_json(&json!([1, 2, "x"]), &json!([1, 2, "x"])).is_ok());
        assert!(match_json(&json!([1, 2]), &json!([2, 1])).is_err());
        let err = match_json(&json!([1, 2]), &json!([1, 2, 3])).unwrap_err();
        assert!(err.starts_with("at $: expected 2 items, got 3"), "{err}");
        let err = match_json(&json!({"b": [1, {"c": 2}]}), &json!({"b": [1, {"c": 3}]}));
        assert_eq!(err.unwrap_err(), "at $.b[1].c: expected 2, got 3");
    }

    #[test]
    fn media_type_drops_parameters_and_case() {
        assert_eq!(media_type("application/json"), "application/json");
        assert_eq!(media_type("text/plain; charset=utf-8"), "text/plain");
        assert_eq!(
            media_type(" Text/Event-Stream ;charset=UTF-8"),
            "text/event-stream"
        );
    }

    #[test]
    fn sse_accepts_exact_events() {
        assert_eq!(parse_sse("").unwrap(), Vec::<Value>::new());
        let body = "data: {\"i\": 0}\n\ndata: {\"i\":1}\n\ndata: \"s\"\n\n";
        assert_eq!(
            parse_sse(body).unwrap(),
            vec![json!({"i": 0}), json!({"i": 1}), json!("s")]
        );
    }

    #[test]
    fn sse_rejects_anything_else() {
        let bad = [
            "data:{\"i\":0}\n\n",       // no space after the colon
            "data:  {\"i\":0}\n\n",     // two spaces
            "data: {\"i\":0} \n\n",     // trailing space
            "data: {\"i\":0}\r\n\r\n",  // CRLF
            "data: {\"i\":0}\n",        // unterminated
            "data: {\"i\":0}",          // unterminated, no newline
            "data: {\"i\":0}\n\n\n",    // extra blank line
            ": comment\n\ndata: 1\n\n", // comment
            "event: x\ndata: 1\n\n",    // other field before
            "data: 1\nid: 3\n\n",       // other field after
            "data: 1\ndata: 2\n\n",     // two data lines
            "data: {\"i\":\n\n",        // not JSON
            "data: \n\n",               // empty data
            "data: 1\n\ngarbage",       // trailing garbage
        ];
        for body in bad {
            assert!(parse_sse(body).is_err(), "accepted {body:?}");
        }
    }

    #[test]
    fn clip_cuts_long_text_on_char_boundaries() {
        assert_eq!(clip_str("short"), "short");
        let long = "é".repeat(400);
        let cut = clip_str(&long);
        assert_eq!(cut.chars().count(), CLIP + 1);
        assert!(cut.ends_with('…'));
    }
}
