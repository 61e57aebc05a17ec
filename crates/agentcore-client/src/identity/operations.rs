//! The six Identity operations, one request builder each, ending in `.send().await`.

use std::fmt;

use agentcore_contract::identity::{
    CompleteResourceTokenAuthRequest, FieldError, GetResourceApiKeyRequest,
    GetResourceApiKeyResponse, GetResourceOauth2TokenRequest, GetResourceOauth2TokenResponse,
    GetWorkloadAccessTokenForJwtRequest, GetWorkloadAccessTokenForUserIdRequest,
    GetWorkloadAccessTokenRequest, IdentityOperation, Oauth2Flow, UserIdentifier,
    WorkloadAccessTokenResponse,
};
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::client::RuntimeClient;
use crate::error::Error;

mod sealed {
    pub trait Sealed {}
}

/// A request body of an Identity operation: which operation takes it and what it answers.
pub trait IdentityRequest: sealed::Sealed + Serialize + fmt::Debug {
    /// What `.send()` returns.
    type Output;
    #[doc(hidden)]
    type Answer: DeserializeOwned;
    #[doc(hidden)]
    const OPERATION: IdentityOperation;
    #[doc(hidden)]
    fn check(&self) -> Result<(), FieldError>;
    #[doc(hidden)]
    fn output(answer: Self::Answer) -> Self::Output;
}

macro_rules! identity_request {
    ($body:ty, $answer:ty => $output:ty, $op:ident, $finish:expr) => {
        impl sealed::Sealed for $body {}
        impl IdentityRequest for $body {
            type Output = $output;
            type Answer = $answer;
            const OPERATION: IdentityOperation = IdentityOperation::$op;
            fn check(&self) -> Result<(), FieldError> {
                self.validate()
            }
            fn output(answer: $answer) -> $output {
                $finish(answer)
            }
        }
    };
}

fn same<T>(answer: T) -> T {
    answer
}

identity_request!(GetWorkloadAccessTokenRequest, WorkloadAccessTokenResponse => WorkloadAccessTokenResponse, GetWorkloadAccessToken, same);
identity_request!(GetWorkloadAccessTokenForJwtRequest, WorkloadAccessTokenResponse => WorkloadAccessTokenResponse, GetWorkloadAccessTokenForJwt, same);
identity_request!(GetWorkloadAccessTokenForUserIdRequest, WorkloadAccessTokenResponse => WorkloadAccessTokenResponse, GetWorkloadAccessTokenForUserId, same);
identity_request!(GetResourceOauth2TokenRequest, GetResourceOauth2TokenResponse => GetResourceOauth2TokenResponse, GetResourceOauth2Token, same);
identity_request!(GetResourceApiKeyRequest, GetResourceApiKeyResponse => GetResourceApiKeyResponse, GetResourceApiKey, same);
identity_request!(CompleteResourceTokenAuthRequest, IgnoredAny => (), CompleteResourceTokenAuth, |_| ());

/// One Identity call being built: its body's optional members are methods, and
/// `.send().await` checks the body against the service model's rules
/// ([`Error::InvalidField`], nothing sent), signs it with the client's credentials for
/// the client's region ([`Error::NoRegion`] without one) and sends it, retried as the
/// client's [`RetryPolicy`](crate::RetryPolicy) says.
///
/// ```
/// use agentcore_client::contract::identity::Oauth2Flow;
/// use agentcore_client::{Credentials, RuntimeClient};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let client = RuntimeClient::builder()
///     .region("us-west-2")
///     .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example"))
///     .build()
///     .unwrap();
/// let call = client
///     .get_resource_oauth2_token("wat", "google", Oauth2Flow::M2m)
///     .scope("openid")
///     .scope("");
/// // Refused before anything is sent: a scope has 1 to 128 characters.
/// let err = call.send().await.unwrap_err();
/// assert_eq!(err.to_string(), "scopes[1]: must have 1 to 128 characters, has 0");
/// # }
/// ```
#[must_use = "a call does nothing until `.send().await`"]
pub struct IdentityCall<R> {
    client: RuntimeClient,
    body: R,
}

impl<R: IdentityRequest> IdentityCall<R> {
    fn new(client: &RuntimeClient, body: R) -> Self {
        Self {
            client: client.clone(),
            body,
        }
    }

    /// The body as it will be sent.
    ///
    /// ```
    /// # use agentcore_client::RuntimeClient;
    /// let client = RuntimeClient::builder().build()?;
    /// let call = client.get_workload_access_token("my-agent");
    /// assert_eq!(call.body().workload_name, "my-agent");
    /// # Ok::<(), agentcore_client::Error>(())
    /// ```
    pub fn body(&self) -> &R {
        &self.body
    }

    /// Sends the call.
    pub async fn send(self) -> Result<R::Output, Error> {
        self.body.check()?;
        let answer = self.client.identity_call(R::OPERATION, &self.body).await?;
        Ok(R::output(answer))
    }
}

impl<R: fmt::Debug> fmt::Debug for IdentityCall<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityCall")
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

