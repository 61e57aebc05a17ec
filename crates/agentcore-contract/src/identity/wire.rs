//! The bodies of the Identity operations, as the service model names their members.
//!
//! Built with `new` (the required members) and then fields assigned; `validate` checks
//! the model's rules; `Debug` shows no secret.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::validate::{
    FieldError, check_chars, check_each, check_len, check_return_url, check_session_uri,
    check_user_token,
};
use super::{Oauth2Flow, SessionStatus, check_provider_name, check_workload_name};

/// A secret field's `Debug`: whether it is set, never its value.
fn redacted<T>(value: &Option<T>) -> Option<&'static str> {
    value.as_ref().map(|_| "<redacted>")
}

/// The workload access token's rule: 1 to 131,072 characters.
fn check_token(field: &str, token: &str) -> Result<(), FieldError> {
    check_len(field, token, 1..=131_072)
}

/// `GetWorkloadAccessToken`: a token for the workload itself.
///
/// ```
/// use agentcore_contract::identity::GetWorkloadAccessTokenRequest;
///
/// let body = GetWorkloadAccessTokenRequest::new("my-agent");
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"workloadName":"my-agent"}"#);
/// assert!(body.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetWorkloadAccessTokenRequest {
    /// The workload identity's name.
    pub workload_name: String,
}

impl GetWorkloadAccessTokenRequest {
    /// A request for `workload_name`.
    pub fn new(workload_name: impl Into<String>) -> Self {
        Self {
            workload_name: workload_name.into(),
        }
    }

    /// Checks the model's rules.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_workload_name(&self.workload_name)
    }
}

/// `GetWorkloadAccessTokenForJWT`: a token for the user a JWT names.
///
/// ```
/// use agentcore_contract::identity::GetWorkloadAccessTokenForJwtRequest;
///
/// let body = GetWorkloadAccessTokenForJwtRequest::new("my-agent", "aGVhZA.Ym9keQ.c2ln");
/// assert!(body.validate().is_ok());
/// assert!(!format!("{body:?}").contains("Ym9keQ"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetWorkloadAccessTokenForJwtRequest {
    /// The workload identity's name.
    pub workload_name: String,
    /// The user's JWT, from the identity provider the workload trusts.
    pub user_token: String,
}

impl GetWorkloadAccessTokenForJwtRequest {
    /// A request for `workload_name` on behalf of the user of `user_token`.
    pub fn new(workload_name: impl Into<String>, user_token: impl Into<String>) -> Self {
        Self {
            workload_name: workload_name.into(),
            user_token: user_token.into(),
        }
    }

    /// Checks the model's rules.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_workload_name(&self.workload_name)?;
        check_user_token("userToken", &self.user_token)
    }
}

impl fmt::Debug for GetWorkloadAccessTokenForJwtRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetWorkloadAccessTokenForJwtRequest")
            .field("workload_name", &self.workload_name)
            .field("user_token", &"<redacted>")
            .finish()
    }
}

/// `GetWorkloadAccessTokenForUserId`: a token for a user id.
///
/// ```
/// use agentcore_contract::identity::GetWorkloadAccessTokenForUserIdRequest;
///
/// let body = GetWorkloadAccessTokenForUserIdRequest::new("my-agent", "alice");
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"workloadName":"my-agent","userId":"alice"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetWorkloadAccessTokenForUserIdRequest {
    /// The workload identity's name.
    pub workload_name: String,
    /// The user's id (1 to 128 characters).
    pub user_id: String,
}

impl GetWorkloadAccessTokenForUserIdRequest {
    /// A request for `workload_name` on behalf of `user_id`.
    pub fn new(workload_name: impl Into<String>, user_id: impl Into<String>) -> Self {
        Self {
            workload_name: workload_name.into(),
            user_id: user_id.into(),
        }
    }

    /// Checks the model's rules.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_workload_name(&self.workload_name)?;
        check_len("userId", &self.user_id, 1..=128)
    }
}

/// The answer of the three `GetWorkloadAccessToken*` operations.
///
/// ```
/// use agentcore_contract::identity::WorkloadAccessTokenResponse;
///
/// let body: WorkloadAccessTokenResponse =
///     serde_json::from_str(r#"{"workloadAccessToken":"wat-1"}"#).unwrap();
/// assert_eq!(body.workload_access_token, "wat-1");
/// assert!(!format!("{body:?}").contains("wat-1"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkloadAccessTokenResponse {
    /// The workload access token.
    pub workload_access_token: String,
}

