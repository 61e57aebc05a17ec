//! What the emulator of `agentcore dev` accepts: a bearer token made for this run, and the
//! caller's AWS credentials when the standard chain has some. Secrets are wrapped so
//! that no `Debug` shows them; the token is shown only in the `export` line.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;

/// A secret string: `Debug` never shows it, and there is no `Display`.
pub(crate) struct Secret(String);

impl Secret {
    /// A new bearer token: 32 bytes from the operating system's generator, in hex.
    pub(crate) fn token() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// The secret itself, for the emulator's configuration and the export line.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The caller's AWS credentials, as the standard chain gave them at start.
#[derive(Debug)]
pub(crate) struct AwsCredentials {
    pub(crate) access_key: String,
    pub(crate) secret_key: Secret,
    pub(crate) session_token: Option<Secret>,
    /// When temporary credentials expire (and a client's next ones are refused).
    pub(crate) expiry: Option<SystemTime>,
}

/// How long the chain may take (instance metadata and SSO are network calls).
const LOAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The caller's credentials from the standard AWS chain, loaded as `agentcore-client`
/// loads them (`RuntimeClient::builder_from_env`); `None` when there are none.
pub(crate) async fn aws_credentials() -> Option<AwsCredentials> {
    let load = async {
        let provider = agentcore_client::load_sdk_config()
            .await
            .credentials_provider()?;
        provider.provide_credentials().await.ok()
    };
    let credentials = tokio::time::timeout(LOAD_TIMEOUT, load).await.ok()??;
    Some(AwsCredentials {
        access_key: credentials.access_key_id().to_owned(),
        secret_key: Secret(credentials.secret_access_key().to_owned()),
        session_token: credentials.session_token().map(|t| Secret(t.to_owned())),
        expiry: credentials.expiry(),
    })
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn tokens_are_fresh_hex_and_never_debugged() {
        let (a, b) = (Secret::token().unwrap(), Secret::token().unwrap());
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.expose(), b.expose());
        assert!(!format!("{a:?}").contains(a.expose()));
    }
}