impl IdentityCall<GetResourceOauth2TokenRequest> {
    /// Asks for one more scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.body.scopes.push(scope.into());
        self
    }

    /// Asks for these scopes (replacing any set before).
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.body.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Polls the session of an earlier answer's authorization URL.
    pub fn session_uri(mut self, uri: impl Into<String>) -> Self {
        self.body.session_uri = Some(uri.into());
        self
    }

    /// Where the user's browser goes after consenting (`resourceOauth2ReturnUrl`).
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.body.resource_oauth2_return_url = Some(url.into());
        self
    }

    /// Asks for consent again even when the vault holds a token.
    pub fn force_authentication(mut self, force: bool) -> Self {
        self.body.force_authentication = Some(force);
        self
    }

    /// Adds a parameter to the provider's authorization request.
    pub fn custom_parameter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.body
            .custom_parameters
            .get_or_insert_with(Default::default)
            .insert(name.into(), value.into());
        self
    }

    /// A state echoed to the return URL.
    pub fn custom_state(mut self, state: impl Into<String>) -> Self {
        self.body.custom_state = Some(state.into());
        self
    }

    /// Adds a resource (RFC 8707) the token is for.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.body
            .resources
            .get_or_insert_with(Vec::new)
            .push(resource.into());
        self
    }

    /// Adds an audience the token is for.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.body
            .audiences
            .get_or_insert_with(Vec::new)
            .push(audience.into());
        self
    }
}

impl RuntimeClient {
    /// `GetWorkloadAccessToken`: a workload access token for the workload itself.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient) -> Result<(), agentcore_client::Error> {
    /// let wat = client.get_workload_access_token("my-agent").send().await?;
    /// # drop(wat); Ok(()) }
    /// ```
    pub fn get_workload_access_token(
        &self,
        workload_name: impl Into<String>,
    ) -> IdentityCall<GetWorkloadAccessTokenRequest> {
        IdentityCall::new(self, GetWorkloadAccessTokenRequest::new(workload_name))
    }

    /// `GetWorkloadAccessTokenForJWT`: a workload access token for the user a JWT from the
    /// workload's identity provider names.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, jwt: &str) -> Result<(), agentcore_client::Error> {
    /// let wat = client.get_workload_access_token_for_jwt("my-agent", jwt).send().await?;
    /// # drop(wat); Ok(()) }
    /// ```
    pub fn get_workload_access_token_for_jwt(
        &self,
        workload_name: impl Into<String>,
        user_token: impl Into<String>,
    ) -> IdentityCall<GetWorkloadAccessTokenForJwtRequest> {
        let body = GetWorkloadAccessTokenForJwtRequest::new(workload_name, user_token);
        IdentityCall::new(self, body)
    }

    /// `GetWorkloadAccessTokenForUserId`: a workload access token for a user id.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient) -> Result<(), agentcore_client::Error> {
    /// let wat = client.get_workload_access_token_for_user_id("my-agent", "alice").send().await?;
    /// # drop(wat); Ok(()) }
    /// ```
    pub fn get_workload_access_token_for_user_id(
        &self,
        workload_name: impl Into<String>,
        user_id: impl Into<String>,
    ) -> IdentityCall<GetWorkloadAccessTokenForUserIdRequest> {
        let body = GetWorkloadAccessTokenForUserIdRequest::new(workload_name, user_id);
        IdentityCall::new(self, body)
    }

    /// `GetResourceOauth2Token`: an OAuth2 access token from the token vault, or (for a
    /// `USER_FEDERATION` flow the user has not consented to) the authorization URL and
    /// the session to poll. The agent-side [`Identity`](crate::identity::Identity)
    /// helpers do the polling and caching.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, wat: &str) -> Result<(), agentcore_client::Error> {
    /// use agentcore_client::contract::identity::Oauth2Flow;
    ///
    /// let answer = client
    ///     .get_resource_oauth2_token(wat, "github", Oauth2Flow::M2m)
    ///     .scopes(["repo"])
    ///     .send()
    ///     .await?;
    /// assert!(answer.access_token.is_some());
    /// # Ok(()) }
    /// ```
    pub fn get_resource_oauth2_token(
        &self,
        workload_access_token: impl Into<String>,
        provider: impl Into<String>,
        flow: Oauth2Flow,
    ) -> IdentityCall<GetResourceOauth2TokenRequest> {
        let body = GetResourceOauth2TokenRequest::new(workload_access_token, provider, flow);
        IdentityCall::new(self, body)
    }

    /// `GetResourceApiKey`: an API key from the token vault.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, wat: &str) -> Result<(), agentcore_client::Error> {
    /// let key = client.get_resource_api_key(wat, "openai").send().await?.api_key;
    /// # drop(key); Ok(()) }
    /// ```
    pub fn get_resource_api_key(
        &self,
        workload_access_token: impl Into<String>,
        provider: impl Into<String>,
    ) -> IdentityCall<GetResourceApiKeyRequest> {
        IdentityCall::new(
            self,
            GetResourceApiKeyRequest::new(workload_access_token, provider),
        )
    }

    /// `CompleteResourceTokenAuth`: binds a consented `USER_FEDERATION` session (the
    /// `session_id` the return URL received) to its user.
    ///
    /// ```no_run
    /// # async fn example(client: agentcore_client::RuntimeClient, session_uri: &str) -> Result<(), agentcore_client::Error> {
    /// use agentcore_client::contract::identity::UserIdentifier;
    ///
    /// client
    ///     .complete_resource_token_auth(UserIdentifier::UserId("alice".into()), session_uri)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn complete_resource_token_auth(
        &self,
        user: UserIdentifier,
        session_uri: impl Into<String>,
    ) -> IdentityCall<CompleteResourceTokenAuthRequest> {
        IdentityCall::new(
            self,
            CompleteResourceTokenAuthRequest::new(user, session_uri),
        )
    }
}
