//! The data-plane routes: `/runtimes/{arn}/invocations|ws|ws/shells|commands|stopruntimesession`,
//! the Identity operations (`/identities/...`) and the authorization URLs they hand out.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use agentcore_contract::identity::IdentityOperation;
use agentcore_contract::{Region, RuntimeArn, SessionId, headers};
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited, StreamBody};
use hyper::body::Incoming;
use percent_encoding::percent_decode_str;
use tokio_stream_shim::ReceiverStream;

use crate::auth;
use crate::body::{Body, full};
use crate::command::{self, CommandRequest};
use crate::config::{Config, MAX_IDENTITY_BODY_BYTES, Runtime};
use crate::error::ServiceError;
use crate::identity::{self, Identity};
use crate::proxy::{self, AgentClient, Call};
use crate::session::Sessions;
use crate::shell::{self, ShellKey, Shells};
use crate::sigv4::{SignedRequest, is_signed, query_pairs, scope_region};

/// What every request shares.
pub(crate) struct State {
    pub(crate) config: Config,
    pub(crate) sessions: Sessions,
    pub(crate) client: AgentClient,
    pub(crate) shells: Arc<Shells>,
    /// Client tokens of stops already done (stopping is idempotent).
    pub(crate) stopped: Mutex<crate::session::StopTokens>,
    pub(crate) identity: Identity,
}

/// The operations on a runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Invocations,
    WebSocket,
    Commands,
    Stop,
    AgentCard,
    Shells,
}

impl Operation {
    /// The service's name of the operation, for logs.
    fn name(self) -> &'static str {
        match self {
            Self::Invocations => "InvokeAgentRuntime",
            Self::WebSocket => "InvokeAgentRuntimeWithWebSocketStream",
            Self::Commands => "InvokeAgentRuntimeCommand",
            Self::Stop => "StopRuntimeSession",
            Self::AgentCard => "GetAgentCard",
            Self::Shells => "InvokeAgentRuntimeCommandShell",
        }
    }
}

/// What the log line of a call names.
#[derive(Default)]
struct Seen {
    /// The service's name of the operation.
    operation: Option<&'static str>,
    runtime: Option<String>,
    session: Option<String>,
}

