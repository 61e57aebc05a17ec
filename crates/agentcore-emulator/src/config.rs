//! What the emulator serves and whom it lets in.

use std::path::PathBuf;
use std::time::Duration;

use agentcore_contract::RuntimeArn;

use crate::sigv4::Credentials;

/// The largest payload the service accepts: 100,000,000 bytes.
///
/// ```
/// assert_eq!(agentcore_emulator::DEFAULT_MAX_PAYLOAD_BYTES, 100_000_000);
/// ```
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 100_000_000;
/// How far a SigV4 request time may be from the emulator's clock: 5 minutes, as AWS.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_emulator::DEFAULT_CLOCK_SKEW, Duration::from_secs(5 * 60));
/// ```
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// How long a session may stay idle before it ends: 900 s, the service's default.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_emulator::DEFAULT_SESSION_IDLE_TIMEOUT, Duration::from_secs(900));
/// ```
pub const DEFAULT_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(900);

/// How many connections the emulator serves at once, by default; more wait.
///
/// ```
/// assert_eq!(agentcore_emulator::DEFAULT_MAX_CONNECTIONS, 1024);
/// ```
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// How long a client may take to send a request head, by default.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_emulator::DEFAULT_HEADER_READ_TIMEOUT, Duration::from_secs(30));
/// ```
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the agent may take to answer an invocation (its response head), by default:
/// the service's 15 minutes for a synchronous request.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_emulator::DEFAULT_AGENT_TIMEOUT, Duration::from_secs(900));
/// ```
pub const DEFAULT_AGENT_TIMEOUT: Duration = Duration::from_secs(900);

/// How many shells (`/ws/shells`) one runtime session may run at once, by default: the
/// service's "up to 10 shells per runtime"; one more is refused with 429.
///
/// ```
/// assert_eq!(agentcore_emulator::DEFAULT_MAX_SHELLS_PER_SESSION, 10);
/// ```
pub const DEFAULT_MAX_SHELLS_PER_SESSION: usize = 10;
/// How much output of a shell produced while no client is attached is kept for the next
/// one, by default: the service's 256 KiB ([`agentcore_contract::shell::REPLAY_BYTES`]).
///
/// ```
/// assert_eq!(agentcore_emulator::DEFAULT_SHELL_REPLAY_BYTES, 256 * 1024);
/// ```
pub const DEFAULT_SHELL_REPLAY_BYTES: usize = agentcore_contract::shell::REPLAY_BYTES;

/// How many Identity calls (`/identities/...`) the emulator serves per second, by
/// default: a token bucket that holds as many calls as it refills per second (the burst);
/// past it a call gets `429 ThrottlingException`, as the service throttles.
///
/// ```
/// assert_eq!(agentcore_emulator::DEFAULT_IDENTITY_RATE_LIMIT, 100);
/// ```
pub const DEFAULT_IDENTITY_RATE_LIMIT: u32 = 100;
/// How long a workload access token the emulator mints is valid, by default.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_emulator::DEFAULT_WAT_LIFETIME, Duration::from_secs(15 * 60));
/// ```
pub const DEFAULT_WAT_LIFETIME: Duration = Duration::from_secs(900);
/// How long a `USER_FEDERATION` session (its authorization URL and session URI) lives,
/// consented or not, by default.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_emulator::DEFAULT_FEDERATION_SESSION_LIFETIME, Duration::from_secs(10 * 60));
/// ```
pub const DEFAULT_FEDERATION_SESSION_LIFETIME: Duration = Duration::from_secs(600);
/// How many `USER_FEDERATION` sessions the emulator keeps at once, by default; a new one
/// past it drops the oldest (whose URL and session URI are then unknown).
///
/// ```
/// assert_eq!(agentcore_emulator::DEFAULT_MAX_FEDERATION_SESSIONS, 1000);
/// ```
pub const DEFAULT_MAX_FEDERATION_SESSIONS: usize = 1000;
/// How many `StopRuntimeSession` client tokens the emulator remembers (so that a stop
/// repeated with the same token answers 200 again); past it, the oldest is forgotten and
/// a repeat of that stop is a 404, as for a session never seen.
///
/// ```
/// assert_eq!(agentcore_emulator::MAX_REMEMBERED_STOP_TOKENS, 10_000);
/// ```
pub const MAX_REMEMBERED_STOP_TOKENS: usize = 10_000;
/// The largest body of an Identity call: 256 KiB, room for the model's largest tokens
/// (131,072 characters) with the other members; a larger one is a `400
/// ValidationException` before it is parsed.
///
/// ```
/// assert_eq!(agentcore_emulator::MAX_IDENTITY_BODY_BYTES, 262_144);
/// ```
pub const MAX_IDENTITY_BODY_BYTES: usize = 256 * 1024;

