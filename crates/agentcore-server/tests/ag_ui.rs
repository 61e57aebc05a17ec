//! AG-UI agents (`App::ag_ui`) over real sockets: SSE on `/invocations` and text frames
//! on `/ws`; the run's framing added once, bad input (400, close 1003), mid-run failures
//! and panics (RUN_ERROR), an oversize body (413).

mod common;

use std::time::Duration;

use agentcore_server::ag_ui::{Envelope, Event, INVALID_INPUT_CLOSE_CODE, RunAgentInput};
use agentcore_server::{App, RequestContext};
use common::TestServer;
use futures_util::{SinkExt, StreamExt, stream};
use http::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WireMessage;

type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn input(text: &str) -> Value {
    json!({
        "threadId": "thread-1",
        "runId": "run-1",
        "messages": [
            { "id": "1", "role": "user", "content": "ignored" },
            { "id": "2", "role": "assistant", "content": "ok" },
            { "id": "3", "role": "user", "content": [{ "type": "text", "text": text }] },
        ],
        "tools": [], "context": [], "state": {}, "forwardedProps": {},
        "someFieldOfANewerClient": true,
    })
}

/// What the handler does, picked by the user's text.
fn agent() -> App {
    App::new().ag_ui(|input: RunAgentInput, _ctx: RequestContext| async move {
        let text = input.last_user_text().unwrap_or_default();
        let (thread_id, run_id) = (input.thread_id.clone(), input.run_id.clone());
        let events: Vec<Result<Event, std::io::Error>> = match text.as_str() {
            "own framing" => vec![
                Ok(Event::RunStarted {
                    thread_id: thread_id.clone(),
                    run_id: run_id.clone(),
                    parent_run_id: None,
                }),
                Ok(Event::StateSnapshot {
                    snapshot: json!({ "n": 1 }),
                }),
                Ok(Event::RunFinished {
                    thread_id,
                    run_id,
                    result: Some(json!("done")),
                }),
            ],
            "fail" => vec![
                Ok(Event::text_start("m")),
                Err(std::io::Error::other("the model is down")),
                Ok(Event::text_end("m")),
            ],
            "panic" => {
                return stream::iter(vec![Ok(Event::text_start("m"))])
                    .chain(stream::once(async { panic!("lost the plot") }))
                    .boxed();
            }
            _ => vec![
                Ok(Event::text_start("m")),
                Ok(Event::text_content("m", &text[..text.len() / 2])),
                Ok(Event::text_content("m", &text[text.len() / 2..])),
                Ok(Event::text_end("m")),
            ],
        };
        stream::iter(events).boxed()
    })
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

async fn sse(server: &TestServer, body: &Value) -> Vec<Value> {
    let reply = server.invoke(body.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), "text/event-stream");
    reply.sse()
}

#[tokio::test]
async fn sse_frames_the_run() {
    let server = TestServer::start(agent()).await;
    let events = sse(&server, &input("hello")).await;
    assert_eq!(
        types(&events),
        [
            "RUN_STARTED",
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "RUN_FINISHED"
        ]
    );
    assert_eq!(
        events[0],
        json!({ "type": "RUN_STARTED", "threadId": "thread-1", "runId": "run-1" })
    );
    assert_eq!(
        events[2],
        json!({ "type": "TEXT_MESSAGE_CONTENT", "messageId": "m", "delta": "he" })
    );
    assert_eq!(
        events[5],
        json!({ "type": "RUN_FINISHED", "threadId": "thread-1", "runId": "run-1" })
    );
    assert_eq!(server.ping().await["status"], "Healthy");
}

#[tokio::test]
async fn framing_the_handler_sends_is_not_doubled() {
    let server = TestServer::start(agent()).await;
    let events = sse(&server, &input("own framing")).await;
    assert_eq!(
        types(&events),
        ["RUN_STARTED", "STATE_SNAPSHOT", "RUN_FINISHED"]
    );
    assert_eq!(events[2]["result"], "done");
}

