//! A2A agents on the A2A contract (`App::a2a`), over real sockets: the card, send,
//! stream, task get and cancel, errors, limits, the task store bound, the context.

mod common;

use std::time::Duration;

use agentcore_server::a2a::{
    AgentCard, AgentSkill, Artifact, Event, Message, TaskState, continued_task,
};
use agentcore_server::{App, BoxError, RequestContext};
use common::{Reply, TestServer};
use futures_util::stream::{self, BoxStream, StreamExt};
use http::{Method, StatusCode};
use serde_json::{Value, json};

/// Opens once for each permit added: a "gate" task waits at it.
static GATE: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(0));

/// Set when a "nap" task finished its nap.
static NAPPED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn handler(message: Message, ctx: RequestContext) -> BoxStream<'static, Result<Event, BoxError>> {
    let text = message.text();
    // A booking asks for the party size, then books with the answer.
    if let Some(task) = continued_task(&ctx) {
        let asked = task.history.first().map(Message::text);
        let booked = format!(
            "booked {text} for {} (task {}, {} in history)",
            asked.unwrap_or_default(),
            message.task_id.as_deref().unwrap_or("?"),
            task.history.len()
        );
        return stream::iter([Ok(Event::Artifact(Artifact::text("booking", booked)))]).boxed();
    }
    match text.as_str() {
        "gate" => stream::iter([Ok(Event::status(TaskState::Working))])
            .chain(stream::once(async {
                GATE.acquire().await.map(|permit| permit.forget())?;
                Ok(Event::Artifact(Artifact::text("gate", "opened")))
            }))
            .boxed(),
        "book" => stream::iter([
            Ok(Event::status(TaskState::Working)),
            Ok(Event::Status {
                state: TaskState::InputRequired,
                message: Some(Message::agent_text("for how many?")),
            }),
            // Not read: the turn ended at the question.
            Ok(Event::Artifact(Artifact::text("never", "never"))),
        ])
        .boxed(),
        "whoami" => {
            let seen = format!("{:?}", ctx.session_id);
            stream::iter([Ok(Event::Message(Message::agent_text(seen)))]).boxed()
        }
        "panic now" => panic!("the handler panicked at once"),
        "panic later" => stream::iter([Ok(Event::status(TaskState::Working))])
            .chain(stream::once(async { panic!("the stream panicked") }))
            .boxed(),
        "fail" => stream::iter([
            Ok(Event::status(TaskState::Working)),
            Err::<Event, BoxError>("the model is down".into()),
        ])
        .boxed(),
        "nap" => stream::iter([Ok(Event::status(TaskState::Working))])
            .chain(stream::once(async {
                tokio::time::sleep(Duration::from_millis(600)).await;
                NAPPED.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(Event::Artifact(Artifact::text("nap", "slept")))
            }))
            .boxed(),
        "slow" => stream::iter([Ok(Event::status(TaskState::Working))])
            .chain(stream::once(async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(Event::Artifact(Artifact::text("late", "late")))
            }))
            .boxed(),
        _ => stream::iter([
            Ok(Event::status(TaskState::Working)),
            Ok(Event::Artifact(Artifact::text(
                "echo",
                format!("echo: {text}"),
            ))),
        ])
        .boxed(),
    }
}

fn app() -> App {
    let card = AgentCard::new("echo", "Echoes")
        .skill(AgentSkill::new("echo", "Echo", "Echoes the text").tag("demo"));
    App::new().a2a(card, handler)
}

fn call(method: &str, params: Value) -> String {
    json!({ "jsonrpc": "2.0", "id": 7, "method": method, "params": params }).to_string()
}

fn send_params(text: &str) -> Value {
    json!({ "message": { "messageId": "m-1", "role": "ROLE_USER", "parts": [{ "text": text }] } })
}

async fn post(
    server: &TestServer,
    headers: &[(&str, &str)],
    body: impl Into<bytes::Bytes>,
) -> Reply {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    server.request(Method::POST, "/", &all, body).await
}

async fn rpc(server: &TestServer, method: &str, params: Value) -> Value {
    let reply = post(server, &[], call(method, params)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], 7);
    body
}

