//! AgentCore Identity through the client, over real sockets: against a scripted service
//! (retries, limits, polling, caching, STS) and end to end against the emulator.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcore_client::contract::identity::{Oauth2Flow, WorkloadContext};
use agentcore_client::identity::{
    CachePolicy, Identity, Oauth2Outcome, PollPolicy, SigningAlgorithm,
};
use agentcore_client::{Credentials, Error, RetryPolicy, RuntimeClient};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

/// One request the scripted service received.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: http::HeaderMap,
    body: String,
}

/// A service answering from a script, each answer `(status, error type, body)`, the
/// last one repeated; it records every request.
#[derive(Clone)]
struct Scripted {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    async fn start(script: Vec<(u16, Option<&'static str>, String)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let recorded = Arc::clone(&seen);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (seen, script) = (Arc::clone(&recorded), Arc::clone(&script));
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let (seen, script) = (Arc::clone(&seen), Arc::clone(&script));
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        seen.lock().unwrap().push(Seen {
                            path: parts.uri.path().to_owned(),
                            headers: parts.headers,
                            body: String::from_utf8_lossy(&body).into_owned(),
                        });
                        let mut script = script.lock().unwrap();
                        let (status, kind, body) = if script.len() > 1 {
                            script.pop_front().unwrap()
                        } else {
                            script.front().cloned().unwrap()
                        };
                        let mut response = Response::builder().status(status);
                        if let Some(kind) = kind {
                            response = response.header("x-amzn-errortype", kind);
                        }
                        Ok::<_, Infallible>(response.body(Full::new(Bytes::from(body))).unwrap())
                    }
                });
                tokio::spawn(async move {
                    let builder =
                        hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn client(&self) -> RuntimeClient {
        RuntimeClient::builder()
            .region("us-west-2")
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .endpoint(&self.url)
            .retry(RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
            })
            .build()
            .unwrap()
    }
}

fn ok(body: &str) -> (u16, Option<&'static str>, String) {
    (200, None, body.to_owned())
}

/// A request context holding a workload access token.
struct Ctx(&'static str);

impl WorkloadContext for Ctx {
    fn workload_access_token(&self) -> Option<&str> {
        Some(self.0)
    }
}

#[tokio::test]
async fn calls_are_signed_posts_of_json_to_the_model_paths() {
    let service = Scripted::start(vec![ok(r#"{"workloadAccessToken":"wat-1"}"#)]).await;
    let answer = service
        .client()
        .get_workload_access_token_for_user_id("my-agent", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.workload_access_token, "wat-1");
    let seen = service.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/identities/GetWorkloadAccessTokenForUserId");
    assert_eq!(
        seen[0].body,
        r#"{"workloadName":"my-agent","userId":"alice"}"#
    );
    assert_eq!(seen[0].headers["content-type"], "application/json");
    let auth = seen[0].headers["authorization"].to_str().unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/"),
        "{auth}"
    );
    assert!(
        auth.contains("/us-west-2/bedrock-agentcore/aws4_request"),
        "{auth}"
    );
    assert!(
        auth.contains("SignedHeaders=content-type;host;x-amz-date"),
        "{auth}"
    );
}

#[tokio::test]
async fn throttling_is_retried_and_the_service_errors_are_typed() {
    let throttled = (
        429,
        Some("ThrottlingException"),
        r#"{"message":"Rate exceeded"}"#.to_owned(),
    );
    let service = Scripted::start(vec![
        throttled.clone(),
        throttled,
        ok(r#"{"apiKey":"sk-1"}"#),
    ])
    .await;
    let key = service
        .client()
        .get_resource_api_key("wat", "openai")
        .send()
        .await
        .unwrap();
    assert_eq!(key.api_key, "sk-1");
    assert_eq!(service.seen().len(), 3);

    let denied = (
        403,
        Some("AccessDeniedException"),
        r#"{"message":"bad token"}"#.to_owned(),
    );
    let service = Scripted::start(vec![denied]).await;
    let err = service
        .client()
        .get_resource_api_key("wat", "openai")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.service_kind(), Some("AccessDeniedException"));
    assert_eq!(err.status(), Some(403));
    // Not retried: a refusal is final.
    assert_eq!(service.seen().len(), 1);
}

#[tokio::test]
async fn bad_fields_and_a_missing_region_are_refused_before_sending() {
    let service = Scripted::start(vec![ok("{}")]).await;
    let client = service.client();
    let err = client
        .get_workload_access_token("ab")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidField(f) if f.field == "workloadName"),
        "{err}"
    );
    let err = client
        .get_resource_oauth2_token("wat", "bad provider", Oauth2Flow::M2m)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidField(f) if f.field == "resourceCredentialProviderName"));
    let regionless = RuntimeClient::builder()
        .endpoint(&service.url)
        .build()
        .unwrap();
    let err = regionless
        .get_workload_access_token("abc")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoRegion));
    assert!(service.seen().is_empty());
}

