//! OAuth2 tokens for an agent: [`Oauth2TokenBuilder`], and for `USER_FEDERATION` the
//! user's consent ([`PendingConsent`]) polled for within a [`PollPolicy`].

use agentcore_contract::identity::{
    GetResourceOauth2TokenRequest, GetResourceOauth2TokenResponse, Oauth2Flow, SessionStatus,
    WorkloadContext,
};
use std::fmt;
use tokio::time::Instant;

use super::agent::Identity;
use super::cache::{CacheKey, digest, jwt_expiry};
use super::poll::PollPolicy;
use super::secret::Secret;
use crate::error::Error;

impl Identity {
    /// An OAuth2 access token of `provider` by `flow` (`GetResourceOauth2Token`): scopes,
    /// resources, audiences and the rest are the builder's methods; `.send().await`
    /// gives the token, cached.
    ///
    /// ```no_run
    /// # async fn handler(ctx: &impl agentcore_client::contract::identity::WorkloadContext) -> Result<(), agentcore_client::Error> {
    /// use agentcore_client::contract::identity::Oauth2Flow;
    ///
    /// let identity = agentcore_client::identity::Identity::shared().await?;
    /// let token = identity
    ///     .oauth2_token(ctx, "google", Oauth2Flow::UserFederation)
    ///     .scopes(["https://www.googleapis.com/auth/calendar.readonly"])
    ///     .on_authorization_url(|url| println!("please visit {url}"))
    ///     .send()
    ///     .await?;
    /// # drop(token); Ok(()) }
    /// ```
    pub fn oauth2_token(
        &self,
        ctx: &impl WorkloadContext,
        provider: impl Into<String>,
        flow: Oauth2Flow,
    ) -> Oauth2TokenBuilder {
        Oauth2TokenBuilder::new(Some(self.clone()), ctx, provider.into(), flow)
    }
}

type OnUrl = Box<dyn FnMut(&str) + Send>;

/// An OAuth2 token being asked for ([`Identity::oauth2_token`] or
/// [`oauth2_token`](super::oauth2_token)); `.send().await` gives it.
///
/// The return URL defaults to the request's OAuth2 callback URL (`OAuth2CallbackUrl`),
/// as in the reference.
#[must_use = "nothing is fetched until `.send().await` or `.start().await`"]
pub struct Oauth2TokenBuilder {
    identity: Option<Identity>,
    given_wat: Option<String>,
    request: GetResourceOauth2TokenRequest,
    on_url: Option<OnUrl>,
    poll: Option<PollPolicy>,
}

impl Oauth2TokenBuilder {
    pub(crate) fn new(
        identity: Option<Identity>,
        ctx: &impl WorkloadContext,
        provider: String,
        flow: Oauth2Flow,
    ) -> Self {
        let mut request = GetResourceOauth2TokenRequest::new(String::new(), provider, flow);
        request.resource_oauth2_return_url = ctx.oauth2_callback_url().map(str::to_owned);
        Self {
            identity,
            given_wat: ctx.workload_access_token().map(str::to_owned),
            request,
            on_url: None,
            poll: None,
        }
    }

    /// Asks for one more scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.request.scopes.push(scope.into());
        self
    }

    /// Asks for these scopes (replacing any set before).
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.request.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a resource (RFC 8707) the token is for.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.request
            .resources
            .get_or_insert_with(Vec::new)
            .push(resource.into());
        self
    }

    /// Adds an audience the token is for.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.request
            .audiences
            .get_or_insert_with(Vec::new)
            .push(audience.into());
        self
    }

    /// Where the user's browser goes after consenting (registered with the workload).
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.request.resource_oauth2_return_url = Some(url.into());
        self
    }

    /// Asks the user for consent again even when the vault holds a token (and skips the
    /// cache).
    pub fn force_authentication(mut self) -> Self {
        self.request.force_authentication = Some(true);
        self
    }

    /// A state echoed to the return URL, for the application to check.
    pub fn custom_state(mut self, state: impl Into<String>) -> Self {
        self.request.custom_state = Some(state.into());
        self
    }

    /// Adds a parameter to the provider's authorization request.
    pub fn custom_parameter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.request
            .custom_parameters
            .get_or_insert_with(Default::default)
            .insert(name.into(), value.into());
        self
    }

    /// Hands the authorization URL of a `USER_FEDERATION` flow over (to the user, or as
    /// an event of the handler's stream) before polling for the token.
    pub fn on_authorization_url(mut self, callback: impl FnMut(&str) + Send + 'static) -> Self {
        self.on_url = Some(Box::new(callback));
        self
    }

    /// Replaces the `Identity`'s [`PollPolicy`] for this call.
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.poll = Some(policy);
        self
    }

    /// The token: from the cache, else from the service; for a `USER_FEDERATION` flow
    /// waiting for consent, the authorization URL goes to
    /// [`on_authorization_url`](Self::on_authorization_url) (without one,
    /// [`Error::ConsentRequired`]) and the token is polled for.
    pub async fn send(mut self) -> Result<Secret, Error> {
        let on_url = self.on_url.take();
        match self.start().await? {
            Oauth2Outcome::Token(token) => Ok(token),
            Oauth2Outcome::Consent(pending) => {
                let mut on_url = on_url.ok_or(Error::ConsentRequired)?;
                on_url(pending.authorization_url().expose());
                pending.wait().await
            }
        }
    }

    /// The token, or the consent the user must give first ([`PendingConsent`]: its
    /// authorization URL, and [`wait`](PendingConsent::wait) for the token).
    pub async fn start(self) -> Result<Oauth2Outcome, Error> {
        let identity = match self.identity {
            Some(identity) => identity,
            None => Identity::shared().await?.clone(),
        };
        let poll = self.poll.unwrap_or_else(|| identity.poll_policy());
        let request = self.request;
        let forced = request.force_authentication == Some(true);
        identity
            .clone()
            .with_token(self.given_wat.as_deref(), |wat| {
                let identity = identity.clone();
                let mut request = request.clone();
                async move {
                    request.workload_identity_token = wat.expose().to_owned();
                    let key = cache_key(&request);
                    if !forced && let Some(hit) = identity.cached(&key) {
                        return Ok(Oauth2Outcome::Token(hit));
                    }
                    let answer = send(&identity, &request).await?;
                    if let Some(token) = keep(&identity, &key, &answer) {
                        return Ok(Oauth2Outcome::Token(token));
                    }
                    let pending = PendingConsent::new(identity, request, key, answer, poll)?;
                    Ok(Oauth2Outcome::Consent(Box::new(pending)))
                }
            })
            .await
    }
}

