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
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
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

/// The headers for the agent: the forwarded ones, custom ones, a bearer token (the agent
/// may validate it), the session and a fresh request id.
fn agent_headers(from: &HeaderMap, session_id: &str) -> HeaderMap {
    let mut to = HeaderMap::new();
    for (name, value) in from {
        let name_str = name.as_str();
        let bearer = name_str == "authorization"
            && value
                .to_str()
                .is_ok_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
        if FORWARDED.contains(&name_str)
            || name_str.starts_with(headers::CUSTOM_HEADER_PREFIX)
            || bearer
        {
            to.append(name.clone(), value.clone());
        }
    }
    if let Ok(session) = HeaderValue::from_str(session_id) {
        to.insert(headers::SESSION_ID, session);
    }
    if let Ok(request_id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        to.insert(headers::REQUEST_ID, request_id);
    }
    to
}

/// Forwards an invocation; the agent's answer streams back as it comes.
pub(crate) async fn invoke(
    client: &AgentClient,
    agent: &str,
    headers: &HeaderMap,
    session_id: &str,
    body: Bytes,
) -> Result<Response<Body>, ServiceError> {
    let mut request = Request::post(format!("{agent}/invocations"))
        .body(Full::new(body))
        .map_err(|err| ServiceError::internal(format!("bad agent URL {agent}: {err}")))?;
    *request.headers_mut() = agent_headers(headers, session_id);
    let response = client.request(request).await.map_err(|err| {
        ServiceError::runtime_client(format!("the agent at {agent} did not answer: {err}"))
    })?;
    let (parts, body) = response.into_parts();
    let mut answer = Response::new(body.map_err(Into::into).boxed_unsync());
    *answer.status_mut() = parts.status;
    for name in ["content-type", "cache-control", headers::MCP_SESSION_ID] {
        if let Some(value) = parts.headers.get(name) {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    Ok(answer)
}

/// Opens the agent's `/ws`, then accepts the caller's upgrade and proxies both ways. An
/// agent that refuses the handshake is answered with its status.
pub(crate) async fn websocket(
    agent: &str,
    headers: &HeaderMap,
    session_id: &str,
    key: &HeaderValue,
    on_upgrade: OnUpgrade,
) -> Result<Response<Body>, ServiceError> {
    let url = format!("{}/ws", agent.replacen("http", "ws", 1));
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|err| ServiceError::internal(format!("bad agent URL {agent}: {err}")))?;
    for (name, value) in agent_headers(headers, session_id) {
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
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(http::header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(
        http::header::CONNECTION,
        HeaderValue::from_static("Upgrade"),
    );
    if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        headers.insert(http::header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    Ok(response)
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
