//! The stand-in data plane of one case: a loopback HTTP/1.1 server that checks each
//! request against `expect_request` and replays `response` (in `chunks` when given).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use futures_util::stream;
use http::{Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::super::matching::match_json;

/// What the client must send.
#[derive(Debug, Deserialize)]
pub(crate) struct ExpectRequest {
    method: String,
    path: String,
    #[serde(default)]
    query: BTreeMap<String, String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body_json: Option<Value>,
}

/// What the server answers.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CannedResponse {
    status: u16,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body_b64: String,
    chunks: Option<Vec<usize>>,
}

/// A running stand-in; dropping it stops it.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    /// One entry per request: `Ok` or why it did not match.
    pub(crate) requests: Arc<Mutex<Vec<Result<(), String>>>>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the stand-in for one case on 127.0.0.1 (a free port).
pub(crate) async fn start(
    expect: ExpectRequest,
    response: CannedResponse,
) -> Result<Server, String> {
    let body = base64::engine::general_purpose::STANDARD
        .decode(&response.body_b64)
        .map_err(|e| format!("response.body_b64 is not base64: {e}"))?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on loopback: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let requests = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::new((expect, response, Bytes::from(body), Arc::clone(&requests)));
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let shared = Arc::clone(&shared);
            let service = service_fn(move |request: Request<Incoming>| {
                let shared = Arc::clone(&shared);
                async move {
                    let (expect, canned, body, requests) = &*shared;
                    let checked = check(expect, request).await;
                    requests
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(checked);
                    Ok::<_, Infallible>(reply(canned, body.clone()))
                }
            });
            tokio::spawn(async move {
                let io = TokioIo::new(tcp);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    Ok(Server {
        addr,
        requests,
        task,
    })
}

/// The canned answer; with `chunks`, a streamed body (chunked encoding) whose pieces
/// are written one by one, a few milliseconds apart.
fn reply(canned: &CannedResponse, body: Bytes) -> Response<BoxBody<Bytes, Infallible>> {
    let body = match &canned.chunks {
        None => Full::new(body).boxed(),
        Some(sizes) => {
            let mut pieces = Vec::new();
            let mut rest = body;
            for size in sizes {
                let size = (*size).min(rest.len());
                pieces.push(rest.split_to(size));
            }
            if !rest.is_empty() {
                pieces.push(rest);
            }
            let frames = stream::unfold(pieces.into_iter(), |mut pieces| async move {
                let piece = pieces.next()?;
                tokio::time::sleep(Duration::from_millis(2)).await;
                Some((Ok::<_, Infallible>(Frame::data(piece)), pieces))
            });
            StreamBody::new(frames).boxed()
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(canned.status).unwrap_or(StatusCode::OK);
    for (name, value) in &canned.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// Checks one request; the error says what differs.
async fn check(expect: &ExpectRequest, request: Request<Incoming>) -> Result<(), String> {
    let (head, body) = request.into_parts();
    if head.method.as_str() != expect.method {
        return Err(format!(
            "method {} instead of {}",
            head.method, expect.method
        ));
    }
    if head.uri.path() != expect.path {
        return Err(format!(
            "path {:?} instead of {:?}",
            head.uri.path(),
            expect.path
        ));
    }
    let query = parse_query(head.uri.query().unwrap_or(""))?;
    if query != expect.query {
        return Err(format!("query {query:?} instead of {:?}", expect.query));
    }
    for (name, expected) in &expect.headers {
        let actual = head.headers.get(name.as_str()).map(|v| v.to_str());
        match actual {
            None => return Err(format!("header {name} missing")),
            Some(Err(_)) => return Err(format!("header {name} is not text")),
            Some(Ok(actual)) if !value_matches(expected, actual) => {
                return Err(format!("header {name}: {actual:?} instead of {expected:?}"));
            }
            Some(Ok(_)) => {}
        }
    }
    let body = body
        .collect()
        .await
        .map_err(|e| format!("reading the request body: {e}"))?
        .to_bytes();
    if let Some(expected) = &expect.body_json {
        let actual: Value = serde_json::from_slice(&body)
            .map_err(|e| format!("the request body is not JSON: {e}"))?;
        let expected = resolve_matchers(expected, &actual);
        match_json(&expected, &actual).map_err(|e| format!("request body {e}"))?;
    }
    Ok(())
}

/// `<session-id>` and `<client-token>` match any value of 33 to 256 characters.
fn value_matches(expected: &str, actual: &str) -> bool {
    match expected {
        "<session-id>" | "<client-token>" => (33..=256).contains(&actual.chars().count()),
        _ => expected == actual,
    }
}

/// `expected` with each matcher replaced by the actual value it matches.
fn resolve_matchers(expected: &Value, actual: &Value) -> Value {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) if value_matches(e, a) => actual.clone(),
        (Value::Object(e), Value::Object(a)) => {
            let resolved = e.iter().map(|(key, value)| {
                let value = match a.get(key) {
                    Some(actual) => resolve_matchers(value, actual),
                    None => value.clone(),
                };
                (key.clone(), value)
            });
            Value::Object(resolved.collect::<Map<_, _>>())
        }
        (Value::Array(e), Value::Array(a)) => {
            let resolved = e.iter().zip(a).map(|(e, a)| resolve_matchers(e, a));
            Value::Array(resolved.chain(e.iter().skip(a.len()).cloned()).collect())
        }
        _ => expected.clone(),
    }
}

/// A query string as name → value, both percent-decoded.
fn parse_query(query: &str) -> Result<BTreeMap<String, String>, String> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| format!("query part {s:?} is not UTF-8"))
    };
    let mut map = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if map.insert(decode(name)?, decode(value)?).is_some() {
            return Err(format!("query parameter {name:?} given twice"));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn matchers_and_queries() {
        let token = "t".repeat(36);
        let actual = json!({"clientToken": token, "n": 1});
        let resolved = resolve_matchers(&json!({"clientToken": "<client-token>", "n": 1}), &actual);
        assert_eq!(resolved, actual);
        let short = json!({"clientToken": "short"});
        assert_ne!(
            resolve_matchers(&json!({"clientToken": "<client-token>"}), &short),
            short
        );
        let query = parse_query("qualifier=prod%5Flive&x=").unwrap();
        assert_eq!(query["qualifier"], "prod_live");
        assert_eq!(query["x"], "");
    }
}
