//! AgentCore Identity's data plane over real sockets: workload access tokens, the token
//! vault (API keys, OAuth2 flows, `USER_FEDERATION` consent), the errors and limits, and
//! the tokens injected into invocations.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentcore_contract::identity::{IdentityOperation, SESSION_URI_PREFIX};
use agentcore_emulator::{Emulator, EmulatorBuilder, MAX_IDENTITY_BODY_BYTES, sign_hs256};
use agentcore_testkit::{
    ACCESS_KEY, API_KEY, API_KEY_PROVIDER, ARN, BEARER_TOKEN, JWT_SECRET, OAUTH2_PROVIDER,
    OAUTH2_TOKEN, REGION, SECRET_KEY, WORKLOAD, World, with_identity,
};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::StatusCode;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use sha2::Digest as _;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{
    Request as WsRequest, Response as WsResponse,
};

mod support;

/// The header an agent gets its workload access token in.
const WAT_HEADER: &str = "x-amz-bedrock-agentcore-identity-wat";

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// `(status, x-amzn-errortype)`.
    fn refusal(&self) -> (u16, &str) {
        let kind = self
            .headers
            .get("x-amzn-errortype")
            .map_or("", |v| v.to_str().unwrap());
        (self.status.as_u16(), kind)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(method: &str, url: &str, headers: &[(String, String)], body: Vec<u8>) -> Reply {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = client
        .request(request.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// The headers of `POST url` with `body`, SigV4-signed for `region` with the testkit's
/// key (`extra` headers signed too).
fn signed_headers(
    url: &str,
    body: &[u8],
    extra: &[(&str, &str)],
    region: &str,
) -> Vec<(String, String)> {
    let mut headers: Vec<(&str, &str)> = vec![("content-type", "application/json")];
    headers.extend_from_slice(extra);
    let request = SignableRequest::new(
        "POST",
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let instructions = support::sign(
        request,
        SignatureLocation::Headers,
        (ACCESS_KEY, SECRET_KEY, None),
        region,
        SystemTime::now(),
    );
    headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .chain(
            instructions
                .headers()
                .map(|(n, v)| (n.to_owned(), v.to_owned())),
        )
        .collect()
}

/// `POST base+path` with `body`, [signed](signed_headers).
async fn signed_post(
    base: &str,
    path: &str,
    body: &[u8],
    extra: &[(&str, &str)],
    region: &str,
) -> Reply {
    let url = format!("{base}{path}");
    let headers = signed_headers(&url, body, extra, region);
    send("POST", &url, &headers, body.to_vec()).await
}

/// One Identity operation, signed for the testkit's region.
async fn call(base: &str, operation: IdentityOperation, body: Value) -> Reply {
    let body = body.to_string();
    signed_post(base, operation.path(), body.as_bytes(), &[], REGION).await
}

/// A workload access token of [`WORKLOAD`], for `user` or for the workload alone.
async fn wat(base: &str, user: Option<&str>) -> String {
    let reply = match user {
        Some(user) => {
            let body = json!({ "workloadName": WORKLOAD, "userId": user });
            call(
                base,
                IdentityOperation::GetWorkloadAccessTokenForUserId,
                body,
            )
            .await
        }
        None => {
            let body = json!({ "workloadName": WORKLOAD });
            call(base, IdentityOperation::GetWorkloadAccessToken, body).await
        }
    };
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["workloadAccessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The claims of a workload access token (the emulator's format: an HS256 JWT).
fn claims(wat: &str) -> Value {
    let part = wat.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A user JWT signed with the testkit's secret.
fn user_jwt(sub: &str, lifetime_secs: i64) -> String {
    let exp = epoch() as i64 + lifetime_secs;
    sign_hs256(&json!({ "sub": sub, "exp": exp }), JWT_SECRET)
}

async fn api_key(base: &str, wat: &str, provider: &str) -> Reply {
    let body = json!({ "workloadIdentityToken": wat, "resourceCredentialProviderName": provider });
    call(base, IdentityOperation::GetResourceApiKey, body).await
}

fn oauth2(wat: &str, flow: &str) -> Value {
    json!({
        "workloadIdentityToken": wat,
        "resourceCredentialProviderName": OAUTH2_PROVIDER,
        "scopes": ["repo", "read:user"],
        "oauth2Flow": flow,
    })
}

async fn identity_world(configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> World {
    World::start_with(|builder| configure(with_identity(builder))).await
}

#[tokio::test]
async fn workload_access_tokens_for_the_workload_a_user_id_and_a_jwt() {
    let world = identity_world(|b| b).await;
    let base = world.url();

    let alone = wat(&base, None).await;
    let alone_claims = claims(&alone);
    assert_eq!(alone_claims["workload"], WORKLOAD);
    assert!(alone_claims.get("user").is_none(), "{alone_claims}");
    assert_eq!(
        alone_claims["exp"].as_u64().unwrap() - alone_claims["iat"].as_u64().unwrap(),
        agentcore_emulator::DEFAULT_WAT_LIFETIME.as_secs()
    );
    assert_eq!(claims(&wat(&base, Some("alice")).await)["user"], "alice");

    let body = json!({ "workloadName": WORKLOAD, "userToken": user_jwt("carol", 60) });
    let reply = call(&base, IdentityOperation::GetWorkloadAccessTokenForJwt, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let for_jwt = reply.json()["workloadAccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(claims(&for_jwt)["user"], "carol");

    // Every one of them works in the vault.
    for token in [&alone, &for_jwt] {
        let reply = api_key(&base, token, API_KEY_PROVIDER).await;
        assert_eq!(reply.json(), json!({ "apiKey": API_KEY }));
    }

    // A JWT signed with another secret, an expired one, or one without `sub`.
    let wrong_secret = sign_hs256(&json!({ "sub": "x", "exp": epoch() + 60 }), b"other");
    let no_sub = sign_hs256(&json!({ "exp": epoch() + 60 }), JWT_SECRET);
    for (token, why) in [
        (wrong_secret, "bad signature"),
        (user_jwt("carol", -5), "expired"),
        (no_sub, "no sub claim"),
    ] {
        let body = json!({ "workloadName": WORKLOAD, "userToken": token });
        let reply = call(&base, IdentityOperation::GetWorkloadAccessTokenForJwt, body).await;
        assert_eq!(reply.refusal(), (403, "AccessDeniedException"), "{why}");
        let message = reply.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains(why), "{why}: {message}");
    }

    // An unknown workload.
    for (operation, body) in [
        (
            IdentityOperation::GetWorkloadAccessToken,
            json!({ "workloadName": "other-workload" }),
        ),
        (
            IdentityOperation::GetWorkloadAccessTokenForUserId,
            json!({ "workloadName": "other-workload", "userId": "u" }),
        ),
    ] {
        let reply = call(&base, operation, body).await;
        assert_eq!(reply.refusal(), (404, "ResourceNotFoundException"));
    }
}

#[tokio::test]
async fn without_a_jwt_secret_user_tokens_are_refused_clearly() {
    let running = Emulator::builder()
        .workload(WORKLOAD)
        .allow_anonymous(true)
        .build()
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let body = json!({ "workloadName": WORKLOAD, "userToken": user_jwt("carol", 60) });
    // Anonymous callers are let in, as for the runtime operations.
    let reply = send(
        "POST",
        &format!(
            "{}{}",
            running.url(),
            IdentityOperation::GetWorkloadAccessTokenForJwt.path()
        ),
        &[],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(reply.refusal(), (403, "AccessDeniedException"));
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("--jwt-secret")
    );
}

#[tokio::test]
async fn forged_tampered_malformed_and_expired_tokens_are_refused() {
    let world = identity_world(|b| b).await;
    let base = world.url();
    let good = wat(&base, Some("alice")).await;
    assert_eq!(
        api_key(&base, &good, API_KEY_PROVIDER).await.json()["apiKey"],
        API_KEY
    );

    // Signed with a key that is not the emulator's.
    let forged = sign_hs256(
        &json!({ "workload": WORKLOAD, "user": "alice", "exp": epoch() + 600 }),
        b"a guessed key",
    );
    // The right signature over other claims.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut changed = claims(&good);
    changed["user"] = "mallory".into();
    parts[1] = URL_SAFE_NO_PAD.encode(changed.to_string());
    let tampered = parts.join(".");
    for token in [forged.as_str(), tampered.as_str(), "not-a-token", "a.b.c"] {
        let reply = api_key(&base, token, API_KEY_PROVIDER).await;
        assert_eq!(reply.refusal(), (403, "AccessDeniedException"), "{token}");
        let body = oauth2(token, "M2M");
        let reply = call(&base, IdentityOperation::GetResourceOauth2Token, body).await;
        assert_eq!(reply.refusal(), (403, "AccessDeniedException"), "{token}");
    }
    // Another emulator's token: another key.
    let other = identity_world(|b| b).await;
    let theirs = wat(&other.url(), None).await;
    let reply = api_key(&base, &theirs, API_KEY_PROVIDER).await;
    assert_eq!(reply.refusal(), (403, "AccessDeniedException"));

    // Expired: the shortest lifetime, outlived.
    let short = identity_world(|b| b.wat_lifetime(Duration::from_secs(1))).await;
    let token = wat(&short.url(), None).await;
    assert_eq!(
        api_key(&short.url(), &token, API_KEY_PROVIDER).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let reply = api_key(&short.url(), &token, API_KEY_PROVIDER).await;
    assert_eq!(reply.refusal(), (403, "AccessDeniedException"));
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn unknown_providers_are_not_found() {
    let world = identity_world(|b| b).await;
    let base = world.url();
    let token = wat(&base, Some("alice")).await;
    let reply = api_key(&base, &token, "no-such-provider").await;
    assert_eq!(reply.refusal(), (404, "ResourceNotFoundException"));
    // The OAuth2 providers are not API key providers, nor the other way round.
    let reply = api_key(&base, &token, OAUTH2_PROVIDER).await;
    assert_eq!(reply.refusal(), (404, "ResourceNotFoundException"));
    let mut body = oauth2(&token, "M2M");
    body["resourceCredentialProviderName"] = API_KEY_PROVIDER.into();
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, body).await;
    assert_eq!(reply.refusal(), (404, "ResourceNotFoundException"));
}

#[tokio::test]
async fn validation_exceptions_name_the_field() {
    let world = identity_world(|b| b).await;
    let base = world.url();
    let token = wat(&base, None).await;
    let field_cases = [
        (
            IdentityOperation::GetWorkloadAccessToken,
            json!({ "workloadName": "ab" }),
            "workloadName",
        ),
        (
            IdentityOperation::GetWorkloadAccessTokenForUserId,
            json!({ "workloadName": WORKLOAD, "userId": "" }),
            "userId",
        ),
        (
            IdentityOperation::GetWorkloadAccessTokenForJwt,
            json!({ "workloadName": WORKLOAD, "userToken": "not-a-jwt" }),
            "userToken",
        ),
        (
            IdentityOperation::GetResourceApiKey,
            json!({ "workloadIdentityToken": token, "resourceCredentialProviderName": "a.b" }),
            "resourceCredentialProviderName",
        ),
        (
            IdentityOperation::GetResourceOauth2Token,
            json!({
                "workloadIdentityToken": token, "resourceCredentialProviderName": OAUTH2_PROVIDER,
                "scopes": ["ok", ""], "oauth2Flow": "M2M",
            }),
            "scopes[1]",
        ),
        (
            IdentityOperation::GetResourceOauth2Token,
            json!({
                "workloadIdentityToken": token, "resourceCredentialProviderName": OAUTH2_PROVIDER,
                "scopes": [], "oauth2Flow": "M2M", "customParameters": { "bad key": "v" },
            }),
            "customParameters",
        ),
        (
            IdentityOperation::GetResourceOauth2Token,
            json!({
                "workloadIdentityToken": token, "resourceCredentialProviderName": OAUTH2_PROVIDER,
                "scopes": [], "oauth2Flow": "USER_FEDERATION", "customState": "",
            }),
            "customState",
        ),
        (
            IdentityOperation::GetResourceOauth2Token,
            json!({
                "workloadIdentityToken": token, "resourceCredentialProviderName": OAUTH2_PROVIDER,
                "scopes": [], "oauth2Flow": "M2M", "audiences": [""],
            }),
            "audiences[0]",
        ),
        (
            IdentityOperation::CompleteResourceTokenAuth,
            json!({ "userIdentifier": { "userId": "u" }, "sessionUri": "https://not-a-urn" }),
            "sessionUri",
        ),
    ];
    for (operation, body, field) in field_cases {
        let reply = call(&base, operation, body).await;
        assert_eq!(reply.refusal(), (400, "ValidationException"), "{field}");
        let answer = reply.json();
        assert_eq!(answer["reason"], "FieldValidationFailed", "{answer}");
        assert_eq!(answer["fieldList"][0]["name"], field, "{answer}");
        assert!(answer["fieldList"][0]["message"].is_string(), "{answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }

    // Not the operation's JSON: CannotParse, and no value quoted back.
    for body in [
        "not json".to_owned(),
        json!({ "workloadName": ["secret-in-the-wrong-place"] }).to_string(),
        json!({ "userId": "u" }).to_string(),
        json!({
            "workloadIdentityToken": token, "resourceCredentialProviderName": OAUTH2_PROVIDER,
            "scopes": [], "oauth2Flow": "M2M", "forceAuthentication": "secret-in-the-wrong-place",
        })
        .to_string(),
    ] {
        let path = if body.contains("oauth2Flow") {
            IdentityOperation::GetResourceOauth2Token.path()
        } else {
            IdentityOperation::GetWorkloadAccessTokenForUserId.path()
        };
        let reply = signed_post(&base, path, body.as_bytes(), &[], REGION).await;
        assert_eq!(reply.refusal(), (400, "ValidationException"), "{body}");
        assert_eq!(reply.json()["reason"], "CannotParse");
        assert!(
            !reply.text().contains("secret-in-the-wrong-place"),
            "{}",
            reply.text()
        );
    }

    // The body limit, at its edge: a request padded to exactly the limit is served, one
    // byte more is refused before it is parsed.
    let request = json!({ "workloadName": WORKLOAD }).to_string();
    let padded = format!(
        "{request}{}",
        " ".repeat(MAX_IDENTITY_BODY_BYTES - request.len())
    );
    assert_eq!(padded.len(), MAX_IDENTITY_BODY_BYTES);
    let path = IdentityOperation::GetWorkloadAccessToken.path();
    let reply = signed_post(&base, path, padded.as_bytes(), &[], REGION).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let over = format!("{padded} ");
    let reply = signed_post(&base, path, over.as_bytes(), &[], REGION).await;
    assert_eq!(reply.refusal(), (400, "ValidationException"));
    assert_eq!(reply.json()["reason"], "CannotParse");
    assert!(reply.text().contains(&MAX_IDENTITY_BODY_BYTES.to_string()));
}

#[tokio::test]
async fn auth_region_and_methods() {
    let world = identity_world(|b| b).await;
    let base = world.url();
    let body = json!({ "workloadName": WORKLOAD }).to_string();
    let path = IdentityOperation::GetWorkloadAccessToken.path();
    // Any valid region: no ARN names one.
    for region in ["eu-central-1", "ap-southeast-2", REGION] {
        let reply = signed_post(&base, path, body.as_bytes(), &[], region).await;
        assert_eq!(reply.status, StatusCode::OK, "{region}: {}", reply.text());
    }
    let reply = signed_post(&base, path, body.as_bytes(), &[], "not_a_region").await;
    assert_eq!(reply.refusal(), (403, "AccessDeniedException"));
    let url = format!("{base}{path}");
    let reply = send("POST", &url, &[], body.clone().into_bytes()).await;
    assert_eq!(reply.refusal(), (401, "UnauthorizedException"));
    // A bearer token the emulator accepts is accepted here too.
    let bearer = [("authorization".to_owned(), format!("Bearer {BEARER_TOKEN}"))];
    let reply = send("POST", &url, &bearer, body.clone().into_bytes()).await;
    assert_eq!(reply.status, StatusCode::OK);
    // A body that is not the one signed.
    let headers = signed_headers(&url, body.as_bytes(), &[], REGION);
    let other = json!({ "workloadName": "other-workload" }).to_string();
    let reply = send("POST", &url, &headers, other.into_bytes()).await;
    assert_eq!(reply.refusal(), (403, "AccessDeniedException"));
    let reply = send("GET", &url, &bearer, Vec::new()).await;
    assert_eq!(reply.refusal(), (404, "ResourceNotFoundException"));
    let consent = format!("{base}/identities/consent/anything");
    let reply = send("POST", &consent, &bearer, Vec::new()).await;
    assert_eq!(reply.refusal(), (404, "ResourceNotFoundException"));
}

#[tokio::test]
async fn oauth2_m2m_and_on_behalf_of() {
    let world = identity_world(|b| b).await;
    let base = world.url();
    let workload_only = wat(&base, None).await;
    let for_alice = wat(&base, Some("alice")).await;
    let token = |reply: &Reply| reply.json()["accessToken"].as_str().map(str::to_owned);

    for wat in [&workload_only, &for_alice] {
        let reply = call(
            &base,
            IdentityOperation::GetResourceOauth2Token,
            oauth2(wat, "M2M"),
        )
        .await;
        assert_eq!(
            token(&reply).as_deref(),
            Some(OAUTH2_TOKEN),
            "{}",
            reply.text()
        );
    }
    let body = oauth2(&for_alice, "ON_BEHALF_OF_TOKEN_EXCHANGE");
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, body).await;
    assert_eq!(token(&reply).as_deref(), Some(OAUTH2_TOKEN));
    // On behalf of nobody: a token for a user is needed.
    for flow in ["ON_BEHALF_OF_TOKEN_EXCHANGE", "USER_FEDERATION"] {
        let body = oauth2(&workload_only, flow);
        let reply = call(&base, IdentityOperation::GetResourceOauth2Token, body).await;
        assert_eq!(reply.refusal(), (400, "ValidationException"), "{flow}");
        assert_eq!(
            reply.json()["fieldList"][0]["name"],
            "workloadIdentityToken"
        );
    }
    // resources, audiences and custom parameters are accepted.
    let mut body = oauth2(&for_alice, "M2M");
    body["resources"] = json!(["https://api.example.com"]);
    body["audiences"] = json!(["api"]);
    body["customParameters"] = json!({ "prompt": "consent", "access_type": "offline" });
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, body).await;
    assert_eq!(token(&reply).as_deref(), Some(OAUTH2_TOKEN));
}

/// `(authorizationUrl, sessionUri)` of an answer that asks for consent.
fn consent_asked(reply: &Reply) -> (String, String) {
    let answer = reply.json();
    assert_eq!(answer["sessionStatus"], "IN_PROGRESS", "{answer}");
    assert!(answer.get("accessToken").is_none(), "{answer}");
    (
        answer["authorizationUrl"].as_str().unwrap().to_owned(),
        answer["sessionUri"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn user_federation_asks_for_consent_once() {
    let world = identity_world(|b| b).await;
    let base = world.url();
    let alice = wat(&base, Some("alice")).await;
    let request = oauth2(&alice, "USER_FEDERATION");
    let ask = || {
        call(
            &base,
            IdentityOperation::GetResourceOauth2Token,
            request.clone(),
        )
    };

    let (url, session_uri) = consent_asked(&ask().await);
    let id = session_uri.strip_prefix(SESSION_URI_PREFIX).unwrap();
    assert_eq!(url, format!("{base}/identities/consent/{id}"));

    // Polling names the session: the same session, still in progress.
    let mut poll = request.clone();
    poll["sessionUri"] = session_uri.clone().into();
    let polled = call(
        &base,
        IdentityOperation::GetResourceOauth2Token,
        poll.clone(),
    )
    .await;
    assert_eq!(consent_asked(&polled), (url.clone(), session_uri.clone()));

    // The browser opens the URL, without credentials: consent granted.
    let page = send("GET", &url, &[], Vec::new()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().contains("Consent granted"));

    // The poll gets the token; then the same request at once (the vault), with another
    // order of the same scopes too.
    let polled = call(&base, IdentityOperation::GetResourceOauth2Token, poll).await;
    assert_eq!(polled.json(), json!({ "accessToken": OAUTH2_TOKEN }));
    assert_eq!(ask().await.json(), json!({ "accessToken": OAUTH2_TOKEN }));
    let mut reordered = request.clone();
    reordered["scopes"] = json!(["read:user", "repo"]);
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, reordered).await;
    assert_eq!(reply.json()["accessToken"], OAUTH2_TOKEN);

    // Other scopes, another user or another workload token of the same user's: the first
    // two ask again, the third does not (the consent is the workload's and the user's).
    let mut other_scopes = request.clone();
    other_scopes["scopes"] = json!(["admin"]);
    let reply = call(
        &base,
        IdentityOperation::GetResourceOauth2Token,
        other_scopes,
    )
    .await;
    consent_asked(&reply);
    let bob = oauth2(&wat(&base, Some("bob")).await, "USER_FEDERATION");
    consent_asked(&call(&base, IdentityOperation::GetResourceOauth2Token, bob).await);
    let again = oauth2(&wat(&base, Some("alice")).await, "USER_FEDERATION");
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, again).await;
    assert_eq!(reply.json()["accessToken"], OAUTH2_TOKEN);

    // forceAuthentication asks again, with a new session.
    let mut forced = request.clone();
    forced["forceAuthentication"] = true.into();
    let (forced_url, forced_uri) =
        consent_asked(&call(&base, IdentityOperation::GetResourceOauth2Token, forced).await);
    assert_ne!(forced_uri, session_uri);
    assert_eq!(send("GET", &forced_url, &[], Vec::new()).await.status, 200);

    // An unknown authorization URL or session.
    let unknown = send(
        "GET",
        &format!("{base}/identities/consent/nope"),
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let mut lost = request.clone();
    lost["sessionUri"] = format!("{SESSION_URI_PREFIX}nope").into();
    lost["forceAuthentication"] = true.into();
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, lost).await;
    assert_eq!(reply.refusal(), (404, "ResourceNotFoundException"));
}

#[tokio::test]
async fn a_return_url_waits_for_complete_resource_token_auth() {
    let world = identity_world(|b| b).await;
    let base = world.url();
    let alice = wat(&base, Some("alice")).await;
    let mut request = oauth2(&alice, "USER_FEDERATION");
    request["resourceOauth2ReturnUrl"] = "https://app.example.com/done?tab=1".into();
    request["customState"] = "csrf 42&x".into();
    let (url, session_uri) = consent_asked(
        &call(
            &base,
            IdentityOperation::GetResourceOauth2Token,
            request.clone(),
        )
        .await,
    );
    let complete = |user: Value| {
        let body = json!({ "userIdentifier": user, "sessionUri": session_uri });
        call(&base, IdentityOperation::CompleteResourceTokenAuth, body)
    };

    // Before consent there is nothing to complete.
    let early = complete(json!({ "userId": "alice" })).await;
    assert_eq!(early.refusal(), (400, "ValidationException"));

    // Consent redirects to the return URL with the session and the state.
    let redirect = send("GET", &url, &[], Vec::new()).await;
    assert_eq!(redirect.status, StatusCode::FOUND);
    let location = redirect.headers["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!(
            "https://app.example.com/done?tab=1&session_id={}&state=csrf%2042%26x",
            session_uri.replace(':', "%3A")
        )
    );

    // Still pending until the same user completes it.
    let mut poll = request.clone();
    poll["sessionUri"] = session_uri.clone().into();
    let reply = call(
        &base,
        IdentityOperation::GetResourceOauth2Token,
        poll.clone(),
    )
    .await;
    consent_asked(&reply);
    let wrong = complete(json!({ "userId": "mallory" })).await;
    assert_eq!(wrong.refusal(), (403, "AccessDeniedException"));
    let wrong_jwt = complete(json!({ "userToken": user_jwt("mallory", 60) })).await;
    assert_eq!(wrong_jwt.refusal(), (403, "AccessDeniedException"));
    let reply = call(
        &base,
        IdentityOperation::GetResourceOauth2Token,
        poll.clone(),
    )
    .await;
    consent_asked(&reply);

    // The user, named by a JWT: released.
    let done = complete(json!({ "userToken": user_jwt("alice", 60) })).await;
    assert_eq!((done.status, done.json()), (StatusCode::OK, json!({})));
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, poll).await;
    assert_eq!(reply.json(), json!({ "accessToken": OAUTH2_TOKEN }));
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, request).await;
    assert_eq!(reply.json(), json!({ "accessToken": OAUTH2_TOKEN }));

    // The same with a user id, on a second session.
    let bob = wat(&base, Some("bob")).await;
    let mut request = oauth2(&bob, "USER_FEDERATION");
    request["resourceOauth2ReturnUrl"] = "myapp:done".into();
    let (url, session_uri) = consent_asked(
        &call(
            &base,
            IdentityOperation::GetResourceOauth2Token,
            request.clone(),
        )
        .await,
    );
    let redirect = send("GET", &url, &[], Vec::new()).await;
    let location = redirect.headers["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("myapp:done?session_id="), "{location}");
    let body = json!({ "userIdentifier": { "userId": "bob" }, "sessionUri": session_uri });
    let done = call(&base, IdentityOperation::CompleteResourceTokenAuth, body).await;
    assert_eq!(done.status, StatusCode::OK);
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, request).await;
    assert_eq!(reply.json()["accessToken"], OAUTH2_TOKEN);

    // An unknown session.
    let body = json!({
        "userIdentifier": { "userId": "bob" },
        "sessionUri": format!("{SESSION_URI_PREFIX}unknown"),
    });
    let reply = call(&base, IdentityOperation::CompleteResourceTokenAuth, body).await;
    assert_eq!(reply.refusal(), (404, "ResourceNotFoundException"));
}

#[tokio::test]
async fn federation_sessions_are_bounded_and_expire() {
    let world = identity_world(|b| {
        b.max_federation_sessions(2)
            .federation_session_lifetime(Duration::from_secs(1))
    })
    .await;
    let base = world.url();
    let mut asked = Vec::new();
    for user in ["u1", "u2", "u3"] {
        let body = oauth2(&wat(&base, Some(user)).await, "USER_FEDERATION");
        let reply = call(
            &base,
            IdentityOperation::GetResourceOauth2Token,
            body.clone(),
        )
        .await;
        asked.push((body, consent_asked(&reply)));
    }
    // The third dropped the first: its URL and its session are unknown.
    let (first, (first_url, first_uri)) = &asked[0];
    assert_eq!(send("GET", first_url, &[], Vec::new()).await.status, 404);
    let mut poll = first.clone();
    poll["sessionUri"] = first_uri.clone().into();
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, poll).await;
    assert_eq!(reply.refusal(), (404, "ResourceNotFoundException"));
    // The last two are kept, until they expire.
    assert_eq!(
        send("GET", &asked[1].1.0, &[], Vec::new()).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        send("GET", &asked[2].1.0, &[], Vec::new()).await.status,
        404
    );
}

#[tokio::test]
async fn the_rate_limit_at_its_edge() {
    let world = identity_world(|b| b.identity_rate_limit(5)).await;
    let base = world.url();
    let body = json!({ "workloadName": WORKLOAD });
    // Six calls at once: the burst of five passes, the sixth is throttled.
    let calls = (0..6).map(|_| {
        call(
            &base,
            IdentityOperation::GetWorkloadAccessToken,
            body.clone(),
        )
    });
    let replies = futures_util::future::join_all(calls).await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let throttled: Vec<_> = replies
        .iter()
        .filter(|r| r.status != StatusCode::OK)
        .map(Reply::refusal)
        .collect();
    assert_eq!(ok, 5);
    assert_eq!(throttled, vec![(429, "ThrottlingException")]);
    // A fifth of a second later one more call is in the bucket.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let reply = call(&base, IdentityOperation::GetWorkloadAccessToken, body).await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// The invocation path of the testkit's runtime.
fn invocations() -> String {
    let arn = agentcore_contract::RuntimeArn::new(ARN).unwrap();
    agentcore_contract::endpoint::RuntimeOperation::Invocations.path(&arn)
}

/// The WAT header the conformance agent saw in an invocation's request headers.
fn seen_wat(reply: &Reply) -> Option<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["headers"][WAT_HEADER]
        .as_str()
        .map(str::to_owned)
}

async fn invoke(base: &str, headers: &[(&str, &str)]) -> Reply {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    send(
        "POST",
        &format!("{base}{}", invocations()),
        &headers,
        b"{}".to_vec(),
    )
    .await
}

#[tokio::test]
async fn invocations_carry_a_token_for_the_callers_user() {
    let world = World::start_with(|b| with_identity(b).forward_header(WAT_HEADER)).await;
    let base = world.url();

    // A bearer JWT: its sub.
    let jwt = format!("Bearer {}", user_jwt("alice", 60));
    let first = seen_wat(&invoke(&base, &[("authorization", &jwt)]).await).unwrap();
    assert_eq!(claims(&first)["workload"], WORKLOAD);
    assert_eq!(claims(&first)["user"], "alice");
    // The same token the next time (while fresh), so caches keyed on it hit.
    let second = seen_wat(&invoke(&base, &[("authorization", &jwt)]).await).unwrap();
    assert_eq!(second, first);
    // The injected token works in the vault.
    assert_eq!(
        api_key(&base, &first, API_KEY_PROVIDER).await.json()["apiKey"],
        API_KEY
    );

    // A fixed bearer token: a stable user derived from it, never the token.
    let fixed = format!("Bearer {BEARER_TOKEN}");
    let from_token = seen_wat(&invoke(&base, &[("authorization", &fixed)]).await).unwrap();
    let digest = sha2::Sha256::digest(BEARER_TOKEN.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        claims(&from_token)["user"],
        format!("bearer-{}", &hex[..16])
    );
    assert!(!from_token.contains(BEARER_TOKEN));

    // SigV4: the user-id header's user, and no token without it.
    let path = invocations();
    let signed = signed_post(
        &base,
        &path,
        b"{}",
        &[("x-amzn-bedrock-agentcore-runtime-user-id", "bob")],
        REGION,
    )
    .await;
    assert_eq!(claims(&seen_wat(&signed).unwrap())["user"], "bob");
    let anonymous_user = signed_post(&base, &path, b"{}", &[], REGION).await;
    assert_eq!(seen_wat(&anonymous_user), None);
    let too_long = "u".repeat(1025);
    let refused = signed_post(
        &base,
        &path,
        b"{}",
        &[("x-amzn-bedrock-agentcore-runtime-user-id", &too_long)],
        REGION,
    )
    .await;
    assert_eq!(refused.refusal(), (400, "ValidationException"));

    // A token the caller sends is not passed on, even when allowlisted.
    let forged = [
        ("authorization", fixed.as_str()),
        (WAT_HEADER, "caller-made"),
        ("workloadaccesstoken", "caller-made"),
    ];
    let reply = invoke(&base, &forged).await;
    assert_eq!(seen_wat(&reply), Some(from_token));
    assert!(!reply.text().contains("caller-made"), "{}", reply.text());
    let signed = signed_post(&base, &path, b"{}", &[(WAT_HEADER, "caller-made")], REGION).await;
    assert_eq!(seen_wat(&signed), None);
}

#[tokio::test]
async fn runtimes_that_are_no_workload_get_no_token() {
    // Two workloads and no runtime workload: the runtime is neither.
    let world = World::start_with(|b| b.workload("one-workload").workload("two-workload")).await;
    let jwt = format!("Bearer {}", user_jwt("alice", 60));
    let reply = invoke(&world.url(), &[("authorization", &jwt)]).await;
    assert_eq!(seen_wat(&reply), None);
    // A runtime workload naming no workload fails the start.
    let err = Emulator::builder()
        .runtime(ARN, "http://127.0.0.1:1")
        .unwrap()
        .workload("one-workload")
        .runtime_workload(ARN, "other-workload")
        .build()
        .start("127.0.0.1:0")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("other-workload"), "{err}");
}

/// A WebSocket agent that records the headers of each handshake it accepts.
async fn recording_ws_agent() -> (String, Arc<Mutex<Vec<http::HeaderMap>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                // The signature is tungstenite's handshake callback.
                #[allow(clippy::result_large_err)]
                let callback = |request: &WsRequest, response: WsResponse| {
                    record.lock().unwrap().push(request.headers().clone());
                    Ok(response)
                };
                if let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await
                {
                    while let Some(Ok(message)) = socket.next().await {
                        if message.is_close() || socket.send(message).await.is_err() {
                            break;
                        }
                    }
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn websocket_handshakes_carry_a_token_too() {
    let (agent, seen) = recording_ws_agent().await;
    let running = with_identity(Emulator::builder())
        .runtime(ARN, &agent)
        .unwrap()
        .jwt_hs256_secret(JWT_SECRET.to_vec())
        .build()
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let arn = agentcore_contract::RuntimeArn::new(ARN).unwrap();
    let path = agentcore_contract::endpoint::RuntimeOperation::WebSocket.path(&arn);
    let url = format!("ws://{}{path}", running.addr());
    let mut request = url.into_client_request().unwrap();
    let jwt = format!("Bearer {}", user_jwt("alice", 60));
    request
        .headers_mut()
        .insert("authorization", jwt.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket.send(Message::text("hi")).await.unwrap();
    assert_eq!(socket.next().await.unwrap().unwrap(), Message::text("hi"));
    socket.close(None).await.unwrap();
    let headers = seen.lock().unwrap().pop().unwrap();
    let token = headers[WAT_HEADER].to_str().unwrap();
    assert_eq!(claims(token)["user"], "alice");
}

/// Log lines written while a test runs on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// On the current-thread runtime every emulator task runs on this thread, where the
// capturing subscriber is the default.
#[tokio::test(flavor = "current_thread")]
async fn secrets_never_reach_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let world = identity_world(|b| b).await;
    let base = world.url();
    let alice = wat(&base, Some("alice")).await;
    let jwt = user_jwt("carol", 60);
    let body = json!({ "workloadName": WORKLOAD, "userToken": jwt });
    let for_jwt = call(&base, IdentityOperation::GetWorkloadAccessTokenForJwt, body).await;
    assert_eq!(for_jwt.status, 200);
    assert_eq!(api_key(&base, &alice, API_KEY_PROVIDER).await.status, 200);
    assert_eq!(api_key(&base, &alice, "unknown").await.status, 404);
    let mut request = oauth2(&alice, "USER_FEDERATION");
    request["customState"] = "state-secret-123".into();
    request["resourceOauth2ReturnUrl"] = "https://app.example.com/cb".into();
    let asked = call(
        &base,
        IdentityOperation::GetResourceOauth2Token,
        request.clone(),
    )
    .await;
    let (url, session_uri) = consent_asked(&asked);
    // Its id opens the authorization URL: not logged either.
    let session_id = session_uri
        .strip_prefix(SESSION_URI_PREFIX)
        .unwrap()
        .to_owned();
    assert_eq!(send("GET", &url, &[], Vec::new()).await.status, 302);
    let mut unknown = request.clone();
    unknown["sessionUri"] = format!("{session_uri}0").into();
    unknown["forceAuthentication"] = true.into();
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, unknown).await;
    assert_eq!(reply.status, 404);
    let complete = json!({ "userIdentifier": { "userToken": user_jwt("alice", 60) }, "sessionUri": session_uri });
    assert_eq!(
        call(
            &base,
            IdentityOperation::CompleteResourceTokenAuth,
            complete
        )
        .await
        .status,
        200
    );
    let reply = call(&base, IdentityOperation::GetResourceOauth2Token, request).await;
    assert_eq!(reply.json()["accessToken"], OAUTH2_TOKEN);
    let m2m = call(
        &base,
        IdentityOperation::GetResourceOauth2Token,
        oauth2(&alice, "M2M"),
    )
    .await;
    assert_eq!(m2m.status, 200);
    let forged = api_key(&base, "x.y.z", API_KEY_PROVIDER).await;
    assert_eq!(forged.status, 403);
    let invoked = invoke(&base, &[("authorization", &format!("Bearer {jwt}"))]).await;
    let injected = seen_wat(&invoked).unwrap();
    drop(world);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for operation in [
        "GetWorkloadAccessTokenForUserId",
        "GetWorkloadAccessTokenForJWT",
        "GetResourceApiKey",
        "GetResourceOauth2Token",
        "CompleteResourceTokenAuth",
        "AuthorizeUserFederation",
        "InvokeAgentRuntime",
    ] {
        assert!(log.contains(operation), "{operation} is not logged:\n{log}");
    }
    for secret in [
        API_KEY,
        OAUTH2_TOKEN,
        &alice,
        &injected,
        &jwt,
        "state-secret-123",
        session_id.as_str(),
        std::str::from_utf8(JWT_SECRET).unwrap(),
        SECRET_KEY,
    ] {
        assert!(!log.contains(secret), "a secret is in the log:\n{log}");
    }
    // Nor a token's claims or signature alone.
    for token in [&alice, &injected] {
        for part in token.split('.').skip(1) {
            assert!(!log.contains(part), "a token's part is in the log:\n{log}");
        }
    }
}
