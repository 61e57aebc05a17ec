//! Real WebSocket round trips: the client, a small stand-in for the data plane's front
//! door, and the agent host of `agentcore-server` serving `/ws`, all on `127.0.0.1:0`.
//!
//! The front door does what the service does before the agent sees a request: it checks
//! nothing itself but records the handshake (the tests verify its SigV4 signature from
//! the wire with `aws-sigv4`), moves a presigned URL's session id into the session-id
//! header, and forwards `/runtimes/{arn}/ws` to the agent's `/ws`.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentcore_client::{
    Auth, Credentials, Error, Presign, RuntimeClient, RuntimeSession, StaticTimeSource,
};
use agentcore_server::ws::{WebSocketError, WebSocketUpgrade};
use agentcore_server::{App, RequestContext};
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt, copy_bidirectional};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-runtime-abc";
const SESSION_PARAM: &str = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id";

/// One handshake as the front door received it.
#[derive(Debug)]
struct Seen {
    target: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }

    fn query(&self) -> Vec<(&str, String)> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        let pairs = query.split('&').filter(|p| !p.is_empty()).map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                name,
                percent_decode_str(value).decode_utf8_lossy().into_owned(),
            )
        });
        pairs.collect()
    }
}

/// The agent: echoes each JSON message with what its request context says.
async fn start_agent(with_websocket: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut app = App::new();
    if with_websocket {
        app = app.websocket(
            |upgrade: WebSocketUpgrade, ctx: RequestContext| async move {
                let mut socket = upgrade.accept().await?;
                let headers = ctx.request_headers.clone().unwrap_or_default();
                while let Some(message) = socket.recv_json::<Value>().await? {
                    let reply = json!({
                        "echo": message,
                        "session_id": ctx.session_id,
                        "authorization": headers.get("Authorization"),
                    });
                    socket.send_json(&reply).await?;
                }
                Ok::<_, WebSocketError>(())
            },
        );
    }
    tokio::spawn(app.serve(listener));
    addr
}

/// The front door in front of `agent`; each handshake it forwards is sent on the channel.
async fn start_front_door(agent: SocketAddr) -> (SocketAddr, mpsc::UnboundedReceiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen_tx, seen_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen_tx = seen_tx.clone();
            tokio::spawn(async move {
                let (seen, rest) = read_handshake(&mut client).await;
                let mut head = String::from("GET /ws HTTP/1.1\r\n");
                for (name, value) in &seen.headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                let presigned = seen.query().into_iter().find(|(n, _)| *n == SESSION_PARAM);
                if let (None, Some((_, id))) = (seen.header(SESSION_PARAM), presigned) {
                    head.push_str(&format!("{SESSION_PARAM}: {id}\r\n"));
                }
                head.push_str("\r\n");
                seen_tx.send(seen).unwrap();
                let mut agent = TcpStream::connect(agent).await.unwrap();
                agent.write_all(head.as_bytes()).await.unwrap();
                agent.write_all(&rest).await.unwrap();
                let _ = copy_bidirectional(&mut client, &mut agent).await;
            });
        }
    });
    (addr, seen_rx)
}

