//! The three ways into a shell: SigV4 headers, a presigned URL, and OAuth in the
//! WebSocket subprotocol (for browsers, which cannot set headers).

use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::headers::SESSION_ID;
use agentcore_contract::shell::{
    BEARER_SUBPROTOCOL, MAX_SUBPROTOCOL_TOKEN_CHARS, SHELL_ID_PARAM, ShellId,
};
use aws_smithy_types::base64;
use http::HeaderMap;
use http::header::{HOST, SEC_WEBSOCKET_PROTOCOL};

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::handshake::{WebSocketRequest, header_value, insert_upgrade, qualifier_query};
use crate::presign::{Presign, PresignedUrl, SESSION_ID_PARAM};
use crate::session::RuntimeSession;
use crate::sign::push_param;

/// `/runtimes/{arn}/ws/shells`.
fn shell_path(session: &RuntimeSession) -> String {
    RuntimeOperation::Shells.path(session.arn())
}

/// `qualifier` (when the session has one), then `shellId`.
fn shell_query(session: &RuntimeSession, shell_id: &ShellId) -> String {
    let mut query = qualifier_query(session);
    push_param(&mut query, SHELL_ID_PARAM, shell_id.as_str());
    query
}

impl RuntimeClient {
    /// The URL and SigV4 headers of a shell: `GET` of the `https://` form signed with
    /// `host`, `x-amz-date` and the session-id header (plus `x-amz-security-token` with
    /// temporary credentials), then the upgrade headers.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// let shell_id = "my-debug-shell".parse()?;
    /// let request = client.shell_sigv4_headers(&session, &shell_id).await?;
    /// assert!(request.url().ends_with("/ws/shells?shellId=my-debug-shell"));
    /// # Ok(()) }
    /// ```
    pub async fn shell_sigv4_headers(
        &self,
        session: &RuntimeSession,
        shell_id: &ShellId,
    ) -> Result<WebSocketRequest, Error> {
        let signed = [(SESSION_ID, session.session_id().as_str())];
        let query = shell_query(session, shell_id);
        self.sigv4_request(session, &shell_path(session), &query, &signed)
            .await
    }

    /// A presigned `wss://` URL of a shell: `qualifier`, `shellId` and the session id in
    /// the query before signing; valid for 1 to 300 seconds.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// use std::time::Duration;
    /// let presign = agentcore_client::Presign::new(Duration::from_secs(60));
    /// let url = client.shell_presigned_url(&session, &"s1".parse()?, &presign).await?;
    /// assert!(url.as_str().contains("/ws/shells?shellId=s1&"));
    /// # Ok(()) }
    /// ```
    pub async fn shell_presigned_url(
        &self,
        session: &RuntimeSession,
        shell_id: &ShellId,
        presign: &Presign,
    ) -> Result<PresignedUrl, Error> {
        let query = shell_query(session, shell_id);
        self.presign_path(session, &shell_path(session), query, presign)
            .await
    }

    /// The URL and subprotocols of a shell with an OAuth token, as a browser opens it
    /// (`new WebSocket(request.url(), request.subprotocols())`): the session id in the
    /// query, the token in the subprotocol `base64UrlBearerAuthorization.<token>`
    /// (unpadded base64url, at most
    /// [`MAX_SUBPROTOCOL_TOKEN_CHARS`](agentcore_contract::shell::MAX_SUBPROTOCOL_TOKEN_CHARS)
    /// characters) followed by
    /// [`BEARER_SUBPROTOCOL`](agentcore_contract::shell::BEARER_SUBPROTOCOL). The token is
    /// never in `Debug` output.
    ///
    /// ```
    /// use agentcore_client::{RuntimeClient, RuntimeSession};
    ///
    /// let client = RuntimeClient::builder().build()?;
    /// let session = RuntimeSession::new(
    ///     "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-runtime-abc".parse()?,
    /// );
    /// let request = client.shell_oauth(&session, &"s1".parse()?, "eyJhbGciOiJSUzI1NiJ9.e30.sig")?;
    /// assert_eq!(
    ///     request.subprotocols(),
    ///     ["base64UrlBearerAuthorization.ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZTMwLnNpZw", "base64UrlBearerAuthorization"]
    /// );
    /// assert!(!format!("{request:?}").contains("ZXlK"));
    /// assert!(client.shell_oauth(&session, &"s1".parse()?, "").is_err());
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn shell_oauth(
        &self,
        session: &RuntimeSession,
        shell_id: &ShellId,
        token: &str,
    ) -> Result<WebSocketRequest, Error> {
        if token.is_empty() {
            return Err(Error::EmptyBearerToken);
        }
        let encoded = base64url(token.as_bytes());
        if encoded.len() > MAX_SUBPROTOCOL_TOKEN_CHARS {
            return Err(Error::InvalidOption(format!(
                "the bearer token is {} characters in base64url, more than the {MAX_SUBPROTOCOL_TOKEN_CHARS} a shell subprotocol takes",
                encoded.len()
            )));
        }
        let endpoint = self.endpoint(session);
        let mut query = shell_query(session, shell_id);
        push_param(&mut query, SESSION_ID_PARAM, session.session_id().as_str());
        let protocols = format!("{BEARER_SUBPROTOCOL}.{encoded}, {BEARER_SUBPROTOCOL}");
        let mut protocols = header_value(SEC_WEBSOCKET_PROTOCOL.as_str(), &protocols)?;
        protocols.set_sensitive(true);
        let mut headers = HeaderMap::with_capacity(8);
        headers.insert(HOST, header_value(HOST.as_str(), endpoint.host())?);
        headers.insert(SEC_WEBSOCKET_PROTOCOL, protocols);
        insert_upgrade(&mut headers);
        let url = endpoint.ws_url(&shell_path(session), &query);
        Ok(WebSocketRequest::new(url, headers))
    }
}

/// Unpadded base64url (RFC 4648 §5).
fn base64url(bytes: &[u8]) -> String {
    base64::encode(bytes)
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        let token = "t\u{f6}ken with spaces/+=?&";
        assert_eq!(
            base64url(token.as_bytes()),
            "dMO2a2VuIHdpdGggc3BhY2VzLys9PyY"
        );
    }
}