/// One runtime: its ARN, the local agent behind it, what the agent serves, and its
/// endpoints (qualifiers).
///
/// ```
/// use agentcore_emulator::{Runtime, ServerProtocol};
///
/// let runtime = Runtime {
///     arn: "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse().unwrap(),
///     agent: "http://127.0.0.1:8080".into(),
///     protocol: ServerProtocol::Http,
///     qualifiers: vec!["DEFAULT".into()],
/// };
/// assert_eq!(runtime.arn.runtime_id(), "demo");
/// ```
#[derive(Debug, Clone)]
pub struct Runtime {
    /// The runtime ARN callers name.
    pub arn: RuntimeArn,
    /// The agent's base URL, e.g. `http://127.0.0.1:8080`.
    pub agent: String,
    /// What the agent serves, which says where invocations go.
    pub protocol: ServerProtocol,
    /// The endpoint names accepted as `qualifier` (always including `DEFAULT`).
    pub qualifiers: Vec<String>,
}

/// What a runtime's container serves (the runtime's `serverProtocol`), and so the path
/// of the container that `invocations` are forwarded to.
///
/// ```
/// use agentcore_emulator::ServerProtocol;
///
/// assert_eq!(ServerProtocol::Http.invocation_path(), "/invocations");
/// assert_eq!(ServerProtocol::Mcp.invocation_path(), "/mcp");
/// assert_eq!(ServerProtocol::A2a.invocation_path(), "/");
/// assert_eq!(ServerProtocol::default(), ServerProtocol::Http);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerProtocol {
    /// An HTTP agent: `POST /invocations` (and `/ws`, the agent card).
    #[default]
    Http,
    /// An MCP server: MCP's Streamable HTTP transport at `POST /mcp`; each invocation is
    /// one JSON-RPC message, its answer JSON or SSE, `Mcp-Session-Id` and
    /// `Mcp-Protocol-Version` passed through both ways.
    Mcp,
    /// An A2A server: JSON-RPC 2.0 at `POST /` (port 9000 in the container); each
    /// invocation is one call, its answer JSON or SSE; the agent card at
    /// `/.well-known/agent-card.json`.
    A2a,
}

impl ServerProtocol {
    /// The container path an invocation is forwarded to.
    ///
    /// ```
    /// assert_eq!(agentcore_emulator::ServerProtocol::Mcp.invocation_path(), "/mcp");
    /// ```
    pub fn invocation_path(self) -> &'static str {
        match self {
            Self::Http => "/invocations",
            Self::Mcp => "/mcp",
            Self::A2a => "/",
        }
    }
}

/// The emulator's configuration. Build it with [`crate::Emulator::builder`].
///
/// ```
/// use agentcore_emulator::Config;
///
/// let config = Config::default();
/// // Defaults as the service: 5 minutes of clock skew, 900 s of idle time.
/// let debug = format!("{config:?}");
/// assert!(debug.contains("clock_skew: 300s"));
/// assert!(debug.contains("session_idle_timeout: 900s"));
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) runtimes: Vec<Runtime>,
    pub(crate) bearer_tokens: Vec<String>,
    pub(crate) jwt_secret: Option<Vec<u8>>,
    pub(crate) credentials: Vec<Credentials>,
    pub(crate) allow_anonymous: bool,
    pub(crate) signing_hosts: Vec<String>,
    /// Lower-case names of headers forwarded to the agent besides the contract's own.
    pub(crate) forward_headers: Vec<String>,
    pub(crate) clock_skew: Duration,
    pub(crate) session_idle_timeout: Duration,
    pub(crate) max_payload_bytes: usize,
    pub(crate) max_connections: usize,
    pub(crate) header_read_timeout: Duration,
    pub(crate) agent_timeout: Duration,
    pub(crate) work_root: PathBuf,
    /// The shell's program and arguments; `None`: `$SHELL`, else `/bin/sh`.
    pub(crate) shell_command: Option<(String, Vec<String>)>,
    pub(crate) max_shells_per_session: usize,
    pub(crate) shell_replay_bytes: usize,
    pub(crate) identity: IdentityConfig,
}

