//! [`RuntimeClient`] and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use agentcore_contract::{Region, RuntimeArn};
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::credentials::CachedCredentials;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::session::RuntimeSession;
use crate::transport::RetryPolicy;
use crate::transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_READ_TIMEOUT, HttpClient,
    http_client,
};

/// A client of the AgentCore Runtime data plane. Cheap to clone (one `Arc`) and safe to
/// share across tasks.
///
/// Every request is signed for the region of the runtime ARN it targets and sent to that
/// region's endpoint (the partition's DNS suffix), even when the client was configured
/// with another region: an ARN in `eu-west-1` is never signed for `us-east-1`. The
/// client's own region only serves as information (a mismatch is logged at debug level).
///
/// ```
/// use agentcore_client::{Credentials, RuntimeClient};
///
/// let client = RuntimeClient::builder()
///     .region("us-west-2")
///     .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example"))
///     .build()?;
/// assert_eq!(client.region().map(|r| r.as_str()), Some("us-west-2"));
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[derive(Clone)]
pub struct RuntimeClient {
    inner: Arc<Inner>,
}

struct Inner {
    region: Option<Region>,
    credentials: Option<CachedCredentials>,
    endpoint: Option<Endpoint>,
    clock: SharedTimeSource,
    /// The pooled HTTP client of every HTTP operation.
    http: HttpClient,
    /// TLS for `wss://` connections (the HTTP client has its own copy).
    tls: Arc<rustls::ClientConfig>,
    connect_timeout: Duration,
    read_timeout: Duration,
    retry: RetryPolicy,
    /// The bearer token of calls that set no auth of their own.
    bearer_token: Option<String>,
    max_response_bytes: usize,
}

impl RuntimeClient {
    /// A builder for a client made of explicit parts.
    ///
    /// ```
    /// use agentcore_client::RuntimeClient;
    ///
    /// let client = RuntimeClient::builder().region("us-east-1").build()?;
    /// assert_eq!(client.region().unwrap().as_str(), "us-east-1");
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn builder() -> RuntimeClientBuilder {
        RuntimeClientBuilder::default()
    }

    /// A client from the standard AWS configuration, as `aws-config` loads it: region and
    /// credentials from the environment, profiles (SSO and `credential_process`
    /// included), web identity, container and instance metadata. Credential providers
    /// that call AWS use a rustls (ring) HTTPS client.
    ///
    /// `BEDROCK_AGENTCORE_DP_ENDPOINT`, when set, overrides the data-plane endpoint; as in
    /// the reference it must be an `https` URL on an AWS host
    /// ([`Error::InvalidEndpointOverride`] otherwise). Without it, the AWS SDKs' standard
    /// endpoint configuration applies, trusted as given: `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`
    /// (or the profile's `bedrock_agentcore` service section), else `AWS_ENDPOINT_URL` (or
    /// the profile's `endpoint_url`), unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is set.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), agentcore_client::Error> {
    /// let client = agentcore_client::RuntimeClient::from_env().await?;
    /// # Ok(()) }
    /// ```
    pub async fn from_env() -> Result<Self, Error> {
        Self::from_sdk_config(&load_sdk_config().await)
    }

    /// A builder preloaded from the standard AWS configuration (region, credentials
    /// provider, clock), for adding an endpoint, timeouts or a retry policy. Unlike
    /// [`from_env`](Self::from_env) it does not read `BEDROCK_AGENTCORE_DP_ENDPOINT`.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), agentcore_client::Error> {
    /// let client = agentcore_client::RuntimeClient::builder_from_env()
    ///     .await
    ///     .endpoint("http://127.0.0.1:9090")
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub async fn builder_from_env() -> RuntimeClientBuilder {
        Self::builder().sdk_config(&load_sdk_config().await)
    }

