//! Presigned WebSocket URLs: SigV4 in the query, for clients (browsers) that cannot send
//! headers.

use std::fmt;
use std::time::Duration;

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::handshake::qualifier_query;
use crate::session::RuntimeSession;
use crate::sign::{Placement, push_param, sign_get};

/// The query parameter that carries the session id.
pub(crate) const SESSION_ID_PARAM: &str = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id";
/// The SigV4 parameter that comes last.
const SIGNATURE_PARAM: &str = "X-Amz-Signature";

/// How to presign: the expiry (1 to 300 seconds) and the caller's query parameters, kept
/// in the order given.
///
/// ```
/// use std::time::Duration;
///
/// use agentcore_client::Presign;
///
/// let presign = Presign::new(Duration::from_secs(60)).param("lang", "en").param("a b", "c/d");
/// assert_eq!(presign.expires(), Duration::from_secs(60));
/// assert_eq!(Presign::MAX_EXPIRES, Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presign {
    expires: Duration,
    params: Vec<(String, String)>,
}

/// The longest expiry, [`Presign::MAX_EXPIRES`], and no parameters.
///
/// ```
/// use agentcore_client::Presign;
/// assert_eq!(Presign::default().expires(), Presign::MAX_EXPIRES);
/// ```
impl Default for Presign {
    fn default() -> Self {
        Self::new(Self::MAX_EXPIRES)
    }
}

impl Presign {
    /// The longest expiry the data plane accepts.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_client::Presign;
    /// assert_eq!(Presign::MAX_EXPIRES, Duration::from_secs(300));
    /// ```
    pub const MAX_EXPIRES: Duration = Duration::from_secs(300);

    /// Presigns for `expires` (checked when signing: 1 to 300 seconds, whole seconds
    /// sent), without caller parameters.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_client::Presign;
    /// let presign = Presign::new(Duration::from_secs(120));
    /// assert_eq!(presign.expires(), Duration::from_secs(120));
    /// ```
    pub fn new(expires: Duration) -> Self {
        Self {
            expires,
            params: Vec::new(),
        }
    }

    /// Appends a query parameter (percent-encoded as SigV4 does, so a space is `%20`).
    /// `qualifier`, the session-id parameter and `X-Amz-*` names are reserved.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_client::{Credentials, Presign, RuntimeClient, RuntimeSession};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), agentcore_client::Error> {
    /// let client = RuntimeClient::builder().credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example")).build()?;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// let presign = Presign::new(Duration::from_secs(60)).param("a b", "c/d");
    /// let url = client.presigned_url(&session).presign(presign.clone()).send().await?;
    /// assert!(url.as_str().contains("a%20b=c%2Fd"));
    /// # Ok(()) }
    /// ```
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// The same settings with another expiry.
    pub(crate) fn with_expires(mut self, expires: Duration) -> Self {
        self.expires = expires;
        self
    }

    /// The expiry.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_client::Presign;
    /// assert_eq!(Presign::new(Duration::from_secs(30)).expires(), Duration::from_secs(30));
    /// ```
    pub fn expires(&self) -> Duration {
        self.expires
    }

    fn check(&self) -> Result<Duration, Error> {
        if self.expires < Duration::from_secs(1) || self.expires > Self::MAX_EXPIRES {
            return Err(Error::InvalidExpiry(self.expires));
        }
        let reserved = |name: &str| {
            name == "qualifier"
                || name.eq_ignore_ascii_case(SESSION_ID_PARAM)
                || name
                    .get(..6)
                    .is_some_and(|p| p.eq_ignore_ascii_case("x-amz-"))
        };
        if let Some((name, _)) = self.params.iter().find(|(name, _)| reserved(name)) {
            return Err(Error::ReservedQueryParameter(name.clone()));
        }
        Ok(Duration::from_secs(self.expires.as_secs()))
    }
}

/// A presigned `wss://` URL. It is a credential until it expires: its `Debug` output
/// shows only the scheme, host and path.
///
/// ```
/// use std::time::Duration;
///
/// use agentcore_client::{Credentials, Presign, RuntimeClient, RuntimeSession};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), agentcore_client::Error> {
/// let client = RuntimeClient::builder()
///     .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example"))
///     .build()?;
/// let session = RuntimeSession::new(
///     "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/agent-x".parse()?,
/// );
/// let url = client.presigned_url(&session).presign(Presign::new(Duration::from_secs(300)).clone()).send().await?;
/// assert!(url.as_str().starts_with("wss://bedrock-agentcore.us-west-2.amazonaws.com/runtimes/"));
/// assert!(url.as_str().contains("&X-Amz-Expires=300&"));
/// assert!(!format!("{url:?}").contains("X-Amz-Signature"));
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedUrl(String);