impl WorkloadAccessTokenResponse {
    /// An answer carrying `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            workload_access_token: token.into(),
        }
    }
}

impl fmt::Debug for WorkloadAccessTokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkloadAccessTokenResponse")
            .field("workload_access_token", &"<redacted>")
            .finish()
    }
}

/// `GetResourceOauth2Token`: an OAuth2 access token from a credential provider.
///
/// Optional members are left out of the JSON when unset.
///
/// ```
/// use agentcore_contract::identity::{GetResourceOauth2TokenRequest, Oauth2Flow};
///
/// let mut body = GetResourceOauth2TokenRequest::new("wat", "google", Oauth2Flow::UserFederation);
/// body.scopes = vec!["openid".into()];
/// body.custom_state = Some("csrf-123".into());
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json["oauth2Flow"], "USER_FEDERATION");
/// assert_eq!(json["resourceCredentialProviderName"], "google");
/// assert!(json.get("sessionUri").is_none());
/// assert!(body.validate().is_ok());
/// assert!(!format!("{body:?}").contains("csrf-123"));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetResourceOauth2TokenRequest {
    /// The workload access token of the agent (and its user).
    pub workload_identity_token: String,
    /// The credential provider's name.
    pub resource_credential_provider_name: String,
    /// The scopes to ask for (required, possibly empty).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The flow.
    pub oauth2_flow: Oauth2Flow,
    /// The session of an earlier answer's authorization URL, when polling for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_uri: Option<String>,
    /// Where the user's browser goes after consenting (registered with the workload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_oauth2_return_url: Option<String>,
    /// Asks for consent again even when the vault holds a token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_authentication: Option<bool>,
    /// Extra parameters of the provider's authorization request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_parameters: Option<BTreeMap<String, String>>,
    /// A state echoed to the return URL, for the application to check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_state: Option<String>,
    /// The resources (RFC 8707) the token is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
    /// The audiences the token is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audiences: Option<Vec<String>>,
}

impl GetResourceOauth2TokenRequest {
    /// A request with the required members and no scopes.
    pub fn new(
        workload_identity_token: impl Into<String>,
        provider: impl Into<String>,
        flow: Oauth2Flow,
    ) -> Self {
        Self {
            workload_identity_token: workload_identity_token.into(),
            resource_credential_provider_name: provider.into(),
            scopes: Vec::new(),
            oauth2_flow: flow,
            session_uri: None,
            resource_oauth2_return_url: None,
            force_authentication: None,
            custom_parameters: None,
            custom_state: None,
            resources: None,
            audiences: None,
        }
    }

    /// Checks the model's rules.
    ///
    /// ```
    /// use agentcore_contract::identity::{GetResourceOauth2TokenRequest, Oauth2Flow};
    ///
    /// let mut body = GetResourceOauth2TokenRequest::new("wat", "google", Oauth2Flow::M2m);
    /// body.session_uri = Some("https://not-a-urn".into());
    /// assert_eq!(body.validate().unwrap_err().field, "sessionUri");
    /// ```
    pub fn validate(&self) -> Result<(), FieldError> {
        check_token("workloadIdentityToken", &self.workload_identity_token)?;
        check_provider_name(&self.resource_credential_provider_name)?;
        check_each("scopes", &self.scopes, 1..=128)?;
        if let Some(uri) = &self.session_uri {
            check_session_uri("sessionUri", uri)?;
        }
        if let Some(url) = &self.resource_oauth2_return_url {
            check_return_url("resourceOauth2ReturnUrl", url)?;
        }
        for (key, value) in self.custom_parameters.iter().flatten() {
            check_chars(
                "customParameters",
                key,
                1..=256,
                |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
                "keys are 1 to 256 of A-Z a-z 0-9 - _ .",
            )?;
            check_len(&format!("customParameters.{key}"), value, 1..=2048)?;
        }
        if let Some(state) = &self.custom_state {
            check_len("customState", state, 1..=4096)?;
        }
        check_each(
            "resources",
            self.resources.as_deref().unwrap_or_default(),
            1..=2048,
        )?;
        check_each(
            "audiences",
            self.audiences.as_deref().unwrap_or_default(),
            1..=2048,
        )
    }
}

