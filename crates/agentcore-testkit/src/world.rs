//! The emulator in front of the conformance agent, with known secrets, and clients set
//! up for it.

use agentcore_client::contract::{RuntimeArn, SessionId};
use agentcore_client::{Credentials, RuntimeClient, RuntimeClientBuilder, RuntimeSession};
use agentcore_emulator::{Emulator, EmulatorBuilder, RunningEmulator};

use crate::Agent;

/// The runtime the emulator serves (endpoints `DEFAULT` and [`QUALIFIER`]).
pub const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/testkit-agent";
/// The region of [`ARN`], which clients sign for.
pub const REGION: &str = "us-west-2";
/// The endpoint name the runtime has besides `DEFAULT`.
pub const QUALIFIER: &str = "prod";
/// The bearer token the emulator accepts.
pub const BEARER_TOKEN: &str = "testkit-bearer-token";
/// The HS256 secret of the bearer JWTs the emulator accepts.
pub const JWT_SECRET: &[u8] = b"testkit-jwt-secret";
/// Long-term credentials the emulator accepts (no session token): the access key id.
pub const ACCESS_KEY: &str = "AKIDTESTKIT";
/// The secret key of [`ACCESS_KEY`].
pub const SECRET_KEY: &str = "testkit/secret+key";
/// Temporary credentials the emulator accepts: the access key id.
pub const TEMP_ACCESS_KEY: &str = "ASIATESTKIT";
/// The secret key of [`TEMP_ACCESS_KEY`].
pub const TEMP_SECRET_KEY: &str = "testkit/temporary+secret";
/// The session token of [`TEMP_ACCESS_KEY`] (with characters that need encoding).
pub const SESSION_TOKEN: &str = "testkit-session-token//+=";

/// The workload identity of [`World::start_with_identity`]: the runtime [`ARN`] is it, so
/// its invocations carry a workload access token for the caller's user.
pub const WORKLOAD: &str = "test-workload";
/// The API key credential provider of [`World::start_with_identity`].
pub const API_KEY_PROVIDER: &str = "test-api-key-provider";
/// The API key [`API_KEY_PROVIDER`] answers.
pub const API_KEY: &str = "testkit-api-key";
/// The OAuth2 credential provider of [`World::start_with_identity`].
pub const OAUTH2_PROVIDER: &str = "test-oauth2-provider";
/// The access token [`OAUTH2_PROVIDER`] answers (every flow, `USER_FEDERATION` after
/// consent).
pub const OAUTH2_TOKEN: &str = "testkit-oauth2-token";

/// The Identity settings of [`World::start_with_identity`], for a world started with
/// more settings (`World::start_with(|b| with_identity(b).identity_rate_limit(5))`): the
/// workload [`WORKLOAD`] bound to [`ARN`], the API key provider [`API_KEY_PROVIDER`]
/// ([`API_KEY`]) and the OAuth2 provider [`OAUTH2_PROVIDER`] ([`OAUTH2_TOKEN`]). User
/// JWTs are verified with [`JWT_SECRET`], which every world has.
pub fn with_identity(builder: EmulatorBuilder) -> EmulatorBuilder {
    builder
        .workload(WORKLOAD)
        .runtime_workload(ARN, WORKLOAD)
        .api_key_provider(API_KEY_PROVIDER, API_KEY)
        .oauth2_provider(OAUTH2_PROVIDER, OAUTH2_TOKEN)
}

/// Worlds started by this process, for their directories' names.
static WORLDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A fresh session of [`ARN`] (a random id, as a new caller's).
pub fn session() -> RuntimeSession {
    RuntimeSession::new(ARN.parse::<RuntimeArn>().expect("the testkit ARN"))
}

/// A session of [`ARN`] with this id.
///
/// # Panics
/// When `id` is not a valid session id (at least 33 characters).
pub fn session_with_id(id: &str) -> RuntimeSession {
    let id: SessionId = id.parse().expect("a valid session id");
    session().with_session_id(id)
}

/// The [conformance agent](crate::agent) and the emulator in front of it, serving
/// [`ARN`], accepting [`BEARER_TOKEN`], bearer JWTs signed with [`JWT_SECRET`] and SigV4
/// with either credential set ([`ACCESS_KEY`], [`TEMP_ACCESS_KEY`]).
///
/// Both stop when the `World` is dropped (the emulator) or with the test's runtime (the
/// agent).
#[derive(Debug)]
pub struct World {
    agent: Agent,
    emulator: RunningEmulator,
    /// The emulator's session directories: this world's own, removed with it.
    work_root: std::path::PathBuf,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.work_root);
    }
}

impl World {
    /// Starts the agent and the emulator on fresh ports of `127.0.0.1`.
    pub async fn start() -> Self {
        Self::start_with(|builder| builder).await
    }

    /// Like [`start`](Self::start), with the emulator serving AgentCore Identity
    /// ([`with_identity`]): the workload [`WORKLOAD`] (the runtime [`ARN`] is it), the
    /// providers [`API_KEY_PROVIDER`] and [`OAUTH2_PROVIDER`].
    pub async fn start_with_identity() -> Self {
        Self::start_with(with_identity).await
    }

    /// Like [`start`](Self::start), with more emulator settings.
    pub async fn start_with(configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> Self {
        let agent = Agent::start().await;
        let work_root = std::env::temp_dir().join(format!(
            "agentcore-testkit-{}-{}",
            std::process::id(),
            WORLDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let builder = Emulator::builder()
            .work_root(&work_root)
            .runtime_with_qualifiers(ARN, agent.url(), &[QUALIFIER])
            .expect("the testkit ARN")
            .bearer_token(BEARER_TOKEN)
            .jwt_hs256_secret(JWT_SECRET.to_vec())
            .credentials(ACCESS_KEY, SECRET_KEY, None)
            .credentials(TEMP_ACCESS_KEY, TEMP_SECRET_KEY, Some(SESSION_TOKEN));
        let emulator = configure(builder)
            .build()
            .start("127.0.0.1:0")
            .await
            .expect("the emulator starts");
        World {
            agent,
            emulator,
            work_root,
        }
    }

    /// The emulator's base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.emulator.url()
    }

    /// The running emulator.
    pub fn emulator(&self) -> &RunningEmulator {
        &self.emulator
    }

    /// The emulator's session directories (removed with the world).
    pub fn work_root(&self) -> &std::path::Path {
        &self.work_root
    }

    /// The agent behind the emulator.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// A client of the emulator signing with the temporary credentials.
    pub fn client(&self) -> RuntimeClient {
        self.client_builder()
            .build()
            .expect("the testkit client builds")
    }

    /// A client builder for the emulator, in [`REGION`], with the temporary credentials
    /// (a later `credentials_provider` replaces them).
    pub fn client_builder(&self) -> RuntimeClientBuilder {
        RuntimeClient::builder()
            .endpoint(self.url())
            .region(REGION)
            .credentials_provider(temporary_credentials(TEMP_SECRET_KEY))
    }
}

/// The temporary credentials with this secret key ([`TEMP_SECRET_KEY`] is the right one).
pub fn temporary_credentials(secret_key: &str) -> Credentials {
    Credentials::new(
        TEMP_ACCESS_KEY,
        secret_key,
        Some(SESSION_TOKEN.to_owned()),
        None,
        "agentcore-testkit",
    )
}
