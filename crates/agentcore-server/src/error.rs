//! Errors: those a handler returns, and those the server itself meets.

use std::fmt;

use http::StatusCode;

/// A boxed error, what handlers' errors are converted into.
///
/// ```
/// use agentcore_server::{BoxError, HttpError};
///
/// let from_text: BoxError = "no prompt".into();
/// let from_http: BoxError = HttpError::new(http::StatusCode::BAD_REQUEST, "no prompt").into();
/// assert_eq!(from_text.to_string(), from_http.to_string());
/// assert!(from_http.is::<HttpError>());
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A handler error that carries an HTTP status: the response is that status with
/// `{"error": detail}` (any other handler error is a 500 with `{"error": message}`).
///
/// ```
/// use agentcore_server::HttpError;
/// use http::StatusCode;
///
/// let err = HttpError::new(StatusCode::IM_A_TEAPOT, "teapot");
/// assert_eq!(err.status(), StatusCode::IM_A_TEAPOT);
/// assert_eq!(err.to_string(), "teapot");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    status: StatusCode,
    detail: String,
}

impl HttpError {
    /// An error answered with `status` and `{"error": detail}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, HttpError, testing::TestClient};
    /// use serde_json::{Value, json};
    ///
    /// let app = App::new().entrypoint(|_: Value| async {
    ///     Err::<Value, _>(HttpError::new(http::StatusCode::FORBIDDEN, "not for you"))
    /// });
    /// let response = TestClient::new(app).invoke(&json!({})).await;
    /// assert_eq!(response.status(), 403);
    /// assert_eq!(response.json::<Value>(), json!({ "error": "not for you" }));
    /// # }
    /// ```
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    /// The status of the response.
    ///
    /// ```
    /// use agentcore_server::HttpError;
    /// use http::StatusCode;
    ///
    /// assert_eq!(HttpError::new(StatusCode::CONFLICT, "busy").status(), StatusCode::CONFLICT);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The detail put under `error`.
    ///
    /// ```
    /// use agentcore_server::HttpError;
    /// use http::StatusCode;
    ///
    /// assert_eq!(HttpError::new(StatusCode::NOT_FOUND, "no such model").detail(), "no such model");
    /// ```
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for HttpError {}

/// The short name of a type, as the agent error event's `error_type` reports it
/// (`std::io::error::Error` → `Error`, `my::MyError<T>` → `MyError`).
pub(crate) fn short_type_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let path = full.split('<').next().unwrap_or(full);
    path.rsplit("::").next().unwrap_or(path)
}

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "handler panicked".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(short_type_name::<std::io::Error>(), "Error");
        assert_eq!(short_type_name::<HttpError>(), "HttpError");
        assert_eq!(short_type_name::<String>(), "String");
        assert_eq!(short_type_name::<Vec<String>>(), "Vec");
    }
}