pub(crate) async fn handle(state: Arc<State>, request: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut seen = Seen::default();
    let mut response = match route(&state, request, &request_id, &mut seen).await {
        Ok(response) => response,
        Err(err) => {
            tracing::warn!(
                request_id,
                operation = seen.operation,
                runtime = seen.runtime,
                session = seen.session,
                status = err.status.as_u16(),
                error = err.kind,
                reason = err.message,
                "refused"
            );
            let mut response = err.into_response();
            // The body may be unread: the connection is not reused.
            response
                .headers_mut()
                .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    tracing::info!(
        request_id,
        operation = seen.operation,
        runtime = seen.runtime,
        session = seen.session,
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_millis() as u64,
        "call"
    );
    response
}

/// The response header carrying the request id, as the service sends it.
const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// The Identity operations and authorization URLs first, then the runtime operations.
async fn route(
    state: &State,
    request: Request<Incoming>,
    request_id: &str,
    seen: &mut Seen,
) -> Result<Response<Body>, ServiceError> {
    let path = request.uri().path();
    if let Some(id) = path.strip_prefix(identity::CONSENT_PATH) {
        seen.operation = Some("AuthorizeUserFederation");
        if request.method() != Method::GET {
            return Err(ServiceError::not_found(format!(
                "no {} operation on {path}",
                request.method()
            )));
        }
        return Ok(state.identity.consent_page(id));
    }
    if let Ok(operation) = path.parse::<IdentityOperation>() {
        seen.operation = Some(operation.name());
        return identity_call(state, operation, request).await;
    }
    runtime_call(state, request, request_id, seen).await
}

/// One Identity operation: `POST`, auth from the head, the rate limit, the bounded body,
/// the signature over it, then the operation.
async fn identity_call(
    state: &State,
    operation: IdentityOperation,
    request: Request<Incoming>,
) -> Result<Response<Body>, ServiceError> {
    let path = request.uri().path().to_owned();
    if request.method() != Method::POST {
        return Err(ServiceError::not_found(format!(
            "no {} operation on {path}",
            request.method()
        )));
    }
    let query = request.uri().query().map(str::to_owned);
    let (parts, body) = request.into_parts();
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: &path,
        query: query.as_deref(),
        headers: &parts.headers,
    };
    // No ARN names a region: a signature is checked for the one its scope names, which
    // must be a valid region.
    let region = scope_region(&signed).unwrap_or_default();
    if is_signed(&signed) && !region.is_empty() && Region::new(region.as_str()).is_err() {
        return Err(ServiceError::access_denied(format!(
            "Credential should be scoped to a valid region, not {region:?}"
        )));
    }
    let now = SystemTime::now();
    let (admission, _) = auth::check_head(&state.config, &region, &signed, now, None)?;
    state.identity.throttle()?;
    let body = read_body(
        &parts.headers,
        body,
        MAX_IDENTITY_BODY_BYTES,
        ServiceError::cannot_parse,
    )
    .await?;
    auth::check_body(&state.config, &region, &signed, now, &admission, &body)?;
    state.identity.serve(operation, &body, now)
}

/// The body, at most `limit` bytes (`too_large` answers a larger one, declared or sent).
async fn read_body(
    headers: &http::HeaderMap,
    body: Incoming,
    limit: usize,
    too_large: fn(String) -> ServiceError,
) -> Result<Bytes, ServiceError> {
    let refused = || too_large(format!("the payload exceeds {limit} bytes"));
    if declared_length(headers).is_some_and(|length| length > limit as u64) {
        return Err(refused());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(refused()),
        Err(err) => Err(ServiceError::validation(format!(
            "the body could not be read: {err}"
        ))),
    }
}

async fn runtime_call(
    state: &State,
    mut request: Request<Incoming>,
    request_id: &str,
    seen: &mut Seen,
) -> Result<Response<Body>, ServiceError> {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let (arn, operation) = parse_path(&path)?;
    seen.operation = Some(operation.name());
    seen.runtime = Some(arn.as_str().to_owned());
    let expected = if matches!(
        operation,
        Operation::WebSocket | Operation::AgentCard | Operation::Shells
    ) {
        Method::GET
    } else {
        Method::POST
    };
    if request.method() != expected {
        return Err(ServiceError::not_found(format!(
            "no {} operation on {path}",
            request.method()
        )));
    }
    let upgrades = matches!(operation, Operation::WebSocket | Operation::Shells);
    let on_upgrade = upgrades.then(|| hyper::upgrade::on(&mut request));
    let (parts, body) = request.into_parts();
    // A browser's bearer token comes as a WebSocket subprotocol (shells only).
    let subprotocols = if operation == Operation::Shells {
        auth::offered_subprotocols(&parts.headers)?
    } else {
        auth::Subprotocols::default()
    };
    // Credentials first, from the head: nothing unauthenticated is read.
    let signed = SignedRequest {
        method: parts.method.as_str(),
        path: &path,
        query: query.as_deref(),
        headers: &parts.headers,
    };
    let now = SystemTime::now();
    let region = arn.region().as_str();
    let (admission, caller) = auth::check_head(
        &state.config,
        region,
        &signed,
        now,
        subprotocols.bearer.as_deref(),
    )?;
    let limit = state.config.max_payload_bytes;
    let body = read_body(&parts.headers, body, limit, ServiceError::validation).await?;
    auth::check_body(&state.config, region, &signed, now, &admission, &body)?;
    let runtime = find_runtime(&state.config, &arn)?;
    let query = query_pairs(query.as_deref());
    let qualifier = query
        .iter()
        .find(|(k, _)| k == "qualifier")
        .map_or("DEFAULT", |(_, v)| v.as_str());
    if !runtime.qualifiers.iter().any(|q| q == qualifier) {
        return Err(ServiceError::not_found(format!(
            "no endpoint {qualifier:?} for runtime {arn}"
        )));
    }
    let sent_session = parts
        .headers
        .get(headers::SESSION_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            query
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(headers::SESSION_ID))
                .map(|(_, v)| v.clone())
        });
    let session_id = match sent_session {
        Some(id) => SessionId::new(id).map_err(|err| ServiceError::validation(err.to_string()))?,
        None if operation == Operation::Stop => {
            return Err(ServiceError::validation(
                "the runtime session id header is required",
            ));
        }
        None => SessionId::new(uuid::Uuid::new_v4().to_string())
            .map_err(|err| ServiceError::internal(err.to_string()))?,
    };
    let session = session_id.as_str();
    seen.session = Some(session.to_owned());
    // An invocation of a runtime that is a workload carries a WAT for the caller's user.
    let workload_access_token = match state.identity.workload_of(&arn) {
        Some(workload) if matches!(operation, Operation::Invocations | Operation::WebSocket) => {
            caller
                .user(&parts.headers)?
                .map(|user| state.identity.invocation_token(workload, user, now))
        }
        _ => None,
    };
    let call = Call {
        agent: &runtime.agent,
        invocation_path: runtime.protocol.invocation_path(),
        session_id: session,
        request_id,
        allowlist: &state.config.forward_headers,
        workload_access_token: workload_access_token.as_deref(),
    };
    let mut response = match operation {
        Operation::Invocations => {
            touch(state, &arn, session).await?;
            let timeout = state.config.agent_timeout;
            proxy::invoke(&state.client, &call, &parts.headers, body, timeout).await?
        }
        Operation::WebSocket => {
            touch(state, &arn, session).await?;
            let key = crate::upgrade::websocket_key(&parts.headers)?;
            let on_upgrade = on_upgrade.ok_or_else(|| ServiceError::internal("no upgrade"))?;
            proxy::websocket(&call, &parts.headers, key, on_upgrade).await?
        }
        Operation::Commands => {
            let command = CommandRequest::parse(&body)?;
            let directory = touch(state, &arn, session).await?;
            let frames = command::spawn(command, directory);
            let stream = ReceiverStream(frames);
            let mut response = Response::new(BodyExt::boxed_unsync(StreamBody::new(stream)));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(headers::AMAZON_EVENTSTREAM),
            );
            response
        }
        Operation::Stop => stop(state, &arn, session, &body).await?,
        Operation::Shells => {
            let shell = shell::shell_id(&query)?;
            let directory = touch(state, &arn, session).await?;
            let on_upgrade = on_upgrade.ok_or_else(|| ServiceError::internal("no upgrade"))?;
            let key = ShellKey {
                runtime: arn.as_str().to_owned(),
                session: session.to_owned(),
                shell,
            };
            shell::connect(
                &state.shells,
                key,
                &directory,
                &parts.headers,
                on_upgrade,
                subprotocols.bearer_offered,
            )?
        }
        Operation::AgentCard => {
            touch(state, &arn, session).await?;
            let timeout = state.config.agent_timeout;
            proxy::agent_card(&state.client, &call, &parts.headers, timeout).await?
        }
    };
    if let Ok(value) = HeaderValue::from_str(session) {
        response.headers_mut().insert(headers::SESSION_ID, value);
    }
    Ok(response)
}

