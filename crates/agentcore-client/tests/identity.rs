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