#[tokio::test]
async fn the_card_names_the_skills_and_the_url() {
    let server = TestServer::start(app()).await;
    let reply = server
        .request(Method::GET, "/.well-known/agent-card.json", &[], "")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let card = reply.json();
    let url = format!("http://{}/", server.addr);
    assert_eq!(card["name"], "echo");
    assert_eq!(card["skills"][0]["id"], "echo");
    assert_eq!(card["capabilities"]["streaming"], true);
    assert_eq!(card["supportedInterfaces"][0]["url"], url);
    assert_eq!(card["supportedInterfaces"][0]["protocolBinding"], "JSONRPC");
    assert_eq!(card["supportedInterfaces"][0]["protocolVersion"], "1.0");
    assert_eq!(card["url"], url);
    // GET / is not the endpoint; /ping still answers on the A2A port.
    let get = server.request(Method::GET, "/", &[], "").await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(server.ping().await["status"], "Healthy");
}

#[tokio::test]
async fn send_message_answers_with_the_finished_task() {
    let server = TestServer::start(app()).await;
    let body = rpc(&server, "SendMessage", send_params("hi")).await;
    let task = &body["result"]["task"];
    assert_eq!(task["status"]["state"], "TASK_STATE_COMPLETED", "{body}");
    assert_eq!(task["artifacts"][0]["parts"][0]["text"], "echo: hi");
    assert_eq!(task["history"][0]["parts"][0]["text"], "hi");
    assert_eq!(task["history"][0]["taskId"], task["id"]);
    // Stored: GetTask finds it, with its history cut to historyLength.
    let id = task["id"].as_str().unwrap();
    let got = rpc(&server, "GetTask", json!({ "id": id, "historyLength": 0 })).await;
    assert_eq!(got["result"]["id"], id);
    assert_eq!(got["result"]["status"]["state"], "TASK_STATE_COMPLETED");
    assert!(got["result"].get("history").is_none());
    // A finished task cannot be cancelled.
    let cancel = rpc(&server, "CancelTask", json!({ "id": id })).await;
    assert_eq!(cancel["error"]["code"], -32002);
}

#[tokio::test]
async fn a_first_message_is_the_answer_and_sees_the_request_context() {
    let server = TestServer::start(app()).await;
    let reply = post(
        &server,
        &[("x-amzn-bedrock-agentcore-runtime-session-id", "sess-a2a-1")],
        call("SendMessage", send_params("whoami")),
    )
    .await;
    let body = reply.json();
    let message = &body["result"]["message"];
    assert_eq!(message["role"], "ROLE_AGENT");
    assert_eq!(message["parts"][0]["text"], "Some(\"sess-a2a-1\")");
    assert!(body["result"].get("task").is_none());
}

#[tokio::test]
async fn streaming_sends_the_task_its_updates_and_the_end() {
    let server = TestServer::start(app()).await;
    let reply = post(
        &server,
        &[],
        call("SendStreamingMessage", send_params("hi")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with("text/event-stream"));
    let events: Vec<Value> = reply
        .sse()
        .into_iter()
        .map(|e| e["result"].clone())
        .collect();
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[0]["task"]["status"]["state"], "TASK_STATE_SUBMITTED");
    assert_eq!(
        events[1]["statusUpdate"]["status"]["state"],
        "TASK_STATE_WORKING"
    );
    assert_eq!(
        events[2]["artifactUpdate"]["artifact"]["parts"][0]["text"],
        "echo: hi"
    );
    assert_eq!(events[2]["artifactUpdate"]["lastChunk"], true);
    assert_eq!(
        events[3]["statusUpdate"]["status"]["state"],
        "TASK_STATE_COMPLETED"
    );
    let id = &events[0]["task"]["id"];
    assert!(events[1..].iter().all(|e| {
        let update = e.get("statusUpdate").or(e.get("artifactUpdate")).unwrap();
        &update["taskId"] == id
    }));
}

fn continue_params(text: &str, task: &Value, context: Option<&Value>) -> Value {
    let mut params = send_params(text);
    params["message"]["taskId"] = task.clone();
    if let Some(context) = context {
        params["message"]["contextId"] = context.clone();
    }
    params
}