/// What the Identity data plane serves: workloads, which runtime is which workload, the
/// credential providers of the token vault, and its limits.
#[derive(Clone)]
pub(crate) struct IdentityConfig {
    /// Workload identity names, as given (checked at start).
    pub(crate) workloads: Vec<String>,
    /// `(runtime ARN, workload name)`, as given (checked at start).
    pub(crate) runtime_workloads: Vec<(String, String)>,
    /// `(provider name, API key)`.
    pub(crate) api_key_providers: Vec<(String, String)>,
    /// `(provider name, access token)`.
    pub(crate) oauth2_providers: Vec<(String, String)>,
    /// Identity calls per second (and the burst); at least 1.
    pub(crate) rate_limit: u32,
    pub(crate) wat_lifetime: Duration,
    pub(crate) session_lifetime: Duration,
    /// At least 1.
    pub(crate) max_sessions: usize,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            workloads: Vec::new(),
            runtime_workloads: Vec::new(),
            api_key_providers: Vec::new(),
            oauth2_providers: Vec::new(),
            rate_limit: DEFAULT_IDENTITY_RATE_LIMIT,
            wat_lifetime: DEFAULT_WAT_LIFETIME,
            session_lifetime: DEFAULT_FEDERATION_SESSION_LIFETIME,
            max_sessions: DEFAULT_MAX_FEDERATION_SESSIONS,
        }
    }
}

/// Shows the providers' names, their keys and tokens as `<redacted>`.
impl std::fmt::Debug for IdentityConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |providers: &[(String, String)]| -> Vec<(String, &str)> {
            providers
                .iter()
                .map(|(name, _)| (name.clone(), "<redacted>"))
                .collect()
        };
        f.debug_struct("IdentityConfig")
            .field("workloads", &self.workloads)
            .field("runtime_workloads", &self.runtime_workloads)
            .field("api_key_providers", &redacted(&self.api_key_providers))
            .field("oauth2_providers", &redacted(&self.oauth2_providers))
            .field("rate_limit", &self.rate_limit)
            .field("wat_lifetime", &self.wat_lifetime)
            .field("session_lifetime", &self.session_lifetime)
            .field("max_sessions", &self.max_sessions)
            .finish()
    }
}

/// Shows the settings; secrets (tokens, the JWT secret, secret keys) as `<redacted>`.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted: Vec<&str> = self.bearer_tokens.iter().map(|_| "<redacted>").collect();
        f.debug_struct("Config")
            .field("runtimes", &self.runtimes)
            .field("bearer_tokens", &redacted)
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("credentials", &self.credentials)
            .field("allow_anonymous", &self.allow_anonymous)
            .field("signing_hosts", &self.signing_hosts)
            .field("forward_headers", &self.forward_headers)
            .field("clock_skew", &self.clock_skew)
            .field("session_idle_timeout", &self.session_idle_timeout)
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("agent_timeout", &self.agent_timeout)
            .field("work_root", &self.work_root)
            .field("shell_command", &self.shell_command)
            .field("max_shells_per_session", &self.max_shells_per_session)
            .field("shell_replay_bytes", &self.shell_replay_bytes)
            .field("identity", &self.identity)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            runtimes: Vec::new(),
            bearer_tokens: Vec::new(),
            jwt_secret: None,
            credentials: Vec::new(),
            allow_anonymous: false,
            signing_hosts: Vec::new(),
            forward_headers: Vec::new(),
            clock_skew: DEFAULT_CLOCK_SKEW,
            session_idle_timeout: DEFAULT_SESSION_IDLE_TIMEOUT,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            agent_timeout: DEFAULT_AGENT_TIMEOUT,
            work_root: std::env::temp_dir()
                .join(format!("agentcore-emulator-{}", std::process::id())),
            shell_command: None,
            max_shells_per_session: DEFAULT_MAX_SHELLS_PER_SESSION,
            shell_replay_bytes: DEFAULT_SHELL_REPLAY_BYTES,
            identity: IdentityConfig::default(),
        }
    }
}

/// Builds an [`crate::Emulator`].
///
/// ```
/// use agentcore_emulator::Emulator;
///
/// let emulator = Emulator::builder()
///     .runtime("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo", "http://127.0.0.1:8080")
///     .unwrap()
///     .bearer_token("local-token")
///     .credentials("AKIDLOCAL", "local-secret", None)
///     .build();
/// # let _ = emulator;
/// ```
#[derive(Debug, Default)]
pub struct EmulatorBuilder {
    config: Config,
}

