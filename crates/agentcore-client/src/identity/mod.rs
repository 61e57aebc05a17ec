//! AgentCore Identity (feature `identity`): the data plane's six operations on
//! [`RuntimeClient`](crate::RuntimeClient), and the agent-side helpers that get an agent's
//! tools their API keys and OAuth2 tokens with the workload access token of the request.
//!
//! **The operations**, one request builder each ([`IdentityCall`]), on the same endpoint,
//! credentials, signing, retries and errors as every other call of the client:
//! [`get_workload_access_token`](crate::RuntimeClient::get_workload_access_token),
//! [`get_workload_access_token_for_jwt`](crate::RuntimeClient::get_workload_access_token_for_jwt),
//! [`get_workload_access_token_for_user_id`](crate::RuntimeClient::get_workload_access_token_for_user_id),
//! [`get_resource_oauth2_token`](crate::RuntimeClient::get_resource_oauth2_token),
//! [`get_resource_api_key`](crate::RuntimeClient::get_resource_api_key) and
//! [`complete_resource_token_auth`](crate::RuntimeClient::complete_resource_token_auth).
//! They are signed for the client's region ([`Error::NoRegion`]
//! without one).
//!
//! **The helpers**, as short as the reference's decorators, take any
//! [`WorkloadContext`] (the server's `RequestContext` is one):
//!
//! ```no_run
//! use agentcore_client::contract::identity::{Oauth2Flow, WorkloadContext};
//! use agentcore_client::identity;
//!
//! async fn tool(ctx: &impl WorkloadContext) -> Result<(), agentcore_client::Error> {
//!     let key = identity::api_key(ctx, "openai").await?;
//!     let token = identity::oauth2_token(ctx, "github", Oauth2Flow::M2m)
//!         .scopes(["repo"])
//!         .send()
//!         .await?;
//!     let jwt = identity::iam_jwt(["https://api.example.com"]).send().await?;
//!     # drop((key, token, jwt));
//!     Ok(())
//! }
//! ```
//!
//! They use the process's shared [`Identity`] ([`Identity::from_env`]); build one with
//! [`Identity::builder`] for other settings. See `docs/IDENTITY.md` for the flows, the
//! local loop and what is cached for how long.

mod agent;
mod cache;
mod call;
mod consent;
mod iam;
mod operations;
mod poll;
mod secret;

pub use agent::{Identity, IdentityBuilder, LOCAL_USER_ID_ENV, WORKLOAD_NAME_ENV};
pub use cache::CachePolicy;
pub use call::MAX_IDENTITY_RESPONSE_BYTES;
pub use consent::{Oauth2Outcome, Oauth2TokenBuilder, PendingConsent};
pub use iam::{DEFAULT_IAM_JWT_DURATION, IAM_JWT_DURATIONS, IamJwtBuilder, SigningAlgorithm};
pub use operations::{IdentityCall, IdentityRequest};
pub use poll::{DEFAULT_POLL_INTERVAL, DEFAULT_POLL_TIMEOUT, PollPolicy};
pub use secret::Secret;

pub use agentcore_contract::identity::{Oauth2Flow, UserIdentifier, WorkloadContext};

use crate::error::Error;

/// The API key of `provider` for the request `ctx`, through the shared [`Identity`]
/// (cached).
///
/// ```no_run
/// # async fn handler(ctx: &impl agentcore_client::identity::WorkloadContext) -> Result<(), agentcore_client::Error> {
/// let key = agentcore_client::identity::api_key(ctx, "openai").await?;
/// # drop(key); Ok(()) }
/// ```
pub async fn api_key(ctx: &impl WorkloadContext, provider: &str) -> Result<Secret, Error> {
    Identity::shared().await?.api_key(ctx, provider).await
}

/// An OAuth2 token of `provider` by `flow` for the request `ctx`, through the shared
/// [`Identity`]: see [`Identity::oauth2_token`].
///
/// ```no_run
/// # async fn handler(ctx: &impl agentcore_client::identity::WorkloadContext) -> Result<(), agentcore_client::Error> {
/// use agentcore_client::identity::{self, Oauth2Flow};
///
/// let token = identity::oauth2_token(ctx, "slack", Oauth2Flow::M2m).scope("chat:write").send().await?;
/// # drop(token); Ok(()) }
/// ```
pub fn oauth2_token(
    ctx: &impl WorkloadContext,
    provider: impl Into<String>,
    flow: Oauth2Flow,
) -> Oauth2TokenBuilder {
    Oauth2TokenBuilder::new(None, ctx, provider.into(), flow)
}

/// An AWS-signed JWT for `audiences`, through the shared [`Identity`]: see
/// [`Identity::iam_jwt`].
///
/// ```no_run
/// # async fn example() -> Result<(), agentcore_client::Error> {
/// let jwt = agentcore_client::identity::iam_jwt(["https://api.example.com"]).send().await?;
/// # drop(jwt); Ok(()) }
/// ```
pub fn iam_jwt<I, S>(audiences: I) -> IamJwtBuilder
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    IamJwtBuilder::new(None, audiences)
}
