//! `client.open_shell(..)`: the operation's builder.

use std::sync::Arc;
use std::time::Duration;

use agentcore_contract::shell::{Resize, ShellId};

use super::connector::Connector;
use super::reconnect::ReconnectPolicy;
use super::session::{Keepalive, Shell};
use crate::client::RuntimeClient;
use crate::error::Error;
use crate::operation::{CallTarget, OperationBuilder};
use crate::presign::Presign;
use crate::ws::Auth;

/// How often an open shell pings the runtime: 30 s, as the reference clients.
pub const SHELL_PING_INTERVAL: Duration = Duration::from_secs(30);
/// How long a shell's connection may be silent (no message, no pong) before it counts
/// as dropped: 60 s, twice the ping interval.
pub const SHELL_PONG_TIMEOUT: Duration = Duration::from_secs(60);

/// The parts of [`RuntimeClient::open_shell`], the `O` of its [`OperationBuilder`].
#[derive(Debug, Default)]
pub struct OpenShell {
    shell_id: Option<String>,
    size: Option<Resize>,
    reconnect: Option<ReconnectPolicy>,
    presign: Option<Presign>,
    ping_interval: Option<Duration>,
}

/// An interactive shell ([`RuntimeClient::open_shell`]).
pub type OpenShellBuilder<'c> = OperationBuilder<'c, OpenShell>;

impl OpenShellBuilder<'_> {
    /// The shell to open or reattach to (`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$`); a new
    /// UUIDv4 when none is set.
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.open_shell(&arn).shell_id("build-shell-1");
    /// assert!(format!("{request:?}").contains("build-shell-1"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn shell_id(mut self, id: impl Into<String>) -> Self {
        self.op.shell_id = Some(id.into());
        self
    }

    /// The terminal's size, sent as soon as the shell is open (and again after a
    /// reconnect).
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.open_shell(&arn).size(120, 40);
    /// assert!(format!("{request:?}").contains("120"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn size(mut self, width: u16, height: u16) -> Self {
        self.op.size = Some(Resize { width, height });
        self
    }

    /// How a dropped connection is reattached ([`ReconnectPolicy::default`], the
    /// reference's; [`ReconnectPolicy::none`] to end instead).
    ///
    /// ```
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.open_shell(&arn).reconnect(agentcore_client::ReconnectPolicy::none());
    /// assert!(format!("{request:?}").contains("max_retries: 0"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.op.reconnect = Some(policy);
        self
    }

    /// Connects through a presigned URL made with these settings (its own query
    /// parameters are not sent for shells).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.open_shell(&arn).presigned(agentcore_client::Presign::new(Duration::from_secs(60)));
    /// assert!(format!("{request:?}").contains("Presign"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn presigned(mut self, presign: Presign) -> Self {
        self.op.presign = Some(presign);
        self
    }

    /// How often to ping the runtime ([`SHELL_PING_INTERVAL`] by default); silence for
    /// twice as long is a dropped connection.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # let client = agentcore_client::RuntimeClient::builder().build()?;
    /// # let arn: agentcore_client::contract::RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1".parse()?;
    /// let request = client.open_shell(&arn).ping_interval(Duration::from_secs(10));
    /// assert!(format!("{request:?}").contains("10s"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.op.ping_interval = Some(interval);
        self
    }

    /// Opens the shell: SigV4 headers by default, an OAuth token in the WebSocket
    /// subprotocol with [`bearer`](OperationBuilder::bearer), or a presigned URL.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, arn: agentcore_client::contract::RuntimeArn) -> Result<(), agentcore_client::Error> {
    /// let mut shell = client.open_shell(&arn).shell_id("debug").size(80, 24).send().await?;
    /// shell.send_input("uname -a\n").await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Shell, Error> {
        let session = self.session()?;
        let shell_id = match &self.op.shell_id {
            Some(id) => {
                ShellId::new(id.clone()).map_err(|err| Error::InvalidOption(err.to_string()))?
            }
            None => {
                ShellId::new(uuid::Uuid::new_v4().to_string()).expect("a UUID is a valid shell id")
            }
        };
        let auth = match &self.op.presign {
            Some(presign) => Auth::Presigned(presign.clone()),
            None => self.chosen_auth(),
        };
        let interval = self.op.ping_interval.unwrap_or(SHELL_PING_INTERVAL);
        let keepalive = Keepalive {
            interval,
            timeout: interval.saturating_mul(2),
        };
        let connector = Arc::new(Connector::new(
            self.client().clone(),
            session,
            shell_id,
            auth,
        ));
        let stream = connector.connect().await?;
        let policy = self.op.reconnect.unwrap_or_default();
        Ok(Shell::new(
            connector,
            stream,
            policy,
            keepalive,
            self.op.size,
        ))
    }
}

impl RuntimeClient {
    /// An interactive shell in a runtime session (`InvokeAgentRuntimeCommandShell`,
    /// `/ws/shells`): see [`OpenShellBuilder`] and [`Shell`].
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
    /// let shell = client.open_shell(&session).send().await?;
    /// println!("shell {} in session {}", shell.shell_id(), shell.session_id());
    /// # Ok(()) }
    /// ```
    pub fn open_shell(&self, target: impl Into<CallTarget>) -> OpenShellBuilder<'_> {
        OperationBuilder::new(self, target.into(), OpenShell::default())
    }
}