impl EmulatorBuilder {
    /// Serves `arn`, forwarding to the agent at `agent` (`http://host:port`).
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let builder = Emulator::builder().runtime("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo", "http://127.0.0.1:8080");
    /// assert!(builder.is_ok());
    /// assert!(Emulator::builder().runtime("not-an-arn", "http://127.0.0.1:8080").is_err());
    /// ```
    pub fn runtime(self, arn: &str, agent: &str) -> Result<Self, agentcore_contract::InvalidArn> {
        self.runtime_with_qualifiers(arn, agent, &[])
    }

    /// Serves `arn` with extra endpoint names besides `DEFAULT`.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder()
    ///     .runtime_with_qualifiers("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo", "http://127.0.0.1:8080", &["canary"])
    ///     .unwrap()
    ///     .build();
    /// # let _ = emulator;
    /// ```
    pub fn runtime_with_qualifiers(
        self,
        arn: &str,
        agent: &str,
        qualifiers: &[&str],
    ) -> Result<Self, agentcore_contract::InvalidArn> {
        self.push_runtime(arn, agent, ServerProtocol::Http, qualifiers)
    }

    /// Serves `arn` as an MCP runtime: `invocations` are forwarded to `{url}/mcp`, where
    /// the MCP server in the container serves MCP's Streamable HTTP transport (`url` is
    /// the container's base, `http://host:port`). Auth, sessions and the other
    /// operations are as for [`runtime`](Self::runtime); the answers (JSON, or SSE passed
    /// on as it comes) carry `Mcp-Session-Id` and `Mcp-Protocol-Version` back.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder()
    ///     .mcp_runtime("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/tools", "http://127.0.0.1:8000")
    ///     .unwrap()
    ///     .build();
    /// assert!(format!("{emulator:?}").contains("protocol: Mcp"));
    /// assert!(Emulator::builder().mcp_runtime("not-an-arn", "http://127.0.0.1:8000").is_err());
    /// ```
    pub fn mcp_runtime(self, arn: &str, url: &str) -> Result<Self, agentcore_contract::InvalidArn> {
        self.mcp_runtime_with_qualifiers(arn, url, &[])
    }

    /// Serves `arn` as an MCP runtime ([`mcp_runtime`](Self::mcp_runtime)) with extra
    /// endpoint names besides `DEFAULT`.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder()
    ///     .mcp_runtime_with_qualifiers("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/tools", "http://127.0.0.1:8000", &["canary"])
    ///     .unwrap()
    ///     .build();
    /// assert!(format!("{emulator:?}").contains("canary"));
    /// ```
    pub fn mcp_runtime_with_qualifiers(
        self,
        arn: &str,
        url: &str,
        qualifiers: &[&str],
    ) -> Result<Self, agentcore_contract::InvalidArn> {
        self.push_runtime(arn, url, ServerProtocol::Mcp, qualifiers)
    }

    /// Serves `arn` as an A2A runtime: `invocations` are forwarded to `{url}/`, where the
    /// A2A server in the container serves JSON-RPC (`url` is the container's base,
    /// `http://host:port`), and the agent card (`GET .../invocations/.well-known/agent-card.json`)
    /// to `{url}/.well-known/agent-card.json`. Auth, sessions and the other operations are
    /// as for [`runtime`](Self::runtime); answers (JSON, or SSE passed on as it comes)
    /// stream back.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder()
    ///     .a2a_runtime("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/peer", "http://127.0.0.1:9000")
    ///     .unwrap()
    ///     .build();
    /// assert!(format!("{emulator:?}").contains("protocol: A2a"));
    /// assert!(Emulator::builder().a2a_runtime("not-an-arn", "http://127.0.0.1:9000").is_err());
    /// ```
    pub fn a2a_runtime(self, arn: &str, url: &str) -> Result<Self, agentcore_contract::InvalidArn> {
        self.a2a_runtime_with_qualifiers(arn, url, &[])
    }

