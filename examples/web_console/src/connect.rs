//! `POST /api/connect`: a short-lived URL the page opens its own WebSocket with.
//!
//! The AWS credentials stay here: the page gets a presigned URL, valid for
//! `PRESIGN_EXPIRES_SECS`, for the agent's `/ws` (the chat) or for a shell. Only for a
//! shell, and only when there are no credentials to presign with but a bearer token is
//! configured, the answer carries the token itself (as a WebSocket subprotocol).

use agentcore_client::contract::shell::ShellId;
use agentcore_client::{Presign, RuntimeClient, RuntimeSession};
use serde::{Deserialize, Serialize};

use crate::config::Config;

/// The shell a page attaches to when it names none.
const DEFAULT_SHELL_ID: &str = "web-console";

/// What the page asks for.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ConnectRequest {
    /// `chat` (the agent's `/ws`, the default) or `shell`.
    #[serde(default)]
    target: Target,
    /// The runtime session to stay in; a new one when absent.
    session_id: Option<String>,
    /// The shell to attach to (`shell` only); `web-console` when absent.
    shell_id: Option<String>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Target {
    #[default]
    Chat,
    Shell,
}

/// What the page opens: `new WebSocket(url, protocols)`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Grant {
    /// `chat` or `shell`.
    pub(crate) target: &'static str,
    url: String,
    /// Empty for a presigned URL; the bearer subprotocols for an OAuth shell.
    protocols: Vec<String>,
    /// `presigned` or `oauth`.
    pub(crate) auth: &'static str,
    pub(crate) session_id: String,
    /// How long a presigned URL opens a socket; absent for OAuth (the token's own expiry).
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in_secs: Option<u64>,
}

/// Why no URL was minted.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// The request was wrong (a bad session or shell id): 400.
    BadRequest(String),
    /// Signing failed (no credentials, say): 502. The reason goes to the log only.
    Unavailable(agentcore_client::Error),
}

/// Mints URLs for one runtime with the backend's client.
pub(crate) struct Minter {
    client: RuntimeClient,
    config: Config,
}

impl Minter {
    pub(crate) fn new(client: RuntimeClient, config: Config) -> Minter {
        Minter { client, config }
    }

    pub(crate) async fn mint(&self, request: ConnectRequest) -> Result<Grant, ConnectError> {
        let bad = |e: &dyn std::fmt::Display| ConnectError::BadRequest(e.to_string());
        let mut session = RuntimeSession::new(self.config.arn.clone());
        if let Some(id) = &request.session_id {
            session = session.with_session_id(id.parse().map_err(|e| bad(&e))?);
        }
        let session_id = session.session_id().as_str().to_owned();
        let presign = Presign::new(self.config.expires);
        let target = if request.target == Target::Chat {
            "chat"
        } else {
            "shell"
        };
        let presigned = |url: String| Grant {
            target,
            url,
            protocols: Vec::new(),
            auth: "presigned",
            session_id: session_id.clone(),
            expires_in_secs: Some(self.config.expires.as_secs()),
        };
        if request.target == Target::Chat {
            let url = self.client.presigned_url(&session).presign(presign);
            let url = url.send().await.map_err(ConnectError::Unavailable)?;
            return Ok(presigned(url.into_string()));
        }
        let shell_id = request.shell_id.as_deref().unwrap_or(DEFAULT_SHELL_ID);
        let shell_id: ShellId = shell_id.parse().map_err(|e| bad(&e))?;
        let signed = self
            .client
            .shell_presigned_url(&session, &shell_id, &presign)
            .await;
        match (signed, &self.config.bearer_token) {
            (Ok(url), _) => Ok(presigned(url.into_string())),
            (Err(_), Some(token)) => {
                let request = self.client.shell_oauth(&session, &shell_id, token);
                let request = request.map_err(ConnectError::Unavailable)?;
                Ok(Grant {
                    target,
                    url: request.url().to_owned(),
                    protocols: request
                        .subprotocols()
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    auth: "oauth",
                    session_id,
                    expires_in_secs: None,
                })
            }
            (Err(e), None) => Err(ConnectError::Unavailable(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_as_the_page_sends_them() {
        let chat: ConnectRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(chat.target, Target::Chat);
        let shell: ConnectRequest =
            serde_json::from_str(r#"{"target":"shell","sessionId":"s","shellId":"x"}"#).unwrap();
        assert_eq!(shell.target, Target::Shell);
        assert_eq!(shell.shell_id.as_deref(), Some("x"));
        assert!(serde_json::from_str::<ConnectRequest>(r#"{"target":"exec"}"#).is_err());
        assert!(serde_json::from_str::<ConnectRequest>(r#"{"url":"x"}"#).is_err());
    }
}
