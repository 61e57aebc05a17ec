//! How a handler's result becomes a response: one trait, [`IntoInvocationResponse`].
//!
//! - any [`serde::Serialize`] value → `200 application/json`;
//! - any [`futures_util::Stream`] of `Serialize` items or of `Result`s, or an
//!   [`crate::Sse`] → `200 text/event-stream`, one `data:` event per item;
//! - an [`http::Response`] → passed through unchanged.
//!
//! Errors are answered by [`error_response`]: an [`HttpError`] with its status,
//! anything else with 500, both as `{"error": message}`.

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use serde::Serialize;

use crate::body::Body;
use crate::error::{BoxError, HttpError};

/// Marker types that let one trait cover values, streams and responses. You never name
/// them: the compiler picks the one that fits your handler's result.
pub mod marker {
    use std::marker::PhantomData;

    /// A `Serialize` value, answered as JSON.
    ///
    /// ```
    /// use agentcore_server::IntoInvocationResponse;
    /// use agentcore_server::response::marker::Json;
    ///
    /// let response = IntoInvocationResponse::<Json>::into_invocation_response(42);
    /// assert_eq!(response.headers()["content-type"], "application/json");
    /// ```
    #[derive(Debug)]
    pub struct Json;
    /// A `Stream`, answered as Server-Sent Events.
    ///
    /// ```
    /// use agentcore_server::IntoInvocationResponse;
    /// use agentcore_server::response::marker::{Json, Stream};
    ///
    /// let items = futures_util::stream::iter([1, 2]);
    /// let response = IntoInvocationResponse::<Stream<Json>>::into_invocation_response(items);
    /// assert_eq!(response.headers()["content-type"], "text/event-stream");
    /// ```
    #[derive(Debug)]
    pub struct Stream<M>(PhantomData<M>);
    /// An `http::Response`, passed through.
    ///
    /// ```
    /// use agentcore_server::IntoInvocationResponse;
    /// use agentcore_server::response::marker::Http;
    ///
    /// let response = http::Response::builder().status(202).body(String::from("queued")).unwrap();
    /// let response = IntoInvocationResponse::<Http>::into_invocation_response(response);
    /// assert_eq!(response.status(), 202);
    /// ```
    #[derive(Debug)]
    pub struct Http;
    /// A stream item that is a `Result`.
    ///
    /// ```
    /// use agentcore_server::IntoInvocationResponse;
    /// use agentcore_server::response::marker::{Fallible, Stream};
    ///
    /// let items = futures_util::stream::iter([Ok(1), Err("failed")]);
    /// let response = IntoInvocationResponse::<Stream<Fallible>>::into_invocation_response(items);
    /// assert_eq!(response.headers()["content-type"], "text/event-stream");
    /// ```
    #[derive(Debug)]
    pub struct Fallible;
}

/// A result a handler can return: JSON values, SSE streams and whole responses.
///
/// `M` is a [`marker`] the compiler infers; it lets the trait cover every `Serialize`
/// type and every `Stream` at once.
///
/// ```
/// use agentcore_server::IntoInvocationResponse;
/// use futures_util::stream;
///
/// let json = serde_json::json!({"ok": true}).into_invocation_response();
/// assert_eq!(json.headers()["content-type"], "application/json");
///
/// let sse = stream::iter([1, 2, 3]).into_invocation_response();
/// assert_eq!(sse.headers()["content-type"], "text/event-stream");
/// ```
pub trait IntoInvocationResponse<M> {
    /// Turns the value into the HTTP response.
    ///
    /// ```
    /// use agentcore_server::IntoInvocationResponse;
    ///
    /// let response = http::Response::builder()
    ///     .status(http::StatusCode::CREATED)
    ///     .body(String::from("made"))
    ///     .unwrap()
    ///     .into_invocation_response(); // passed through unchanged
    /// assert_eq!(response.status(), http::StatusCode::CREATED);
    /// ```
    fn into_invocation_response(self) -> Response<Body>;
}

impl<T: Serialize> IntoInvocationResponse<marker::Json> for T {
    fn into_invocation_response(self) -> Response<Body> {
        match serde_json::to_vec(&self) {
            Ok(bytes) => json_bytes(StatusCode::OK, bytes),
            Err(err) => error_json(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("failed to serialize the response: {err}"),
            ),
        }
    }
}

impl<B> IntoInvocationResponse<marker::Http> for Response<B>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn into_invocation_response(self) -> Response<Body> {
        self.map(Body::new)
    }
}

/// The answer to a handler error: an [`HttpError`]'s status with `{"error": detail}`,
/// else `500 {"error": message}`.
///
/// ```
/// use agentcore_server::{HttpError, response::error_response};
/// use http::StatusCode;
///
/// let response = error_response(HttpError::new(StatusCode::NOT_FOUND, "no such thing").into());
/// assert_eq!(response.status(), StatusCode::NOT_FOUND);
/// let response = error_response("boom".into());
/// assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
/// ```
pub fn error_response(error: BoxError) -> Response<Body> {
    match error.downcast_ref::<HttpError>() {
        Some(http) => error_json(http.status(), http.detail()),
        None => error_json(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

/// `status` with `{"error": message}`.
pub(crate) fn error_json(status: StatusCode, message: &str) -> Response<Body> {
    json_value(
        status,
        &ErrorBody {
            error: message,
            details: None,
        },
    )
}

/// `status` with `{"error": error, "details": details}`.
pub(crate) fn error_details(status: StatusCode, error: &str, details: &str) -> Response<Body> {
    json_value(
        status,
        &ErrorBody {
            error,
            details: Some(details),
        },
    )
}

/// The error body of the contract, `error` first.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a str>,
}

pub(crate) fn json_value<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Body> {
    // Serializing our own plain values cannot fail; fall back to an empty object anyway.
    json_bytes(
        status,
        serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()),
    )
}

fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response<Body> {
    with_content_type(status, "application/json", Body::from(bytes))
}

pub(crate) fn with_content_type(
    status: StatusCode,
    content_type: &'static str,
    body: Body,
) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub(crate) fn plain_text(status: StatusCode, text: &'static str) -> Response<Body> {
    with_content_type(status, "text/plain; charset=utf-8", Body::from(text))
}

pub(crate) fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = plain_text(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

pub(crate) fn not_found() -> Response<Body> {
    plain_text(StatusCode::NOT_FOUND, "Not Found")
}
