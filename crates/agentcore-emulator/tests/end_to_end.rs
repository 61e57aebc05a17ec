//! End to end over real sockets: agentcore-client → agentcore-emulator → an
//! agentcore-server agent, in every auth mode.

use std::time::Duration;

use agentcore_client::contract::{RuntimeArn, SessionId};
use agentcore_client::{Auth, CommandStatus, Credentials, Presign, RuntimeClient, RuntimeSession};
use agentcore_emulator::{Emulator, RunningEmulator};
use agentcore_server::{App, BoxError, IntoInvocationResponse, RequestContext, WebSocketUpgrade};
use futures_util::StreamExt;
use serde_json::{Value, json};

const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/end-to-end";
const TOKEN: &str = "e2e-bearer-token";
const ACCESS_KEY: &str = "AKIDE2ETEST";
const SECRET_KEY: &str = "e2e/secret+key";

/// The agent: echo, streams, failures, and a WebSocket echo.
async fn agent() -> String {
    let app = App::new()
        .entrypoint(|payload: Value, ctx: RequestContext| async move {
            if let Some(n) = payload["stream"].as_u64() {
                let fail_at = payload["fail_at"].as_u64();
                let items = futures_util::stream::iter(0..n).map(move |i| match fail_at {
                    Some(k) if k == i => Err(std::io::Error::other("stream failed")),
                    _ => Ok(json!({ "i": i })),
                });
                return Ok::<_, BoxError>(items.into_invocation_response());
            }
            Ok(json!({ "echo": payload, "session": ctx.session_id }).into_invocation_response())
        })
        .websocket(
            |upgrade: WebSocketUpgrade, ctx: RequestContext| async move {
                let mut socket = upgrade.accept().await?;
                while let Some(message) = socket.recv_json::<Value>().await? {
                    if message == json!("fail") {
                        return Err::<(), BoxError>("agent failed".into());
                    }
                    socket
                        .send_json(&json!({ "echo": message, "session": ctx.session_id }))
                        .await?;
                }
                Ok(())
            },
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(app.serve(listener));
    format!("http://{addr}")
}

struct World {
    _emulator: RunningEmulator,
    client: RuntimeClient,
}

async fn world() -> World {
    let agent = agent().await;
    let emulator = Emulator::builder()
        .runtime(ARN, &agent)
        .unwrap()
        .bearer_token(TOKEN)
        .credentials(ACCESS_KEY, SECRET_KEY, None)
        .build()
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let client = RuntimeClient::builder()
        .region("us-west-2")
        .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "e2e"))
        .endpoint(emulator.url())
        .build()
        .unwrap();
    World {
        _emulator: emulator,
        client,
    }
}

fn session() -> RuntimeSession {
    RuntimeSession::new(ARN.parse::<RuntimeArn>().unwrap())
}

fn http_auths() -> [Auth; 2] {
    [Auth::SigV4, Auth::Bearer(TOKEN.to_owned())]
}

