//! The service's error answers: a status, `x-amzn-errortype`, and `{"message": ...}`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};

use crate::body::{Body, full};

/// A data-plane error, answered as the service answers it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ServiceError {
    /// The error type, e.g. `AccessDeniedException`.
    pub kind: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The message.
    pub message: String,
}

impl ServiceError {
    fn new(kind: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            kind,
            status,
            message: message.into(),
        }
    }

    /// 400 `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", StatusCode::BAD_REQUEST, message)
    }

    /// 401 `UnauthorizedException`: no or unusable credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new("UnauthorizedException", StatusCode::UNAUTHORIZED, message)
    }

    /// 403 `AccessDeniedException`: credentials present but refused.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new("AccessDeniedException", StatusCode::FORBIDDEN, message)
    }

    /// 404 `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", StatusCode::NOT_FOUND, message)
    }

    /// 424 `RuntimeClientError`: the agent failed or could not be reached.
    pub fn runtime_client(message: impl Into<String>) -> Self {
        Self::new("RuntimeClientError", StatusCode::FAILED_DEPENDENCY, message)
    }

    /// 500 `InternalServerException`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            "InternalServerException",
            StatusCode::INTERNAL_SERVER_ERROR,
            message,
        )
    }

    /// 429 `ThrottlingException`.
    pub fn throttling(message: impl Into<String>) -> Self {
        Self::new(
            "ThrottlingException",
            StatusCode::TOO_MANY_REQUESTS,
            message,
        )
    }

    /// The HTTP answer.
    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut response = Response::new(full(Bytes::from(body)));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert("x-amzn-errortype", HeaderValue::from_static(self.kind));
        headers.insert(
            "x-amzn-requestid",
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or(HeaderValue::from_static("-")),
        );
        response
    }
}