#[tokio::test]
async fn an_answer_over_the_limit_is_a_typed_error() {
    let huge = format!(
        r#"{{"apiKey":"{}"}}"#,
        "k".repeat(agentcore_client::identity::MAX_IDENTITY_RESPONSE_BYTES)
    );
    let service = Scripted::start(vec![ok(&huge)]).await;
    let err = service
        .client()
        .get_resource_api_key("wat", "openai")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_too_large(), "{err}");
    let at_limit = format!(
        r#"{{"apiKey":"{}"}}"#,
        "k".repeat(agentcore_client::identity::MAX_IDENTITY_RESPONSE_BYTES - 13)
    );
    let service = Scripted::start(vec![ok(&at_limit)]).await;
    assert!(
        service
            .client()
            .get_resource_api_key("wat", "openai")
            .send()
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_second_call_is_served_from_the_cache_per_token_and_scopes() {
    let service = Scripted::start(vec![ok(r#"{"accessToken":"tok"}"#)]).await;
    let identity = Identity::new(service.client());
    for scopes in [["b", "a"], ["a", "b"]] {
        let token = identity
            .oauth2_token(&Ctx("wat-alice"), "github", Oauth2Flow::M2m)
            .scopes(scopes)
            .send()
            .await
            .unwrap();
        assert_eq!(token.expose(), "tok");
    }
    assert_eq!(
        service.seen().len(),
        1,
        "the same scopes in another order hit the cache"
    );
    // Another user's token, other scopes, another flow, a forced consent: asked again.
    identity
        .oauth2_token(&Ctx("wat-bob"), "github", Oauth2Flow::M2m)
        .scopes(["a", "b"])
        .send()
        .await
        .unwrap();
    identity
        .oauth2_token(&Ctx("wat-alice"), "github", Oauth2Flow::M2m)
        .scope("c")
        .send()
        .await
        .unwrap();
    identity
        .oauth2_token(
            &Ctx("wat-alice"),
            "github",
            Oauth2Flow::OnBehalfOfTokenExchange,
        )
        .scopes(["a", "b"])
        .send()
        .await
        .unwrap();
    identity
        .oauth2_token(&Ctx("wat-alice"), "github", Oauth2Flow::M2m)
        .scopes(["a", "b"])
        .force_authentication()
        .send()
        .await
        .unwrap();
    assert_eq!(service.seen().len(), 5);
    // API keys likewise, and a cache that is off asks every time.
    let service = Scripted::start(vec![ok(r#"{"apiKey":"sk"}"#)]).await;
    let identity = Identity::new(service.client());
    identity.api_key(&Ctx("wat"), "openai").await.unwrap();
    identity.api_key(&Ctx("wat"), "openai").await.unwrap();
    assert_eq!(service.seen().len(), 1);
    let uncached = Identity::builder(service.client())
        .cache_policy(CachePolicy::disabled())
        .build();
    uncached.api_key(&Ctx("wat"), "openai").await.unwrap();
    uncached.api_key(&Ctx("wat"), "openai").await.unwrap();
    assert_eq!(service.seen().len(), 3);
}

const PENDING: &str = r#"{"authorizationUrl":"https://idp.example/authorize?s=1","sessionUri":"urn:ietf:params:oauth:request_uri:s1","sessionStatus":"IN_PROGRESS"}"#;

fn fast_polls() -> PollPolicy {
    PollPolicy::default()
        .interval(Duration::from_millis(20))
        .timeout(Duration::from_millis(200))
}

#[tokio::test]
async fn user_federation_polls_with_the_session_until_the_token_comes() {
    let service = Scripted::start(vec![
        ok(PENDING),
        ok(PENDING),
        ok(r#"{"accessToken":"user-tok"}"#),
    ])
    .await;
    let identity = Identity::builder(service.client())
        .poll_policy(fast_polls())
        .build();
    let urls = Arc::new(Mutex::new(Vec::new()));
    let handed = Arc::clone(&urls);
    let token = identity
        .oauth2_token(&Ctx("wat"), "google", Oauth2Flow::UserFederation)
        .scope("openid")
        .force_authentication()
        .on_authorization_url(move |url| handed.lock().unwrap().push(url.to_owned()))
        .send()
        .await
        .unwrap();
    assert_eq!(token.expose(), "user-tok");
    assert_eq!(*urls.lock().unwrap(), ["https://idp.example/authorize?s=1"]);
    let seen = service.seen();
    assert_eq!(seen.len(), 3);
    let first: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(first["forceAuthentication"], true);
    assert!(first.get("sessionUri").is_none());
    for poll in &seen[1..] {
        let poll: serde_json::Value = serde_json::from_str(&poll.body).unwrap();
        assert_eq!(poll["sessionUri"], "urn:ietf:params:oauth:request_uri:s1");
        assert!(
            poll.get("forceAuthentication").is_none(),
            "only the first call forces"
        );
    }
    // Without a callback, send() cannot hand the URL over; start() can.
    let service = Scripted::start(vec![ok(PENDING)]).await;
    let identity = Identity::builder(service.client())
        .poll_policy(fast_polls())
        .build();
    let err = identity
        .oauth2_token(&Ctx("wat"), "google", Oauth2Flow::UserFederation)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConsentRequired));
    let outcome = identity
        .oauth2_token(&Ctx("wat"), "google", Oauth2Flow::UserFederation)
        .start()
        .await
        .unwrap();
    let Oauth2Outcome::Consent(pending) = outcome else {
        panic!("a consent is pending")
    };
    assert_eq!(
        pending.authorization_url().expose(),
        "https://idp.example/authorize?s=1"
    );
    assert_eq!(
        pending.session_uri(),
        Some("urn:ietf:params:oauth:request_uri:s1")
    );
    assert!(!format!("{pending:?}").contains("idp.example"));
}

#[tokio::test]
async fn polling_gives_up_at_its_timeout_and_stops_when_dropped() {
    let service = Scripted::start(vec![ok(PENDING)]).await;
    let identity = Identity::builder(service.client())
        .poll_policy(fast_polls())
        .build();
    let started = tokio::time::Instant::now();
    let err = identity
        .oauth2_token(&Ctx("wat"), "google", Oauth2Flow::UserFederation)
        .on_authorization_url(|_| {})
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ConsentTimeout(t) if t == Duration::from_millis(200)),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    // At most timeout / interval polls, plus the first call.
    assert!(
        service.seen().len() <= 11,
        "{} requests",
        service.seen().len()
    );

    let service = Scripted::start(vec![ok(PENDING)]).await;
    let identity = Identity::builder(service.client())
        .poll_policy(PollPolicy::default().interval(Duration::from_millis(20)))
        .build();
    let polling = tokio::spawn(async move {
        identity
            .oauth2_token(&Ctx("wat"), "google", Oauth2Flow::UserFederation)
            .on_authorization_url(|_| {})
            .send()
            .await
    });
    while service.seen().len() < 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    polling.abort();
    let _ = polling.await;
    let after_cancel = service.seen().len();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        service.seen().len(),
        after_cancel,
        "no poll after the future is dropped"
    );
}

#[tokio::test]
async fn a_failed_session_ends_the_wait() {
    let failed =
        r#"{"sessionUri":"urn:ietf:params:oauth:request_uri:s1","sessionStatus":"FAILED"}"#;
    let service = Scripted::start(vec![ok(PENDING), ok(failed)]).await;
    let identity = Identity::builder(service.client())
        .poll_policy(fast_polls())
        .build();
    let err = identity
        .oauth2_token(&Ctx("wat"), "google", Oauth2Flow::UserFederation)
        .on_authorization_url(|_| {})
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AuthorizationFailed), "{err}");
}

/// An STS answer of `GetWebIdentityToken` (the query protocol's XML).
fn sts_token(token: &str) -> String {
    format!(
        "<GetWebIdentityTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetWebIdentityTokenResult><WebIdentityToken>{token}</WebIdentityToken>\
         <Expiration>2099-01-01T00:00:00Z</Expiration></GetWebIdentityTokenResult>\
         <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetWebIdentityTokenResponse>"
    )
}

fn sts_config(url: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .region(aws_config::Region::new("us-west-2"))
        .endpoint_url(url)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            )),
        )
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

