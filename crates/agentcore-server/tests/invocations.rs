//! POST /invocations over real sockets: parsing, results, errors, panics, limits.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use agentcore_server::{App, BoxError, HttpError, RequestContext, blocking};
use common::TestServer;
use futures_util::stream;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

async fn echo(payload: Value) -> Result<Value, Infallible> {
    Ok(json!({ "echo": payload }))
}

#[tokio::test]
async fn any_json_value_is_a_payload() {
    let server = TestServer::start(App::new().entrypoint(echo)).await;
    for payload in [
        json!({"a": 1}),
        json!([1, 2]),
        json!("s"),
        json!(1.5),
        json!(null),
        json!(true),
    ] {
        let reply = server.invoke(payload.to_string()).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.content_type(), "application/json");
        assert_eq!(reply.json(), json!({ "echo": payload }));
    }
}

#[tokio::test]
async fn the_body_is_read_whatever_the_content_type() {
    let server = TestServer::start(App::new().entrypoint(echo)).await;
    let reply = server
        .invoke_with(&[("content-type", "text/plain")], r#"{"x":1}"#)
        .await;
    assert_eq!(reply.json(), json!({"echo": {"x": 1}}));
    let reply = server.invoke_with(&[], "[]").await;
    assert_eq!(reply.json(), json!({"echo": []}));
}

#[tokio::test]
async fn invalid_input_gets_typed_400s() {
    let server = TestServer::start(App::new().entrypoint(echo)).await;
    let cases: [(&[u8], &str); 9] = [
        (b"{bad", "Invalid JSON"),
        (b"", "Invalid JSON"),
        (b"   ", "Invalid JSON"),
        (b"{\"a\":NaN}", "Invalid JSON"),
        (b"[Infinity]", "Invalid JSON"),
        (b"\xef\xbb\xbf{}", "Invalid JSON"),
        (br#""\ud800""#, "Invalid JSON"),
        (b"{\"a\":1} {}", "Invalid JSON"),
        (b"{\"a\":\"\xff\"}", "Invalid encoding"),
    ];
    for (body, error) in cases {
        let reply = server.invoke(body.to_vec()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(reply.content_type(), "application/json");
        let json = reply.json();
        assert_eq!(json["error"], error, "{body:?}");
        assert!(
            json["details"].as_str().is_some_and(|d| !d.is_empty()),
            "{json}"
        );
        assert_eq!(json.as_object().unwrap().len(), 2);
        assert!(
            reply
                .text()
                .starts_with(&format!("{{\"error\":\"{error}\",\"details\":")),
            "{}",
            reply.text()
        );
    }
}

#[tokio::test]
async fn deep_nesting_is_a_400_not_a_stack_overflow() {
    let server = TestServer::start(App::new().entrypoint(echo)).await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let reply = server.invoke(deep).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "Invalid JSON");
    // A nesting the parser allows still works.
    let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(server.invoke(fine).await.status, StatusCode::OK);
}

#[derive(Debug, Deserialize)]
struct Order {
    item: String,
    quantity: u32,
}

async fn order(order: Order) -> Result<Value, Infallible> {
    Ok(json!({ "item": order.item, "quantity": order.quantity }))
}

#[tokio::test]
async fn typed_payloads_and_their_path_errors() {
    let server = TestServer::start(App::new().entrypoint(order)).await;
    let reply = server.invoke(r#"{"item":"tea","quantity":2}"#).await;
    assert_eq!(reply.json(), json!({"item": "tea", "quantity": 2}));

    let reply = server.invoke(r#"{"item":"tea","quantity":"two"}"#).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let json = reply.json();
    assert_eq!(json["error"], "Invalid payload");
    let details = json["details"].as_str().unwrap();
    assert!(details.starts_with("quantity: invalid type"), "{details}");

    let reply = server.invoke(r#"{"item":"tea"}"#).await;
    assert_eq!(reply.json()["error"], "Invalid payload");
    assert!(
        reply.json()["details"]
            .as_str()
            .unwrap()
            .contains("missing field `quantity`")
    );

    let reply = server.invoke("[1]").await;
    assert_eq!(reply.json()["error"], "Invalid payload");
}

#[tokio::test]
async fn no_entrypoint_is_a_500() {
    let server = TestServer::start(App::new()).await;
    let reply = server.invoke("{}").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json(), json!({"error": "No entrypoint defined"}));
}

#[tokio::test]
async fn handler_errors_are_500_or_their_status() {
    let app = App::new().entrypoint(|payload: Value| async move {
        match payload["kind"].as_str() {
            Some("http") => {
                Err::<Value, BoxError>(HttpError::new(StatusCode::CONFLICT, "taken").into())
            }
            Some("io") => Err(std::io::Error::other("disk on fire").into()),
            _ => Err("plain message".into()),
        }
    });
    let server = TestServer::start(app).await;
    let reply = server.invoke(r#"{"kind":"http"}"#).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.json(), json!({"error": "taken"}));
    let reply = server.invoke(r#"{"kind":"io"}"#).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json(), json!({"error": "disk on fire"}));
    let reply = server.invoke("{}").await;
    assert_eq!(reply.json(), json!({"error": "plain message"}));
}

#[tokio::test]
async fn a_whole_response_passes_through() {
    let app = App::new().entrypoint(|_: Value| async {
        http::Response::builder()
            .status(StatusCode::ACCEPTED)
            .header("content-type", "text/csv")
            .header("x-custom", "1")
            .body(http_body_util::Full::new(bytes::Bytes::from_static(
                b"a,b\n",
            )))
    });
    let server = TestServer::start(app).await;
    let reply = server.invoke("{}").await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.content_type(), "text/csv");
    assert_eq!(reply.headers["x-custom"], "1");
    assert_eq!(reply.text(), "a,b\n");
}

#[tokio::test]
async fn streams_are_sse_and_a_failure_ends_with_the_error_event() {
    let app = App::new().entrypoint(|payload: Value| async move {
        let fail_at = payload["fail_at"].as_u64();
        let items = (0..4u64).map(move |i| match fail_at {
            Some(k) if k == i => Err(std::io::Error::other("stream failed")),
            _ => Ok(json!({ "i": i })),
        });
        Ok::<_, Infallible>(stream::iter(items))
    });
    let server = TestServer::start(app).await;

    let reply = server.invoke("{}").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), "text/event-stream");
    assert!(reply.headers.get("content-length").is_none());
    assert_eq!(
        reply.sse(),
        (0..4).map(|i| json!({ "i": i })).collect::<Vec<_>>()
    );

    let reply = server.invoke(r#"{"fail_at":2}"#).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.sse(),
        vec![
            json!({"i": 0}),
            json!({"i": 1}),
            json!({"error": "stream failed", "error_type": "Error", "message": "An error occurred during streaming"}),
        ]
    );
}

#[tokio::test]
async fn strings_in_streams_are_json_encoded() {
    let app = App::new()
        .entrypoint(|_: Value| async { Ok::<_, Infallible>(stream::iter(["hi", "two\nlines"])) });
    let server = TestServer::start(app).await;
    let reply = server.invoke("{}").await;
    assert_eq!(reply.text(), "data: \"hi\"\n\ndata: \"two\\nlines\"\n\n");
}

#[tokio::test]
async fn panics_are_500s_and_the_server_keeps_serving() {
    let app = App::new().entrypoint(|payload: Value| {
        // A panic while building the future...
        if payload["when"] == "build" {
            panic!("panicked while building");
        }
        async move {
            // ...and while polling it.
            if payload["when"] == "poll" {
                panic!("panicked while polling");
            }
            Ok::<_, Infallible>(json!({"ok": true}))
        }
    });
    let server = TestServer::start(app).await;
    for (when, message) in [
        ("build", "panicked while building"),
        ("poll", "panicked while polling"),
    ] {
        let reply = server.invoke(json!({ "when": when }).to_string()).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(reply.json(), json!({ "error": message }));
    }
    assert_eq!(server.invoke("{}").await.json(), json!({"ok": true}));
}

#[tokio::test]
async fn a_panicking_stream_ends_with_the_error_event() {
    let app = App::new().entrypoint(|_: Value| async {
        let items = stream::iter(0..3).map(|i| {
            assert!(i < 1, "item {i} exploded");
            json!({ "i": i })
        });
        Ok::<_, Infallible>(items)
    });
    let server = TestServer::start(app).await;
    let events = server.invoke("{}").await.sse();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0], json!({"i": 0}));
    assert_eq!(events[1]["error"], "item 1 exploded");
    assert_eq!(events[1]["error_type"], "Panic");
    assert_eq!(server.invoke("{}").await.sse().len(), 2);
}

use futures_util::StreamExt;

#[tokio::test]
async fn blocking_entrypoints_run_off_the_async_workers() {
    let app = App::new().entrypoint(blocking(|payload: Value, ctx: RequestContext| {
        std::thread::sleep(Duration::from_millis(10));
        let ambient = RequestContext::current().map(|c| c.request_id.clone());
        if payload["fail"] == true {
            return Err(HttpError::new(StatusCode::BAD_GATEWAY, "upstream"));
        }
        if payload["panic"] == true {
            panic!("blocking panic");
        }
        Ok(json!({ "argument": ctx.request_id, "ambient": ambient }))
    }));
    let server = TestServer::start(app).await;
    let reply = server
        .invoke_with(
            &[("x-amzn-bedrock-agentcore-runtime-request-id", "req-7")],
            "{}",
        )
        .await;
    assert_eq!(
        reply.json(),
        json!({"argument": "req-7", "ambient": "req-7"})
    );
    let reply = server.invoke(r#"{"fail":true}"#).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.json(), json!({"error": "upstream"}));
    let reply = server.invoke(r#"{"panic":true}"#).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json(), json!({"error": "blocking panic"}));
}

#[tokio::test]
async fn the_body_limit_holds_at_its_edge() {
    let server = TestServer::start(App::new().max_body_bytes(16).entrypoint(echo)).await;
    // 16 bytes exactly: accepted.
    let at_limit = r#"{"a":"12345678"}"#;
    assert_eq!(at_limit.len(), 16);
    assert_eq!(server.invoke(at_limit).await.status, StatusCode::OK);
    // 17 bytes: refused, declared by Content-Length.
    let over = r#"{"a":"123456789"}"#;
    let reply = server.invoke(over).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"], "Payload too large");
    assert!(reply.json()["details"].as_str().unwrap().contains("16"));
}

#[tokio::test]
async fn the_body_limit_holds_for_chunked_bodies() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start(App::new().max_body_bytes(16).entrypoint(echo)).await;
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let chunk = "x".repeat(10);
    let request = format!(
        "POST /invocations HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\na\r\n{chunk}\r\na\r\n{chunk}\r\n0\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut response = vec![0; 4096];
    let n = socket.read(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response[..n]);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
}

#[tokio::test]
async fn wrong_methods_and_unknown_paths() {
    let server = TestServer::start(App::new().entrypoint(echo)).await;
    for (method, path, allow) in [
        (Method::POST, "/ping", "GET, HEAD"),
        (Method::DELETE, "/ping", "GET, HEAD"),
        (Method::GET, "/invocations", "POST"),
        (Method::PUT, "/invocations", "POST"),
        (Method::POST, "/ws", "GET"),
    ] {
        let reply = server.request(method.clone(), path, &[], "").await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(reply.content_type(), "text/plain; charset=utf-8");
        assert_eq!(reply.text(), "Method Not Allowed");
        assert_eq!(reply.headers["allow"], allow);
    }
    for path in ["/", "/nope", "/ping/", "/invocations/x", "/PING"] {
        let reply = server.request(Method::GET, path, &[], "").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.text(), "Not Found");
    }
}

#[tokio::test]
async fn no_response_header_echoes_the_session_or_request_id() {
    let server = TestServer::start(App::new().entrypoint(echo)).await;
    let reply = server
        .invoke_with(
            &[
                (
                    "x-amzn-bedrock-agentcore-runtime-session-id",
                    "s-0123456789abcdef0123456789abcdef",
                ),
                ("x-amzn-bedrock-agentcore-runtime-request-id", "r-1"),
            ],
            "{}",
        )
        .await;
    for (name, value) in &reply.headers {
        assert!(!name.as_str().starts_with("x-amzn"), "{name}");
        assert!(
            !value.to_str().unwrap().contains("0123456789abcdef"),
            "{name}"
        );
    }
}