#[tokio::test]
async fn a_task_waiting_for_input_is_continued_by_a_message_naming_it() {
    let server = TestServer::start(app()).await;
    let first = rpc(&server, "SendMessage", send_params("book")).await;
    let task = &first["result"]["task"];
    assert_eq!(
        task["status"]["state"], "TASK_STATE_INPUT_REQUIRED",
        "{first}"
    );
    assert_eq!(
        task["status"]["message"]["parts"][0]["text"],
        "for how many?"
    );
    assert!(
        task.get("artifacts").is_none(),
        "the turn ended at the question: {task}"
    );
    let (id, context) = (&task["id"], &task["contextId"]);
    let got = rpc(&server, "GetTask", json!({ "id": id })).await;
    assert_eq!(
        got["result"]["status"]["state"],
        "TASK_STATE_INPUT_REQUIRED"
    );

    // The second turn, streamed: the task working again, the handler's artifact, the end.
    let second = post(
        &server,
        &[],
        call(
            "SendStreamingMessage",
            continue_params("4", id, Some(context)),
        ),
    )
    .await;
    let events: Vec<Value> = second
        .sse()
        .into_iter()
        .map(|e| e["result"].clone())
        .collect();
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0]["task"]["id"], *id);
    assert_eq!(events[0]["task"]["status"]["state"], "TASK_STATE_WORKING");
    // The history: the first message, the agent's question, the answer.
    let history = &events[0]["task"]["history"];
    assert_eq!(history[1]["parts"][0]["text"], "for how many?");
    assert_eq!(history[2]["parts"][0]["text"], "4");
    assert_eq!(history[2]["taskId"], *id);
    assert_eq!(history[2]["contextId"], *context);
    let booked = format!(
        "booked 4 for book (task {}, 3 in history)",
        id.as_str().unwrap()
    );
    assert_eq!(
        events[1]["artifactUpdate"]["artifact"]["parts"][0]["text"],
        booked
    );
    assert_eq!(
        events[2]["statusUpdate"]["status"]["state"],
        "TASK_STATE_COMPLETED"
    );

    // Finished now: naming it again is the reference's unsupported operation.
    let again = rpc(&server, "SendMessage", continue_params("5", id, None)).await;
    assert_eq!(again["error"]["code"], -32004, "{again}");
    let text = again["error"]["message"].as_str().unwrap();
    assert!(
        text.contains("terminal state: TASK_STATE_COMPLETED"),
        "{text}"
    );
    // The v0.3 name answers the same.
    let v03 = json!({ "message": { "messageId": "m", "role": "user", "kind": "message",
        "taskId": id, "parts": [{ "kind": "text", "text": "6" }] } });
    let legacy = rpc(&server, "message/send", v03).await;
    assert_eq!(legacy["error"]["code"], -32004, "{legacy}");
}

