//! Entrypoints: the user functions that answer `POST /invocations`.
//!
//! An entrypoint is a plain function of the payload, or of the payload and the
//! [`RequestContext`], returning `Result<R, E>` where `R` is any
//! [`IntoInvocationResponse`] (a `Serialize` value, a stream, an `http::Response`) and `E`
//! converts into a [`BoxError`] (any `std::error::Error`, `String`, `&str`,
//! [`crate::HttpError`]).
//!
//! - `async fn(P) -> Result<R, E>` and `async fn(P, RequestContext) -> Result<R, E>`;
//! - synchronous functions wrapped in [`blocking`], run on tokio's blocking threads so
//!   they never hold up the async workers.
//!
//! `P` is `serde_json::Value` or any `DeserializeOwned` type; a payload that does not fit
//! is answered `400 {"error":"Invalid payload","details":"<path>: <message>"}`.
//!
//! A panic while building the handler's future, while polling it, or inside a blocking
//! function becomes `500 {"error": <panic message>}`; the server keeps serving.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use http::{Response, StatusCode};
use http_body::Frame;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::body::Body;
use crate::context::RequestContext;
use crate::error::{BoxError, NamedError, panic_message};
use crate::log;
use crate::rejection::Rejection;
use crate::response::{IntoInvocationResponse, error_json, error_response};

/// A function that can serve `POST /invocations`. Implemented for async functions of
/// `(P)` and `(P, RequestContext)`, and for [`blocking`] synchronous ones; `Args` and `M`
/// are inferred.
///
/// ```
/// use agentcore_server::{App, RequestContext};
/// use serde::Deserialize;
/// use serde_json::{Value, json};
///
/// #[derive(Deserialize)]
/// struct Prompt { prompt: String }
///
/// async fn typed(p: Prompt) -> Result<Value, std::convert::Infallible> {
///     Ok(json!({ "answer": p.prompt.len() }))
/// }
///
/// async fn with_context(p: Value, ctx: RequestContext) -> Result<Value, String> {
///     Ok(json!({ "echo": p, "session": ctx.session_id }))
/// }
///
/// let _a = App::new().entrypoint(typed);
/// let _b = App::new().entrypoint(with_context);
/// ```
pub trait Entrypoint<Args, M>: Send + Sync + 'static {
    /// Calls the function with a parsed payload and answers the request.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{Entrypoint, RequestContext};
    /// use serde_json::{Value, json};
    ///
    /// async fn double(n: i64) -> Result<Value, String> { Ok(json!(n * 2)) }
    ///
    /// let response = Entrypoint::call(&double, json!(21), RequestContext::default()).await;
    /// assert_eq!(response.status(), 200);
    /// let bad = Entrypoint::call(&double, json!("x"), RequestContext::default()).await;
    /// assert_eq!(bad.status(), 400); // the payload does not fit `i64`
    /// # }
    /// ```
    fn call(&self, payload: Value, context: RequestContext) -> BoxFuture<'static, Response<Body>>;
}

impl<F, Fut, P, R, E, M> Entrypoint<(P,), M> for F
where
    F: Fn(P) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    P: DeserializeOwned + 'static,
    R: IntoInvocationResponse<M> + 'static,
    E: Into<BoxError> + 'static,
    M: 'static,
{
    fn call(&self, payload: Value, _context: RequestContext) -> BoxFuture<'static, Response<Body>> {
        match decode::<P>(payload) {
            Ok(payload) => self(payload).map(respond).boxed(),
            Err(rejection) => std::future::ready(rejection.into_response()).boxed(),
        }
    }
}

impl<F, Fut, P, R, E, M> Entrypoint<(P, RequestContext), M> for F
where
    F: Fn(P, RequestContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    P: DeserializeOwned + 'static,
    R: IntoInvocationResponse<M> + 'static,
    E: Into<BoxError> + 'static,
    M: 'static,
{
    fn call(&self, payload: Value, context: RequestContext) -> BoxFuture<'static, Response<Body>> {
        match decode::<P>(payload) {
            Ok(payload) => self(payload, context).map(respond).boxed(),
            Err(rejection) => std::future::ready(rejection.into_response()).boxed(),
        }
    }
}

/// A synchronous entrypoint, run on tokio's blocking threads (see [`blocking`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{App, RequestContext, blocking, testing::TestClient};
/// use serde_json::Value;
///
/// fn request_id(_: Value, ctx: RequestContext) -> Result<String, String> {
///     std::thread::sleep(std::time::Duration::from_millis(1)); // blocking is fine here
///     Ok(ctx.request_id)
/// }
/// let client = TestClient::new(App::new().entrypoint(blocking(request_id)));
/// assert!(!client.invoke(&()).await.json::<String>().is_empty());
/// # }
/// ```
#[derive(Debug)]
pub struct Blocking<F>(Arc<F>);

/// Wraps a synchronous function of `(P)` or `(P, RequestContext)` so that it runs on
/// tokio's blocking thread pool, never on the async workers that serve `/ping`.
/// [`RequestContext::current`] works inside it.
///
/// ```
/// use agentcore_server::{App, blocking};
/// use serde_json::{Value, json};
///
/// fn count_words(payload: Value) -> Result<Value, String> {
///     let text = payload["text"].as_str().ok_or("text is missing")?;
///     Ok(json!({ "words": text.split_whitespace().count() }))
/// }
///
/// let _app = App::new().entrypoint(blocking(count_words));
/// ```
pub fn blocking<F>(function: F) -> Blocking<F> {
    Blocking(Arc::new(function))
}

