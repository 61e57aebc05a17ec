//! Forwarding to the agent: invocations streamed through, WebSockets proxied both ways.

use std::time::Duration;

use agentcore_contract::headers;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::upgrade::OnUpgrade;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::body::{Body, full};
use crate::error::ServiceError;

/// The HTTP client that reaches agents.
pub(crate) type AgentClient = Client<HttpConnector, Full<Bytes>>;

/// How long a proxied close handshake may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Request headers the service passes on to the agent.
const FORWARDED: [&str; 10] = [
    "content-type",
    "accept",
    headers::USER_ID,
    headers::TRACE_ID,
    headers::TRACEPARENT,
    headers::TRACESTATE,
    headers::BAGGAGE,
    headers::MCP_SESSION_ID,
    headers::MCP_PROTOCOL_VERSION,
    "user-agent",
];

/// What a call to the agent carries besides the caller's headers.
pub(crate) struct Call<'a> {
    pub(crate) agent: &'a str,
    /// The agent's path for invocations: `/invocations`, or `/mcp` for an MCP server.
    pub(crate) invocation_path: &'static str,
    pub(crate) session_id: &'a str,
    /// The request id: the agent's `X-Amzn-Bedrock-AgentCore-Runtime-Request-Id` and the
    /// caller's `x-amzn-requestid`.
    pub(crate) request_id: &'a str,
    /// Lower-case names of further headers to forward (the runtime's allowlist).
    pub(crate) allowlist: &'a [String],
    /// The workload access token the agent gets, when the runtime is a workload and the
    /// caller names a user.
    pub(crate) workload_access_token: Option<&'a str>,
}

/// The headers for the agent: the contract's forwarded ones, custom ones, those the
/// allowlist names (`Authorization` only then, as the service), the session, the request
/// id and the emulator's workload access token. A workload access token the caller sent
/// (under either name) never reaches the agent, allowlisted or not.
fn agent_headers(from: &HeaderMap, call: &Call<'_>) -> HeaderMap {
    let mut to = HeaderMap::new();
    for (name, value) in from {
        let name_str = name.as_str();
        let caller_wat = matches!(
            name_str,
            headers::WORKLOAD_ACCESS_TOKEN | headers::WORKLOAD_ACCESS_TOKEN_LEGACY
        );
        if !caller_wat
            && (FORWARDED.contains(&name_str)
                || name_str.starts_with(headers::CUSTOM_HEADER_PREFIX)
                || call.allowlist.iter().any(|allowed| allowed == name_str))
        {
            to.append(name.clone(), value.clone());
        }
    }
    if let Some(token) = call.workload_access_token
        && let Ok(token) = HeaderValue::from_str(token)
    {
        to.insert(headers::WORKLOAD_ACCESS_TOKEN, token);
    }
    if let Ok(session) = HeaderValue::from_str(call.session_id) {
        to.insert(headers::SESSION_ID, session);
    }
    if let Ok(request_id) = HeaderValue::from_str(call.request_id) {
        to.insert(headers::REQUEST_ID, request_id);
    }
    to
}

/// The service's answer to an agent that answered with a non-2xx status.
pub(crate) fn agent_failed(status: StatusCode) -> ServiceError {
    ServiceError::runtime_client(format!(
        "Received error ({}) from runtime. Please check your CloudWatch logs for more information.",
        status.as_u16()
    ))
}

/// Answer headers the service passes back to the caller besides its own.
const ANSWERED: [&str; 4] = [
    "content-type",
    "cache-control",
    headers::MCP_SESSION_ID,
    headers::MCP_PROTOCOL_VERSION,
];