#[tokio::test]
async fn a_failure_mid_run_is_run_error_and_the_end() {
    let server = TestServer::start(agent()).await;
    let events = sse(&server, &input("fail")).await;
    assert_eq!(
        types(&events),
        ["RUN_STARTED", "TEXT_MESSAGE_START", "RUN_ERROR"]
    );
    assert_eq!(
        events[2],
        json!({ "type": "RUN_ERROR", "message": "the model is down", "code": "INTERNAL_ERROR" })
    );
    let events = sse(&server, &input("panic")).await;
    assert_eq!(
        types(&events),
        ["RUN_STARTED", "TEXT_MESSAGE_START", "RUN_ERROR"]
    );
    assert_eq!(events[2]["message"], "lost the plot");
    // The server keeps serving.
    assert_eq!(types(&sse(&server, &input("again")).await).len(), 6);
}

#[tokio::test]
async fn input_that_is_not_a_run_agent_input_is_400() {
    let server = TestServer::start(agent()).await;
    for body in [
        json!({ "runId": "r", "messages": [] }).to_string(),
        json!({ "threadId": "t", "runId": "r", "messages": [{ "id": "1", "role": "wizard" }] })
            .to_string(),
        "not json".to_owned(),
    ] {
        let reply = server.invoke(body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
    }
    let reply = server
        .invoke(json!({ "threadId": "t", "messages": [] }).to_string())
        .await;
    assert!(reply.text().contains("runId"), "{}", reply.text());
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_one_at_it_is_served() {
    let at = input("x").to_string().len();
    let server = TestServer::start(agent().max_body_bytes(at)).await;
    assert_eq!(
        server.invoke(input("x").to_string()).await.status,
        StatusCode::OK
    );
    let reply = server.invoke(input("xy").to_string()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn connect(server: &TestServer) -> Client {
    let url = format!("ws://{}/ws", server.addr);
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The events of the text frames until the close, and the close code.
async fn frames(client: &mut Client) -> (Vec<Value>, Option<u16>) {
    let read = async {
        let (mut events, mut code) = (Vec::new(), None);
        while let Some(message) = client.next().await {
            match message {
                Ok(WireMessage::Text(text)) => {
                    let data = text
                        .strip_prefix("data: ")
                        .and_then(|t| t.strip_suffix("\n\n"));
                    events.push(serde_json::from_str(data.expect("an SSE-encoded frame")).unwrap());
                }
                Ok(WireMessage::Close(frame)) => code = frame.map(|f| u16::from(f.code)),
                _ => {}
            }
        }
        (events, code)
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the server closes")
}

#[tokio::test]
async fn websocket_sends_the_same_events_as_text_frames() {
    let server = TestServer::start(agent()).await;
    let mut client = connect(&server).await;
    client
        .send(WireMessage::text(input("hello").to_string()))
        .await
        .unwrap();
    let (events, code) = frames(&mut client).await;
    assert_eq!(types(&events), types(&sse(&server, &input("hello")).await));
    assert_eq!(code, Some(1000));

    let mut client = connect(&server).await;
    client
        .send(WireMessage::text(input("fail").to_string()))
        .await
        .unwrap();
    let (events, code) = frames(&mut client).await;
    assert_eq!(
        types(&events),
        ["RUN_STARTED", "TEXT_MESSAGE_START", "RUN_ERROR"]
    );
    assert_eq!(code, Some(1000));
}

#[tokio::test]
async fn websocket_input_that_is_not_a_run_agent_input_closes_1003() {
    let server = TestServer::start(agent()).await;
    for message in [
        WireMessage::text(json!({ "threadId": "t" }).to_string()),
        WireMessage::text("not json"),
        WireMessage::binary(input("hello").to_string().into_bytes()),
    ] {
        let mut client = connect(&server).await;
        client.send(message).await.unwrap();
        let (events, code) = frames(&mut client).await;
        assert!(events.is_empty());
        assert_eq!(code, Some(INVALID_INPUT_CLOSE_CODE));
    }
}

type Events = stream::Iter<std::vec::IntoIter<Result<Event, std::io::Error>>>;

#[tokio::test]
async fn a_handler_that_panics_before_its_stream_is_run_error_on_both_transports() {
    let app = App::new().ag_ui(
        |_: RunAgentInput, _: RequestContext| -> std::future::Ready<Events> {
            panic!("no stream for you")
        },
    );
    let server = TestServer::start(app).await;
    let events = sse(&server, &input("x")).await;
    assert_eq!(types(&events), ["RUN_STARTED", "RUN_ERROR"]);
    assert_eq!(events[1]["message"], "no stream for you");

    let mut client = connect(&server).await;
    client
        .send(WireMessage::text(input("x").to_string()))
        .await
        .unwrap();
    let (events, code) = frames(&mut client).await;
    assert_eq!(types(&events), ["RUN_STARTED", "RUN_ERROR"]);
    assert_eq!(code, Some(1000));
}

#[tokio::test]
async fn websocket_run_error_after_a_panic_mid_stream() {
    let server = TestServer::start(agent()).await;
    let mut client = connect(&server).await;
    client
        .send(WireMessage::text(input("panic").to_string()))
        .await
        .unwrap();
    let (events, code) = frames(&mut client).await;
    assert_eq!(
        types(&events),
        ["RUN_STARTED", "TEXT_MESSAGE_START", "RUN_ERROR"]
    );
    assert_eq!(events[2]["message"], "lost the plot");
    assert_eq!(code, Some(1000));
}

#[tokio::test]
async fn websocket_input_over_the_message_limit_closes_1009_and_one_at_it_is_served() {
    let at = input("x").to_string().len();
    let server = TestServer::start(agent().websocket_max_message_bytes(at)).await;
    let mut client = connect(&server).await;
    client
        .send(WireMessage::text(input("x").to_string()))
        .await
        .unwrap();
    let (events, code) = frames(&mut client).await;
    assert_eq!(events.len(), 6);
    assert_eq!(code, Some(1000));

    let mut client = connect(&server).await;
    client
        .send(WireMessage::text(input("xy").to_string()))
        .await
        .unwrap();
    let (events, code) = frames(&mut client).await;
    assert!(events.is_empty());
    assert_eq!(code, Some(1009));
}

/// A handler whose stream yields [`Envelope`]s: the base fields (`timestamp`, `rawEvent`,
/// `metadata`) reach the client on both transports, beside the event's own fields; the
/// host's framing is added around them as for plain events.
#[tokio::test]
async fn base_fields_reach_the_client_on_both_transports() {
    let app = App::new().ag_ui(|_: RunAgentInput, _: RequestContext| async {
        let mut metadata = serde_json::Map::new();
        metadata.insert("k".into(), "v".into());
        stream::iter([
            Ok::<_, std::io::Error>(Event::text_start("m").with_timestamp(1_700_000_000_000)),
            Ok(Event::text_content("m", "hi").with_raw_event(json!({"id": 7}))),
            Ok(Envelope::from(Event::text_end("m")).with_metadata(metadata)),
        ])
    });
    let server = TestServer::start(app).await;
    let expected = [
        json!({ "type": "RUN_STARTED", "threadId": "thread-1", "runId": "run-1" }),
        json!({ "type": "TEXT_MESSAGE_START", "messageId": "m", "role": "assistant", "timestamp": 1_700_000_000_000_i64 }),
        json!({ "type": "TEXT_MESSAGE_CONTENT", "messageId": "m", "delta": "hi", "rawEvent": { "id": 7 } }),
        json!({ "type": "TEXT_MESSAGE_END", "messageId": "m", "metadata": { "k": "v" } }),
        json!({ "type": "RUN_FINISHED", "threadId": "thread-1", "runId": "run-1" }),
    ];
    assert_eq!(sse(&server, &input("x")).await, expected);

    let mut client = connect(&server).await;
    client
        .send(WireMessage::text(input("x").to_string()))
        .await
        .unwrap();
    let (events, code) = frames(&mut client).await;
    assert_eq!(events, expected);
    assert_eq!(code, Some(1000));
}
