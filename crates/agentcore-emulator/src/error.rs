//! The service's error answers: a status, `x-amzn-errortype`, and `{"message": ...}`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};

use crate::body::{Body, full};

/// A data-plane error, answered as the service answers it.
///
/// ```
/// use agentcore_emulator::ServiceError;
///
/// let err = ServiceError::not_found("no runtime named demo");
/// assert_eq!(err.to_string(), "ResourceNotFoundException: no runtime named demo");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ServiceError {
    /// The error type, e.g. `AccessDeniedException`.
    pub kind: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The message.
    pub message: String,
    /// A `ValidationException`'s `reason` and `fieldList`, as the Identity operations
    /// answer them.
    validation: Option<Validation>,
}

/// The members a `ValidationException` of the Identity operations carries besides its
/// message (the service model's `reason`, required, and `fieldList`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Validation {
    /// `FieldValidationFailed` or `CannotParse`.
    reason: &'static str,
    /// The fields that break the model's rules: `(name, message)`.
    fields: Vec<(String, String)>,
}

impl ServiceError {
    fn new(kind: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            kind,
            status,
            message: message.into(),
            validation: None,
        }
    }

    /// 400 `ValidationException` with reason `FieldValidationFailed` and the field in its
    /// `fieldList`, as the service answers a member that breaks the model's rules.
    pub(crate) fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        let summary = format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: {message}"
        );
        Self {
            validation: Some(Validation {
                reason: "FieldValidationFailed",
                fields: vec![(field, message)],
            }),
            ..Self::validation(summary)
        }
    }

    /// 400 `ValidationException` with reason `CannotParse`: a body that is not the
    /// operation's JSON.
    pub(crate) fn cannot_parse(message: impl Into<String>) -> Self {
        Self {
            validation: Some(Validation {
                reason: "CannotParse",
                fields: Vec::new(),
            }),
            ..Self::validation(message)
        }
    }

    /// 400 `ValidationException`.
    ///
    /// ```
    /// # use agentcore_emulator::ServiceError;
    /// let err = ServiceError::validation("details");
    /// assert_eq!(err.status, http::StatusCode::BAD_REQUEST);
    /// assert_eq!(err.kind, "ValidationException");
    /// ```
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", StatusCode::BAD_REQUEST, message)
    }

    /// 401 `UnauthorizedException`: no or unusable credentials.
    ///
    /// ```
    /// # use agentcore_emulator::ServiceError;
    /// let err = ServiceError::unauthorized("details");
    /// assert_eq!(err.status, http::StatusCode::UNAUTHORIZED);
    /// assert_eq!(err.kind, "UnauthorizedException");
    /// ```
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new("UnauthorizedException", StatusCode::UNAUTHORIZED, message)
    }

    /// 403 `AccessDeniedException`: credentials present but refused.
    ///
    /// ```
    /// # use agentcore_emulator::ServiceError;
    /// let err = ServiceError::access_denied("details");
    /// assert_eq!(err.status, http::StatusCode::FORBIDDEN);
    /// assert_eq!(err.kind, "AccessDeniedException");
    /// ```
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new("AccessDeniedException", StatusCode::FORBIDDEN, message)
    }

    /// 404 `ResourceNotFoundException`.
    ///
    /// ```
    /// # use agentcore_emulator::ServiceError;
    /// let err = ServiceError::not_found("details");
    /// assert_eq!(err.status, http::StatusCode::NOT_FOUND);
    /// assert_eq!(err.kind, "ResourceNotFoundException");
    /// ```
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", StatusCode::NOT_FOUND, message)
    }

    /// 424 `RuntimeClientError`: the agent failed or could not be reached.
    ///
    /// ```
    /// # use agentcore_emulator::ServiceError;
    /// let err = ServiceError::runtime_client("details");
    /// assert_eq!(err.status, http::StatusCode::FAILED_DEPENDENCY);
    /// assert_eq!(err.kind, "RuntimeClientError");
    /// ```
    pub fn runtime_client(message: impl Into<String>) -> Self {
        Self::new("RuntimeClientError", StatusCode::FAILED_DEPENDENCY, message)
    }

    /// 500 `InternalServerException`.
    ///
    /// ```
    /// # use agentcore_emulator::ServiceError;
    /// let err = ServiceError::internal("details");
    /// assert_eq!(err.status, http::StatusCode::INTERNAL_SERVER_ERROR);
    /// assert_eq!(err.kind, "InternalServerException");
    /// ```
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            "InternalServerException",
            StatusCode::INTERNAL_SERVER_ERROR,
            message,
        )
    }

    /// 429 `ThrottlingException`.
    ///
    /// ```
    /// # use agentcore_emulator::ServiceError;
    /// let err = ServiceError::throttling("details");
    /// assert_eq!(err.status, http::StatusCode::TOO_MANY_REQUESTS);
    /// assert_eq!(err.kind, "ThrottlingException");
    /// ```
    pub fn throttling(message: impl Into<String>) -> Self {
        Self::new(
            "ThrottlingException",
            StatusCode::TOO_MANY_REQUESTS,
            message,
        )
    }

    /// The HTTP answer.
    ///
    /// ```
    /// # use agentcore_emulator::ServiceError;
    /// let response = ServiceError::access_denied("bad signature").into_response();
    /// assert_eq!(response.status(), 403);
    /// assert_eq!(response.headers()["x-amzn-errortype"], "AccessDeniedException");
    /// ```
    pub fn into_response(self) -> Response<Body> {
        let mut body = serde_json::json!({ "message": self.message });
        if let Some(validation) = &self.validation {
            body["reason"] = validation.reason.into();
            if !validation.fields.is_empty() {
                let fields = validation
                    .fields
                    .iter()
                    .map(|(name, message)| serde_json::json!({ "name": name, "message": message }));
                body["fieldList"] = fields.collect();
            }
        }
        let body = body.to_string();
        let mut response = Response::new(full(Bytes::from(body)));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert("x-amzn-errortype", HeaderValue::from_static(self.kind));
        response
    }
}
