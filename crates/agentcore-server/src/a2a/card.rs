//! The agent card served at [`CARD_PATH`](super::CARD_PATH), in the v1.0 schema of the
//! Python `a2a-sdk` 1.x (`supportedInterfaces`, `capabilities`, `skills`), with the
//! v0.3 top-level `url` and `protocolVersion` as well so older clients find the endpoint.

use serde::{Deserialize, Serialize};

/// The environment variable the runtime sets to the agent's invocation URL,
/// `https://bedrock-agentcore.{region}.{suffix}/runtimes/{encoded ARN}/invocations/`;
/// the card's URL when set.
///
/// ```
/// assert_eq!(agentcore_server::a2a::RUNTIME_URL_ENV, "AGENTCORE_RUNTIME_URL");
/// ```
pub const RUNTIME_URL_ENV: &str = "AGENTCORE_RUNTIME_URL";

/// The A2A protocol version this host speaks.
///
/// ```
/// assert_eq!(agentcore_server::a2a::PROTOCOL_VERSION, "1.0");
/// ```
pub const PROTOCOL_VERSION: &str = "1.0";

/// What the agent can do, described for callers.
///
/// ```
/// use agentcore_server::a2a::{AgentCard, AgentSkill};
/// let card = AgentCard::new("echo", "Echoes the text it is sent")
///     .skill(AgentSkill::new("echo", "Echo", "Replies with the text"));
/// let json = serde_json::to_value(&card).unwrap();
/// assert_eq!(json["skills"][0]["id"], "echo");
/// assert_eq!(json["capabilities"]["streaming"], true);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCard {
    /// The agent's name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Where and how it is reached; the host fills it when empty.
    #[serde(default)]
    pub supported_interfaces: Vec<AgentInterface>,
    /// The agent's own version.
    pub version: String,
    /// What the host supports.
    #[serde(default)]
    pub capabilities: AgentCapabilities,
    /// Media types it accepts.
    #[serde(default)]
    pub default_input_modes: Vec<String>,
    /// Media types it answers with.
    #[serde(default)]
    pub default_output_modes: Vec<String>,
    /// What it can do.
    #[serde(default)]
    pub skills: Vec<AgentSkill>,
    /// v0.3: the JSON-RPC endpoint (the first interface's URL); the host fills it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// v0.3: the protocol version; the host fills it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
}

impl AgentCard {
    /// A card with a name and description, version `1.0.0`, streaming on, text in and out.
    ///
    /// ```
    /// let card = agentcore_server::a2a::AgentCard::new("a", "b").version("2.0.0");
    /// assert_eq!(card.version, "2.0.0");
    /// ```
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            supported_interfaces: Vec::new(),
            version: "1.0.0".into(),
            capabilities: AgentCapabilities::default(),
            default_input_modes: vec!["text/plain".into()],
            default_output_modes: vec!["text/plain".into()],
            skills: Vec::new(),
            url: None,
            protocol_version: None,
        }
    }

    /// Sets the agent's version.
    ///
    /// ```
    /// assert_eq!(agentcore_server::a2a::AgentCard::new("a", "b").version("3").version, "3");
    /// ```
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Adds a skill.
    ///
    /// ```
    /// use agentcore_server::a2a::{AgentCard, AgentSkill};
    /// assert_eq!(AgentCard::new("a", "b").skill(AgentSkill::new("s", "S", "d")).skills.len(), 1);
    /// ```
    pub fn skill(mut self, skill: AgentSkill) -> Self {
        self.skills.push(skill);
        self
    }

    /// The card as served: with no interface set, one JSON-RPC interface at `url`.
    pub(crate) fn served_at(mut self, url: &str) -> Self {
        if self.supported_interfaces.is_empty() {
            self.supported_interfaces.push(AgentInterface {
                url: url.to_owned(),
                protocol_binding: "JSONRPC".into(),
                protocol_version: PROTOCOL_VERSION.into(),
            });
        }
        if self.url.is_none() {
            self.url = Some(self.supported_interfaces[0].url.clone());
        }
        if self.protocol_version.is_none() {
            self.protocol_version = Some(PROTOCOL_VERSION.into());
        }
        self
    }
}

/// Where the agent is reached and over which binding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentInterface {
    /// The endpoint.
    pub url: String,
    /// `JSONRPC` for this host.
    pub protocol_binding: String,
    /// `1.0` for this host.
    pub protocol_version: String,
}

/// What the host supports: streaming (yes), push notifications (no).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCapabilities {
    /// `SendStreamingMessage` is served.
    pub streaming: bool,
    /// Push notifications are not served by this host.
    pub push_notifications: bool,
}

impl Default for AgentCapabilities {
    fn default() -> Self {
        Self {
            streaming: true,
            push_notifications: false,
        }
    }
}

/// One thing the agent can do.
///
/// ```
/// let skill = agentcore_server::a2a::AgentSkill::new("echo", "Echo", "Echoes").tag("demo");
/// assert_eq!(skill.tags, ["demo"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSkill {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Keywords.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Example prompts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

impl AgentSkill {
    /// A skill with no tags or examples.
    ///
    /// ```
    /// assert_eq!(agentcore_server::a2a::AgentSkill::new("i", "n", "d").id, "i");
    /// ```
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            description: description.into(),
            tags: Vec::new(),
            examples: Vec::new(),
        }
    }

    /// Adds a tag.
    ///
    /// ```
    /// assert_eq!(agentcore_server::a2a::AgentSkill::new("i", "n", "d").tag("t").tags.len(), 1);
    /// ```
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
}
