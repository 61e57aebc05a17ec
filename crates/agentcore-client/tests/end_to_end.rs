//! Every operation in each of its auth modes, end to end over real sockets: the client
//! against the emulator (whose SigV4 verifier was written from the specification, not
//! with aws-sigv4) in front of a real agent (the testkit's, on agentcore-server).

use std::time::{Duration, SystemTime};

use agentcore_client::{
    Auth, CommandEvent, CommandStatus, Error, Payload, Presign, RetryPolicy, RuntimeClient,
    RuntimeSession, StaticTimeSource,
};
use agentcore_testkit::{
    ARN, BEARER_TOKEN, SESSION_TOKEN, TEMP_SECRET_KEY, World, temporary_credentials,
};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// A client of the emulator whose temporary credentials carry this secret key.
fn client(world: &World, secret: &str) -> RuntimeClient {
    world
        .client_builder()
        .credentials_provider(temporary_credentials(secret))
        .build()
        .unwrap()
}

fn session() -> RuntimeSession {
    agentcore_testkit::session_with_id("client-test-session-000000000000000000001")
}

fn both_auths() -> [Auth; 2] {
    [Auth::SigV4, Auth::Bearer(BEARER_TOKEN.into())]
}

#[tokio::test]
async fn invoke_json_in_both_auth_modes() {
    let running = World::start().await;
    let client = client(&running, TEMP_SECRET_KEY);
    let session = session();
    for auth in both_auths() {
        let answer = client
            .invoke(&session)
            .auth(auth.clone())
            .user_id("user-42")
            .trace_header(
                "X-Amzn-Trace-Id",
                "Root=1-5759e988-bd862e3fe1be46a994272793",
            )
            .payload(json!({"prompt": "hi"}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{auth:?}: {e:?}"));
        assert_eq!(answer.head().status(), 200);
        assert_eq!(answer.head().content_type(), Some("application/json"));
        assert_eq!(
            answer.head().session_id(),
            Some(session.session_id().as_str())
        );
        let body: Value = answer.json().unwrap();
        assert_eq!(body["echo"], json!({"prompt": "hi"}));
        assert_eq!(body["session"], session.session_id().as_str());

        let raw = Payload::bytes(&b"[1,2]"[..], "application/json");
        let answer = client
            .invoke(&session)
            .auth(auth.clone())
            .payload(raw)
            .send()
            .await;
        let body: Value = answer.unwrap().json().unwrap();
        assert_eq!(body["echo"], json!([1, 2]));
    }
}

#[tokio::test]
async fn invoke_sse_collected_and_streamed_in_both_auth_modes() {
    let running = World::start().await;
    let client = client(&running, TEMP_SECRET_KEY);
    let session = session();
    for auth in both_auths() {
        let answer = client
            .invoke(&session)
            .auth(auth.clone())
            .payload(json!({"stream": 2}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.head().content_type(), Some("text/event-stream"));
        let data: Vec<String> = answer
            .events()
            .unwrap()
            .into_iter()
            .map(|e| e.data)
            .collect();
        assert_eq!(data, [r#"{"i":0}"#, r#"{"i":1}"#]);

        let mut stream = client
            .invoke_stream(&session)
            .auth(auth.clone())
            .payload(json!({"stream": 3}))
            .send()
            .await
            .unwrap();
        assert_eq!(stream.head().status(), 200);
        let mut data = Vec::new();
        while let Some(event) = stream.next().await {
            data.push(event.unwrap().data);
        }
        assert_eq!(data, [r#"{"i":0}"#, r#"{"i":1}"#, r#"{"i":2}"#]);

        let payload = json!({"stream": 3, "fail_at": 1});
        let mut stream = client
            .invoke_stream(&session)
            .auth(auth.clone())
            .payload(payload)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.next().await.unwrap().unwrap().data, r#"{"i":0}"#);
        let failure = stream.next().await.unwrap().unwrap_err();
        assert!(
            matches!(&failure, Error::Agent { error, .. } if error == "stream failed"),
            "{failure:?}"
        );
        assert!(stream.next().await.is_none());
    }
}

#[tokio::test]
async fn commands_in_both_auth_modes() {
    let running = World::start().await;
    let client = client(&running, TEMP_SECRET_KEY);
    let session = session();
    // A command's collected output is bounded: 4096 bytes pass, 4097 do not.
    for (bytes, fits) in [(4096, true), (4097, false)] {
        let script = format!("head -c {bytes} /dev/zero | tr '\\0' x");
        let output = client
            .execute_command(&session, script)
            .bearer(BEARER_TOKEN)
            .max_response_bytes(4096)
            .send()
            .await;
        match output {
            Ok(output) => assert!(fits && output.stdout.len() == bytes, "{bytes}"),
            Err(err) => assert!(!fits && err.is_too_large(), "{bytes}: {err:?}"),
        }
    }
    for auth in both_auths() {
        let script = "printf out; printf err >&2; exit 3";
        let output = client
            .execute_command(&session, script)
            .auth(auth.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            (output.stdout.as_str(), output.stderr.as_str()),
            ("out", "err")
        );
        assert_eq!(
            (output.exit_code, output.status),
            (3, CommandStatus::Completed)
        );

        let output = client
            .execute_command(&session, "sleep 5")
            .auth(auth.clone())
            .command_timeout(Duration::from_secs(1))
            .send()
            .await
            .unwrap();
        assert_eq!(output.status, CommandStatus::TimedOut);

        let mut events = client
            .execute_command(&session, "echo hi")
            .auth(auth.clone())
            .stream()
            .await
            .unwrap();
        let mut all = Vec::new();
        while let Some(event) = events.next().await {
            all.push(event.unwrap());
        }
        assert_eq!(all.first(), Some(&CommandEvent::Start));
        assert!(all.contains(&CommandEvent::Delta {
            stdout: Some("hi\n".into()),
            stderr: None
        }));
        let stop = CommandEvent::Stop {
            exit_code: 0,
            status: CommandStatus::Completed,
        };
        assert_eq!(all.last(), Some(&stop));
    }
}

#[tokio::test]
async fn stop_session_in_both_auth_modes() {
    let running = World::start().await;
    let client = client(&running, TEMP_SECRET_KEY);
    for auth in both_auths() {
        let generated = RuntimeSession::new(ARN.parse().unwrap());
        client
            .invoke(&generated)
            .auth(auth.clone())
            .payload(json!({}))
            .send()
            .await
            .unwrap();
        client
            .stop_runtime_session(&generated)
            .auth(auth.clone())
            .send()
            .await
            .unwrap();

        // The same token again is the same (idempotent) request.
        let given = RuntimeSession::new(ARN.parse().unwrap());
        client
            .invoke(&given)
            .auth(auth.clone())
            .payload(json!({}))
            .send()
            .await
            .unwrap();
        let token = "stop-token-0000000000000000000000000000001";
        for _ in 0..2 {
            client
                .stop_runtime_session(&given)
                .auth(auth.clone())
                .client_token(token)
                .send()
                .await
                .unwrap();
        }
        let short = client
            .stop_runtime_session(&given)
            .auth(auth.clone())
            .client_token("short")
            .send()
            .await;
        assert!(matches!(short, Err(Error::InvalidOption(_))));
    }
}

#[tokio::test]
async fn refused_auth_is_a_typed_service_error() {
    let running = World::start().await;
    let session = session();
    let wrong_token = Auth::Bearer("wrong-token".into());
    let e = client(&running, TEMP_SECRET_KEY)
        .invoke(&session)
        .auth(wrong_token.clone())
        .payload(json!({}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (e.service_kind(), e.status()),
        (Some("AccessDeniedException"), Some(403))
    );
    assert!(e.is_service());

    let bad_signature = client(&running, "not-the-secret")
        .invoke(&session)
        .auth(Auth::SigV4)
        .payload(json!({}))
        .send()
        .await
        .unwrap_err();
    assert!(bad_signature.is_service(), "{bad_signature:?}");
    assert!(matches!(bad_signature.status(), Some(401 | 403)));

    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let stale = running
        .client_builder()
        .clock(StaticTimeSource::new(an_hour_ago))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let expired = stale
        .stop_runtime_session(&session)
        .auth(Auth::SigV4)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(expired.status(), Some(401 | 403)), "{expired:?}");
}

#[tokio::test]
async fn websockets_in_all_three_auth_modes() {
    let world = World::start().await;
    let client = world.client();
    let modes = [
        Auth::SigV4,
        Auth::Presigned(Presign::new(Duration::from_secs(60))),
        Auth::Bearer(BEARER_TOKEN.to_owned()),
    ];
    for auth in modes {
        let session = agentcore_testkit::session();
        let connected = client.connect(&session).auth(auth.clone()).send().await;
        let mut socket = connected.unwrap_or_else(|e| panic!("{auth:?}: {e:?}"));
        socket.send_json(&json!({ "n": 1 })).await.unwrap();
        let reply: Value = socket.recv_json().await.unwrap().unwrap();
        assert_eq!(reply["echo"], json!({ "n": 1 }), "{auth:?}");
        assert_eq!(reply["session"], session.session_id().as_str(), "{auth:?}");
        socket.close().await.unwrap();
    }
}

#[tokio::test]
async fn refused_websockets_are_typed_service_errors() {
    let world = World::start().await;
    // An expired presigned URL: signed an hour ago for 60 seconds.
    let past = SystemTime::now() - Duration::from_secs(3600);
    let stale = world
        .client_builder()
        .clock(StaticTimeSource::new(past))
        .build()
        .unwrap();
    let err = stale
        .connect(&session())
        .presigned(Presign::new(Duration::from_secs(60)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.service_kind()),
        (Some(403), Some("AccessDeniedException")),
        "{err}"
    );
    // A refused bearer token and a forged signature are typed the same way.
    let err = world
        .client()
        .connect(&session())
        .bearer("wrong")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    let forged = client(&world, "not-the-secret");
    let err = forged.connect(&session()).send().await.unwrap_err();
    assert!(
        err.is_service() && matches!(err.status(), Some(401 | 403)),
        "{err:?}"
    );
}

#[tokio::test]
async fn refused_before_sending() {
    let client = RuntimeClient::builder()
        .endpoint("http://127.0.0.1:9")
        .build()
        .unwrap();
    let session = session();
    let presigned = Auth::Presigned(Presign::new(Duration::from_secs(60)));
    let e = client
        .invoke(&session)
        .auth(presigned.clone())
        .payload(json!({}))
        .send()
        .await;
    assert!(matches!(e, Err(Error::PresignedNotSupported)));
    let e = client
        .invoke(&session)
        .bearer("t")
        .trace_header("x-custom", "1")
        .send()
        .await;
    assert!(matches!(e, Err(Error::InvalidOption(_))));
    let e = client
        .execute_command(&session, "ls")
        .command_timeout(Duration::from_secs(3601))
        .send()
        .await;
    assert!(matches!(e, Err(Error::InvalidOption(_))));
    let bearer = Auth::Bearer("t".into());
    let e = client
        .invoke(&session)
        .auth(bearer.clone())
        .payload(json!({}))
        .send()
        .await;
    assert!(e.unwrap_err().is_transport());
}

/// Reads one raw HTTP/1.1 request head from a loopback socket and answers `200 {}`.
async fn capture_one(listener: tokio::net::TcpListener) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        socket.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    let reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
    socket.write_all(reply).await.unwrap();
    String::from_utf8(head).unwrap()
}

#[tokio::test]
async fn sigv4_request_on_the_wire() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let captured = tokio::spawn(capture_one(listener));
    let client = RuntimeClient::builder()
        .endpoint(url)
        .credentials_provider(temporary_credentials(TEMP_SECRET_KEY))
        .build()
        .unwrap();
    let session = session();
    let answer = client
        .invoke(&session)
        .auth(Auth::SigV4)
        .payload(json!({"a": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.json::<Value>().unwrap(), json!({}));
    let head = captured.await.unwrap().to_ascii_lowercase();
    let request_line = head.lines().next().unwrap();
    assert_eq!(
        request_line,
        "post /runtimes/arn%3aaws%3abedrock-agentcore%3aus-west-2%3a123456789012%3aruntime%2ftestkit-agent/invocations?qualifier=default http/1.1"
    );
    let header = |name: &str| {
        let prefix = format!("{name}: ");
        head.lines()
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
            .unwrap_or_else(|| panic!("no {name} in {head}"))
    };
    assert_eq!(
        header("x-amzn-bedrock-agentcore-runtime-session-id"),
        session.session_id().as_str()
    );
    let authorization = header("authorization");
    assert!(authorization.starts_with("aws4-hmac-sha256 credential=asiatestkit/"));
    assert!(authorization.contains("/us-west-2/bedrock-agentcore/aws4_request"));
    assert!(authorization.contains(
        "signedheaders=content-type;host;x-amz-date;x-amz-security-token;x-amzn-bedrock-agentcore-runtime-session-id,"
    ));
    assert!(!head.contains("x-amz-content-sha256"));
    assert_eq!(
        header("x-amz-security-token"),
        SESSION_TOKEN.to_ascii_lowercase()
    );
}
