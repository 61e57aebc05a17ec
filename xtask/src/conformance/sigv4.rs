//! The `sigv4` suite: the client's signed URLs and headers (`sigv4-vectors.json`).
//!
//! Each vector builds an `agentcore-client` client from the vector's region, credentials
//! and fixed signing time (no network, no environment), calls the operation and compares:
//! URLs byte for byte; header sets by name (case-insensitive) and value (exact), with
//! exactly the expected names, except that `Sec-WebSocket-Key` (random, but required) and
//! `User-Agent` (the client's own) are not compared.

use std::time::{Duration, SystemTime};

use agentcore_client::contract::{RuntimeArn, SessionId};
use agentcore_client::{
    Credentials, RuntimeClient, RuntimeSession, StaticTimeSource, WebSocketRequest,
};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{CaseResult, Outcome, case_name};

/// Headers whose value is not compared (`Sec-WebSocket-Key` must still be present).
pub(crate) const NOT_COMPARED: &[&str] = &["sec-websocket-key", "user-agent"];

/// One vector, as the README describes it.
#[derive(Debug, Deserialize)]
pub(crate) struct Vector {
    name: Option<String>,
    kind: String,
    time: Option<String>,
    region: String,
    credentials: Option<VectorCredentials>,
    runtime_arn: String,
    session_id: String,
    qualifier: Option<String>,
    query_params: Option<Map<String, Value>>,
    expires: Option<u64>,
    bearer_token: Option<String>,
    expected: Expected,
}

/// A vector's credentials.
#[derive(Debug, Deserialize)]
pub(crate) struct VectorCredentials {
    access_key: String,
    secret_key: String,
    session_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Expected {
    url: String,
    headers: Option<Map<String, Value>>,
}

/// Runs every vector.
pub(crate) fn run(vectors: Vec<Vector>) -> Vec<CaseResult> {
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail_all(vectors, &format!("cannot start a tokio runtime: {e}")),
    };
    let results = vectors.into_iter().enumerate().map(|(index, vector)| {
        let outcome = match runtime.block_on(check(&vector)) {
            Ok(()) => Outcome::Pass,
            Err(reason) => Outcome::Fail(reason),
        };
        CaseResult {
            name: case_name(vector.name.as_deref(), Some(&vector.kind), index),
            outcome,
        }
    });
    results.collect()
}

fn fail_all(vectors: Vec<Vector>, reason: &str) -> Vec<CaseResult> {
    let results = vectors
        .into_iter()
        .enumerate()
        .map(|(index, vector)| CaseResult {
            name: case_name(vector.name.as_deref(), Some(&vector.kind), index),
            outcome: Outcome::Fail(reason.to_owned()),
        });
    results.collect()
}

async fn check(vector: &Vector) -> Result<(), String> {
    let client = client(vector)?;
    let arn: RuntimeArn = vector.runtime_arn.parse().map_err(|e| format!("{e}"))?;
    let session_id: SessionId = vector.session_id.parse().map_err(|e| format!("{e}"))?;
    let mut session = RuntimeSession::new(arn).with_session_id(session_id);
    if let Some(qualifier) = &vector.qualifier {
        session = session.with_qualifier(qualifier);
    }
    match vector.kind.as_str() {
        "ws_sigv4_headers" => {
            let request = client.sigv4_headers(&session).await.map_err(describe)?;
            compare_request(&vector.expected, &request)
        }
        "ws_oauth_headers" => {
            let token = vector.bearer_token.as_deref().ok_or("no bearer_token")?;
            let request = client.oauth_headers(&session, token).map_err(describe)?;
            compare_request(&vector.expected, &request)
        }
        "presigned_url" => {
            let expires = vector.expires.ok_or("no expires")?;
            let mut request = client
                .presigned_url(&session)
                .expires(Duration::from_secs(expires));
            for (name, value) in vector.query_params.iter().flatten() {
                let value = value.as_str().ok_or("a query parameter is not a string")?;
                request = request.param(name, value);
            }
            let url = request.send().await.map_err(describe)?;
            compare_url(&vector.expected.url, url.as_str())
        }
        kind => Err(format!("unknown kind {kind:?}")),
    }
}

/// A client with the vector's region, credentials and fixed time.
fn client(vector: &Vector) -> Result<RuntimeClient, String> {
    vector_client(
        &vector.region,
        vector.time.as_deref(),
        vector.credentials.as_ref(),
    )
}

/// A client in `region`, signing at `time` with `credentials`.
pub(crate) fn vector_client(
    region: &str,
    time: Option<&str>,
    credentials: Option<&VectorCredentials>,
) -> Result<RuntimeClient, String> {
    let mut builder = RuntimeClient::builder().region(region);
    if let Some(time) = time {
        builder = builder.clock(StaticTimeSource::new(parse_time(time)?));
    }
    if let Some(c) = credentials {
        let token = c.session_token.clone();
        let credentials = Credentials::new(&c.access_key, &c.secret_key, token, None, "vector");
        builder = builder.credentials_provider(credentials);
    }
    builder.build().map_err(describe)
}