#[tokio::test]
async fn aws_signed_jwts_come_from_sts_and_are_cached_until_expiry() {
    let sts = Scripted::start(vec![ok(&sts_token("eyJ.aws.jwt"))]).await;
    let identity = Identity::builder(RuntimeClient::builder().build().unwrap())
        .sdk_config(sts_config(&sts.url))
        .build();
    for _ in 0..2 {
        let jwt = identity
            .iam_jwt(["https://api.example.com"])
            .signing_algorithm(SigningAlgorithm::Rs256)
            .duration(Duration::from_secs(900))
            .tag("team", "agents")
            .send()
            .await
            .unwrap();
        assert_eq!(jwt.expose(), "eyJ.aws.jwt");
    }
    let seen = sts.seen();
    assert_eq!(seen.len(), 1, "the second call is served from the cache");
    let form: Vec<(String, String)> = url_pairs(&seen[0].body);
    let has = |k: &str, v: &str| form.iter().any(|(a, b)| a == k && b == v);
    assert!(has("Action", "GetWebIdentityToken"), "{form:?}");
    assert!(
        has("Audience.member.1", "https://api.example.com"),
        "{form:?}"
    );
    assert!(
        has("SigningAlgorithm", "RS256") && has("DurationSeconds", "900"),
        "{form:?}"
    );
    assert!(
        has("Tags.member.1.Key", "team") && has("Tags.member.1.Value", "agents"),
        "{form:?}"
    );
    assert!(
        seen[0].headers["authorization"]
            .to_str()
            .unwrap()
            .contains("/us-west-2/sts/aws4_request")
    );

    let disabled = "<ErrorResponse><Error><Type>Sender</Type><Code>FeatureDisabledException</Code>\
                    <Message>Outbound federation is disabled</Message></Error><RequestId>r</RequestId></ErrorResponse>";
    let sts = Scripted::start(vec![(403, None, disabled.to_owned())]).await;
    let identity = Identity::builder(RuntimeClient::builder().build().unwrap())
        .sdk_config(sts_config(&sts.url))
        .build();
    let err = identity.iam_jwt(["aud"]).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::WebIdentityToken(m) if m.contains("FeatureDisabledException") && m.contains("not enabled")),
        "{err}"
    );
}

