//! AgentCore Identity's data plane: the operations, their bodies and their field rules,
//! shared by the client (which calls them) and the emulator (which serves them).
//!
//! The operations live on the runtime's data-plane endpoint (`bedrock-agentcore.{region}…`)
//! and are signed with SigV4 for the same service name. Every one is a `POST` of a JSON
//! body (`rest-json`, service model `bedrock-agentcore` 2024-02-28):
//!
//! | operation | path | request | response |
//! |---|---|---|---|
//! | `GetWorkloadAccessToken` | `/identities/GetWorkloadAccessToken` | [`GetWorkloadAccessTokenRequest`] | [`WorkloadAccessTokenResponse`] |
//! | `GetWorkloadAccessTokenForJWT` | `/identities/GetWorkloadAccessTokenForJWT` | [`GetWorkloadAccessTokenForJwtRequest`] | [`WorkloadAccessTokenResponse`] |
//! | `GetWorkloadAccessTokenForUserId` | `/identities/GetWorkloadAccessTokenForUserId` | [`GetWorkloadAccessTokenForUserIdRequest`] | [`WorkloadAccessTokenResponse`] |
//! | `GetResourceOauth2Token` | `/identities/oauth2/token` | [`GetResourceOauth2TokenRequest`] | [`GetResourceOauth2TokenResponse`] |
//! | `GetResourceApiKey` | `/identities/api-key` | [`GetResourceApiKeyRequest`] | [`GetResourceApiKeyResponse`] |
//! | `CompleteResourceTokenAuth` | `/identities/CompleteResourceTokenAuth` | [`CompleteResourceTokenAuthRequest`] | `{}` |
//!
//! Errors are the service's: `ValidationException` (400, with a `reason` and a
//! `fieldList`), `UnauthorizedException` (401), `AccessDeniedException` (403),
//! `ResourceNotFoundException` (404), `ThrottlingException` (429) and
//! `InternalServerException` (500).
//!
//! Every body type checks the model's rules with `validate()` ([`FieldError`]), and its
//! `Debug` output never shows a token, a key, a custom state or a custom parameter's value.
//!
//! ```
//! use agentcore_contract::identity::{IdentityOperation, Oauth2Flow};
//!
//! let op: IdentityOperation = "/identities/oauth2/token".parse()?;
//! assert_eq!(op, IdentityOperation::GetResourceOauth2Token);
//! assert_eq!(op.name(), "GetResourceOauth2Token");
//! assert_eq!(Oauth2Flow::UserFederation.as_str(), "USER_FEDERATION");
//! # Ok::<(), agentcore_contract::identity::UnknownIdentityOperation>(())
//! ```

mod validate;
mod wire;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use validate::{FieldError, check_provider_name, check_workload_name};
pub use wire::{
    CompleteResourceTokenAuthRequest, GetResourceApiKeyRequest, GetResourceApiKeyResponse,
    GetResourceOauth2TokenRequest, GetResourceOauth2TokenResponse,
    GetWorkloadAccessTokenForJwtRequest, GetWorkloadAccessTokenForUserIdRequest,
    GetWorkloadAccessTokenRequest, UserIdentifier, WorkloadAccessTokenResponse,
};

/// The prefix of every session URI (`sessionUri`) of a `USER_FEDERATION` flow.
///
/// ```
/// # use agentcore_contract::identity::SESSION_URI_PREFIX;
/// assert_eq!(SESSION_URI_PREFIX, "urn:ietf:params:oauth:request_uri:");
/// ```
pub const SESSION_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// One operation of the Identity data plane.
///
/// ```
/// use agentcore_contract::identity::IdentityOperation;
///
/// for op in IdentityOperation::ALL {
///     assert_eq!(op.path().parse::<IdentityOperation>().unwrap(), op);
/// }
/// assert!("/identities/nope".parse::<IdentityOperation>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityOperation {
    /// A workload access token for the workload itself (no user).
    GetWorkloadAccessToken,
    /// A workload access token for the user a JWT names.
    GetWorkloadAccessTokenForJwt,
    /// A workload access token for a user id.
    GetWorkloadAccessTokenForUserId,
    /// An OAuth2 access token from the token vault (or an authorization URL first).
    GetResourceOauth2Token,
    /// An API key from the token vault.
    GetResourceApiKey,
    /// Binds a consented `USER_FEDERATION` session to its user.
    CompleteResourceTokenAuth,
}

impl IdentityOperation {
    /// Every operation.
    pub const ALL: [Self; 6] = [
        Self::GetWorkloadAccessToken,
        Self::GetWorkloadAccessTokenForJwt,
        Self::GetWorkloadAccessTokenForUserId,
        Self::GetResourceOauth2Token,
        Self::GetResourceApiKey,
        Self::CompleteResourceTokenAuth,
    ];

