//! AgentCore Identity's data plane: workload access tokens (WATs) and the token vault
//! (API keys, OAuth2 tokens, `USER_FEDERATION` consent), with the operations, bodies and
//! field rules of the contract ([`agentcore_contract::identity`]).
//!
//! - `GetWorkloadAccessToken*`: a [WAT](wat) for a configured workload, bound to no user,
//!   a user id, or the `sub` of a user JWT verified with the emulator's JWT secret;
//! - `GetResourceApiKey`, `GetResourceOauth2Token`: the configured providers' secrets for
//!   a valid WAT; `USER_FEDERATION` goes through a [consent session](federation) at an
//!   authorization URL the emulator serves itself ([`CONSENT_PATH`]);
//! - `CompleteResourceTokenAuth`: the user who consented releases a session that had a
//!   return URL;
//! - every invocation of a runtime that is a workload carries a WAT for its caller's user
//!   ([`Identity::invocation_token`]).
//!
//! Calls are rate-limited by a [token bucket](throttle). Nothing here logs: the server's
//! log line names the operation, never a token, key or state.

mod federation;
mod throttle;
mod wat;

use std::collections::{HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use agentcore_contract::RuntimeArn;
use agentcore_contract::identity::{
    CompleteResourceTokenAuthRequest, FieldError, GetResourceApiKeyRequest,
    GetResourceApiKeyResponse, GetResourceOauth2TokenRequest, GetResourceOauth2TokenResponse,
    GetWorkloadAccessTokenForJwtRequest, GetWorkloadAccessTokenForUserIdRequest,
    GetWorkloadAccessTokenRequest, IdentityOperation, Oauth2Flow, SESSION_URI_PREFIX,
    SessionStatus, UserIdentifier, WorkloadAccessTokenResponse, check_provider_name,
    check_workload_name,
};
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{MAX_USER_ID_CHARS, subject};
use crate::body::{Body, full};
use crate::config::{Config, IdentityConfig};
use crate::error::ServiceError;
use crate::jwt::verify_hs256;
use federation::{Consent, Federation, Outcome, consent_key};
use throttle::TokenBucket;
use wat::{Bound, Wats};

/// The path of the authorization URLs the emulator hands out (`GET <path><session id>`,
/// the only route without auth: a browser opens it).
pub(crate) const CONSENT_PATH: &str = "/identities/consent/";

/// The longest API key a provider may have (`ApiKeyType` in the service model).
const MAX_API_KEY_CHARS: usize = 65_536;
/// The longest OAuth2 access token a provider may have (`AccessTokenType`).
const MAX_ACCESS_TOKEN_CHARS: usize = 131_072;

/// The page an authorization URL answers once consent is granted (no return URL).
const CONSENT_PAGE: &str = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Consent granted</title></head>\n<body><h1>Consent granted</h1><p>The AgentCore emulator granted the agent access. You can close this window.</p></body></html>\n";
/// What an unknown or expired authorization URL answers.
const UNKNOWN_CONSENT: &str = "This authorization link is unknown or has expired.\n";

/// The Identity data plane of one running emulator.
pub(crate) struct Identity {
    config: IdentityConfig,
    jwt_secret: Option<Vec<u8>>,
    /// Runtime ARN → the workload it is.
    runtimes: HashMap<String, String>,
    wats: Wats,
    throttle: TokenBucket,
    federation: Federation,
    /// `http://<bound address>/identities/consent/`.
    consent_base: String,
}

/// Checks the Identity settings: valid and unique names, non-empty secrets within the
/// model's lengths, runtime workloads naming a runtime and a workload that exist.
fn check(config: &Config) -> Result<(), String> {
    let identity = &config.identity;
    let mut seen = HashSet::new();
    for name in &identity.workloads {
        check_workload_name(name).map_err(|err| format!("workload {name:?}: {err}"))?;
        if !seen.insert(name) {
            return Err(format!("workload {name:?} is given twice"));
        }
    }
    let kinds = [
        ("API key", &identity.api_key_providers, MAX_API_KEY_CHARS),
        ("OAuth2", &identity.oauth2_providers, MAX_ACCESS_TOKEN_CHARS),
    ];
    for (kind, providers, max_chars) in kinds {
        let mut seen = HashSet::new();
        for (name, secret) in providers {
            check_provider_name(name).map_err(|err| format!("{kind} provider {name:?}: {err}"))?;
            if !seen.insert(name) {
                return Err(format!("{kind} provider {name:?} is given twice"));
            }
            if !(1..=max_chars).contains(&secret.chars().count()) {
                return Err(format!(
                    "{kind} provider {name:?}: its secret must have 1 to {max_chars} characters"
                ));
            }
        }
    }
    let mut seen = HashSet::new();
    for (arn, workload) in &identity.runtime_workloads {
        let parsed: RuntimeArn = arn
            .parse()
            .map_err(|err| format!("runtime workload {arn}: {err}"))?;
        if !config.runtimes.iter().any(|runtime| runtime.arn == parsed) {
            return Err(format!("runtime workload {arn}: no such runtime is served"));
        }
        if !identity.workloads.contains(workload) {
            return Err(format!(
                "runtime workload {arn}: no workload {workload:?} is configured"
            ));
        }
        if !seen.insert(parsed) {
            return Err(format!("runtime workload {arn} is given twice"));
        }
    }
    Ok(())
}

/// The request body as `T`; a data error names its place, never a value (a token put in
/// the wrong member must not reach a log).
fn parse<T: DeserializeOwned>(
    operation: IdentityOperation,
    body: &[u8],
) -> Result<T, ServiceError> {
    serde_json::from_slice(body).map_err(|err| {
        let text = err.to_string();
        let detail = if text.starts_with("missing field") {
            text
        } else {
            format!(
                "{:?} error at line {} column {}",
                err.classify(),
                err.line(),
                err.column()
            )
        };
        ServiceError::cannot_parse(format!(
            "the body is not a {} request: {detail}",
            operation.name()
        ))
    })
}

/// A field that breaks the model's rules, as the service answers it.
fn invalid(err: FieldError) -> ServiceError {
    ServiceError::invalid_field(err.field, err.message)
}

/// A `200 application/json` answer.
fn json(value: &impl Serialize) -> Result<Response<Body>, ServiceError> {
    let body = serde_json::to_vec(value)
        .map_err(|err| ServiceError::internal(format!("cannot encode the answer: {err}")))?;
    let mut response = Response::new(full(body));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// A page of `text` with this status and content type.
fn page(status: StatusCode, content_type: &'static str, text: &'static str) -> Response<Body> {
    let mut response = Response::new(full(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    response
}

/// The secret of provider `name`.
fn secret<'a>(providers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    providers
        .iter()
        .find(|(provider, _)| provider == name)
        .map(|(_, secret)| secret.as_str())
}

/// The user a WAT is bound to, which `flow` needs.
fn user_of(bound: &Bound, flow: Oauth2Flow) -> Result<&str, ServiceError> {
    bound.user.as_deref().ok_or_else(|| {
        ServiceError::invalid_field(
            "workloadIdentityToken",
            format!(
                "{flow} needs a workload access token for a user (GetWorkloadAccessTokenForJWT or GetWorkloadAccessTokenForUserId)"
            ),
        )
    })
}

impl Identity {
    /// The Identity data plane of an emulator bound to `addr`, with a new random key for
    /// its WATs.
    ///
    /// # Errors
    /// `InvalidInput` for settings [`check`] refuses; another error when the operating
    /// system gives no random bytes.
    pub(crate) fn new(config: &Config, addr: SocketAddr) -> io::Result<Self> {
        check(config).map_err(|message| io::Error::new(io::ErrorKind::InvalidInput, message))?;
        let identity = &config.identity;
        let mut runtimes = HashMap::new();
        for runtime in &config.runtimes {
            let arn = runtime.arn.as_str();
            let explicit = identity
                .runtime_workloads
                .iter()
                .find(|(given, _)| given.parse::<RuntimeArn>().is_ok_and(|a| a == runtime.arn))
                .map(|(_, workload)| workload.clone());
            let only = match identity.workloads.as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            };
            if let Some(workload) = explicit.or(only) {
                runtimes.insert(arn.to_owned(), workload);
            }
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|err| {
            io::Error::other(format!("no random key for workload access tokens: {err}"))
        })?;
        // A browser cannot open an unspecified address: loopback stands in for it.
        let mut shown = addr;
        if shown.ip().is_unspecified() {
            shown.set_ip(match addr {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        Ok(Self {
            jwt_secret: config.jwt_secret.clone(),
            runtimes,
            wats: Wats::new(key, identity.wat_lifetime),
            throttle: TokenBucket::new(identity.rate_limit, Instant::now()),
            federation: Federation::new(identity.session_lifetime, identity.max_sessions),
            consent_base: format!("http://{shown}{CONSENT_PATH}"),
            config: identity.clone(),
        })
    }

    /// Counts one Identity call against the rate limit.
    ///
    /// # Errors
    /// 429 `ThrottlingException` when the bucket is empty.
    pub(crate) fn throttle(&self) -> Result<(), ServiceError> {
        if self.throttle.take(Instant::now()) {
            Ok(())
        } else {
            Err(ServiceError::throttling("Rate exceeded"))
        }
    }

    /// The workload runtime `arn` is, if any.
    pub(crate) fn workload_of(&self, arn: &RuntimeArn) -> Option<&str> {
        self.runtimes.get(arn.as_str()).map(String::as_str)
    }

    /// The WAT an invocation of `workload` by `user` carries (reused while fresh).
    pub(crate) fn invocation_token(&self, workload: &str, user: &str, now: SystemTime) -> String {
        self.wats.for_invocation(workload, user, now)
    }

    /// Answers one Identity operation with this (authenticated, bounded) body.
    pub(crate) fn serve(
        &self,
        operation: IdentityOperation,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Response<Body>, ServiceError> {
        match operation {
            IdentityOperation::GetWorkloadAccessToken => {
                let request: GetWorkloadAccessTokenRequest = parse(operation, body)?;
                request.validate().map_err(invalid)?;
                let workload = self.workload(&request.workload_name)?;
                json(&WorkloadAccessTokenResponse::new(
                    self.wats.mint(workload, None, now),
                ))
            }
            IdentityOperation::GetWorkloadAccessTokenForUserId => {
                let request: GetWorkloadAccessTokenForUserIdRequest = parse(operation, body)?;
                request.validate().map_err(invalid)?;
                let workload = self.workload(&request.workload_name)?;
                json(&WorkloadAccessTokenResponse::new(self.wats.mint(
                    workload,
                    Some(&request.user_id),
                    now,
                )))
            }
            IdentityOperation::GetWorkloadAccessTokenForJwt => {
                let request: GetWorkloadAccessTokenForJwtRequest = parse(operation, body)?;
                request.validate().map_err(invalid)?;
                let workload = self.workload(&request.workload_name)?;
                let user = self.user_of_token(&request.user_token, now)?;
                json(&WorkloadAccessTokenResponse::new(self.wats.mint(
                    workload,
                    Some(&user),
                    now,
                )))
            }
            IdentityOperation::GetResourceApiKey => {
                let request: GetResourceApiKeyRequest = parse(operation, body)?;
                request.validate().map_err(invalid)?;
                self.verify(&request.workload_identity_token, now)?;
                let name = &request.resource_credential_provider_name;
                let key = secret(&self.config.api_key_providers, name).ok_or_else(|| {
                    ServiceError::not_found(format!("no API key credential provider {name:?}"))
                })?;
                json(&GetResourceApiKeyResponse::new(key))
            }
            IdentityOperation::GetResourceOauth2Token => {
                let request: GetResourceOauth2TokenRequest = parse(operation, body)?;
                request.validate().map_err(invalid)?;
                json(&self.oauth2_token(&request, now)?)
            }
            IdentityOperation::CompleteResourceTokenAuth => {
                let request: CompleteResourceTokenAuthRequest = parse(operation, body)?;
                request.validate().map_err(invalid)?;
                let user = match &request.user_identifier {
                    UserIdentifier::UserId(id) => id.clone(),
                    UserIdentifier::UserToken(token) => self.user_of_token(token, now)?,
                    _ => {
                        return Err(ServiceError::cannot_parse(
                            "userIdentifier must be userId or userToken",
                        ));
                    }
                };
                self.federation
                    .complete(&request.session_uri, &user, Instant::now())?;
                json(&serde_json::json!({}))
            }
            _ => Err(ServiceError::not_found(format!(
                "the emulator does not serve {}",
                operation.name()
            ))),
        }
    }

    /// `GetResourceOauth2Token` for a valid request.
    fn oauth2_token(
        &self,
        request: &GetResourceOauth2TokenRequest,
        now: SystemTime,
    ) -> Result<GetResourceOauth2TokenResponse, ServiceError> {
        let bound = self.verify(&request.workload_identity_token, now)?;
        let provider = &request.resource_credential_provider_name;
        let token = secret(&self.config.oauth2_providers, provider).ok_or_else(|| {
            ServiceError::not_found(format!("no OAuth2 credential provider {provider:?}"))
        })?;
        let flow = request.oauth2_flow;
        match flow {
            Oauth2Flow::M2m => {}
            Oauth2Flow::OnBehalfOfTokenExchange => {
                user_of(&bound, flow)?;
            }
            Oauth2Flow::UserFederation => {
                let user = user_of(&bound, flow)?;
                let asked = federation::Request {
                    key: consent_key(&bound.workload, user, provider, &request.scopes),
                    user,
                    session_uri: request.session_uri.as_deref(),
                    force_authentication: request.force_authentication == Some(true),
                    return_url: request.resource_oauth2_return_url.as_deref(),
                    custom_state: request.custom_state.as_deref(),
                };
                if let Outcome::Pending(id) = self.federation.request(&asked, Instant::now())? {
                    let mut answer = GetResourceOauth2TokenResponse::default();
                    answer.authorization_url = Some(format!("{}{id}", self.consent_base));
                    answer.session_uri = Some(format!("{SESSION_URI_PREFIX}{id}"));
                    answer.session_status = Some(SessionStatus::InProgress);
                    return Ok(answer);
                }
            }
            _ => {
                return Err(ServiceError::invalid_field(
                    "oauth2Flow",
                    format!("the emulator does not serve the {flow} flow"),
                ));
            }
        }
        Ok(GetResourceOauth2TokenResponse::token(token))
    }

    /// The authorization URL of session `id` opened (`GET`, no auth): consent granted,
    /// answered with a page, or a `302` to the request's return URL; `404` for a session
    /// that is unknown or expired.
    pub(crate) fn consent_page(&self, id: &str) -> Response<Body> {
        match self.federation.consent(id, Instant::now()) {
            Consent::Unknown => page(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                UNKNOWN_CONSENT,
            ),
            Consent::Granted => page(StatusCode::OK, "text/html; charset=utf-8", CONSENT_PAGE),
            Consent::Redirect(location) => match HeaderValue::from_str(&location) {
                Ok(location) => {
                    let mut response = Response::new(full(Bytes::new()));
                    *response.status_mut() = StatusCode::FOUND;
                    response
                        .headers_mut()
                        .insert(http::header::LOCATION, location);
                    response
                }
                Err(_) => ServiceError::internal("the return URL cannot be sent as a header")
                    .into_response(),
            },
        }
    }

    /// The configured workload `name`.
    fn workload(&self, name: &str) -> Result<&str, ServiceError> {
        self.config
            .workloads
            .iter()
            .find(|workload| *workload == name)
            .map(String::as_str)
            .ok_or_else(|| ServiceError::not_found(format!("no workload identity {name:?}")))
    }

    /// A WAT of this process for a configured workload.
    fn verify(&self, token: &str, now: SystemTime) -> Result<Bound, ServiceError> {
        self.wats.verify(token, now, |workload| {
            self.config.workloads.iter().any(|w| w == workload)
        })
    }

    /// The user of a user JWT: its `sub`, once verified with the emulator's JWT secret.
    fn user_of_token(&self, token: &str, now: SystemTime) -> Result<String, ServiceError> {
        let secret = self.jwt_secret.as_deref().ok_or_else(|| {
            ServiceError::access_denied(
                "the emulator verifies user tokens with its JWT secret (--jwt-secret), and none is configured",
            )
        })?;
        let claims = verify_hs256(token, secret, now)
            .map_err(|why| ServiceError::access_denied(format!("invalid user token: {why}")))?;
        subject(&claims).ok_or_else(|| {
            ServiceError::access_denied(format!(
                "the user token has no sub claim of 1 to {MAX_USER_ID_CHARS} characters"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(configure: impl FnOnce(crate::EmulatorBuilder) -> crate::EmulatorBuilder) -> Config {
        let builder = crate::Emulator::builder()
            .runtime(
                "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/a",
                "http://127.0.0.1:1",
            )
            .unwrap();
        configure(builder).build().config
    }

    fn refusal(configure: impl FnOnce(crate::EmulatorBuilder) -> crate::EmulatorBuilder) -> String {
        check(&config(configure)).unwrap_err()
    }

    #[test]
    fn settings_are_checked_at_start() {
        assert!(check(&config(|b| b.workload("ok-1").api_key_provider("k", "v"))).is_ok());
        assert!(refusal(|b| b.workload("x")).contains("workloadName"));
        assert!(refusal(|b| b.workload("abc").workload("abc")).contains("twice"));
        assert!(refusal(|b| b.api_key_provider("a.b", "v")).contains("API key provider"));
        assert!(refusal(|b| b.oauth2_provider("p", "")).contains("1 to 131072"));
        assert!(
            refusal(|b| b.oauth2_provider("p", "t").oauth2_provider("p", "u")).contains("twice")
        );
        let arn = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/a";
        assert!(refusal(|b| b.workload("abc").runtime_workload("nope", "abc")).contains("nope"));
        assert!(
            refusal(|b| b
                .workload("abc")
                .runtime_workload(arn.replace("/a", "/b"), "abc"))
            .contains("no such runtime")
        );
        assert!(refusal(|b| b.workload("abc").runtime_workload(arn, "xyz")).contains("\"xyz\""));
    }

    #[test]
    fn a_runtime_is_the_only_workload_or_the_one_named() {
        let addr: SocketAddr = "0.0.0.0:9090".parse().unwrap();
        let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/a"
            .parse()
            .unwrap();
        let one = Identity::new(&config(|b| b.workload("only")), addr).unwrap();
        assert_eq!(one.workload_of(&arn), Some("only"));
        assert_eq!(
            one.consent_base,
            "http://127.0.0.1:9090/identities/consent/"
        );
        let two = Identity::new(&config(|b| b.workload("one").workload("two")), addr).unwrap();
        assert_eq!(two.workload_of(&arn), None);
        let named = config(|b| {
            b.workload("one")
                .workload("two")
                .runtime_workload(arn.as_str(), "two")
        });
        assert_eq!(
            Identity::new(&named, addr).unwrap().workload_of(&arn),
            Some("two")
        );
        let invalid = Identity::new(&config(|b| b.workload("x")), addr)
            .err()
            .unwrap();
        assert_eq!(invalid.kind(), io::ErrorKind::InvalidInput);
    }
}