/// The pairs of a form-encoded body.
fn url_pairs(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

// End to end: the emulator serving Identity, the agents behind it.

mod emulated {
    use agentcore_client::contract::identity::UserIdentifier;
    use agentcore_server::{App, BoxError, RequestContext};
    use agentcore_testkit::{
        API_KEY, API_KEY_PROVIDER, OAUTH2_PROVIDER, OAUTH2_TOKEN, REGION, WORKLOAD, World,
        with_identity,
    };
    use serde_json::{Value, json};
    use sha2::{Digest, Sha256};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// The runtime of the identity agent below.
    const AGENT_ARN: &str =
        "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/identity-agent";

    fn hex_sha256(value: &str) -> String {
        Sha256::digest(value.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The `identity_agent` example's handler, served on `listener`: `{"provider": NAME}`
    /// → the SHA-256 of that provider's key, fetched with the invocation's workload token.
    fn serve_identity_agent(listener: TcpListener, identity: Identity) {
        let app = App::new().entrypoint(move |ask: Value, ctx: RequestContext| {
            let identity = identity.clone();
            async move {
                let provider = ask["provider"].as_str().unwrap_or_default().to_owned();
                let key = identity.api_key(&ctx, &provider).await?;
                Ok::<_, BoxError>(json!({ "api_key_sha256": hex_sha256(key.expose()) }))
            }
        });
        tokio::spawn(app.serve(listener));
    }

    /// A world whose emulator serves Identity, and a client of its data plane.
    async fn world() -> (World, RuntimeClient) {
        let world = World::start_with(with_identity).await;
        let client = world.client_builder().region(REGION).build().unwrap();
        (world, client)
    }

    fn fast() -> PollPolicy {
        PollPolicy::default()
            .interval(Duration::from_millis(50))
            .timeout(Duration::from_secs(10))
    }

    /// `GET url` over a fresh connection, as a browser follows a consent link; the status.
    async fn fetch(url: &str) -> u16 {
        let rest = url.strip_prefix("http://").unwrap();
        let (authority, path) = rest.split_at(rest.find('/').unwrap());
        let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.split(' ').nth(1).unwrap().parse().unwrap()
    }

    /// `POST /invocations` of `body` straight to the agent at `url`; the whole answer.
    async fn post_json(url: &str, body: &str) -> String {
        let authority = url.strip_prefix("http://").unwrap();
        let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
        let request = format!(
            "POST /invocations HTTP/1.1\r\nhost: {authority}\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    #[tokio::test]
    async fn an_agent_behind_the_emulator_gets_its_key_with_the_injected_token() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let agent = format!("http://{}", listener.local_addr().unwrap());
        let world = World::start_with(|b| {
            with_identity(b)
                .runtime(AGENT_ARN, &agent)
                .unwrap()
                .runtime_workload(AGENT_ARN, WORKLOAD)
        })
        .await;
        let client = world.client_builder().region(REGION).build().unwrap();
        // A cache that is off: every invocation's key comes with its own token.
        let identity = Identity::builder(client.clone())
            .cache_policy(CachePolicy::disabled())
            .build();
        serve_identity_agent(listener, identity);
        let arn: agentcore_client::contract::RuntimeArn = AGENT_ARN.parse().unwrap();
        let ask = json!({ "provider": API_KEY_PROVIDER });
        let expected = hex_sha256(API_KEY);

        // SigV4 with the user id header: the emulator mints a token for that user.
        let answer = client
            .invoke(&arn)
            .user_id("alice")
            .json(&ask)
            .unwrap()
            .send()
            .await
            .unwrap();
        assert_eq!(answer.json::<Value>().unwrap()["api_key_sha256"], expected);
        // A bearer JWT: the token is for its subject.
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 600;
        let jwt = agentcore_emulator::sign_hs256(
            &json!({ "sub": "bob", "exp": exp }),
            agentcore_testkit::JWT_SECRET,
        );
        let answer = client
            .invoke(&arn)
            .bearer(&jwt)
            .json(&ask)
            .unwrap()
            .send()
            .await
            .unwrap();
        assert_eq!(answer.json::<Value>().unwrap()["api_key_sha256"], expected);
        // SigV4 without a user: no token reaches the agent, whose helper fails; the
        // runtime answers the agent's 500 as a 424, as the service does.
        let err = client
            .invoke(&arn)
            .json(&ask)
            .unwrap()
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (err.status(), err.service_kind()),
            (Some(424), Some("RuntimeClientError")),
            "{err:?}"
        );
        // The agent itself, without a token, says why.
        let direct = post_json(&agent, r#"{"provider":"x"}"#).await;
        assert!(
            direct.starts_with("HTTP/1.1 500") && direct.contains("no workload access token"),
            "{direct}"
        );
        // Another provider's name: the service's refusal, through the agent.
        let unknown = client
            .invoke(&arn)
            .user_id("alice")
            .json(&json!({ "provider": "nope" }))
            .unwrap()
            .send()
            .await;
        assert!(unknown.is_err());
    }

    #[tokio::test]
    async fn m2m_and_user_federation_against_the_emulator() {
        let (_world, client) = world().await;
        let wat = client
            .get_workload_access_token_for_user_id(WORKLOAD, "alice")
            .send()
            .await
            .unwrap()
            .workload_access_token;
        let identity = Identity::builder(client.clone())
            .poll_policy(fast())
            .cache_policy(CachePolicy::disabled())
            .build();
        struct Wat(String);
        impl WorkloadContext for Wat {
            fn workload_access_token(&self) -> Option<&str> {
                Some(&self.0)
            }
        }
        let ctx = Wat(wat.clone());
        let m2m = identity
            .oauth2_token(&ctx, OAUTH2_PROVIDER, Oauth2Flow::M2m)
            .scope("read")
            .send()
            .await
            .unwrap();
        assert_eq!(m2m.expose(), OAUTH2_TOKEN);

        // USER_FEDERATION: the URL is handed over, the user follows it, polling ends.
        let followed = Arc::new(Mutex::new(Vec::new()));
        let statuses = Arc::clone(&followed);
        let token = identity
            .oauth2_token(&ctx, OAUTH2_PROVIDER, Oauth2Flow::UserFederation)
            .scope("calendar")
            .on_authorization_url(move |url| {
                let (url, statuses) = (url.to_owned(), Arc::clone(&statuses));
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(120)).await;
                    let status = fetch(&url).await;
                    statuses.lock().unwrap().push(status);
                });
            })
            .send()
            .await
            .unwrap();
        assert_eq!(token.expose(), OAUTH2_TOKEN);
        assert_eq!(*followed.lock().unwrap(), [200]);
        // The vault remembers the consent: the token at once, no URL.
        let again = identity
            .oauth2_token(&ctx, OAUTH2_PROVIDER, Oauth2Flow::UserFederation)
            .scope("calendar")
            .start()
            .await
            .unwrap();
        assert!(matches!(again, Oauth2Outcome::Token(t) if t.expose() == OAUTH2_TOKEN));

        // A forced consent with a return URL: the user's browser is sent there, and the
        // application completes the session for the user before the token is released.
        let outcome = identity
            .oauth2_token(&ctx, OAUTH2_PROVIDER, Oauth2Flow::UserFederation)
            .scope("calendar")
            .force_authentication()
            .return_url("https://app.example.com/done")
            .start()
            .await
            .unwrap();
        let Oauth2Outcome::Consent(pending) = outcome else {
            panic!("consent asked again")
        };
        assert_eq!(fetch(pending.authorization_url().expose()).await, 302);
        let session_uri = pending.session_uri().unwrap().to_owned();
        let wrong = client
            .complete_resource_token_auth(UserIdentifier::UserId("mallory".into()), &session_uri)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            wrong.service_kind(),
            Some("AccessDeniedException"),
            "{wrong}"
        );
        client
            .complete_resource_token_auth(UserIdentifier::UserId("alice".into()), &session_uri)
            .send()
            .await
            .unwrap();
        assert_eq!(pending.wait().await.unwrap().expose(), OAUTH2_TOKEN);
    }

    #[tokio::test]
    async fn forged_tokens_and_unknown_providers_are_refused_as_the_service_does() {
        let (_world, client) = world().await;
        let identity = Identity::new(client.clone());
        let err = identity
            .api_key(&Ctx("v1.forged.token"), API_KEY_PROVIDER)
            .await
            .unwrap_err();
        assert_eq!(err.service_kind(), Some("AccessDeniedException"), "{err}");
        let wat = client
            .get_workload_access_token(WORKLOAD)
            .send()
            .await
            .unwrap()
            .workload_access_token;
        let leaked: &'static str = Box::leak(wat.into_boxed_str());
        let err = identity
            .api_key(&Ctx(leaked), "no-such-provider")
            .await
            .unwrap_err();
        assert_eq!(
            err.service_kind(),
            Some("ResourceNotFoundException"),
            "{err}"
        );
        let key = identity
            .api_key(&Ctx(leaked), API_KEY_PROVIDER)
            .await
            .unwrap();
        assert_eq!(key.expose(), API_KEY);
        let err = client
            .get_workload_access_token("unknown-workload")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            err.service_kind(),
            Some("ResourceNotFoundException"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_local_run_gets_its_token_from_the_local_workload() {
        struct Local;
        impl WorkloadContext for Local {
            fn workload_access_token(&self) -> Option<&str> {
                None
            }
        }
        let (_world, client) = world().await;
        let identity = Identity::builder(client)
            .local_workload(WORKLOAD)
            .local_user_id("dev")
            .build();
        let key = identity.api_key(&Local, API_KEY_PROVIDER).await.unwrap();
        assert_eq!(key.expose(), API_KEY);
        let wat = identity.workload_access_token(&Local).await.unwrap();
        assert!(!wat.expose().is_empty());
    }
}