/// Forwards an invocation (to `/invocations`, or an MCP server's `/mcp`); the agent's
/// answer streams back as it comes, with its status (a `202` for an MCP notification).
/// A non-2xx answer, an agent that cannot be reached, or one that does not answer within
/// `timeout`, is a `424 RuntimeClientError`, each with its own message.
pub(crate) async fn invoke(
    client: &AgentClient,
    call: &Call<'_>,
    headers: &HeaderMap,
    body: Bytes,
    timeout: Duration,
) -> Result<Response<Body>, ServiceError> {
    let url = format!("{}{}", call.agent, call.invocation_path);
    let request = Request::post(url).body(Full::new(body));
    let response = send_to_agent(client, call, headers, request, timeout).await?;
    let (parts, body) = response.into_parts();
    let mut answer = Response::new(body.map_err(Into::into).boxed_unsync());
    *answer.status_mut() = parts.status;
    for name in ANSWERED {
        if let Some(value) = parts.headers.get(name) {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    Ok(answer)
}

/// Sends `request` to the agent with the call's headers; the agent's 2xx answer, or the
/// `424 RuntimeClientError` the service gives for a non-2xx answer, an agent that cannot
/// be reached, or one that does not answer within `timeout` (each its own message).
async fn send_to_agent(
    client: &AgentClient,
    call: &Call<'_>,
    headers: &HeaderMap,
    request: Result<Request<Full<Bytes>>, http::Error>,
    timeout: Duration,
) -> Result<Response<hyper::body::Incoming>, ServiceError> {
    let agent = call.agent;
    let mut request =
        request.map_err(|err| ServiceError::internal(format!("bad agent URL {agent}: {err}")))?;
    *request.headers_mut() = agent_headers(headers, call);
    let response = match tokio::time::timeout(timeout, client.request(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(err)) if err.is_connect() => {
            return Err(ServiceError::runtime_client(format!(
                "The runtime is not reachable: the agent at {agent} refused the connection ({err})."
            )));
        }
        Ok(Err(err)) => {
            return Err(ServiceError::runtime_client(format!(
                "The runtime failed to answer: the agent at {agent} closed the connection ({err})."
            )));
        }
        Err(_) => {
            return Err(ServiceError::runtime_client(format!(
                "The runtime did not answer within {} seconds.",
                timeout.as_secs()
            )));
        }
    };
    if !response.status().is_success() {
        return Err(agent_failed(response.status()));
    }
    Ok(response)
}

/// Fetches the agent's A2A agent card (`/.well-known/agent-card.json`); a failure is a
/// `424 RuntimeClientError` as for invocations.
pub(crate) async fn agent_card(
    client: &AgentClient,
    call: &Call<'_>,
    headers: &HeaderMap,
    timeout: Duration,
) -> Result<Response<Body>, ServiceError> {
    let url = format!("{}/.well-known/agent-card.json", call.agent);
    let request = Request::get(url).body(Full::new(Bytes::new()));
    let response = send_to_agent(client, call, headers, request, timeout).await?;
    let (parts, body) = response.into_parts();
    let mut answer = Response::new(body.map_err(Into::into).boxed_unsync());
    if let Some(value) = parts.headers.get("content-type") {
        answer.headers_mut().insert("content-type", value.clone());
    }
    Ok(answer)
}

/// Opens the agent's `/ws`, then accepts the caller's upgrade and proxies both ways. An
/// agent that refuses the handshake is answered with its status.
pub(crate) async fn websocket(
    call: &Call<'_>,
    headers: &HeaderMap,
    key: &HeaderValue,
    on_upgrade: OnUpgrade,
) -> Result<Response<Body>, ServiceError> {
    let agent = call.agent;
    let url = format!("{}/ws", agent.replacen("http", "ws", 1));
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|err| ServiceError::internal(format!("bad agent URL {agent}: {err}")))?;
    for (name, value) in agent_headers(headers, call) {
        if let Some(name) = name
            && !matches!(name.as_str(), "content-type" | "accept")
        {
            request.headers_mut().insert(name, value);
        }
    }
    let agent_socket = match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => socket,
        Err(tungstenite::Error::Http(refused)) => {
            let status = refused.status();
            let body = refused.into_body().unwrap_or_default();
            let mut response = Response::new(full(body));
            *response.status_mut() = status;
            return Ok(response);
        }
        Err(err) => {
            return Err(ServiceError::runtime_client(format!(
                "the agent's WebSocket at {url} failed: {err}"
            )));
        }
    };
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let caller =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            pump(caller, agent_socket).await;
        }
    });
    Ok(crate::upgrade::switching_protocols(key))
}

/// Copies messages both ways; a close from either side is passed on with its code.
async fn pump<A, B>(mut caller: WebSocketStream<A>, mut agent: WebSocketStream<B>)
where
    A: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    B: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let done = tokio::select! {
            message = caller.next() => forward(message, &mut agent).await,
            message = agent.next() => forward(message, &mut caller).await,
        };
        if done {
            break;
        }
    }
    // Finish both closing handshakes.
    let drain = async {
        tokio::join!(
            async { while let Some(Ok(_)) = caller.next().await {} },
            async { while let Some(Ok(_)) = agent.next().await {} },
        )
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, drain).await;
}

/// Passes one message on; `true` when the session is over.
async fn forward<S>(
    message: Option<Result<Message, tungstenite::Error>>,
    to: &mut WebSocketStream<S>,
) -> bool
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    match message {
        Some(Ok(Message::Close(frame))) => {
            let _ = to.send(Message::Close(frame)).await;
            true
        }
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => false,
        Some(Ok(message)) => to.send(message).await.is_err(),
        None | Some(Err(_)) => {
            let _ = to.close(None).await;
            true
        }
    }
}
