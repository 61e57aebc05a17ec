//! Opening (and reopening) the WebSocket of one shell: its address, its auth, the frame
//! limit, and the reconnect loop.

use agentcore_contract::shell::{MAX_FRAME_BYTES, SHELL_ID_HEADER, ShellId};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::reconnect::ReconnectPolicy;
use crate::client::RuntimeClient;
use crate::error::Error;
use crate::session::RuntimeSession;
use crate::ws::{Auth, WsStream, presigned_request};

/// Everything needed to open the shell's WebSocket again.
#[derive(Debug)]
pub(crate) struct Connector {
    client: RuntimeClient,
    session: RuntimeSession,
    shell_id: ShellId,
    auth: Auth,
}

impl Connector {
    pub(crate) fn new(
        client: RuntimeClient,
        session: RuntimeSession,
        shell_id: ShellId,
        auth: Auth,
    ) -> Self {
        Self {
            client,
            session,
            shell_id,
            auth,
        }
    }

    pub(crate) fn shell_id(&self) -> &ShellId {
        &self.shell_id
    }

    pub(crate) fn session_id(&self) -> &str {
        self.session.session_id().as_str()
    }

    /// One attempt: a fresh signature (or presigned URL) each time, frames over the
    /// 64 KiB limit refused by tungstenite before they are buffered.
    pub(crate) async fn connect(&self) -> Result<WsStream, Error> {
        let (client, session, shell_id) = (&self.client, &self.session, &self.shell_id);
        let request = match &self.auth {
            Auth::SigV4 => client
                .shell_sigv4_headers(session, shell_id)
                .await?
                .into_http(),
            Auth::Bearer(token) => client.shell_oauth(session, shell_id, token)?.into_http(),
            Auth::Presigned(presign) => presigned_request(
                client
                    .shell_presigned_url(session, shell_id, presign)
                    .await?,
            )?,
        };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES));
        let (stream, response) = client.open_websocket(request, Some(config)).await?;
        if let Some(attached) = response.headers().get(SHELL_ID_HEADER)
            && attached.as_bytes() != self.shell_id.as_str().as_bytes()
        {
            tracing::debug!(?attached, asked = %self.shell_id, "the runtime attached another shell id");
        }
        Ok(stream)
    }

    /// Attempts by `policy` until one succeeds, a refusal that no retry can change, or
    /// the policy's window passes. The stream and how many attempts it took.
    pub(crate) async fn reconnect(
        &self,
        policy: ReconnectPolicy,
    ) -> Result<(WsStream, u32), Error> {
        let started = tokio::time::Instant::now();
        let mut attempts = 0;
        loop {
            for attempt in 1..=policy.max_retries() {
                attempts += 1;
                let error = match self.connect().await {
                    Ok(stream) => return Ok((stream, attempts)),
                    Err(err) if !retryable(&err) => return Err(err),
                    Err(err) => err,
                };
                tracing::debug!(%error, attempt, "shell reconnect attempt failed");
                let left = policy.window().saturating_sub(started.elapsed());
                if left.is_zero() {
                    return Err(error);
                }
                let pause = if attempt < policy.max_retries() {
                    policy.backoff(attempt, fastrand::f64())
                } else {
                    policy.round_delay()
                };
                tokio::time::sleep(pause.min(left)).await;
                if started.elapsed() >= policy.window() {
                    return Err(error);
                }
            }
            if policy.max_retries() == 0 {
                return Err(Error::ShellClosed);
            }
        }
    }
}

/// Whether another attempt may succeed: a network failure, a timeout, or an answer the
/// service gives while it is busy (408, 409, 424, 429, 5xx); not a refused credential
/// or a malformed request.
fn retryable(err: &Error) -> bool {
    match err.status() {
        Some(status) => matches!(status, 408 | 409 | 424 | 429 | 500..=599),
        None => err.is_transport() || err.is_timeout() || matches!(err, Error::WebSocket(_)),
    }
}
