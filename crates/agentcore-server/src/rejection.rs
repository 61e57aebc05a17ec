//! Requests refused before they reach the entrypoint, and their answers.

use std::time::Duration;

use http::{Response, StatusCode};

use crate::body::Body;
use crate::response::error_details;

/// Why `POST /invocations` was refused before the entrypoint ran.
#[derive(Debug)]
pub(crate) enum Rejection {
    /// The body is larger than the limit (in bytes).
    TooLarge(usize),
    /// The body could not be read.
    Body(String),
    /// The body did not arrive within the body-read timeout.
    BodyTimeout(Duration),
    /// The body is not UTF-8.
    Encoding(String),
    /// The body is not JSON.
    Json(String),
    /// The JSON does not fit the entrypoint's payload type.
    Payload(String),
}

impl Rejection {
    pub(crate) fn into_response(self) -> Response<Body> {
        let (status, error, details) = match self {
            Self::TooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload too large",
                format!("the request body exceeds the limit of {limit} bytes"),
            ),
            Self::BodyTimeout(timeout) => (
                StatusCode::REQUEST_TIMEOUT,
                "Request timeout",
                format!("the request body did not arrive within {timeout:?}"),
            ),
            Self::Body(details) => (StatusCode::BAD_REQUEST, "Invalid body", details),
            Self::Encoding(details) => (StatusCode::BAD_REQUEST, "Invalid encoding", details),
            Self::Json(details) => (StatusCode::BAD_REQUEST, "Invalid JSON", details),
            Self::Payload(details) => (StatusCode::BAD_REQUEST, "Invalid payload", details),
        };
        error_details(status, error, &details)
    }
}