impl PresignedUrl {
    /// The URL.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_client::{Credentials, Presign, RuntimeClient, RuntimeSession};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), agentcore_client::Error> {
    /// # let client = RuntimeClient::builder().credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example")).build()?;
    /// # let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// let url = client.presigned_url(&session).presign(Presign::new(Duration::from_secs(60)).clone()).send().await?;
    /// assert!(url.as_str().starts_with("wss://bedrock-agentcore.us-west-2.amazonaws.com/"));
    /// assert!(url.as_str().contains("X-Amz-Signature="));
    /// # Ok(()) }
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL as a `String`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_client::{Credentials, Presign, RuntimeClient, RuntimeSession};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), agentcore_client::Error> {
    /// # let client = RuntimeClient::builder().credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example")).build()?;
    /// # let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// let url = client.presigned_url(&session).presign(Presign::new(Duration::from_secs(60)).clone()).send().await?;
    /// let text: String = url.clone().into_string();
    /// assert_eq!(text, url.as_str());
    /// # Ok(()) }
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let without_query = self.0.split('?').next().unwrap_or_default();
        write!(f, "PresignedUrl({without_query}?<redacted>)")
    }
}

impl RuntimeClient {
    /// A presigned URL for a WebSocket to `session`: the qualifier, the caller's
    /// parameters and the session id go into the query before signing; then SigV4 query
    /// signing (only `host` signed, the empty-payload hash) adds `X-Amz-Algorithm`,
    /// `Credential`, `Date`, `Expires`, `SignedHeaders`, `Security-Token` (temporary
    /// credentials) and `Signature`, in that order.
    ///
    /// Errors: [`Error::InvalidExpiry`] outside 1 to 300 seconds,
    /// [`Error::ReservedQueryParameter`], and credential or signing failures.
    pub(crate) async fn presigned_url_with(
        &self,
        session: &RuntimeSession,
        presign: &Presign,
    ) -> Result<PresignedUrl, Error> {
        let query = qualifier_query(session);
        self.presign_path(session, session.ws_path(), query, presign)
            .await
    }

    /// A presigned URL of `path?query` of `session`'s endpoint: the caller's parameters
    /// and the session id are appended to `query` before signing.
    pub(crate) async fn presign_path(
        &self,
        session: &RuntimeSession,
        path: &str,
        mut query: String,
        presign: &Presign,
    ) -> Result<PresignedUrl, Error> {
        let expires = presign.check()?;
        let identity = self.credentials().await?;
        let arn = session.arn();
        let endpoint = self.endpoint(session);
        let params = presign.params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        for (name, value) in params.chain([(SESSION_ID_PARAM, session.session_id().as_str())]) {
            push_param(&mut query, name, value);
        }
        let signed = sign_get(
            &identity,
            self.signing_region(arn),
            self.now(),
            &endpoint.signing_url(path, &query),
            Placement::Query { expires },
        )?;

        let (_, signing_params) = signed.into_parts();
        let mut url = endpoint.ws_url(path, &query);
        // Encoding grows a value by at most three times.
        url.reserve(
            signing_params
                .iter()
                .map(|(n, v)| n.len() + 3 * v.len() + 2)
                .sum(),
        );
        let mut signature = None;
        for (name, value) in signing_params {
            if name == SIGNATURE_PARAM {
                signature = Some(value);
            } else {
                push_param(&mut url, name, &value);
            }
        }
        if let Some(signature) = signature {
            push_param(&mut url, SIGNATURE_PARAM, &signature);
        }
        Ok(PresignedUrl(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_bounds() {
        let check = |secs_millis: (u64, u32)| {
            Presign::new(Duration::new(secs_millis.0, secs_millis.1 * 1_000_000)).check()
        };
        assert!(matches!(check((0, 0)), Err(Error::InvalidExpiry(_))));
        assert!(matches!(check((0, 999)), Err(Error::InvalidExpiry(_))));
        assert_eq!(check((1, 0)).unwrap(), Duration::from_secs(1));
        assert_eq!(check((59, 500)).unwrap(), Duration::from_secs(59));
        assert_eq!(check((300, 0)).unwrap(), Duration::from_secs(300));
        assert!(matches!(check((300, 1)), Err(Error::InvalidExpiry(_))));
        assert!(matches!(check((301, 0)), Err(Error::InvalidExpiry(_))));
    }

    #[test]
    fn reserved_parameter_names() {
        for name in [
            "qualifier",
            "x-amzn-bedrock-agentcore-runtime-session-id",
            "X-Amz-Date",
            "x-amz-foo",
        ] {
            let presign = Presign::new(Duration::from_secs(60)).param(name, "v");
            assert!(
                matches!(presign.check(), Err(Error::ReservedQueryParameter(n)) if n == name),
                "{name}"
            );
        }
        assert!(
            Presign::new(Duration::from_secs(60))
                .param("X-Amzn-Other", "v")
                .param("Qualifier", "x")
                .check()
                .is_ok()
        );
    }

    #[test]
    fn debug_hides_the_query() {
        let url = PresignedUrl("wss://h/runtimes/a/ws?X-Amz-Signature=abc".into());
        assert_eq!(
            format!("{url:?}"),
            "PresignedUrl(wss://h/runtimes/a/ws?<redacted>)"
        );
    }
}