impl<F, P, R, E, M> Entrypoint<(P,), M> for Blocking<F>
where
    F: Fn(P) -> Result<R, E> + Send + Sync + 'static,
    P: DeserializeOwned + Send + 'static,
    R: IntoInvocationResponse<M> + Send + 'static,
    E: Into<BoxError> + Send + 'static,
    M: 'static,
{
    fn call(&self, payload: Value, _context: RequestContext) -> BoxFuture<'static, Response<Body>> {
        let function = Arc::clone(&self.0);
        run_blocking(payload, move |payload| function(payload))
    }
}

impl<F, P, R, E, M> Entrypoint<(P, RequestContext), M> for Blocking<F>
where
    F: Fn(P, RequestContext) -> Result<R, E> + Send + Sync + 'static,
    P: DeserializeOwned + Send + 'static,
    R: IntoInvocationResponse<M> + Send + 'static,
    E: Into<BoxError> + Send + 'static,
    M: 'static,
{
    fn call(&self, payload: Value, context: RequestContext) -> BoxFuture<'static, Response<Body>> {
        let function = Arc::clone(&self.0);
        run_blocking(payload, move |payload| function(payload, context))
    }
}

fn run_blocking<P, R, E, M>(
    payload: Value,
    function: impl FnOnce(P) -> Result<R, E> + Send + 'static,
) -> BoxFuture<'static, Response<Body>>
where
    P: DeserializeOwned + Send + 'static,
    R: IntoInvocationResponse<M> + Send + 'static,
    E: Into<BoxError> + Send + 'static,
    M: 'static,
{
    let payload = match decode::<P>(payload) {
        Ok(payload) => payload,
        Err(rejection) => return std::future::ready(rejection.into_response()).boxed(),
    };
    let context = RequestContext::current();
    async move {
        let joined = tokio::task::spawn_blocking(move || match context {
            Some(context) => RequestContext::blocking_scope(context, || function(payload)),
            None => function(payload),
        })
        .await;
        match joined {
            Ok(result) => respond(result),
            // Re-raised here so that the one panic handler answers it.
            Err(err) if err.is_panic() => resume_unwind(err.into_panic()),
            Err(_) => error_json(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is shutting down",
            ),
        }
    }
    .boxed()
}

/// Turns the payload into the handler's type; the 400 answer when it does not fit.
fn decode<P: DeserializeOwned + 'static>(payload: Value) -> Result<P, Rejection> {
    // A `Value` handler takes the payload as it is, without a second pass.
    let mut slot = Some(payload);
    if let Some(same) = (&mut slot as &mut dyn Any).downcast_mut::<Option<P>>()
        && let Some(payload) = same.take()
    {
        return Ok(payload);
    }
    let payload = slot.unwrap_or_default();
    serde_path_to_error::deserialize(payload)
        .map_err(|err| Rejection::Payload(format!("{}: {}", err.path(), err.inner())))
}

fn respond<R: IntoInvocationResponse<M>, E: Into<BoxError> + 'static, M>(
    result: Result<R, E>,
) -> Response<Body> {
    match result {
        Ok(value) => value.into_invocation_response(),
        Err(err) => {
            let NamedError { error, type_name } = NamedError::new(err);
            log::handler_failed("Invocation", &type_name, &*error);
            error_response(error)
        }
    }
}

/// A type-erased entrypoint, as the app stores it.
pub(crate) type DynEntrypoint =
    Arc<dyn Fn(Value, RequestContext) -> BoxFuture<'static, Response<Body>> + Send + Sync>;

pub(crate) fn erase<H: Entrypoint<Args, M>, Args, M>(handler: H) -> DynEntrypoint {
    Arc::new(move |payload, context| handler.call(payload, context))
}

/// Runs an entrypoint for one request: with its context ambient, panics caught, and the
/// response body polled with the context ambient too.
pub(crate) async fn invoke(
    entrypoint: &DynEntrypoint,
    payload: Value,
    context: RequestContext,
) -> Response<Body> {
    let ambient = Arc::new(context.clone());
    let built = catch_unwind(AssertUnwindSafe(|| {
        RequestContext::sync_scope(&ambient, || entrypoint(payload, context))
    }));
    let future = match built {
        Ok(future) => future,
        Err(panic) => return panic_response(&*panic),
    };
    let polled = AssertUnwindSafe(RequestContext::scope_arc(Arc::clone(&ambient), future))
        .catch_unwind()
        .await;
    match polled {
        // A body of known size is bytes: no user code runs while it is written.
        Ok(response)
            if http_body::Body::size_hint(response.body())
                .exact()
                .is_some() =>
        {
            response
        }
        Ok(response) => response.map(|body| {
            Body::new(ScopedBody {
                body,
                context: ambient,
            })
        }),
        Err(panic) => panic_response(&*panic),
    }
}

fn panic_response(panic: &(dyn Any + Send)) -> Response<Body> {
    let message = panic_message(panic);
    log::handler_failed("Invocation", "Panic", &*BoxError::from(message.clone()));
    error_json(StatusCode::INTERNAL_SERVER_ERROR, &message)
}

/// A body polled with the request context ambient; a panic ends it with an error.
struct ScopedBody {
    body: Body,
    context: Arc<RequestContext>,
}

impl http_body::Body for ScopedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let context = &this.context;
        let body = Pin::new(&mut this.body);
        catch_unwind(AssertUnwindSafe(|| {
            RequestContext::sync_scope(context, || body.poll_frame(cx))
        }))
        .unwrap_or_else(|panic| {
            Poll::Ready(Some(Err(format!(
                "response body panicked: {}",
                panic_message(&*panic)
            )
            .into())))
        })
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
