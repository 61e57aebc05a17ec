//! The in-process test client: JSON, SSE, ping, WebSocket, without a socket.

use std::convert::Infallible;

use agentcore_server::testing::TestClient;
use agentcore_server::{App, BoxError, RequestContext, WebSocketUpgrade};
use futures_util::stream;
use http::StatusCode;
use serde_json::{Value, json};

fn app() -> App {
    App::new()
        .entrypoint(|payload: Value, ctx: RequestContext| async move {
            let response = match payload["stream"].as_u64() {
                Some(n) => {
                    use agentcore_server::IntoInvocationResponse;
                    stream::iter((0..n).map(|i| json!({ "i": i }))).into_invocation_response()
                }
                None => {
                    use agentcore_server::IntoInvocationResponse;
                    json!({ "echo": payload, "session": ctx.session_id }).into_invocation_response()
                }
            };
            Ok::<_, Infallible>(response)
        })
        .websocket(
            |upgrade: WebSocketUpgrade, ctx: RequestContext| async move {
                let mut socket = upgrade.accept().await?;
                while let Some(message) = socket.recv_json::<Value>().await? {
                    if message == json!("fail") {
                        return Err::<(), BoxError>("failed".into());
                    }
                    socket
                        .send_json(&json!({ "echo": message, "session": ctx.session_id }))
                        .await?;
                }
                Ok(())
            },
        )
}

#[tokio::test]
async fn json_sse_and_ping_in_process() {
    let client = TestClient::new(app());
    let response = client
        .invoke_with_session(
            &json!({ "a": 1 }),
            Some("s-0123456789abcdef0123456789abcdef"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>(),
        json!({ "echo": { "a": 1 }, "session": "s-0123456789abcdef0123456789abcdef" })
    );

    let response = client.invoke(&json!({ "stream": 3 })).await;
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(
        response.event_data::<Value>(),
        vec![json!({"i": 0}), json!({"i": 1}), json!({"i": 2})]
    );
    assert_eq!(response.events()[0].event, None);

    let ping = client.ping().await;
    assert_eq!(ping.json::<Value>()["status"], "Healthy");

    let bad = client
        .request(
            http::Request::post("/invocations")
                .body("{".into())
                .unwrap(),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<Value>()["error"], "Invalid JSON");
}

#[tokio::test]
async fn websocket_in_process() {
    let client = TestClient::new(app());
    let mut socket = client
        .websocket(&[(
            "x-amzn-bedrock-agentcore-runtime-session-id",
            "s-ws-0123456789abcdef0123456789abc",
        )])
        .await
        .unwrap();
    socket.send_json(&json!({ "n": 1 })).await.unwrap();
    assert_eq!(
        socket.recv_json::<Value>().await.unwrap(),
        json!({ "echo": { "n": 1 }, "session": "s-ws-0123456789abcdef0123456789abc" })
    );
    socket.send_json(&json!("fail")).await.unwrap();
    assert_eq!(socket.recv().await.unwrap_err(), Some(1011));

    let mut socket = client.websocket(&[]).await.unwrap();
    socket.close().await.unwrap();
    assert!(socket.recv().await.is_err());
}
