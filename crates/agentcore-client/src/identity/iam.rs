//! AWS-signed JWTs from STS `GetWebIdentityToken` ([`IamJwtBuilder`]), for services that
//! trust the account's OIDC issuer (the reference's `requires_iam_access_token`).

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_sdk_sts::types::Tag;

use super::agent::Identity;
use super::cache::CacheKey;
use super::secret::Secret;
use crate::error::Error;

/// The JWT's signing algorithm (`SigningAlgorithm`).
///
/// ```
/// use agentcore_client::identity::SigningAlgorithm;
///
/// assert_eq!(SigningAlgorithm::default(), SigningAlgorithm::Es384);
/// assert_eq!(SigningAlgorithm::Rs256.as_str(), "RS256");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningAlgorithm {
    /// ECDSA P-384 with SHA-384 (the default, as in the reference).
    #[default]
    Es384,
    /// RSA PKCS#1 v1.5 with SHA-256.
    Rs256,
}

impl SigningAlgorithm {
    /// The name STS takes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Es384 => "ES384",
            Self::Rs256 => "RS256",
        }
    }
}

/// The lifetimes STS allows, 60 to 3600 seconds; 300 by default.
///
/// ```
/// # use std::time::Duration;
/// use agentcore_client::identity::{DEFAULT_IAM_JWT_DURATION, IAM_JWT_DURATIONS};
/// assert_eq!(DEFAULT_IAM_JWT_DURATION, Duration::from_secs(300));
/// assert!(IAM_JWT_DURATIONS.contains(&Duration::from_secs(3600)));
/// ```
pub const IAM_JWT_DURATIONS: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(60)..=Duration::from_secs(3600);
/// The default lifetime of an AWS-signed JWT.
pub const DEFAULT_IAM_JWT_DURATION: Duration = Duration::from_secs(300);

impl Identity {
    /// An AWS-signed JWT for `audiences` (STS `GetWebIdentityToken`), for services that
    /// trust the account's OIDC issuer; algorithm, duration and tags are the builder's
    /// methods.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), agentcore_client::Error> {
    /// let identity = agentcore_client::identity::Identity::shared().await?;
    /// let jwt = identity.iam_jwt(["https://api.example.com"]).send().await?;
    /// # drop(jwt); Ok(()) }
    /// ```
    pub fn iam_jwt<I, S>(&self, audiences: I) -> IamJwtBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        IamJwtBuilder::new(Some(self.clone()), audiences)
    }
}

/// An AWS-signed JWT being asked for ([`Identity::iam_jwt`] or
/// [`iam_jwt`](super::iam_jwt)); `.send().await` gives it, cached until shortly before
/// it expires.
#[must_use = "nothing is fetched until `.send().await`"]
pub struct IamJwtBuilder {
    identity: Option<Identity>,
    audiences: Vec<String>,
    algorithm: SigningAlgorithm,
    duration: Duration,
    tags: Vec<(String, String)>,
}

impl IamJwtBuilder {
    pub(crate) fn new<I, S>(identity: Option<Identity>, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            identity,
            audiences: audiences.into_iter().map(Into::into).collect(),
            algorithm: SigningAlgorithm::default(),
            duration: DEFAULT_IAM_JWT_DURATION,
            tags: Vec::new(),
        }
    }

    /// Sets the signing algorithm ([`SigningAlgorithm::Es384`] by default).
    pub fn signing_algorithm(mut self, algorithm: SigningAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Sets the token's lifetime (60 to 3600 seconds, whole seconds; 300 by default).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    /// Adds a custom claim.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// The JWT: from the cache, else from STS. Refused before anything is sent without an
    /// audience or with a duration outside 60 to 3600 seconds ([`Error::InvalidOption`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), agentcore_client::Error> {
    /// use std::time::Duration;
    ///
    /// use agentcore_client::{RuntimeClient, identity::Identity};
    ///
    /// let identity = Identity::new(RuntimeClient::builder().build()?);
    /// let none = identity.iam_jwt(Vec::<String>::new()).send().await;
    /// assert!(matches!(none, Err(agentcore_client::Error::InvalidOption(_))));
    /// let long = identity.iam_jwt(["aud"]).duration(Duration::from_secs(7200)).send().await;
    /// assert!(matches!(long, Err(agentcore_client::Error::InvalidOption(_))));
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Secret, Error> {
        if self.audiences.is_empty() {
            return Err(Error::InvalidOption(
                "an AWS-signed JWT needs an audience".into(),
            ));
        }
        if !IAM_JWT_DURATIONS.contains(&self.duration) || self.duration.subsec_nanos() != 0 {
            return Err(Error::InvalidOption(
                "an AWS-signed JWT lasts 60 to 3600 whole seconds".into(),
            ));
        }
        let identity = match self.identity {
            Some(identity) => identity,
            None => Identity::shared().await?.clone(),
        };
        let key = CacheKey::IamJwt {
            audiences: self.audiences.clone(),
            algorithm: self.algorithm.as_str().to_owned(),
            duration: self.duration.as_secs(),
            tags: self.tags.clone(),
        };
        if let Some(hit) = identity.cached(&key) {
            return Ok(hit);
        }
        let tags = self
            .tags
            .iter()
            .map(|(key, value)| Tag::builder().key(key).value(value).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::InvalidOption(e.to_string()))?;
        let seconds = i32::try_from(self.duration.as_secs()).unwrap_or(i32::MAX);
        let answer = identity
            .sts()
            .await
            .get_web_identity_token()
            .set_audience(Some(self.audiences))
            .signing_algorithm(self.algorithm.as_str())
            .duration_seconds(seconds)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(|e| sts_error(&e))?;
        let token = answer
            .web_identity_token()
            .ok_or_else(|| Error::Decode("GetWebIdentityToken answered no token".into()))?;
        let token = Secret::new(token);
        let expires = answer
            .expiration()
            .and_then(|at| SystemTime::try_from(*at).ok())
            .or_else(|| super::cache::jwt_expiry(token.expose()));
        identity.store(key, token.clone(), expires);
        Ok(token)
    }
}

/// STS's error code and message, the federation hint for `FeatureDisabled`.
fn sts_error<E, R>(error: &aws_sdk_sts::error::SdkError<E, R>) -> Error
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let Some(service) = error.as_service_error() else {
        return Error::WebIdentityToken(aws_sdk_sts::error::DisplayErrorContext(error).to_string());
    };
    let code = service.code().unwrap_or("unknown");
    let message = service.message().unwrap_or("(no message)");
    let hint = if code.starts_with("FeatureDisabled") {
        " (AWS IAM outbound web identity federation is not enabled for the account)"
    } else {
        ""
    };
    Error::WebIdentityToken(format!("{code}: {message}{hint}"))
}

impl fmt::Debug for IamJwtBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamJwtBuilder")
            .field("audiences", &self.audiences)
            .field("algorithm", &self.algorithm)
            .field("duration", &self.duration)
            .field(
                "tags",
                &self.tags.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}