    /// The operation's path (always `POST`).
    ///
    /// ```
    /// # use agentcore_contract::identity::IdentityOperation;
    /// assert_eq!(IdentityOperation::GetResourceApiKey.path(), "/identities/api-key");
    /// ```
    pub const fn path(self) -> &'static str {
        match self {
            Self::GetWorkloadAccessToken => "/identities/GetWorkloadAccessToken",
            Self::GetWorkloadAccessTokenForJwt => "/identities/GetWorkloadAccessTokenForJWT",
            Self::GetWorkloadAccessTokenForUserId => "/identities/GetWorkloadAccessTokenForUserId",
            Self::GetResourceOauth2Token => "/identities/oauth2/token",
            Self::GetResourceApiKey => "/identities/api-key",
            Self::CompleteResourceTokenAuth => "/identities/CompleteResourceTokenAuth",
        }
    }

    /// The operation's name in the service model.
    ///
    /// ```
    /// # use agentcore_contract::identity::IdentityOperation;
    /// assert_eq!(IdentityOperation::GetWorkloadAccessTokenForJwt.name(), "GetWorkloadAccessTokenForJWT");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Self::GetWorkloadAccessToken => "GetWorkloadAccessToken",
            Self::GetWorkloadAccessTokenForJwt => "GetWorkloadAccessTokenForJWT",
            Self::GetWorkloadAccessTokenForUserId => "GetWorkloadAccessTokenForUserId",
            Self::GetResourceOauth2Token => "GetResourceOauth2Token",
            Self::GetResourceApiKey => "GetResourceApiKey",
            Self::CompleteResourceTokenAuth => "CompleteResourceTokenAuth",
        }
    }
}

/// A path that is none of the Identity operations'.
///
/// ```
/// # use agentcore_contract::identity::IdentityOperation;
/// let err = "/identities/x".parse::<IdentityOperation>().unwrap_err();
/// assert_eq!(err.to_string(), "no Identity operation at \"/identities/x\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no Identity operation at {0:?}")]
pub struct UnknownIdentityOperation(pub String);

impl FromStr for IdentityOperation {
    type Err = UnknownIdentityOperation;

    fn from_str(path: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|op| op.path() == path)
            .ok_or_else(|| UnknownIdentityOperation(path.to_owned()))
    }
}

/// How `GetResourceOauth2Token` gets its token (`oauth2Flow`).
///
/// ```
/// use agentcore_contract::identity::Oauth2Flow;
///
/// assert_eq!(serde_json::to_string(&Oauth2Flow::M2m).unwrap(), r#""M2M""#);
/// assert_eq!("ON_BEHALF_OF_TOKEN_EXCHANGE".parse::<Oauth2Flow>(), Ok(Oauth2Flow::OnBehalfOfTokenExchange));
/// assert!("m2m".parse::<Oauth2Flow>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Oauth2Flow {
    /// Client credentials: the workload's own token (`M2M`).
    #[serde(rename = "M2M")]
    M2m,
    /// Three-legged OAuth: the user consents at an authorization URL first
    /// (`USER_FEDERATION`).
    #[serde(rename = "USER_FEDERATION")]
    UserFederation,
    /// Token exchange on behalf of the user (`ON_BEHALF_OF_TOKEN_EXCHANGE`).
    #[serde(rename = "ON_BEHALF_OF_TOKEN_EXCHANGE")]
    OnBehalfOfTokenExchange,
}

impl Oauth2Flow {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::M2m => "M2M",
            Self::UserFederation => "USER_FEDERATION",
            Self::OnBehalfOfTokenExchange => "ON_BEHALF_OF_TOKEN_EXCHANGE",
        }
    }
}

impl fmt::Display for Oauth2Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is none of the flows'.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown OAuth2 flow {0:?} (M2M, USER_FEDERATION, ON_BEHALF_OF_TOKEN_EXCHANGE)")]
pub struct UnknownOauth2Flow(pub String);

impl FromStr for Oauth2Flow {
    type Err = UnknownOauth2Flow;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [
            Self::M2m,
            Self::UserFederation,
            Self::OnBehalfOfTokenExchange,
        ]
        .into_iter()
        .find(|flow| flow.as_str() == name)
        .ok_or_else(|| UnknownOauth2Flow(name.to_owned()))
    }
}

/// Where a `USER_FEDERATION` session stands while it has no token (`sessionStatus`).
///
/// ```
/// use agentcore_contract::identity::SessionStatus;
///
/// assert_eq!(serde_json::from_str::<SessionStatus>(r#""FAILED""#).unwrap(), SessionStatus::Failed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SessionStatus {
    /// The user has not consented yet.
    #[serde(rename = "IN_PROGRESS")]
    InProgress,
    /// The authorization failed; polling will not produce a token.
    #[serde(rename = "FAILED")]
    Failed,
}

/// What a request's context tells Identity helpers: the workload access token the runtime
/// handed the invocation, and the OAuth2 callback URL it names. The server's
/// `RequestContext` implements it, so client-side helpers take a handler's context
/// without the server and the client depending on each other.
///
/// ```
/// use agentcore_contract::identity::WorkloadContext;
///
/// struct Fixed;
/// impl WorkloadContext for Fixed {
///     fn workload_access_token(&self) -> Option<&str> {
///         Some("wat")
///     }
/// }
/// assert_eq!(Fixed.workload_access_token(), Some("wat"));
/// assert_eq!(Fixed.oauth2_callback_url(), None);
/// ```
pub trait WorkloadContext {
    /// The workload access token (`X-Amz-Bedrock-AgentCore-Identity-WAT`), if any.
    fn workload_access_token(&self) -> Option<&str>;

    /// The OAuth2 callback URL (`OAuth2CallbackUrl`), if any.
    fn oauth2_callback_url(&self) -> Option<&str> {
        None
    }
}

impl<T: WorkloadContext + ?Sized> WorkloadContext for &T {
    fn workload_access_token(&self) -> Option<&str> {
        (**self).workload_access_token()
    }

    fn oauth2_callback_url(&self) -> Option<&str> {
        (**self).oauth2_callback_url()
    }
}

impl<T: WorkloadContext + ?Sized> WorkloadContext for std::sync::Arc<T> {
    fn workload_access_token(&self) -> Option<&str> {
        (**self).workload_access_token()
    }

    fn oauth2_callback_url(&self) -> Option<&str> {
        (**self).oauth2_callback_url()
    }
}
