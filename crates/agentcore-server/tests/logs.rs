//! JSON logs: the contract's shape, request ids from spans, no secrets.

mod common;

use agentcore_server::log::{Format, init_with};
use agentcore_server::{App, BoxError, HttpError, RequestContext};
use common::{Captured, TestServer};
use serde_json::{Value, json};

const SESSION: &str = "log-session-0123456789abcdef0123456789";

#[tokio::test]
async fn json_lines_carry_ids_and_never_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    init_with(Format::Json, move || writer.clone()).unwrap();

    let app = App::new().entrypoint(|payload: Value, _ctx: RequestContext| async move {
        tracing::info!("handling a request");
        if payload["fail"] == true {
            let inner = std::io::Error::other("disk full");
            return Err::<Value, BoxError>(Box::new(HttpError::new(
                http::StatusCode::BAD_GATEWAY,
                format!("upstream: {inner}"),
            )));
        }
        Ok(json!({ "answer": "SECRET-RESPONSE" }))
    });
    let server = TestServer::start(app).await;
    let headers = [
        ("x-amzn-bedrock-agentcore-runtime-session-id", SESSION),
        ("x-amzn-bedrock-agentcore-runtime-request-id", "req-log-1"),
        ("authorization", "Bearer SECRET-TOKEN"),
        ("x-amz-bedrock-agentcore-identity-wat", "SECRET-WAT"),
    ];
    server
        .invoke_with(&headers, r#"{"prompt":"SECRET-PAYLOAD"}"#)
        .await;
    server
        .invoke_with(&headers, r#"{"prompt":"SECRET-PAYLOAD","fail":true}"#)
        .await;
    // Give the last lines a moment to be written by the server thread.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let lines = captured.lines();
    let timestamp = |line: &Value| line["timestamp"].as_str().unwrap().to_owned();
    for line in &lines {
        let ts = timestamp(line);
        assert_eq!(ts.len(), 24, "{ts}");
        assert!(
            ts.ends_with('Z') && &ts[10..11] == "T" && &ts[19..20] == ".",
            "{ts}"
        );
        assert!(
            line["level"].is_string() && line["message"].is_string() && line["logger"].is_string()
        );
    }
    let find = |message: &str| -> Vec<&Value> {
        lines
            .iter()
            .filter(|l| l["message"].as_str().unwrap().starts_with(message))
            .collect()
    };

    let handled = find("handling a request");
    assert_eq!(handled.len(), 2);
    for line in handled {
        assert_eq!(line["requestId"], "req-log-1");
        assert_eq!(line["sessionId"], SESSION);
        assert_eq!(line["level"], "INFO");
    }
    let completed = find("Invocation completed");
    assert_eq!(completed.len(), 2);
    assert_eq!(completed[0]["requestId"], "req-log-1");

    let failed = find("Invocation failed");
    assert_eq!(failed.len(), 1);
    let failed = failed[0];
    assert_eq!(failed["level"], "ERROR");
    // The concrete type inside the box, not `Box`.
    assert_eq!(failed["errorType"], "HttpError");
    assert_eq!(failed["errorMessage"], "upstream: disk full");
    assert_eq!(failed["stackTrace"], json!(["upstream: disk full"]));
    assert!(failed["location"].as_str().unwrap().contains(".rs:"));
    assert_eq!(failed["sessionId"], SESSION);

    let text = captured.text();
    // The contract's key order, whatever serde_json's map type is in this build.
    let keys_in_order = |line: &str, keys: &[&str]| {
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| {
                line.find(&format!("\"{k}\":"))
                    .unwrap_or_else(|| panic!("{k} missing: {line}"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
    };
    let error_line = text
        .lines()
        .find(|l| l.contains("Invocation failed"))
        .unwrap();
    assert!(error_line.starts_with("{\"timestamp\":"), "{error_line}");
    keys_in_order(
        error_line,
        &[
            "timestamp",
            "level",
            "message",
            "logger",
            "requestId",
            "sessionId",
            "errorType",
            "errorMessage",
            "stackTrace",
            "location",
        ],
    );
    for secret in [
        "SECRET-PAYLOAD",
        "SECRET-RESPONSE",
        "SECRET-TOKEN",
        "SECRET-WAT",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the logs:\n{text}"
        );
    }
}