fn parse_time(time: &str) -> Result<SystemTime, String> {
    let parsed = DateTime::from_str(time, Format::DateTime)
        .map_err(|e| format!("bad time {time:?}: {e}"))?;
    SystemTime::try_from(parsed).map_err(|e| format!("bad time {time:?}: {e}"))
}

fn compare_request(expected: &Expected, request: &WebSocketRequest) -> Result<(), String> {
    compare_url(&expected.url, request.url())?;
    let headers = expected
        .headers
        .as_ref()
        .ok_or("the vector has no headers")?;
    compare_headers(headers, request.headers(), NOT_COMPARED)
}

pub(crate) fn compare_url(expected: &str, actual: &str) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!("url: expected {expected:?}, got {actual:?}"))
    }
}

/// The expected headers are present with exactly their values, and no other header is
/// but those in `not_compared`.
pub(crate) fn compare_headers(
    expected: &Map<String, Value>,
    actual: &HeaderMap,
    not_compared: &[&str],
) -> Result<(), String> {
    let compared = |name: &str| !not_compared.iter().any(|n| n.eq_ignore_ascii_case(name));
    for (name, value) in expected.iter().filter(|(name, _)| compared(name)) {
        let value = value
            .as_str()
            .ok_or("an expected header value is not a string")?;
        // The vectors' credentials are examples: show the values even when the client
        // marks them sensitive.
        let values: Vec<&str> = actual
            .get_all(name.as_str())
            .iter()
            .map(|v| v.to_str().unwrap_or("<not visible ASCII>"))
            .collect();
        match values.as_slice() {
            [] => return Err(format!("header {name}: missing")),
            [one] if *one == value => {}
            _ => return Err(format!("header {name}: expected {value:?}, got {values:?}")),
        }
    }
    if !actual.contains_key("sec-websocket-key") {
        return Err("header Sec-WebSocket-Key: missing".into());
    }
    let unexpected = actual.keys().find(|name| {
        compared(name.as_str())
            && !expected
                .keys()
                .any(|e| e.eq_ignore_ascii_case(name.as_str()))
    });
    match unexpected {
        Some(name) => Err(format!("header {name}: not expected")),
        None => Ok(()),
    }
}

/// An error and its sources on one line.
pub(crate) fn describe(error: agentcore_client::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(e) = source {
        text.push_str(&format!(": {e}"));
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> Map<String, Value> {
        let pairs = pairs.iter().map(|(k, v)| (k.to_string(), Value::from(*v)));
        pairs.collect()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, http::HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn header_sets() {
        let expected = map(&[
            ("Host", "h"),
            ("User-Agent", "theirs"),
            ("Upgrade", "websocket"),
        ]);
        let ok = headers(&[
            ("host", "h"),
            ("upgrade", "websocket"),
            ("sec-websocket-key", "k"),
        ]);
        assert_eq!(compare_headers(&expected, &ok, NOT_COMPARED), Ok(()));
        let with_ua = headers(&[
            ("host", "h"),
            ("upgrade", "websocket"),
            ("sec-websocket-key", "k"),
            ("user-agent", "ours"),
        ]);
        assert_eq!(compare_headers(&expected, &with_ua, NOT_COMPARED), Ok(()));

        let no_key = headers(&[("host", "h"), ("upgrade", "websocket")]);
        assert!(
            compare_headers(&expected, &no_key, NOT_COMPARED)
                .unwrap_err()
                .contains("Sec-WebSocket-Key")
        );
        let wrong = headers(&[
            ("host", "H"),
            ("upgrade", "websocket"),
            ("sec-websocket-key", "k"),
        ]);
        assert!(
            compare_headers(&expected, &wrong, NOT_COMPARED)
                .unwrap_err()
                .contains("header Host")
        );
        let extra = headers(&[
            ("host", "h"),
            ("upgrade", "websocket"),
            ("sec-websocket-key", "k"),
            ("x-extra", "1"),
        ]);
        assert!(
            compare_headers(&expected, &extra, NOT_COMPARED)
                .unwrap_err()
                .contains("x-extra")
        );
        let missing = headers(&[("host", "h"), ("sec-websocket-key", "k")]);
        assert!(
            compare_headers(&expected, &missing, NOT_COMPARED)
                .unwrap_err()
                .contains("Upgrade")
        );
    }

    #[test]
    fn times() {
        let t = parse_time("2026-11-21T12:34:56Z").unwrap();
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs, 1_795_264_496);
        assert!(parse_time("yesterday").is_err());
    }
}
