//! [`Identity`]: what an agent's handler calls to get API keys and OAuth2 tokens with
//! the workload access token of its request, cached.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use agentcore_contract::identity::WorkloadContext;
use aws_config::SdkConfig;
use tokio::sync::OnceCell;

use super::cache::{CacheKey, CachePolicy, TokenCache, digest};
use super::poll::PollPolicy;
use super::secret::Secret;
use crate::client::{RuntimeClient, load_sdk_config};
use crate::error::Error;

/// The local workload's name, for runs outside AgentCore Runtime (where no request
/// carries a workload access token).
///
/// ```
/// assert_eq!(agentcore_client::identity::WORKLOAD_NAME_ENV, "AGENTCORE_WORKLOAD_NAME");
/// ```
pub const WORKLOAD_NAME_ENV: &str = "AGENTCORE_WORKLOAD_NAME";
/// The user the local workload acts for (optional): its token then comes from
/// `GetWorkloadAccessTokenForUserId`, else from `GetWorkloadAccessToken`.
///
/// ```
/// assert_eq!(agentcore_client::identity::LOCAL_USER_ID_ENV, "AGENTCORE_LOCAL_USER_ID");
/// ```
pub const LOCAL_USER_ID_ENV: &str = "AGENTCORE_LOCAL_USER_ID";

/// Gets an agent the credentials its tools need, through AgentCore Identity: API keys
/// and OAuth2 tokens from the token vault, with the workload access token of the
/// request (any [`WorkloadContext`], such as the server's `RequestContext`), and
/// AWS-signed JWTs from STS.
///
/// - **Cached**: every value is kept per (provider, scopes, flow, workload access
///   token) until shortly before it expires ([`CachePolicy`]); a second call makes no
///   request.
/// - **Local runs**: a request without a workload access token gets the local
///   workload's ([`IdentityBuilder::local_workload`], or `AGENTCORE_WORKLOAD_NAME` and
///   `AGENTCORE_LOCAL_USER_ID` for [`from_env`](Self::from_env)), fetched once and
///   cached; refreshed once if the service refuses it.
/// - **`USER_FEDERATION`**: the authorization URL goes to a callback (or
///   [`start`](super::Oauth2TokenBuilder::start) hands it over), and the token is polled for
///   within [`PollPolicy`]; dropping the future stops the polling.
///
/// Cheap to clone (one `Arc`). Its `Debug` shows no token.
///
/// ```
/// use agentcore_client::identity::Identity;
/// use agentcore_client::contract::identity::WorkloadContext;
/// use agentcore_client::RuntimeClient;
///
/// struct NoToken;
/// impl WorkloadContext for NoToken {
///     fn workload_access_token(&self) -> Option<&str> { None }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), agentcore_client::Error> {
/// let identity = Identity::new(RuntimeClient::builder().region("us-west-2").build()?);
/// // No token in the request and no local workload: a typed error, nothing sent.
/// let err = identity.api_key(&NoToken, "openai").await.unwrap_err();
/// assert!(matches!(err, agentcore_client::Error::NoWorkloadAccessToken));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Identity {
    inner: Arc<Inner>,
}

struct Inner {
    client: RuntimeClient,
    local: Option<LocalWorkload>,
    poll: PollPolicy,
    cache: Mutex<TokenCache>,
    sdk_config: Option<SdkConfig>,
    sts: OnceCell<aws_sdk_sts::Client>,
}

#[derive(Debug, Clone)]
struct LocalWorkload {
    name: String,
    user_id: Option<String>,
}

impl Identity {
    /// An `Identity` calling through `client`, with the default policies and no local
    /// workload.
    pub fn new(client: RuntimeClient) -> Self {
        Self::builder(client).build()
    }