/// Reads the request head; returns it parsed and any bytes after it.
async fn read_handshake(stream: &mut TcpStream) -> (Seen, Vec<u8>) {
    let mut buffer = Vec::new();
    let end = loop {
        let mut chunk = [0; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the client closed during the handshake");
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
    };
    let head = String::from_utf8(buffer[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap();
    let target = request_line.split(' ').nth(1).unwrap().to_owned();
    let headers = lines
        .map(|line| line.split_once(": ").unwrap())
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    (Seen { target, headers }, buffer[end + 4..].to_vec())
}

fn credentials() -> Credentials {
    Credentials::new(
        "ASIAEXAMPLE",
        "secret/key+1",
        Some("token/+=".into()),
        None,
        "test",
    )
}

fn signing_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_264_496)
}

fn client(front_door: SocketAddr) -> RuntimeClient {
    RuntimeClient::builder()
        .region("us-west-2")
        .credentials_provider(credentials())
        .endpoint(format!("ws://{front_door}"))
        .clock(StaticTimeSource::new(signing_time()))
        .build()
        .unwrap()
}

/// Signs what the front door received, independently of the client, with aws-sigv4's
/// defaults; returns the `Authorization` header or the `X-Amz-Signature` it expects.
fn expected_signature(seen: &Seen, presigned: bool) -> String {
    let host = seen.header("host").unwrap();
    let path = seen.target.split('?').next().unwrap();
    let query: Vec<&str> = seen
        .target
        .split_once('?')
        .map_or("", |(_, q)| q)
        .split('&')
        .collect();
    let kept: Vec<&str> = query
        .iter()
        .copied()
        .filter(|p| !p.is_empty())
        .filter(|p| !(presigned && p.starts_with("X-Amz-")))
        .collect();
    let url = format!("http://{host}{path}?{}", kept.join("&"));
    let identity = credentials().into();
    let mut settings = SigningSettings::default();
    if presigned {
        let expires = seen
            .query()
            .into_iter()
            .find(|(n, _)| *n == "X-Amz-Expires")
            .unwrap()
            .1;
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(expires.parse().unwrap()));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-west-2")
        .name("bedrock-agentcore")
        .time(signing_time())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let request = SignableRequest::new("GET", url, std::iter::empty(), SignableBody::Bytes(&[]));
    let (instructions, signature) = sign(request.unwrap(), &params).unwrap().into_parts();
    if presigned {
        signature
    } else {
        let mut headers = instructions.headers();
        headers
            .find(|(n, _)| *n == "authorization")
            .unwrap()
            .1
            .to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_with_each_auth_mode() {
    let agent = start_agent(true).await;
    let (front_door, mut seen) = start_front_door(agent).await;
    let client = client(front_door);
    let session = RuntimeSession::new(ARN.parse().unwrap()).with_qualifier("DEFAULT");
    let session_id = session.session_id().as_str().to_owned();

    let modes = [
        Auth::SigV4,
        Auth::Presigned(Presign::new(Duration::from_secs(300)).param("lang", "en gb")),
        Auth::Bearer("eyJhbGciOiJSUzI1NiJ9.e30.sig".into()),
    ];
    for auth in modes {
        let mut ws = client
            .connect(&session)
            .auth(auth.clone())
            .send()
            .await
            .unwrap();
        ws.send_json(&json!({"n": 1})).await.unwrap();
        let reply: Value = ws.recv_json().await.unwrap().unwrap();
        assert_eq!(reply["echo"], json!({"n": 1}), "{auth:?}");
        assert_eq!(reply["session_id"], session_id.as_str(), "{auth:?}");
        ws.close().await.unwrap();
        assert!(ws.recv_json::<Value>().await.unwrap().is_none());

        let seen = seen.recv().await.unwrap();
        let path = format!(
            "/runtimes/{}/ws",
            ARN.replace(':', "%3A").replace('/', "%2F")
        );
        assert!(
            seen.target
                .starts_with(&format!("{path}?qualifier=DEFAULT")),
            "{seen:?}"
        );
        assert_eq!(seen.header("host"), Some(front_door.to_string().as_str()));
        assert_eq!(seen.header("upgrade"), Some("websocket"));
        assert!(
            seen.header("user-agent")
                .unwrap()
                .starts_with("agentcore-client/")
        );
        match auth {
            Auth::SigV4 => {
                let authorization = seen.header("authorization").unwrap();
                assert_eq!(authorization, expected_signature(&seen, false));
                assert_eq!(reply["authorization"], authorization);
                assert_eq!(seen.header("x-amz-date"), Some("20261121T123456Z"));
                assert_eq!(seen.header("x-amz-security-token"), Some("token/+="));
                assert_eq!(seen.header(SESSION_PARAM), Some(session_id.as_str()));
            }
            Auth::Presigned(_) => {
                assert_eq!(seen.header("authorization"), None);
                assert_eq!(seen.header(SESSION_PARAM), None);
                let query = seen.query();
                let value = |name: &str| query.iter().find(|(n, _)| *n == name).unwrap().1.clone();
                assert_eq!(value("lang"), "en gb");
                assert_eq!(value(SESSION_PARAM), session_id);
                assert_eq!(value("X-Amz-Security-Token"), "token/+=");
                assert_eq!(value("X-Amz-Signature"), expected_signature(&seen, true));
            }
            Auth::Bearer(_) => {
                let bearer = "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig";
                assert_eq!(seen.header("authorization"), Some(bearer));
                assert_eq!(reply["authorization"], bearer);
                assert_eq!(seen.header(SESSION_PARAM), Some(session_id.as_str()));
            }
            _ => unreachable!(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_upgrade_is_a_service_error() {
    let agent = start_agent(false).await;
    let (front_door, _seen) = start_front_door(agent).await;
    let session = RuntimeSession::new(ARN.parse().unwrap());
    let result = client(front_door)
        .connect(&session)
        .auth(Auth::SigV4)
        .send()
        .await;
    match result {
        Err(err @ Error::Service { .. }) => assert_eq!(err.status(), Some(403)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn wss_endpoints_speak_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut first = [0u8; 1];
        stream.read_exact(&mut first).await.unwrap();
        first[0]
    });
    let client = RuntimeClient::builder()
        .endpoint(format!("wss://{addr}"))
        .build()
        .unwrap();
    let session = RuntimeSession::new(ARN.parse().unwrap());
    let result = client
        .connect(&session)
        .auth(Auth::Bearer("t".into()))
        .send()
        .await;
    // 0x16: a TLS handshake record (the ClientHello); the server then hangs up.
    assert_eq!(server.await.unwrap(), 0x16);
    assert!(matches!(result, Err(Error::WebSocket(_))));
}