    /// A client from an already loaded [`SdkConfig`]: its region, credentials provider,
    /// time source and configured endpoint, plus the `BEDROCK_AGENTCORE_DP_ENDPOINT`
    /// override, as in [`from_env`](Self::from_env).
    ///
    /// ```
    /// use agentcore_client::{Credentials, RuntimeClient};
    /// use aws_config::{Region, SdkConfig};
    /// use aws_credential_types::provider::SharedCredentialsProvider;
    ///
    /// let config = SdkConfig::builder()
    ///     .region(Region::new("eu-central-1"))
    ///     .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
    ///         "AKIDEXAMPLE", "secret", None, None, "example",
    ///     )))
    ///     .build();
    /// let client = RuntimeClient::from_sdk_config(&config)?;
    /// assert_eq!(client.region().unwrap().as_str(), "eu-central-1");
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn from_sdk_config(config: &SdkConfig) -> Result<Self, Error> {
        let mut client = Self::builder().sdk_config(config).build_inner()?;
        client.endpoint = match Endpoint::from_env()? {
            Some(endpoint) => Some(endpoint),
            None => Endpoint::configured(config)?,
        };
        Ok(Self {
            inner: Arc::new(client),
        })
    }

    /// The region the client was configured with, if any. Requests are signed for the
    /// region of their runtime ARN, not this one.
    ///
    /// ```
    /// # use agentcore_client::RuntimeClient;
    /// assert!(RuntimeClient::builder().build()?.region().is_none());
    /// let client = RuntimeClient::builder().region("eu-west-1").build()?;
    /// assert_eq!(client.region().map(|r| r.as_str()), Some("eu-west-1"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn region(&self) -> Option<&Region> {
        self.inner.region.as_ref()
    }

    /// The endpoint for `session`: the override, else the data plane of its ARN's region.
    pub(crate) fn endpoint<'a>(&'a self, session: &'a RuntimeSession) -> &'a Endpoint {
        self.inner
            .endpoint
            .as_ref()
            .unwrap_or_else(|| session.region_endpoint())
    }

    /// Where an Identity call goes and the region it is signed for: the client's region
    /// (no ARN names one) and the override, else that region's data plane.
    #[cfg(feature = "identity")]
    pub(crate) fn identity_target(&self) -> Result<(Endpoint, &Region), Error> {
        let region = self.inner.region.as_ref().ok_or(Error::NoRegion)?;
        let endpoint = match &self.inner.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => Endpoint::for_region(region),
        };
        Ok((endpoint, region))
    }

    /// The region to sign for: always the ARN's.
    pub(crate) fn signing_region<'a>(&self, arn: &'a RuntimeArn) -> &'a Region {
        if let Some(own) = &self.inner.region
            && own != arn.region()
        {
            tracing::debug!(
                client_region = %own,
                arn_region = %arn.region(),
                "signing for the runtime ARN's region, not the client's"
            );
        }
        arn.region()
    }

    /// The current time of the client's clock.
    pub(crate) fn now(&self) -> SystemTime {
        self.inner.clock.now()
    }

    /// The pooled HTTP client.
    pub(crate) fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// TLS for WebSocket connections.
    pub(crate) fn tls(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(&self.inner.tls)
    }

    /// The connect timeout.
    pub(crate) fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }

    /// The default read timeout.
    pub(crate) fn read_timeout(&self) -> Duration {
        self.inner.read_timeout
    }

    /// The limit of collected answers for a call that sets `own` (or none).
    pub(crate) fn response_limit(&self, own: Option<usize>) -> usize {
        own.unwrap_or(self.inner.max_response_bytes)
    }

    /// The bearer token of calls that set no auth of their own.
    pub(crate) fn bearer_token(&self) -> Option<&str> {
        self.inner.bearer_token.as_deref()
    }

    /// The retry policy of idempotent operations.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// Credentials valid now, from the provider (through its cache).
    pub(crate) async fn credentials(&self) -> Result<Identity, Error> {
        let provider = self
            .inner
            .credentials
            .as_ref()
            .ok_or(Error::NoCredentials)?;
        provider.get(self.now()).await
    }
}