    /// Serves `arn` as an A2A runtime ([`a2a_runtime`](Self::a2a_runtime)) with extra
    /// endpoint names besides `DEFAULT`.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder()
    ///     .a2a_runtime_with_qualifiers("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/peer", "http://127.0.0.1:9000", &["canary"])
    ///     .unwrap()
    ///     .build();
    /// assert!(format!("{emulator:?}").contains("canary"));
    /// ```
    pub fn a2a_runtime_with_qualifiers(
        self,
        arn: &str,
        url: &str,
        qualifiers: &[&str],
    ) -> Result<Self, agentcore_contract::InvalidArn> {
        self.push_runtime(arn, url, ServerProtocol::A2a, qualifiers)
    }

    fn push_runtime(
        mut self,
        arn: &str,
        agent: &str,
        protocol: ServerProtocol,
        qualifiers: &[&str],
    ) -> Result<Self, agentcore_contract::InvalidArn> {
        let mut names = vec!["DEFAULT".to_owned()];
        names.extend(qualifiers.iter().map(|q| (*q).to_owned()));
        self.config.runtimes.push(Runtime {
            arn: arn.parse()?,
            agent: agent.trim_end_matches('/').to_owned(),
            protocol,
            qualifiers: names,
        });
        Ok(self)
    }