    /// A builder for an `Identity` calling through `client`.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use agentcore_client::identity::{CachePolicy, Identity, PollPolicy};
    /// use agentcore_client::RuntimeClient;
    ///
    /// let identity = Identity::builder(RuntimeClient::builder().region("us-east-1").build()?)
    ///     .local_workload("my-agent")
    ///     .local_user_id("alice")
    ///     .poll_policy(PollPolicy::default().interval(Duration::from_secs(2)))
    ///     .cache_policy(CachePolicy::default().max_entries(64))
    ///     .build();
    /// assert!(format!("{identity:?}").contains("my-agent"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn builder(client: RuntimeClient) -> IdentityBuilder {
        IdentityBuilder {
            client,
            local_name: None,
            local_user: None,
            poll: PollPolicy::default(),
            cache: CachePolicy::default(),
            sdk_config: None,
        }
    }

    /// An `Identity` from the standard AWS configuration
    /// ([`RuntimeClient::from_sdk_config`]: region, credentials, endpoint), with the local
    /// workload of `AGENTCORE_WORKLOAD_NAME` and `AGENTCORE_LOCAL_USER_ID` when set.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), agentcore_client::Error> {
    /// let identity = agentcore_client::identity::Identity::from_env().await?;
    /// # drop(identity); Ok(()) }
    /// ```
    pub async fn from_env() -> Result<Self, Error> {
        let config = load_sdk_config().await;
        let client = RuntimeClient::from_sdk_config(&config)?;
        let env = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        let mut builder = Self::builder(client).sdk_config(config);
        if let Some(name) = env(WORKLOAD_NAME_ENV) {
            builder = builder.local_workload(name);
        }
        if let Some(user) = env(LOCAL_USER_ID_ENV) {
            builder = builder.local_user_id(user);
        }
        Ok(builder.build())
    }

    /// The process's shared `Identity`, made by [`from_env`](Self::from_env) on first use
    /// (a failure is returned and tried again next time): what the free functions
    /// [`api_key`](super::api_key), [`oauth2_token`](super::oauth2_token) and
    /// [`iam_jwt`](super::iam_jwt) use.
    pub async fn shared() -> Result<&'static Self, Error> {
        static SHARED: OnceCell<Identity> = OnceCell::const_new();
        SHARED.get_or_try_init(Self::from_env).await
    }

    /// The client it calls through.
    pub fn client(&self) -> &RuntimeClient {
        &self.inner.client
    }

    /// The workload access token for `ctx`: its own, else the local workload's
    /// ([`Error::NoWorkloadAccessToken`] with neither).
    pub async fn workload_access_token(&self, ctx: &impl WorkloadContext) -> Result<Secret, Error> {
        Ok(self.token_for(ctx.workload_access_token()).await?.0)
    }

    /// The API key of `provider` (`GetResourceApiKey`), cached.
    ///
    /// ```no_run
    /// # async fn handler(ctx: &impl agentcore_client::contract::identity::WorkloadContext) -> Result<(), agentcore_client::Error> {
    /// let identity = agentcore_client::identity::Identity::shared().await?;
    /// let key = identity.api_key(ctx, "openai").await?;
    /// let header = format!("Bearer {}", key.expose());
    /// # drop(header); Ok(()) }
    /// ```
    pub async fn api_key(
        &self,
        ctx: &impl WorkloadContext,
        provider: &str,
    ) -> Result<Secret, Error> {
        let given = ctx.workload_access_token().map(str::to_owned);
        self.with_token(given.as_deref(), |wat| async move {
            let key = CacheKey::ApiKey {
                provider: provider.to_owned(),
                wat: digest(wat.expose()),
            };
            if let Some(hit) = self.cached(&key) {
                return Ok(hit);
            }
            let answer = self
                .inner
                .client
                .get_resource_api_key(wat.expose(), provider)
                .send()
                .await?;
            let value = Secret::from(answer.api_key);
            self.store(key, value.clone(), None);
            Ok(value)
        })
        .await
    }

    /// Runs `call` with the workload access token for `given`; if that token was the
    /// local workload's and the service refuses it, fetches a new one and runs `call`
    /// once more.
    pub(crate) async fn with_token<T, F, Fut>(
        &self,
        given: Option<&str>,
        call: F,
    ) -> Result<T, Error>
    where
        F: Fn(Secret) -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let (wat, local) = self.token_for(given).await?;
        match call(wat).await {
            Err(e) if local && e.service_kind() == Some("AccessDeniedException") => {
                self.lock().remove(&CacheKey::LocalWorkloadToken);
                let (wat, _) = self.token_for(None).await?;
                call(wat).await
            }
            result => result,
        }
    }

    /// `given`, else the local workload's token (cached); and whether it is the local one.
    async fn token_for(&self, given: Option<&str>) -> Result<(Secret, bool), Error> {
        if let Some(wat) = given.filter(|wat| !wat.is_empty()) {
            return Ok((Secret::new(wat), false));
        }
        let local = self
            .inner
            .local
            .as_ref()
            .ok_or(Error::NoWorkloadAccessToken)?;
        if let Some(hit) = self.cached(&CacheKey::LocalWorkloadToken) {
            return Ok((hit, true));
        }
        let client = &self.inner.client;
        let answer = match &local.user_id {
            Some(user) => {
                client
                    .get_workload_access_token_for_user_id(&local.name, user)
                    .send()
                    .await?
            }
            None => client.get_workload_access_token(&local.name).send().await?,
        };
        let wat = Secret::from(answer.workload_access_token);
        self.store(
            CacheKey::LocalWorkloadToken,
            wat.clone(),
            super::cache::jwt_expiry(wat.expose()),
        );
        Ok((wat, true))
    }

    pub(crate) fn poll_policy(&self) -> PollPolicy {
        self.inner.poll
    }

    pub(crate) fn cached(&self, key: &CacheKey) -> Option<Secret> {
        self.lock().get(key)
    }

    pub(crate) fn store(
        &self,
        key: CacheKey,
        value: Secret,
        expires: Option<std::time::SystemTime>,
    ) {
        self.lock().put(key, value, expires);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TokenCache> {
        // The cache holds no invariant a panic elsewhere could break.
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The STS client: from the configuration given, else the standard one.
    pub(crate) async fn sts(&self) -> &aws_sdk_sts::Client {
        self.inner
            .sts
            .get_or_init(|| async {
                let config = match &self.inner.sdk_config {
                    Some(config) => config.clone(),
                    None => load_sdk_config().await,
                };
                aws_sdk_sts::Client::new(&config)
            })
            .await
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("client", &self.inner.client)
            .field(
                "local_workload",
                &self.inner.local.as_ref().map(|l| &l.name),
            )
            .field("poll", &self.inner.poll)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Identity`] ([`Identity::builder`]).
#[derive(Debug)]
#[must_use]
pub struct IdentityBuilder {
    client: RuntimeClient,
    local_name: Option<String>,
    local_user: Option<String>,
    poll: PollPolicy,
    cache: CachePolicy,
    sdk_config: Option<SdkConfig>,
}

impl IdentityBuilder {
    /// The workload whose token a request without one gets (local runs).
    pub fn local_workload(mut self, name: impl Into<String>) -> Self {
        self.local_name = Some(name.into());
        self
    }

    /// The user the local workload acts for (`GetWorkloadAccessTokenForUserId`).
    pub fn local_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.local_user = Some(user_id.into());
        self
    }

    /// How `USER_FEDERATION` polls for its token ([`PollPolicy::default`]).
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.poll = policy;
        self
    }

    /// How values are cached ([`CachePolicy::default`]).
    pub fn cache_policy(mut self, policy: CachePolicy) -> Self {
        self.cache = policy;
        self
    }

    /// The AWS configuration of STS calls ([`Identity::iam_jwt`]); without it, the
    /// standard one is loaded on first use.
    pub fn sdk_config(mut self, config: SdkConfig) -> Self {
        self.sdk_config = Some(config);
        self
    }

    /// Builds the `Identity`.
    pub fn build(self) -> Identity {
        let local = self.local_name.map(|name| LocalWorkload {
            name,
            user_id: self.local_user,
        });
        Identity {
            inner: Arc::new(Inner {
                client: self.client,
                local,
                poll: self.poll,
                cache: Mutex::new(TokenCache::new(self.cache)),
                sdk_config: self.sdk_config,
                sts: OnceCell::new(),
            }),
        }
    }
}
