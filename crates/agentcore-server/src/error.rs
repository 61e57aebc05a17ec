//! Errors: those a handler returns, and those the server itself meets.

use std::any::TypeId;
use std::borrow::Cow;
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

/// A handler's error, boxed, with the name of its concrete type.
pub(crate) struct NamedError {
    pub(crate) error: BoxError,
    pub(crate) type_name: Cow<'static, str>,
}

impl NamedError {
    /// Boxes `error`, naming its type: the static type, or through a `Box<dyn Error>`
    /// the type inside (see [`boxed_type_name`]).
    pub(crate) fn new<E: Into<BoxError> + 'static>(error: E) -> Self {
        let boxed = TypeId::of::<E>() == TypeId::of::<BoxError>()
            || TypeId::of::<E>() == TypeId::of::<Box<dyn std::error::Error + Send>>()
            || TypeId::of::<E>() == TypeId::of::<Box<dyn std::error::Error>>();
        let error = error.into();
        let type_name = if boxed {
            boxed_type_name(&*error)
        } else {
            Cow::Borrowed(short_type_name::<E>())
        };
        Self { error, type_name }
    }
}

/// The name of the concrete type behind a `dyn Error`: the common error types by
/// downcasting; a message boxed from a `&str` or `String` is `String`; otherwise the
/// type (or variant) name its `Debug` output starts with (derived `Debug` writes
/// `Name { .. }` or `Name(..)`), else `Error`. Nothing else of the `Debug` output is kept.
pub(crate) fn boxed_type_name(
    error: &(dyn std::error::Error + Send + Sync + 'static),
) -> Cow<'static, str> {
    macro_rules! known {
        ($($ty:ty),* $(,)?) => {
            $(if error.is::<$ty>() { return Cow::Borrowed(short_type_name::<$ty>()); })*
        };
    }
    known!(
        HttpError,
        std::io::Error,
        serde_json::Error,
        std::fmt::Error,
        std::num::ParseIntError,
        std::num::ParseFloatError,
        std::str::Utf8Error,
        std::string::FromUtf8Error,
        http::Error,
    );
    let debug = format!("{error:?}");
    if debug.starts_with('"') {
        return Cow::Borrowed("String");
    }
    let name: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let rest = &debug[name.len()..];
    let is_name = name.starts_with(|c: char| c.is_ascii_uppercase())
        && (rest.is_empty() || rest.starts_with([' ', '(', '{']));
    if is_name {
        Cow::Owned(name)
    } else {
        Cow::Borrowed("Error")
    }
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

    #[derive(Debug, thiserror::Error)]
    #[error("custom")]
    struct Custom {
        _secret: &'static str,
    }

    #[test]
    fn boxed_errors_are_named_by_what_is_inside() {
        let name = |error: BoxError| NamedError::new(error).type_name.into_owned();
        assert_eq!(
            name(Box::new(HttpError::new(StatusCode::BAD_GATEWAY, "x"))),
            "HttpError"
        );
        assert_eq!(name(Box::new(std::io::Error::other("disk"))), "Error");
        assert_eq!(name("plain text".into()), "String");
        assert_eq!(name(Box::new(Custom { _secret: "k" })), "Custom");
        assert_eq!(NamedError::new(std::fmt::Error).type_name, "Error");
        assert_eq!(
            NamedError::new(HttpError::new(StatusCode::OK, "")).type_name,
            "HttpError"
        );
    }
}