#[tokio::test]
async fn invoke_json_in_both_auth_modes() {
    let world = world().await;
    for auth in http_auths() {
        let session = session();
        let response = world
            .client
            .invoke(&session)
            .auth(auth.clone())
            .payload(json!({ "q": 1 }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.head().status(), 200);
        assert_eq!(
            response.head().session_id(),
            Some(session.session_id().as_str())
        );
        assert_eq!(
            response.json::<Value>().unwrap(),
            json!({ "echo": { "q": 1 }, "session": session.session_id().as_str() })
        );
    }
}

#[tokio::test]
async fn sse_streams_in_both_auth_modes_and_agent_errors_are_typed() {
    let world = world().await;
    for auth in http_auths() {
        let mut events = world
            .client
            .invoke_stream(&session())
            .auth(auth.clone())
            .payload(json!({ "stream": 3 }))
            .send()
            .await
            .unwrap();
        let mut data = Vec::new();
        while let Some(event) = events.next().await {
            data.push(serde_json::from_str::<Value>(&event.unwrap().data).unwrap());
        }
        assert_eq!(
            data,
            vec![json!({"i": 0}), json!({"i": 1}), json!({"i": 2})]
        );

        let mut failing = world
            .client
            .invoke_stream(&session())
            .auth(auth.clone())
            .payload(json!({ "stream": 3, "fail_at": 1 }))
            .send()
            .await
            .unwrap();
        assert!(failing.next().await.unwrap().is_ok());
        let err = failing.next().await.unwrap().unwrap_err();
        assert!(err.to_string().contains("stream failed"), "{err}");
        assert!(failing.next().await.is_none());
    }
}

#[tokio::test]
async fn websockets_in_all_three_auth_modes() {
    let world = world().await;
    let modes = [
        Auth::SigV4,
        Auth::Presigned(Presign::new(Duration::from_secs(60))),
        Auth::Bearer(TOKEN.to_owned()),
    ];
    for auth in modes {
        let session = session();
        let mut socket = world
            .client
            .connect(&session)
            .auth(auth.clone())
            .send()
            .await
            .unwrap();
        socket.send_json(&json!({ "n": 1 })).await.unwrap();
        let reply: Value = socket.recv_json().await.unwrap().unwrap();
        assert_eq!(
            reply,
            json!({ "echo": { "n": 1 }, "session": session.session_id().as_str() })
        );
        socket.close().await.unwrap();
    }
}

#[tokio::test]
async fn commands_stdout_stderr_exit_codes_and_timeouts() {
    let world = world().await;
    for auth in http_auths() {
        let session = session();
        let output = world
            .client
            .execute_command(&session, "echo out; echo err >&2; exit 4")
            .auth(auth.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            (output.stdout.as_str(), output.stderr.as_str()),
            ("out\n", "err\n")
        );
        assert_eq!(output.exit_code, 4);
        assert_eq!(output.status, CommandStatus::Completed);

        let timed_out = world
            .client
            .execute_command(&session, "sleep 5")
            .auth(auth.clone())
            .command_timeout(Duration::from_secs(1))
            .send()
            .await
            .unwrap();
        assert_eq!(timed_out.status, CommandStatus::TimedOut);
    }
}

#[tokio::test]
async fn stopping_sessions_in_both_auth_modes() {
    let world = world().await;
    for auth in http_auths() {
        let session = session();
        world
            .client
            .invoke(&session)
            .auth(auth.clone())
            .payload(json!({}))
            .send()
            .await
            .unwrap();
        world
            .client
            .stop_runtime_session(&session)
            .auth(auth.clone())
            .send()
            .await
            .unwrap();
        let again = world
            .client
            .stop_runtime_session(&session)
            .auth(auth.clone())
            .send()
            .await
            .unwrap_err();
        assert_eq!(again.status(), Some(404), "{again}");
    }
}

#[tokio::test]
async fn refused_auth_is_a_typed_error() {
    let world = world().await;
    // A wrong bearer token.
    let err = world
        .client
        .invoke(&session())
        .bearer("wrong")
        .payload(json!({}))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_service());
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.service_kind(), Some("AccessDeniedException"));

    // A bad signature: the right key id with the wrong secret.
    let forged = RuntimeClient::builder()
        .credentials_provider(Credentials::new(
            ACCESS_KEY,
            "not-the-secret",
            None,
            None,
            "e2e",
        ))
        .endpoint(world._emulator.url())
        .build()
        .unwrap();
    let err = forged
        .invoke(&session())
        .auth(Auth::SigV4)
        .payload(json!({}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.service_kind(), Some("AccessDeniedException"));

    // An expired presigned URL: signed an hour ago for 60 seconds.
    let past = std::time::SystemTime::now() - Duration::from_secs(3600);
    let stale = RuntimeClient::builder()
        .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "e2e"))
        .endpoint(world._emulator.url())
        .clock(agentcore_client::StaticTimeSource::new(past))
        .build()
        .unwrap();
    let err = stale
        .connect(&session())
        .presigned(Presign::new(Duration::from_secs(60)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert_eq!(err.service_kind(), Some("AccessDeniedException"));
    // A refused WebSocket bearer token is typed the same way.
    let err = world
        .client
        .connect(&session())
        .auth(Auth::Bearer("wrong".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");

    // A session id the client refuses before sending.
    assert!("short".parse::<SessionId>().is_err());
}
