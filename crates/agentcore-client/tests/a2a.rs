//! A2A runtimes through the emulator: `client.a2a(..)` and `get_agent_card` against the
//! testkit's A2A echo agent behind `a2a_runtime`, bearer tokens and SigV4, over real
//! sockets.

use agentcore_client::{Error, RuntimeClient, a2a_text_message};
use agentcore_testkit::a2a::{A2A_ARN, A2aAgent};
use agentcore_testkit::{BEARER_TOKEN, QUALIFIER, World};
use futures_util::StreamExt;
use serde_json::Value;

const SESSION: &str = "a2a-client-session-0123456789abcdef0123";

async fn world() -> (A2aAgent, World) {
    let agent = A2aAgent::start().await;
    let url = agent.url().to_owned();
    let world = World::start_with(move |builder| {
        builder
            .a2a_runtime_with_qualifiers(A2A_ARN, &url, &[QUALIFIER])
            .expect("the A2A ARN")
    })
    .await;
    (agent, world)
}

fn arn() -> agentcore_client::contract::RuntimeArn {
    A2A_ARN.parse().expect("the A2A ARN")
}

fn a2a(client: &RuntimeClient, bearer: bool) -> agentcore_client::A2aBuilder<'_> {
    let builder = client.a2a(arn()).session_id(SESSION).qualifier(QUALIFIER);
    if bearer {
        builder.bearer(BEARER_TOKEN)
    } else {
        builder
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_stream_get_and_cancel_with_both_auths() {
    let (agent, world) = world().await;
    let client = world.client();
    for bearer in [true, false] {
        // The card, through GetAgentCard (the agent's own URL in it: no AGENTCORE_RUNTIME_URL).
        let card_call = client.get_agent_card(arn()).session_id(SESSION);
        let card_call = if bearer {
            card_call.bearer(BEARER_TOKEN)
        } else {
            card_call
        };
        let card = card_call.send().await.expect("the card");
        assert_eq!(card["name"], "echo", "{card}");
        assert_eq!(card["supportedInterfaces"][0]["protocolBinding"], "JSONRPC");

        let sent = a2a(&client, bearer)
            .send_message(&a2a_text_message("hi"))
            .await
            .expect("SendMessage");
        let task = &sent["task"];
        assert_eq!(task["status"]["state"], "TASK_STATE_COMPLETED", "{sent}");
        assert_eq!(task["artifacts"][0]["parts"][0]["text"], "echo: hi");

        let id = task["id"].as_str().unwrap();
        let got = a2a(&client, bearer).get_task(id).await.expect("GetTask");
        assert_eq!(got["id"], id);

        let refused = a2a(&client, bearer).cancel_task(id).await;
        assert!(
            matches!(refused, Err(Error::A2a { code: -32002, .. })),
            "{refused:?}"
        );
        let unknown = a2a(&client, bearer).get_task("no-such-task").await;
        assert!(
            matches!(unknown, Err(Error::A2a { code: -32001, .. })),
            "{unknown:?}"
        );

        let events: Vec<Value> = a2a(&client, bearer)
            .send_streaming_message(&a2a_text_message("stream"))
            .await
            .expect("SendStreamingMessage")
            .map(|event| event.expect("an event"))
            .collect()
            .await;
        assert_eq!(events.len(), 4, "{events:?}");
        assert_eq!(events[0]["task"]["status"]["state"], "TASK_STATE_SUBMITTED");
        assert_eq!(
            events[2]["artifactUpdate"]["artifact"]["parts"][0]["text"],
            "echo: stream"
        );
        assert_eq!(
            events[3]["statusUpdate"]["status"]["state"],
            "TASK_STATE_COMPLETED"
        );
    }
    drop(agent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_sees_the_runtime_session_and_a_running_task_is_cancelled() {
    let (_agent, world) = world().await;
    let client = world.client();
    let answer = a2a(&client, false)
        .send_message(&a2a_text_message("whoami"))
        .await
        .expect("SendMessage");
    assert_eq!(answer["message"]["parts"][0]["text"], SESSION);

    let mut events = a2a(&client, true)
        .send_streaming_message(&a2a_text_message("slow"))
        .await
        .expect("SendStreamingMessage");
    let first = events.next().await.expect("the task").expect("no error");
    let id = first["task"]["id"].as_str().unwrap().to_owned();
    let working = events.next().await.expect("working").expect("no error");
    assert_eq!(
        working["statusUpdate"]["status"]["state"],
        "TASK_STATE_WORKING"
    );
    let canceled = a2a(&client, false)
        .cancel_task(&id)
        .await
        .expect("CancelTask");
    assert_eq!(canceled["status"]["state"], "TASK_STATE_CANCELED");
    let last = events.next().await.expect("the end").expect("no error");
    assert_eq!(
        last["statusUpdate"]["status"]["state"],
        "TASK_STATE_CANCELED"
    );
    assert!(events.next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_refused_before_the_agent() {
    let (_agent, world) = world().await;
    let client = world.client();
    let refused = client
        .a2a(arn())
        .bearer("not-the-token")
        .send_message(&a2a_text_message("hi"))
        .await;
    assert!(
        refused.is_err() && !matches!(refused, Err(Error::A2a { .. })),
        "{refused:?}"
    );
}