impl fmt::Debug for RuntimeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeClient")
            .field("region", &self.inner.region)
            .field("credentials", &self.inner.credentials.is_some())
            .field("endpoint", &self.inner.endpoint)
            .field(
                "bearer_token",
                &self.inner.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// Builds a [`RuntimeClient`] from explicit parts; every part is optional.
///
/// - `region`: the client's region (validated; requests are signed for the ARN's).
/// - `credentials_provider`: any `aws-credential-types` provider; needed for SigV4 and
///   presigned URLs, not for OAuth.
/// - `endpoint`: an `http`, `https`, `ws` or `wss` URL replacing the data-plane endpoint
///   (local emulators, tests); `http`/`ws` connect without TLS. It is trusted as given:
///   the AWS-host check applies only to `BEDROCK_AGENTCORE_DP_ENDPOINT`.
/// - `clock`: the time source for signing, fixed in tests.
/// - `add_root_certificate`: a root certificate (DER) trusted besides the webpki roots.
/// - `connect_timeout` (10 s by default), `read_timeout` (the longest wait for an
///   answer's head or the next piece of its body, 300 s by default; a command waits
///   its own timeout plus 30 s) and `retry` ([`RetryPolicy`], for stopping sessions).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
///
/// use agentcore_client::{Credentials, RuntimeClient, StaticTimeSource};
///
/// let client = RuntimeClient::builder()
///     .region("us-east-1")
///     .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example"))
///     .endpoint("ws://127.0.0.1:8080")
///     .clock(StaticTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_800_000_000)))
///     .build()?;
///
/// assert!(RuntimeClient::builder().region("us-east-1.evil.com").build().is_err());
/// assert!(RuntimeClient::builder().endpoint("ftp://example.com").build().is_err());
/// # drop(client);
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[derive(Default)]
pub struct RuntimeClientBuilder {
    region: Option<String>,
    credentials: Option<SharedCredentialsProvider>,
    endpoint: Option<String>,
    clock: Option<SharedTimeSource>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    bearer_token: Option<String>,
    max_response_bytes: Option<usize>,
    root_certificates: Vec<Vec<u8>>,
}

impl RuntimeClientBuilder {
    /// Takes the region, credentials provider and time source of an [`SdkConfig`].
    ///
    /// ```
    /// use agentcore_client::RuntimeClient;
    /// use aws_config::{Region, SdkConfig};
    ///
    /// let config = SdkConfig::builder().region(Region::new("ap-northeast-1")).build();
    /// let client = RuntimeClient::builder().sdk_config(&config).build()?;
    /// assert_eq!(client.region().unwrap().as_str(), "ap-northeast-1");
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn sdk_config(mut self, config: &SdkConfig) -> Self {
        self.region = config.region().map(|r| r.as_ref().to_owned());
        self.credentials = config.credentials_provider();
        self.clock = config.time_source();
        self
    }

    /// Sets the client's region.
    ///
    /// ```
    /// # use agentcore_client::RuntimeClient;
    /// let client = RuntimeClient::builder().region("us-west-2").build()?;
    /// assert_eq!(client.region().unwrap().as_str(), "us-west-2");
    /// assert!(RuntimeClient::builder().region("US-WEST-2").build().is_err());
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets the credentials provider (static [`Credentials`](crate::Credentials) are one
    /// too).
    ///
    /// ```
    /// use agentcore_client::{Credentials, RuntimeClient};
    ///
    /// let client = RuntimeClient::builder()
    ///     .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example"))
    ///     .build()?;
    /// assert!(format!("{client:?}").contains("credentials: true"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(SharedCredentialsProvider::new(provider));
        self
    }

    /// Sets an endpoint override.
    ///
    /// ```
    /// use agentcore_client::{RuntimeClient, RuntimeSession};
    ///
    /// let client = RuntimeClient::builder().endpoint("http://127.0.0.1:9090").build()?;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// let request = client.oauth_headers(&session, "token")?;
    /// assert!(request.url().starts_with("ws://127.0.0.1:9090/runtimes/"));
    /// assert!(RuntimeClient::builder().endpoint("ftp://example.com").build().is_err());
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Sets the clock used for signing times.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// use agentcore_client::{Credentials, Presign, RuntimeClient, RuntimeSession, StaticTimeSource};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), agentcore_client::Error> {
    /// let client = RuntimeClient::builder()
    ///     .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example"))
    ///     .clock(StaticTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_704_067_200)))
    ///     .build()?;
    /// let session = RuntimeSession::new("arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/demo".parse()?);
    /// let url = client.presigned_url(&session).presign(Presign::new(Duration::from_secs(60))).send().await?;
    /// assert!(url.as_str().contains("X-Amz-Date=20240101T000000Z"));
    /// # Ok(()) }
    /// ```
    pub fn clock(mut self, clock: impl TimeSource + 'static) -> Self {
        self.clock = Some(SharedTimeSource::new(clock));
        self
    }

    /// Sets the connect timeout (10 s by default).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_client::RuntimeClient;
    /// let client = RuntimeClient::builder().connect_timeout(Duration::from_secs(2)).build()?;
    /// assert!(client.region().is_none());
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sets the default read timeout (300 s by default); a call's
    /// [`OperationBuilder::timeout`](crate::OperationBuilder::timeout) overrides it.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use agentcore_client::RuntimeClient;
    /// let client = RuntimeClient::builder().read_timeout(Duration::from_secs(60)).build()?;
    /// assert!(client.region().is_none());
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Sets the retry policy of idempotent operations ([`RetryPolicy::default`]: 3
    /// attempts).
    ///
    /// ```
    /// # use agentcore_client::{RetryPolicy, RuntimeClient};
    /// let policy = RetryPolicy { max_attempts: 5, ..RetryPolicy::default() };
    /// let client = RuntimeClient::builder().retry(policy).build()?;
    /// assert_eq!(policy.max_attempts, 5);
    /// # drop(client);
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest answer a call collects: a body, a non-SSE answer read as a stream, a
    /// command's output (default [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES));
    /// past it the call fails with [`Error::ResponseTooLarge`]. Streamed SSE events and
    /// command events are bounded per event instead. Error answers are read up to
    /// [`MAX_ERROR_BODY_BYTES`](crate::MAX_ERROR_BODY_BYTES).
    ///
    /// ```
    /// use agentcore_client::RuntimeClient;
    ///
    /// let client = RuntimeClient::builder().max_response_bytes(1 << 20).build()?;
    /// # drop(client);
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Authenticates every call with this OAuth bearer token, unless the call sets its own
    /// auth ([`OperationBuilder::bearer`](crate::OperationBuilder::bearer) or
    /// [`sigv4`](crate::OperationBuilder::sigv4)). Without one, calls use SigV4.
    ///
    /// ```
    /// use agentcore_client::RuntimeClient;
    ///
    /// let client = RuntimeClient::builder().bearer_token("my-jwt").build()?;
    /// assert!(!format!("{client:?}").contains("my-jwt"));
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// Also trusts this root certificate (DER) for `https://` and `wss://` connections,
    /// besides the webpki roots: for a data plane reached through a proxy or an endpoint
    /// with a private CA, or a local emulator behind TLS. Called again, it adds another.
    /// [`build`](Self::build) refuses a certificate rustls cannot parse
    /// ([`Error::InvalidOption`]).
    ///
    /// ```
    /// use agentcore_client::RuntimeClient;
    ///
    /// let refused = RuntimeClient::builder().add_root_certificate(b"not DER".to_vec()).build();
    /// assert!(matches!(refused, Err(agentcore_client::Error::InvalidOption(_))));
    /// ```
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(der.into());
        self
    }

    /// Validates the parts and builds the client.
    ///
    /// ```
    /// # use agentcore_client::RuntimeClient;
    /// assert!(RuntimeClient::builder().region("us-east-1").build().is_ok());
    /// assert!(RuntimeClient::builder().region("not a region").build().is_err());
    /// ```
    pub fn build(self) -> Result<RuntimeClient, Error> {
        Ok(RuntimeClient {
            inner: Arc::new(self.build_inner()?),
        })
    }

    fn build_inner(self) -> Result<Inner, Error> {
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let tls = crate::tls::tls_config(&self.root_certificates)?;
        Ok(Inner {
            region: self.region.map(Region::new).transpose()?,
            credentials: self.credentials.map(CachedCredentials::new),
            endpoint: self.endpoint.as_deref().map(Endpoint::parse).transpose()?,
            clock: self.clock.unwrap_or_default(),
            http: http_client(connect_timeout, &tls),
            tls,
            connect_timeout,
            read_timeout: self.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT),
            retry: self.retry.unwrap_or_default(),
            bearer_token: self.bearer_token,
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
        })
    }
}

impl fmt::Debug for RuntimeClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeClientBuilder")
            .field("region", &self.region)
            .field("credentials", &self.credentials.is_some())
            .field("endpoint", &self.endpoint)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// The standard AWS configuration (region, credential chain), with a rustls (ring)
/// HTTPS client for the credential providers that call AWS: what
/// [`RuntimeClient::from_env`] and [`RuntimeClient::builder_from_env`] start from, for
/// code that needs the same chain (the `agentcore` CLI reads its credentials with it).
///
/// ```no_run
/// # async fn example() {
/// let config = agentcore_client::load_sdk_config().await;
/// println!("{:?}", config.region());
/// # }
/// ```
pub async fn load_sdk_config() -> SdkConfig {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https)
        .load()
        .await
}