async fn touch(
    state: &State,
    arn: &RuntimeArn,
    session: &str,
) -> Result<std::path::PathBuf, ServiceError> {
    state
        .sessions
        .touch(arn.as_str(), session)
        .await
        .map_err(|err| {
            ServiceError::internal(format!("cannot create the session directory: {err}"))
        })
}

fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

async fn stop(
    state: &State,
    arn: &RuntimeArn,
    session: &str,
    body: &[u8],
) -> Result<Response<Body>, ServiceError> {
    let token = if body.is_empty() {
        None
    } else {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|err| ServiceError::validation(format!("the body is not JSON: {err}")))?;
        value["clientToken"].as_str().map(str::to_owned)
    };
    if let Some(token) = &token {
        let chars = token.chars().count();
        if !(33..=256).contains(&chars) {
            return Err(ServiceError::validation(format!(
                "clientToken must be 33 to 256 characters, got {chars}"
            )));
        }
    }
    // Its shells first (their exit status reaches attached clients), then its directory.
    state.shells.end_session(arn.as_str(), session).await;
    let stopped = state.sessions.stop(arn.as_str(), session).await;
    let mut done = state.stopped.lock().unwrap_or_else(PoisonError::into_inner);
    let repeat = token.as_ref().is_some_and(|t| done.contains(session, t));
    if !stopped && !repeat {
        return Err(ServiceError::not_found(format!(
            "no running session {session}"
        )));
    }
    if let Some(token) = token {
        done.remember(session, &token);
    }
    let mut response = Response::new(full(Bytes::from_static(b"{}")));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

fn find_runtime<'c>(config: &'c Config, arn: &RuntimeArn) -> Result<&'c Runtime, ServiceError> {
    config
        .runtimes
        .iter()
        .find(|runtime| runtime.arn == *arn)
        .ok_or_else(|| ServiceError::not_found(format!("no runtime {arn}")))
}

fn parse_path(path: &str) -> Result<(RuntimeArn, Operation), ServiceError> {
    use agentcore_contract::endpoint::RuntimeOperation;
    let unknown = || ServiceError::not_found(format!("no operation at {path}"));
    let rest = path.strip_prefix("/runtimes/").ok_or_else(unknown)?;
    // The ARN is one percent-encoded segment; the operation is what follows it.
    let (arn, suffix) = rest.split_once('/').ok_or_else(unknown)?;
    let operation = match RuntimeOperation::from_suffix(suffix).ok_or_else(unknown)? {
        RuntimeOperation::Invocations => Operation::Invocations,
        RuntimeOperation::WebSocket => Operation::WebSocket,
        RuntimeOperation::Commands => Operation::Commands,
        RuntimeOperation::StopRuntimeSession => Operation::Stop,
        RuntimeOperation::AgentCard => Operation::AgentCard,
        RuntimeOperation::Shells => Operation::Shells,
        _ => return Err(unknown()),
    };
    let arn = percent_decode_str(arn).decode_utf8_lossy();
    let arn = arn
        .parse()
        .map_err(|err: agentcore_contract::InvalidArn| ServiceError::validation(err.to_string()))?;
    Ok((arn, operation))
}

/// A stream over a channel of frames (what `tokio-stream`'s `ReceiverStream` does).
mod tokio_stream_shim {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use bytes::Bytes;
    use hyper::body::Frame;
    use tokio::sync::mpsc;

    use crate::body::BoxError;

    pub(crate) struct ReceiverStream(pub(crate) mpsc::Receiver<Bytes>);

    impl futures_util::Stream for ReceiverStream {
        type Item = Result<Frame<Bytes>, BoxError>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            self.0
                .poll_recv(cx)
                .map(|frame| frame.map(|bytes| Ok(Frame::data(bytes))))
        }
    }
}