impl fmt::Debug for Oauth2TokenBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Oauth2TokenBuilder")
            .field("request", &self.request)
            .field("on_authorization_url", &self.on_url.is_some())
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

/// What [`Oauth2TokenBuilder::start`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Oauth2Outcome {
    /// The token, ready.
    Token(Secret),
    /// The user must consent first.
    Consent(Box<PendingConsent>),
}

/// A `USER_FEDERATION` flow waiting for the user: hand over the
/// [`authorization_url`](Self::authorization_url), then [`wait`](Self::wait).
pub struct PendingConsent {
    identity: Identity,
    request: GetResourceOauth2TokenRequest,
    key: CacheKey,
    authorization_url: Secret,
    poll: PollPolicy,
}

impl PendingConsent {
    fn new(
        identity: Identity,
        mut request: GetResourceOauth2TokenRequest,
        key: CacheKey,
        answer: GetResourceOauth2TokenResponse,
        poll: PollPolicy,
    ) -> Result<Self, Error> {
        if answer.session_status == Some(SessionStatus::Failed) {
            return Err(Error::AuthorizationFailed);
        }
        let Some(url) = answer.authorization_url else {
            return Err(Error::Decode(
                "GetResourceOauth2Token answered neither a token nor an authorization URL".into(),
            ));
        };
        // Polls name the session and never force a new consent.
        request.session_uri = answer.session_uri.or(request.session_uri);
        request.force_authentication = None;
        Ok(Self {
            identity,
            request,
            key,
            authorization_url: Secret::from(url),
            poll,
        })
    }

    /// Where the user consents.
    pub fn authorization_url(&self) -> &Secret {
        &self.authorization_url
    }

    /// The session polled (`sessionUri`), for `CompleteResourceTokenAuth`.
    pub fn session_uri(&self) -> Option<&str> {
        self.request.session_uri.as_deref()
    }

    /// Polls for the token every [`PollPolicy::interval`] until the user has consented
    /// ([`Error::ConsentTimeout`] after [`PollPolicy::timeout`],
    /// [`Error::AuthorizationFailed`] when the service says the session failed).
    /// Dropping the future stops polling.
    pub async fn wait(self) -> Result<Secret, Error> {
        let started = Instant::now();
        loop {
            let left = self.poll.timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(Error::ConsentTimeout(self.poll.timeout));
            }
            tokio::time::sleep(self.poll.interval.min(left)).await;
            let answer = send(&self.identity, &self.request).await?;
            if let Some(token) = keep(&self.identity, &self.key, &answer) {
                return Ok(token);
            }
            if answer.session_status == Some(SessionStatus::Failed) {
                return Err(Error::AuthorizationFailed);
            }
            tracing::debug!(
                session = self.session_uri(),
                "still waiting for the user's consent"
            );
        }
    }
}

impl fmt::Debug for PendingConsent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingConsent")
            .field("session_uri", &self.request.session_uri)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

async fn send(
    identity: &Identity,
    request: &GetResourceOauth2TokenRequest,
) -> Result<GetResourceOauth2TokenResponse, Error> {
    request.validate()?;
    identity
        .client()
        .identity_call(
            agentcore_contract::identity::IdentityOperation::GetResourceOauth2Token,
            request,
        )
        .await
}

/// The answer's token, cached under `key`.
fn keep(
    identity: &Identity,
    key: &CacheKey,
    answer: &GetResourceOauth2TokenResponse,
) -> Option<Secret> {
    let token = Secret::new(answer.access_token.as_deref()?);
    identity.store(key.clone(), token.clone(), jwt_expiry(token.expose()));
    Some(token)
}

fn cache_key(request: &GetResourceOauth2TokenRequest) -> CacheKey {
    let mut scopes = request.scopes.clone();
    scopes.sort();
    scopes.dedup();
    // Resources, audiences and custom parameters (values may be secret): as a digest.
    let mut extra = String::new();
    for resource in request.resources.iter().flatten() {
        extra.push_str(&format!("resource={resource}\n"));
    }
    for audience in request.audiences.iter().flatten() {
        extra.push_str(&format!("audience={audience}\n"));
    }
    for (name, value) in request.custom_parameters.iter().flatten() {
        extra.push_str(&format!("{name}={value}\n"));
    }
    CacheKey::Oauth2 {
        provider: request.resource_credential_provider_name.clone(),
        wat: digest(&request.workload_identity_token),
        flow: request.oauth2_flow,
        scopes,
        extra: digest(&extra),
    }
}