impl fmt::Debug for GetResourceOauth2TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parameters: Option<Vec<&String>> =
            self.custom_parameters.as_ref().map(|p| p.keys().collect());
        f.debug_struct("GetResourceOauth2TokenRequest")
            .field("workload_identity_token", &"<redacted>")
            .field("provider", &self.resource_credential_provider_name)
            .field("scopes", &self.scopes)
            .field("oauth2_flow", &self.oauth2_flow)
            .field("session_uri", &self.session_uri)
            .field(
                "resource_oauth2_return_url",
                &self.resource_oauth2_return_url,
            )
            .field("force_authentication", &self.force_authentication)
            .field("custom_parameters", &parameters)
            .field("custom_state", &redacted(&self.custom_state))
            .field("resources", &self.resources)
            .field("audiences", &self.audiences)
            .finish()
    }
}

/// The answer of `GetResourceOauth2Token`: the token, or the authorization URL the user
/// must visit first (with the session to poll).
///
/// ```
/// use agentcore_contract::identity::{GetResourceOauth2TokenResponse, SessionStatus};
///
/// let body: GetResourceOauth2TokenResponse = serde_json::from_str(
///     r#"{"authorizationUrl":"https://idp/authorize?x","sessionUri":"urn:ietf:params:oauth:request_uri:a","sessionStatus":"IN_PROGRESS"}"#,
/// ).unwrap();
/// assert_eq!(body.access_token, None);
/// assert_eq!(body.session_status, Some(SessionStatus::InProgress));
/// assert!(!format!("{body:?}").contains("authorize"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetResourceOauth2TokenResponse {
    /// Where the user consents (a `USER_FEDERATION` flow without a token yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// The access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// The session to poll with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_uri: Option<String>,
    /// Where the session stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_status: Option<SessionStatus>,
}

impl GetResourceOauth2TokenResponse {
    /// An answer carrying `token`.
    pub fn token(token: impl Into<String>) -> Self {
        Self {
            access_token: Some(token.into()),
            ..Self::default()
        }
    }
}

impl fmt::Debug for GetResourceOauth2TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetResourceOauth2TokenResponse")
            .field("authorization_url", &redacted(&self.authorization_url))
            .field("access_token", &redacted(&self.access_token))
            .field("session_uri", &self.session_uri)
            .field("session_status", &self.session_status)
            .finish()
    }
}

/// `GetResourceApiKey`: an API key from a credential provider.
///
/// ```
/// use agentcore_contract::identity::GetResourceApiKeyRequest;
///
/// let body = GetResourceApiKeyRequest::new("wat", "openai");
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"workloadIdentityToken":"wat","resourceCredentialProviderName":"openai"}"#
/// );
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetResourceApiKeyRequest {
    /// The workload access token.
    pub workload_identity_token: String,
    /// The credential provider's name.
    pub resource_credential_provider_name: String,
}

impl GetResourceApiKeyRequest {
    /// A request for `provider`'s key with `workload_identity_token`.
    pub fn new(workload_identity_token: impl Into<String>, provider: impl Into<String>) -> Self {
        Self {
            workload_identity_token: workload_identity_token.into(),
            resource_credential_provider_name: provider.into(),
        }
    }

    /// Checks the model's rules.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_token("workloadIdentityToken", &self.workload_identity_token)?;
        check_provider_name(&self.resource_credential_provider_name)
    }
}

impl fmt::Debug for GetResourceApiKeyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetResourceApiKeyRequest")
            .field("workload_identity_token", &"<redacted>")
            .field("provider", &self.resource_credential_provider_name)
            .finish()
    }
}

/// The answer of `GetResourceApiKey`.
///
/// ```
/// use agentcore_contract::identity::GetResourceApiKeyResponse;
///
/// let body = GetResourceApiKeyResponse::new("sk-123");
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"apiKey":"sk-123"}"#);
/// assert!(!format!("{body:?}").contains("sk-123"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetResourceApiKeyResponse {
    /// The API key.
    pub api_key: String,
}

impl GetResourceApiKeyResponse {
    /// An answer carrying `key`.
    pub fn new(key: impl Into<String>) -> Self {
        Self {
            api_key: key.into(),
        }
    }
}

