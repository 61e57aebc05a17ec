//! `StopRuntimeSession`, retried with jittered backoff (it is idempotent).

use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::headers::APPLICATION_JSON;
use serde_json::json;

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::request::Call;
use crate::request::CallOptions;
use crate::session::RuntimeSession;
use crate::transport::MAX_ERROR_BODY_BYTES;
use crate::transport::RetryPolicy;
use crate::ws::Auth;

/// Client tokens are 33 to 256 characters.
const TOKEN_CHARS: std::ops::RangeInclusive<usize> = 33..=256;

impl RuntimeClient {
    /// Stops the session. `client_token` (33 to 256 characters) makes retries
    /// idempotent; a UUIDv4 is generated when none is given, and the same token is sent
    /// on every attempt. Throttling, 5xx answers, transport failures and timeouts are
    /// retried as the client's [`RetryPolicy`](crate::RetryPolicy) says.
    pub(crate) async fn stop_runtime_session_with(
        &self,
        session: &RuntimeSession,
        auth: &Auth,
        client_token: Option<&str>,
        options: &CallOptions,
        policy: RetryPolicy,
    ) -> Result<(), Error> {
        let token = match client_token {
            Some(token) if TOKEN_CHARS.contains(&token.chars().count()) => token.to_owned(),
            Some(_) => {
                return Err(Error::InvalidOption(
                    "a client token has 33 to 256 characters".into(),
                ));
            }
            None => uuid::Uuid::new_v4().to_string(),
        };
        let call = Call {
            operation: RuntimeOperation::StopRuntimeSession,
            body: json!({ "clientToken": token }).to_string().into(),
            content_type: Some(APPLICATION_JSON),
            accept: None,
            options,
            read_timeout: options.timeout.unwrap_or(self.read_timeout()),
        };
        let mut attempt = 1;
        loop {
            let result = match self.send(session, auth, &call).await {
                Ok((_head, body)) => body.prefix(MAX_ERROR_BODY_BYTES).await.map(drop),
                Err(e) => Err(e),
            };
            match result {
                Err(e) if e.is_retryable() && attempt < policy.max_attempts => {
                    let delay = policy.delay(attempt - 1);
                    tracing::debug!(error = %e, attempt, ?delay, "retrying StopRuntimeSession");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}
