//! The runtime session a WebSocket connects to.

use std::fmt;

use agentcore_contract::{RuntimeArn, SessionId};

use crate::endpoint::{Endpoint, ws_path};

/// What a WebSocket connects to: a runtime ARN, a session id and an optional qualifier
/// (the runtime endpoint, such as `DEFAULT`).
///
/// The session id is the caller's ([`SessionId`] checks its 33 to 256 characters) or a
/// new UUIDv4. The qualifier is sent only when given.
///
/// ```
/// use agentcore_client::RuntimeSession;
///
/// let arn = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-agent-abc".parse()?;
///
/// let fresh = RuntimeSession::new(arn);
/// assert_eq!(fresh.session_id().as_str().len(), 36);
/// assert_eq!(fresh.qualifier(), None);
///
/// let resumed = fresh
///     .clone()
///     .with_session_id("user-42-conversation-0001-aaaa-bbbb".parse()?)
///     .with_qualifier("DEFAULT");
/// assert_eq!(resumed.session_id().as_str(), "user-42-conversation-0001-aaaa-bbbb");
/// assert_eq!(resumed.qualifier(), Some("DEFAULT"));
///
/// // Too short: refused before anything is sent.
/// assert!("abc".parse::<agentcore_client::contract::SessionId>().is_err());
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RuntimeSession {
    arn: RuntimeArn,
    /// The WebSocket path of `arn`, percent-encoded once here rather than per request.
    ws_path: String,
    /// The data plane of `arn`'s region, unless the client overrides it.
    endpoint: Endpoint,
    session_id: SessionId,
    qualifier: Option<String>,
}

impl RuntimeSession {
    /// A new session (a fresh UUIDv4 id) on `arn`, without a qualifier.
    ///
    /// ```
    /// # use agentcore_client::RuntimeSession;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// assert_eq!(session.session_id().as_str().len(), 36); // a UUIDv4
    /// assert_eq!(session.qualifier(), None);
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn new(arn: RuntimeArn) -> Self {
        let id = uuid::Uuid::new_v4().to_string();
        let session_id = SessionId::new(id).expect("a UUID has 36 characters");
        Self {
            ws_path: ws_path(&arn),
            endpoint: Endpoint::for_region(arn.region()),
            arn,
            session_id,
            qualifier: None,
        }
    }

    /// Uses the caller's session id instead of the generated one.
    ///
    /// ```
    /// # use agentcore_client::RuntimeSession;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?)
    ///     .with_session_id("conversation-0001-aaaa-bbbb-cccc-dddd".parse()?);
    /// assert_eq!(session.session_id().as_str(), "conversation-0001-aaaa-bbbb-cccc-dddd");
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn with_session_id(mut self, session_id: SessionId) -> Self {
        self.session_id = session_id;
        self
    }

    /// Sends `qualifier` (a runtime endpoint name such as `DEFAULT`) with the request.
    ///
    /// ```
    /// # use agentcore_client::RuntimeSession;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?).with_qualifier("canary");
    /// assert_eq!(session.qualifier(), Some("canary"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn with_qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.qualifier = Some(qualifier.into());
        self
    }

    /// The runtime ARN.
    ///
    /// ```
    /// # use agentcore_client::RuntimeSession;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// assert_eq!(session.arn().runtime_id(), "demo");
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn arn(&self) -> &RuntimeArn {
        &self.arn
    }

    /// `/runtimes/{arn, percent-encoded}/ws`.
    pub(crate) fn ws_path(&self) -> &str {
        &self.ws_path
    }

    /// The data-plane endpoint of the ARN's region.
    pub(crate) fn region_endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The session id.
    ///
    /// ```
    /// # use agentcore_client::RuntimeSession;
    /// let a = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// let b = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// assert_ne!(a.session_id(), b.session_id()); // each new session gets a fresh id
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn session_id(&self) -> &SessionId {
        &self.session_id
    }

    /// The qualifier, when given.
    ///
    /// ```
    /// # use agentcore_client::RuntimeSession;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// assert_eq!(session.qualifier(), None);
    /// assert_eq!(session.with_qualifier("DEFAULT").qualifier(), Some("DEFAULT"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn qualifier(&self) -> Option<&str> {
        self.qualifier.as_deref()
    }
}

impl fmt::Debug for RuntimeSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeSession")
            .field("arn", &self.arn.as_str())
            .field("session_id", &self.session_id.as_str())
            .field("qualifier", &self.qualifier)
            .finish()
    }
}