impl fmt::Debug for GetResourceApiKeyResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetResourceApiKeyResponse")
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// Who completes a `USER_FEDERATION` session: the user's JWT or the user id (a union:
/// exactly one member in the JSON).
///
/// ```
/// use agentcore_contract::identity::UserIdentifier;
///
/// let id = UserIdentifier::UserId("alice".into());
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#"{"userId":"alice"}"#);
/// let parsed: UserIdentifier = serde_json::from_str(r#"{"userToken":"a.b.c"}"#).unwrap();
/// assert_eq!(parsed, UserIdentifier::UserToken("a.b.c".into()));
/// assert!(!format!("{parsed:?}").contains("a.b.c"));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UserIdentifier {
    /// The user's JWT.
    #[serde(rename = "userToken")]
    UserToken(String),
    /// The user's id.
    #[serde(rename = "userId")]
    UserId(String),
}

impl fmt::Debug for UserIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UserToken(_) => f.write_str("UserToken(<redacted>)"),
            Self::UserId(id) => f.debug_tuple("UserId").field(id).finish(),
        }
    }
}

/// `CompleteResourceTokenAuth`: binds a consented session to its user.
///
/// ```
/// use agentcore_contract::identity::{CompleteResourceTokenAuthRequest, UserIdentifier};
///
/// let body = CompleteResourceTokenAuthRequest::new(
///     UserIdentifier::UserId("alice".into()),
///     "urn:ietf:params:oauth:request_uri:abc",
/// );
/// assert!(body.validate().is_ok());
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json["userIdentifier"]["userId"], "alice");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CompleteResourceTokenAuthRequest {
    /// The user.
    pub user_identifier: UserIdentifier,
    /// The session an authorization URL came with.
    pub session_uri: String,
}

impl CompleteResourceTokenAuthRequest {
    /// A request completing `session_uri` for `user`.
    pub fn new(user: UserIdentifier, session_uri: impl Into<String>) -> Self {
        Self {
            user_identifier: user,
            session_uri: session_uri.into(),
        }
    }

    /// Checks the model's rules.
    pub fn validate(&self) -> Result<(), FieldError> {
        match &self.user_identifier {
            UserIdentifier::UserToken(token) => {
                check_user_token("userIdentifier.userToken", token)?
            }
            UserIdentifier::UserId(id) => check_len("userIdentifier.userId", id, 1..=128)?,
        }
        check_session_uri("sessionUri", &self.session_uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_members_round_trip() {
        let json = r#"{"workloadIdentityToken":"w","resourceCredentialProviderName":"p","scopes":["a"],"oauth2Flow":"M2M","forceAuthentication":true,"customParameters":{"k":"v"},"resources":["r"],"audiences":["u"]}"#;
        let body: GetResourceOauth2TokenRequest = serde_json::from_str(json).unwrap();
        assert_eq!(body.force_authentication, Some(true));
        assert_eq!(serde_json::to_string(&body).unwrap(), json);
        assert!(body.validate().is_ok());
    }

    #[test]
    fn rules_name_the_field() {
        let mut body = GetResourceOauth2TokenRequest::new("w", "p", Oauth2Flow::M2m);
        body.scopes = vec!["ok".into(), String::new()];
        assert_eq!(body.validate().unwrap_err().field, "scopes[1]");
        body.scopes.clear();
        body.custom_parameters = Some([("bad key".into(), "v".into())].into());
        assert_eq!(body.validate().unwrap_err().field, "customParameters");
        let none = GetResourceApiKeyRequest::new("", "p");
        assert_eq!(none.validate().unwrap_err().field, "workloadIdentityToken");
        let id = CompleteResourceTokenAuthRequest::new(
            UserIdentifier::UserToken("not-a-jwt".into()),
            "urn:ietf:params:oauth:request_uri:a",
        );
        assert_eq!(id.validate().unwrap_err().field, "userIdentifier.userToken");
    }

    #[test]
    fn a_union_takes_one_member() {
        assert!(serde_json::from_str::<UserIdentifier>(r#"{}"#).is_err());
        assert!(
            serde_json::from_str::<UserIdentifier>(r#"{"userId":"a","userToken":"b"}"#).is_err()
        );
    }
}