    /// Accepts `Authorization: Bearer <token>` with this token.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().bearer_token("local-token").build();
    /// let debug = format!("{emulator:?}");
    /// assert!(!debug.contains("local-token")); // tokens are redacted
    /// assert!(debug.contains("bearer_tokens: [\"<redacted>\"]"));
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.config.bearer_tokens.push(token.into());
        self
    }

    /// Accepts bearer JWTs signed with HS256 and this secret (with a valid `exp`).
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().jwt_hs256_secret("s3cr3t").build();
    /// let debug = format!("{emulator:?}");
    /// assert!(debug.contains("jwt_secret: Some(\"<redacted>\")") && !debug.contains("s3cr3t"));
    /// ```
    pub fn jwt_hs256_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.config.jwt_secret = Some(secret.into());
        self
    }

    /// Accepts SigV4 signatures (headers or presigned URLs) made with these credentials.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().credentials("AKIDLOCAL", "local-secret", None).build();
    /// let debug = format!("{emulator:?}");
    /// assert!(debug.contains("AKIDLOCAL"));
    /// assert!(!debug.contains("local-secret")); // secrets are redacted
    /// ```
    pub fn credentials(
        mut self,
        access_key: &str,
        secret_key: &str,
        session_token: Option<&str>,
    ) -> Self {
        self.config.credentials.push(Credentials {
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            session_token: session_token.map(str::to_owned),
        });
        self
    }

    /// Lets unauthenticated requests in (off by default, as the service).
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().allow_anonymous(true).build();
    /// assert!(format!("{emulator:?}").contains("allow_anonymous: true"));
    /// ```
    pub fn allow_anonymous(mut self, allow: bool) -> Self {
        self.config.allow_anonymous = allow;
        self
    }

    /// Accepts SigV4 signatures made for `host` as well as for the emulator's own `Host`:
    /// the SDKs sign for `bedrock-agentcore.{region}.amazonaws.com`, so an unmodified SDK
    /// URL works after a plain host rewrite to the emulator.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().signing_host("bedrock-agentcore.us-east-1.amazonaws.com").build();
    /// assert!(format!("{emulator:?}").contains("bedrock-agentcore.us-east-1.amazonaws.com"));
    /// ```
    pub fn signing_host(mut self, host: impl Into<String>) -> Self {
        self.config.signing_hosts.push(host.into());
        self
    }

    /// Forwards the caller's header `name` to the agent (the runtime's request-header
    /// allowlist). `Authorization` reaches the agent only when named here, as with the
    /// service; the contract's own headers are always forwarded.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().forward_header("Authorization").build();
    /// assert!(format!("{emulator:?}").contains("forward_headers: [\"authorization\"]"));
    /// ```
    pub fn forward_header(mut self, name: &str) -> Self {
        self.config.forward_headers.push(name.to_ascii_lowercase());
        self
    }

    /// How many connections are served at once; more wait to be accepted (default
    /// [`DEFAULT_MAX_CONNECTIONS`]).
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().max_connections(16).build();
    /// assert!(format!("{emulator:?}").contains("max_connections: 16"));
    /// ```
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.config.max_connections = limit.max(1);
        self
    }

    /// How long a client may take to send a request head; a slower one is disconnected
    /// (default [`DEFAULT_HEADER_READ_TIMEOUT`]).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().header_read_timeout(Duration::from_secs(5)).build();
    /// assert!(format!("{emulator:?}").contains("header_read_timeout: 5s"));
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_read_timeout = timeout;
        self
    }

    /// How long the agent may take to answer an invocation; past it the caller gets
    /// `424 RuntimeClientError` (default [`DEFAULT_AGENT_TIMEOUT`]).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().agent_timeout(Duration::from_secs(60)).build();
    /// assert!(format!("{emulator:?}").contains("agent_timeout: 60s"));
    /// ```
    pub fn agent_timeout(mut self, timeout: Duration) -> Self {
        self.config.agent_timeout = timeout;
        self
    }

    /// The SigV4 clock skew allowed (default [`DEFAULT_CLOCK_SKEW`]).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().clock_skew(Duration::from_secs(60)).build();
    /// assert!(format!("{emulator:?}").contains("clock_skew: 60s"));
    /// ```
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.config.clock_skew = skew;
        self
    }

    /// How long a session may stay idle (default [`DEFAULT_SESSION_IDLE_TIMEOUT`]).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().session_idle_timeout(Duration::from_secs(30)).build();
    /// assert!(format!("{emulator:?}").contains("session_idle_timeout: 30s"));
    /// ```
    pub fn session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.session_idle_timeout = timeout;
        self
    }

    /// The largest payload accepted (default [`DEFAULT_MAX_PAYLOAD_BYTES`]).
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().max_payload_bytes(1024).build();
    /// assert!(format!("{emulator:?}").contains("max_payload_bytes: 1024"));
    /// ```
    pub fn max_payload_bytes(mut self, limit: usize) -> Self {
        self.config.max_payload_bytes = limit;
        self
    }

    /// Where session working directories are made (default: a folder in the temp dir).
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let root = std::env::temp_dir().join("my-emulator-sessions");
    /// let emulator = Emulator::builder().work_root(&root).build();
    /// assert!(format!("{emulator:?}").contains("my-emulator-sessions"));
    /// ```
    pub fn work_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.config.work_root = root.into();
        self
    }

    /// The shell `/ws/shells` runs: `program` with `args`, in the session's directory on
    /// a PTY (default: `$SHELL` of the emulator's environment, else `/bin/sh`, without
    /// arguments). It gets the emulator's environment with `TERM` set to
    /// [`SHELL_TERM`](crate::shell::SHELL_TERM).
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().shell_command("/bin/bash", ["--norc"]).build();
    /// assert!(format!("{emulator:?}").contains(r#"shell_command: Some(("/bin/bash", ["--norc"]))"#));
    /// ```
    pub fn shell_command<I, S>(mut self, program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let args = args.into_iter().map(Into::into).collect();
        self.config.shell_command = Some((program.into(), args));
        self
    }

    /// How many shells one runtime session may run at once; one more is refused with
    /// `429 ThrottlingException` (default [`DEFAULT_MAX_SHELLS_PER_SESSION`]; at least 1).
    /// A shell that exited while detached, whose output waits for a client, does not
    /// count.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().max_shells_per_session(2).build();
    /// assert!(format!("{emulator:?}").contains("max_shells_per_session: 2"));
    /// ```
    pub fn max_shells_per_session(mut self, limit: usize) -> Self {
        self.config.max_shells_per_session = limit.max(1);
        self
    }

    /// How many bytes of a shell's output produced while no client is attached are kept
    /// for the next one; older bytes are dropped and counted in the next `Connected`
    /// status's `bytesDropped` (default [`DEFAULT_SHELL_REPLAY_BYTES`]).
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().shell_replay_bytes(4096).build();
    /// assert!(format!("{emulator:?}").contains("shell_replay_bytes: 4096"));
    /// ```
    pub fn shell_replay_bytes(mut self, limit: usize) -> Self {
        self.config.shell_replay_bytes = limit;
        self
    }

    /// A workload identity the Identity data plane serves (repeatable): workload access
    /// tokens are minted for it, and a runtime that is this workload gets one on each
    /// invocation. The name (3 to 255 of `A-Z a-z 0-9 _ . -`) is checked at start.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().workload("my-agent").build();
    /// assert!(format!("{emulator:?}").contains(r#"workloads: ["my-agent"]"#));
    /// ```
    pub fn workload(mut self, name: impl Into<String>) -> Self {
        self.config.identity.workloads.push(name.into());
        self
    }

    /// Says which [workload](Self::workload) the runtime `arn` is (repeatable). Without
    /// it, a runtime is the workload when exactly one is configured, and no workload
    /// (its invocations carry no workload access token) when there are several. An ARN
    /// that is no runtime's, or a name that is no workload's, fails the start.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let arn = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo";
    /// let emulator = Emulator::builder()
    ///     .runtime(arn, "http://127.0.0.1:8080")
    ///     .unwrap()
    ///     .workload("one")
    ///     .workload("two")
    ///     .runtime_workload(arn, "two")
    ///     .build();
    /// assert!(format!("{emulator:?}").contains("runtime/demo\", \"two\")"));
    /// ```
    pub fn runtime_workload(mut self, arn: impl Into<String>, workload: impl Into<String>) -> Self {
        self.config
            .identity
            .runtime_workloads
            .push((arn.into(), workload.into()));
        self
    }

    /// An API key credential provider of the token vault (repeatable):
    /// `GetResourceApiKey` for `name` answers `key`. The name (1 to 128 of `A-Z a-z 0-9 -
    /// _`) is checked at start; the key never shows in a `Debug` or a log.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().api_key_provider("openai", "sk-local").build();
    /// let debug = format!("{emulator:?}");
    /// assert!(debug.contains(r#"("openai", "<redacted>")"#) && !debug.contains("sk-local"));
    /// ```
    pub fn api_key_provider(mut self, name: impl Into<String>, key: impl Into<String>) -> Self {
        self.config
            .identity
            .api_key_providers
            .push((name.into(), key.into()));
        self
    }

    /// An OAuth2 credential provider of the token vault (repeatable):
    /// `GetResourceOauth2Token` for `name` answers `token` (for `M2M` at once; for
    /// `USER_FEDERATION` once the user consented). The name is checked at start; the
    /// token never shows in a `Debug` or a log.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().oauth2_provider("github", "gho_local").build();
    /// let debug = format!("{emulator:?}");
    /// assert!(debug.contains(r#"("github", "<redacted>")"#) && !debug.contains("gho_local"));
    /// ```
    pub fn oauth2_provider(mut self, name: impl Into<String>, token: impl Into<String>) -> Self {
        self.config
            .identity
            .oauth2_providers
            .push((name.into(), token.into()));
        self
    }

    /// How many Identity calls are served per second, with a burst of as many (default
    /// [`DEFAULT_IDENTITY_RATE_LIMIT`]; at least 1); past it `429 ThrottlingException`.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().identity_rate_limit(5).build();
    /// assert!(format!("{emulator:?}").contains("rate_limit: 5"));
    /// ```
    pub fn identity_rate_limit(mut self, per_second: u32) -> Self {
        self.config.identity.rate_limit = per_second.max(1);
        self
    }

    /// How long the workload access tokens the emulator mints are valid, in whole seconds
    /// (default [`DEFAULT_WAT_LIFETIME`]; at least 1 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().wat_lifetime(Duration::from_secs(60)).build();
    /// assert!(format!("{emulator:?}").contains("wat_lifetime: 60s"));
    /// ```
    pub fn wat_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.identity.wat_lifetime = lifetime.max(Duration::from_secs(1));
        self
    }

    /// How long a `USER_FEDERATION` session lives (default
    /// [`DEFAULT_FEDERATION_SESSION_LIFETIME`]); after it, its authorization URL and
    /// session URI are unknown.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().federation_session_lifetime(Duration::from_secs(30)).build();
    /// assert!(format!("{emulator:?}").contains("session_lifetime: 30s"));
    /// ```
    pub fn federation_session_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.identity.session_lifetime = lifetime;
        self
    }

    /// How many `USER_FEDERATION` sessions are kept at once (default
    /// [`DEFAULT_MAX_FEDERATION_SESSIONS`]; at least 1); a new one past it drops the
    /// oldest.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator = Emulator::builder().max_federation_sessions(8).build();
    /// assert!(format!("{emulator:?}").contains("max_sessions: 8"));
    /// ```
    pub fn max_federation_sessions(mut self, limit: usize) -> Self {
        self.config.identity.max_sessions = limit.max(1);
        self
    }

    /// The emulator, ready to start.
    ///
    /// ```
    /// # use agentcore_emulator::Emulator;
    /// let emulator: Emulator = Emulator::builder().allow_anonymous(true).build();
    /// # let _ = emulator;
    /// ```
    pub fn build(self) -> crate::Emulator {
        crate::Emulator {
            config: self.config,
        }
    }
}