#[tokio::test]
async fn naming_an_unknown_or_running_task_or_another_context_is_an_error() {
    let server = TestServer::start(app()).await;
    let unknown = rpc(
        &server,
        "SendMessage",
        continue_params("x", &json!("nope"), None),
    )
    .await;
    assert_eq!(unknown["error"]["code"], -32001, "{unknown}");

    let first = rpc(&server, "SendMessage", send_params("book")).await;
    let id = first["result"]["task"]["id"].clone();
    let other = continue_params("2", &id, Some(&json!("another-context")));
    let elsewhere = rpc(&server, "SendMessage", other).await;
    assert_eq!(elsewhere["error"]["code"], -32602, "{elsewhere}");
    // Still waiting: a wrong context did not take its turn.
    let got = rpc(&server, "GetTask", json!({ "id": id })).await;
    assert_eq!(
        got["result"]["status"]["state"],
        "TASK_STATE_INPUT_REQUIRED"
    );

    // A task still working is not waiting for a message.
    let mut slow = open_stream(&server, call("SendStreamingMessage", send_params("slow"))).await;
    let submitted = slow.next_data().await;
    let slow_id = submitted["result"]["task"]["id"].clone();
    let busy = rpc(&server, "SendMessage", continue_params("x", &slow_id, None)).await;
    assert_eq!(busy["error"]["code"], -32004, "{busy}");
    let cancel = rpc(&server, "CancelTask", json!({ "id": slow_id })).await;
    assert_eq!(cancel["result"]["status"]["state"], "TASK_STATE_CANCELED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_to_task_follows_a_running_task_to_its_end() {
    let server = TestServer::start(app()).await;
    let mut sender = open_stream(&server, call("SendStreamingMessage", send_params("gate"))).await;
    let id = sender.next_data().await["result"]["task"]["id"].clone();
    let working = sender.next_data().await;
    assert_eq!(
        working["result"]["statusUpdate"]["status"]["state"],
        "TASK_STATE_WORKING"
    );

    // A v1.0 subscriber and a v0.3 one: the task as it stands comes first.
    let mut follower = open_stream(&server, call("SubscribeToTask", json!({ "id": id }))).await;
    let now = follower.next_data().await;
    assert_eq!(now["result"]["task"]["id"], id, "{now}");
    assert_eq!(
        now["result"]["task"]["status"]["state"],
        "TASK_STATE_WORKING"
    );
    let mut legacy = open_stream(&server, call("tasks/resubscribe", json!({ "id": id }))).await;
    let now = legacy.next_data().await;
    assert_eq!(now["result"]["kind"], "task", "{now}");
    assert_eq!(now["result"]["status"]["state"], "working");

    // MAX_SUBSCRIBERS streams may follow it: two do, six more may, one more is refused.
    let max = agentcore_server::a2a::MAX_SUBSCRIBERS;
    let mut more = Vec::new();
    for _ in 2..max {
        let mut extra = open_stream(&server, call("SubscribeToTask", json!({ "id": id }))).await;
        assert!(extra.next_data().await["result"]["task"].is_object());
        more.push(extra);
    }
    let refused = rpc(&server, "SubscribeToTask", json!({ "id": id })).await;
    assert_eq!(refused["error"]["code"], -32603, "{refused}");
    drop(more);

    // The task goes on: each subscriber sees the artifact and the end, then its stream ends.
    GATE.add_permits(1);
    let artifact = follower.next_data().await;
    assert_eq!(
        artifact["result"]["artifactUpdate"]["artifact"]["parts"][0]["text"],
        "opened"
    );
    let done = follower.next_data().await;
    assert_eq!(
        done["result"]["statusUpdate"]["status"]["state"],
        "TASK_STATE_COMPLETED"
    );
    assert!(follower.at_end().await);
    assert_eq!(
        legacy.next_data().await["result"]["kind"],
        "artifact-update"
    );
    let done = legacy.next_data().await;
    assert_eq!(
        (
            done["result"]["status"]["state"].clone(),
            done["result"]["final"].clone()
        ),
        (json!("completed"), json!(true))
    );
    assert!(legacy.at_end().await);
    // The sender's own stream ends the same way.
    assert!(sender.next_data().await["result"]["artifactUpdate"].is_object());
    assert!(sender.next_data().await["result"]["statusUpdate"].is_object());
    assert!(sender.at_end().await);

    // Finished: the reference's unsupported operation; unknown: -32001.
    let after = rpc(&server, "SubscribeToTask", json!({ "id": id })).await;
    assert_eq!(after["error"]["code"], -32004, "{after}");
    let text = after["error"]["message"].as_str().unwrap();
    assert!(
        text.contains("terminal state: TASK_STATE_COMPLETED"),
        "{text}"
    );
    let unknown = rpc(&server, "SubscribeToTask", json!({ "id": "nope" })).await;
    assert_eq!(unknown["error"]["code"], -32001);
}

#[tokio::test]
async fn subscribing_to_a_task_waiting_for_input_answers_the_task_alone() {
    let server = TestServer::start(app()).await;
    let first = rpc(&server, "SendMessage", send_params("book")).await;
    let id = first["result"]["task"]["id"].clone();
    let reply = post(&server, &[], call("SubscribeToTask", json!({ "id": id }))).await;
    assert!(reply.content_type().starts_with("text/event-stream"));
    let events = reply.sse();
    assert_eq!(events.len(), 1, "{events:?}");
    let task = &events[0]["result"]["task"];
    assert_eq!(task["status"]["state"], "TASK_STATE_INPUT_REQUIRED");
}

fn ids(listed: &Value) -> Vec<String> {
    let tasks = listed["result"]["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    tasks
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_tasks_pages_newest_first_and_filters() {
    let server = TestServer::start(app()).await;
    let mut sent = Vec::new();
    for (text, context) in [
        ("one", "ctx-a"),
        ("two", "ctx-b"),
        ("three", "ctx-a"),
        ("book", "ctx-a"),
    ] {
        let mut params = send_params(text);
        params["message"]["contextId"] = json!(context);
        let body = rpc(&server, "SendMessage", params).await;
        sent.push(body["result"]["task"]["id"].as_str().unwrap().to_owned());
        // Distinct status timestamps (milliseconds), so the order is the sending order.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let newest_first: Vec<String> = sent.iter().rev().cloned().collect();

    // Every task, newest first, without artifacts; totalSize and pageSize as the reference.
    let all = rpc(&server, "ListTasks", json!({})).await;
    assert_eq!(ids(&all), newest_first, "{all}");
    assert_eq!(all["result"]["totalSize"], 4);
    assert_eq!(all["result"]["pageSize"], 50);
    assert!(all["result"].get("nextPageToken").is_none());
    assert!(all["result"]["tasks"][1].get("artifacts").is_none());

    // Pages of two, following the token.
    let first = rpc(&server, "ListTasks", json!({ "pageSize": 2 })).await;
    assert_eq!(ids(&first), newest_first[..2]);
    let token = first["result"]["nextPageToken"].clone();
    assert!(token.is_string(), "{first}");
    let second = rpc(
        &server,
        "ListTasks",
        json!({ "pageSize": 2, "pageToken": token }),
    )
    .await;
    assert_eq!(ids(&second), newest_first[2..]);
    assert!(second["result"].get("nextPageToken").is_none(), "{second}");

    // Filters: context, state; artifacts and history on request.
    let in_a = rpc(&server, "ListTasks", json!({ "contextId": "ctx-a" })).await;
    assert_eq!(
        ids(&in_a),
        [sent[3].clone(), sent[2].clone(), sent[0].clone()]
    );
    let waiting = json!({ "status": "TASK_STATE_INPUT_REQUIRED" });
    assert_eq!(
        ids(&rpc(&server, "ListTasks", waiting).await),
        [sent[3].clone()]
    );
    let done = json!({ "contextId": "ctx-b", "status": "TASK_STATE_COMPLETED",
        "includeArtifacts": true, "historyLength": 0 });
    let done = rpc(&server, "ListTasks", done).await;
    assert_eq!(ids(&done), [sent[1].clone()]);
    let task = &done["result"]["tasks"][0];
    assert_eq!(task["artifacts"][0]["parts"][0]["text"], "echo: two");
    assert!(task.get("history").is_none());
    let later = json!({ "statusTimestampAfter": "2999-01-01T00:00:00Z" });
    let later = rpc(&server, "ListTasks", later).await;
    assert_eq!(later["result"]["totalSize"], 0);
    assert_eq!(later["result"]["tasks"], json!([]));

    // pageSize at its bounds: 1 and MAX_LIST_PAGE_SIZE are served, 0 and one past are not.
    let max = agentcore_server::a2a::MAX_LIST_PAGE_SIZE;
    assert_eq!(
        ids(&rpc(&server, "ListTasks", json!({ "pageSize": 1 })).await).len(),
        1
    );
    let at_max = rpc(&server, "ListTasks", json!({ "pageSize": max })).await;
    assert_eq!(at_max["result"]["pageSize"], max);
    for bad in [
        json!({ "pageSize": 0 }),
        json!({ "pageSize": max + 1 }),
        json!({ "pageToken": "not-a-token" }),
        json!({ "statusTimestampAfter": "yesterday" }),
        json!({ "status": "TASK_STATE_BORED" }),
    ] {
        let answer = rpc(&server, "ListTasks", bad.clone()).await;
        assert_eq!(answer["error"]["code"], -32602, "{bad}: {answer}");
    }
    // v0.3 has no listing.
    let legacy = rpc(&server, "tasks/list", json!({})).await;
    assert_eq!(legacy["error"]["code"], -32601);
}

#[tokio::test]
async fn v0_3_method_names_are_answered_in_v0_3_shapes() {
    let server = TestServer::start(app()).await;
    let v03 = json!({ "message": { "messageId": "m", "role": "user", "kind": "message",
        "parts": [{ "kind": "text", "text": "old" }] } });
    let body = rpc(&server, "message/send", v03.clone()).await;
    let task = &body["result"];
    assert_eq!(task["kind"], "task", "{body}");
    assert_eq!(task["status"]["state"], "completed");
    assert_eq!(
        task["artifacts"][0]["parts"][0],
        json!({ "kind": "text", "text": "echo: old" })
    );
    assert_eq!(task["history"][0]["role"], "user");
    assert_eq!(task["history"][0]["kind"], "message");
    let got = rpc(&server, "tasks/get", json!({ "id": task["id"] })).await;
    assert_eq!(got["result"]["kind"], "task");
    assert_eq!(got["result"]["id"], task["id"]);
    let reply = post(&server, &[], call("message/stream", v03)).await;
    let events: Vec<Value> = reply
        .sse()
        .into_iter()
        .map(|e| e["result"].clone())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["task", "status-update", "artifact-update", "status-update"]
    );
    assert_eq!(events[1]["final"], false);
    assert_eq!(events[3]["final"], true);
    assert_eq!(events[3]["status"]["state"], "completed");
    let cancel = rpc(&server, "tasks/cancel", json!({ "id": "nope" })).await;
    assert_eq!(cancel["error"]["code"], -32001);
    // A message answer, as v0.3 sends it: the message itself.
    let whoami = json!({ "message": { "messageId": "w", "role": "user", "parts": [{ "kind": "text", "text": "whoami" }] } });
    let answer = rpc(&server, "message/send", whoami).await;
    assert_eq!(answer["result"]["kind"], "message");
    assert_eq!(answer["result"]["role"], "agent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_task_is_cancelled_and_its_stream_ends() {
    let server = TestServer::start(app()).await;
    let client = open_stream(&server, call("SendStreamingMessage", send_params("slow")));
    let mut lines = client.await;
    // The task, then working: now cancel it.
    let task = lines.next_data().await;
    let id = task["result"]["task"]["id"].as_str().unwrap().to_owned();
    let working = lines.next_data().await;
    assert_eq!(
        working["result"]["statusUpdate"]["status"]["state"],
        "TASK_STATE_WORKING"
    );
    let cancel = rpc(&server, "CancelTask", json!({ "id": id })).await;
    assert_eq!(
        cancel["result"]["status"]["state"], "TASK_STATE_CANCELED",
        "{cancel}"
    );
    let last = lines.next_data().await;
    assert_eq!(
        last["result"]["statusUpdate"]["status"]["state"],
        "TASK_STATE_CANCELED"
    );
    assert!(lines.at_end().await);
    let again = rpc(&server, "CancelTask", json!({ "id": id })).await;
    assert_eq!(again["error"]["code"], -32002);
    let got = rpc(&server, "GetTask", json!({ "id": id })).await;
    assert_eq!(got["result"]["status"]["state"], "TASK_STATE_CANCELED");
}

#[tokio::test]
async fn a_failing_handler_fails_its_task() {
    let server = TestServer::start(app()).await;
    let body = rpc(&server, "SendMessage", send_params("fail")).await;
    let status = &body["result"]["task"]["status"];
    assert_eq!(status["state"], "TASK_STATE_FAILED");
    assert_eq!(status["message"]["parts"][0]["text"], "the model is down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_fails_its_task_or_its_call_and_the_server_goes_on() {
    let server = TestServer::start(app()).await;
    let body = rpc(&server, "SendMessage", send_params("panic later")).await;
    let status = &body["result"]["task"]["status"];
    assert_eq!(status["state"], "TASK_STATE_FAILED", "{body}");
    assert_eq!(status["message"]["parts"][0]["text"], "the stream panicked");
    let reply = post(
        &server,
        &[],
        call("SendStreamingMessage", send_params("panic later")),
    )
    .await;
    let events = reply.sse();
    let last = &events.last().unwrap()["result"]["statusUpdate"]["status"];
    assert_eq!(last["state"], "TASK_STATE_FAILED", "{events:?}");
    let now = rpc(&server, "SendMessage", send_params("panic now")).await;
    assert_eq!(now["error"]["code"], -32603, "{now}");
    assert_eq!(now["error"]["message"], "the agent failed");
    let after = rpc(&server, "SendMessage", send_params("still here")).await;
    assert_eq!(
        after["result"]["task"]["status"]["state"],
        "TASK_STATE_COMPLETED"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_gets_408_at_the_body_read_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let timeout = Duration::from_millis(200);
    let server = TestServer::start(app().body_read_timeout(timeout)).await;
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let body = call("SendMessage", send_params("hi"));
    let head = format!(
        "POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&body.as_bytes()[..10]).await.unwrap();
    let started = std::time::Instant::now();
    let mut answer = vec![0; 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut answer))
        .await
        .expect("an answer in time")
        .unwrap();
    assert!(started.elapsed() >= timeout);
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn unknown_tasks_and_malformed_calls_are_json_rpc_errors() {
    let server = TestServer::start(app()).await;
    let unknown = rpc(&server, "GetTask", json!({ "id": "no-such-task" })).await;
    assert_eq!(unknown["error"]["code"], -32001);
    assert_eq!(unknown["error"]["message"], "Task not found");
    let cases = [
        ("{not json", -32700, Value::Null),
        ("[]", -32600, Value::Null),
        (
            r#"{"jsonrpc":"1.0","id":1,"method":"GetTask"}"#,
            -32600,
            json!(1),
        ),
        (
            r#"{"jsonrpc":"2.0","id":true,"method":"GetTask"}"#,
            -32600,
            Value::Null,
        ),
        (r#"{"jsonrpc":"2.0","id":"a"}"#, -32600, json!("a")),
        (
            r#"{"jsonrpc":"2.0","id":2,"method":"tasks/pushNotificationConfig/set"}"#,
            -32601,
            json!(2),
        ),
        (
            r#"{"jsonrpc":"2.0","id":3,"method":"GetTask","params":{}}"#,
            -32602,
            json!(3),
        ),
        (
            r#"{"jsonrpc":"2.0","id":4,"method":"SendMessage","params":{"message":5}}"#,
            -32602,
            json!(4),
        ),
    ];
    for (body, code, id) in cases {
        let reply = post(&server, &[], body).await;
        assert_eq!(reply.status, StatusCode::OK, "{body}");
        let answer = reply.json();
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
        assert_eq!(answer["id"], id, "{body}");
    }
}

#[tokio::test]
async fn the_hosts_body_limit_applies_at_its_edge() {
    const LIMIT: usize = 1024;
    let server = TestServer::start(app().max_body_bytes(LIMIT)).await;
    let call = |len: usize| {
        let base = call("SendMessage", send_params(""));
        let pad = "x".repeat(len - base.len());
        call("SendMessage", send_params(&pad))
    };
    let at = post(&server, &[], call(LIMIT)).await;
    assert_eq!(at.status, StatusCode::OK);
    assert_eq!(
        at.json()["result"]["task"]["status"]["state"],
        "TASK_STATE_COMPLETED"
    );
    let over = post(&server, &[], call(LIMIT + 1)).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(over.headers["connection"], "close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_store_keeps_its_bound() {
    let server = TestServer::start(app().a2a_max_tasks(2)).await;
    let task_id = |body: Value| body["result"]["task"]["id"].as_str().unwrap().to_owned();
    let first = task_id(rpc(&server, "SendMessage", send_params("one")).await);
    let second = task_id(rpc(&server, "SendMessage", send_params("two")).await);
    // At the bound: a third evicts the oldest finished task, the first.
    let third = task_id(rpc(&server, "SendMessage", send_params("three")).await);
    let gone = rpc(&server, "GetTask", json!({ "id": first })).await;
    assert_eq!(gone["error"]["code"], -32001);
    for id in [&second, &third] {
        let kept = rpc(&server, "GetTask", json!({ "id": id })).await;
        assert_eq!(kept["result"]["id"], id.as_str());
    }
    // Two running tasks fill the store: a third is refused, nothing is evicted.
    let mut streams = Vec::new();
    for _ in 0..2 {
        let mut lines =
            open_stream(&server, call("SendStreamingMessage", send_params("slow"))).await;
        let task = lines.next_data().await;
        streams.push((task_id(task), lines));
    }
    let refused = rpc(&server, "SendMessage", send_params("four")).await;
    assert_eq!(refused["error"]["code"], -32603, "{refused}");
    for (id, _) in &streams {
        let running = rpc(&server, "GetTask", json!({ "id": id })).await;
        assert_eq!(running["result"]["status"]["state"], "TASK_STATE_WORKING");
    }
    // Cancelling one frees its place.
    rpc(&server, "CancelTask", json!({ "id": streams[0].0 })).await;
    let after = rpc(&server, "SendMessage", send_params("five")).await;
    assert_eq!(
        after["result"]["task"]["status"]["state"],
        "TASK_STATE_COMPLETED"
    );
}

/// The agent process of the environment test below (ignored in a normal run).
#[test]
#[ignore = "the A2A agent process of the environment test, which starts it"]
fn child_agent() {
    if common::child::child_mode().is_none() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if let Err(err) = runtime.block_on(app().run()) {
        eprintln!("Error: {err:?}");
        std::process::exit(1);
    }
    std::process::exit(0);
}

#[test]
fn a2a_port_is_read_and_port_is_not_and_sigterm_stops_it() {
    let (mut agent, http_port) = common::child::Agent::start_on_port_env("a2a", "A2A_PORT");
    let body = call("SendMessage", send_params("env"));
    let answer = common::blocking_exchange(
        ("127.0.0.1", agent.port),
        &format!(
            "POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
             connection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .unwrap();
    assert!(answer.contains("echo: env"), "{answer}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", http_port)).is_err(),
        "nothing listens on PORT"
    );
    agent.signal("TERM");
    assert_eq!(agent.wait_exit().code(), Some(0));
}

#[test]
fn a2a_listens_on_9000_or_a2a_port_never_port() {
    let app = App::new().a2a(AgentCard::new("a", "b"), handler);
    assert_eq!(
        app.bind_address().port(),
        agentcore_server::a2a::DEFAULT_PORT
    );
}

/// An SSE response read event by event, over a raw socket.
struct Lines {
    reader: tokio::io::BufReader<tokio::net::TcpStream>,
}

impl Lines {
    /// The next line, within 10 s; empty at the end of the connection.
    async fn line(&mut self) -> String {
        use tokio::io::AsyncBufReadExt;
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(10), self.reader.read_line(&mut line))
            .await
            .expect("a line in time")
            .unwrap();
        line
    }

    async fn next_data(&mut self) -> Value {
        loop {
            let line = self.line().await;
            assert!(!line.is_empty(), "the stream ended early");
            if let Some(data) = line.trim_end().strip_prefix("data: ") {
                return serde_json::from_str(data).unwrap();
            }
        }
    }

    /// Whether the chunked body ended (its terminator read) with no further event.
    async fn at_end(&mut self) -> bool {
        loop {
            let line = self.line().await;
            if line.is_empty() || line == "0\r\n" {
                return true;
            }
            if line.starts_with("data: ") {
                return false;
            }
        }
    }
}

async fn open_stream(server: &TestServer, body: String) -> Lines {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut reader = tokio::io::BufReader::new(socket);
    let mut status = String::new();
    reader.read_line(&mut status).await.unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    Lines { reader }
}

#[tokio::test]
async fn the_drain_waits_for_a_task_whose_client_went_away() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        app()
            .shutdown_timeout(Duration::from_secs(10))
            .serve_with_shutdown(listener, async {
                let _ = stopped.await;
            }),
    );
    // A streamed task: its first event read, then the client goes away.
    let body = call("SendStreamingMessage", send_params("nap"));
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\naccept: text/event-stream\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut lines = BufReader::new(socket).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("data:") {
            break;
        }
    }
    drop(lines);
    stop.send(()).unwrap();
    let served = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the drain ends")
        .unwrap();
    assert!(served.is_ok(), "{served:?}");
    assert!(
        NAPPED.load(std::sync::atomic::Ordering::SeqCst),
        "the server stopped before the task finished"
    );
}
