//! Streaming results as Server-Sent Events.
//!
//! Each item of a handler's stream becomes one event, `data: <item as JSON>\n\n`, flushed
//! as it is produced. An `Err` item, or a panic while producing or serializing an item,
//! ends the stream with one last agent error event
//! (`{"error","error_type","message"}`) and a normal end; the status stays 200.

use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use agentcore_contract::sse::{AgentErrorEvent, data_event};
use bytes::Bytes;
use futures_util::Stream;
use http::{Response, StatusCode};
use http_body::Frame;
use serde::Serialize;

use crate::body::Body;
use crate::error::{BoxError, NamedError, panic_message};
use crate::log;
use crate::response::{IntoInvocationResponse, marker, with_content_type};

/// The comment sent as a keep-alive, when turned on with [`Sse::keep_alive`].
const KEEP_ALIVE_COMMENT: &[u8] = b": keep-alive\n\n";

/// A stream answered as Server-Sent Events, with options.
///
/// A handler may return any `Stream` directly; wrap it in `Sse` to turn on keep-alive
/// comments (off by default: the reference sends none).
///
/// ```
/// use std::time::Duration;
/// use agentcore_server::{IntoInvocationResponse, Sse};
/// use futures_util::stream;
///
/// let sse = Sse::new(stream::iter(["a", "b"])).keep_alive(Duration::from_secs(15));
/// let response = sse.into_invocation_response();
/// assert_eq!(response.headers()["content-type"], "text/event-stream");
/// ```
#[derive(Debug)]
pub struct Sse<S> {
    stream: S,
    keep_alive: Option<Duration>,
}

impl<S> Sse<S> {
    /// Answers `stream` as SSE.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, Sse, testing::TestClient};
    /// use futures_util::stream;
    ///
    /// let app = App::new().entrypoint(|_: serde_json::Value| async {
    ///     Ok::<_, String>(Sse::new(stream::iter(["thinking", "done"])))
    /// });
    /// let response = TestClient::new(app).invoke(&()).await;
    /// assert_eq!(response.event_data::<String>(), ["thinking", "done"]);
    /// # }
    /// ```
    pub fn new(stream: S) -> Self {
        Self {
            stream,
            keep_alive: None,
        }
    }

    /// Sends a `: keep-alive` comment whenever the stream is silent for `every`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use agentcore_server::{App, Sse, testing::TestClient};
    ///
    /// let app = App::new().entrypoint(|_: serde_json::Value| async {
    ///     let slow = futures_util::stream::once(async {
    ///         tokio::time::sleep(Duration::from_millis(300)).await; // a long silence
    ///         "answer"
    ///     });
    ///     Ok::<_, String>(Sse::new(slow).keep_alive(Duration::from_millis(100)))
    /// });
    /// let response = TestClient::new(app).invoke(&()).await;
    /// assert!(response.text().starts_with(": keep-alive\n\n"));
    /// assert_eq!(response.event_data::<String>(), ["answer"]); // comments are not events
    /// # }
    /// ```
    pub fn keep_alive(mut self, every: Duration) -> Self {
        self.keep_alive = Some(every);
        self
    }
}

/// An item of a streamed result: a `Serialize` value, or a `Result` whose error ends the
/// stream with the agent error event.
///
/// A stream of `Result<T, E>` where `E` is itself `Serialize` (such as `String`) fits
/// both shapes and the compiler asks which: use an error type (any `std::error::Error`,
/// [`crate::HttpError`], `Box<dyn Error>`) instead.
///
/// ```
/// use agentcore_server::sse::SseItem;
///
/// let event = SseItem::into_event(serde_json::json!({ "token": "hi" })).unwrap();
/// assert_eq!(&event[..], b"data: {\"token\":\"hi\"}\n\n");
/// let error: Result<u8, std::io::Error> = Err(std::io::Error::other("model down"));
/// let ended = error.into_event().unwrap_err(); // the agent error event ends the stream
/// assert_eq!((ended.error.as_str(), ended.error_type.as_str()), ("model down", "Error"));
/// ```
pub trait SseItem<M> {
    /// The event's bytes, or the error event that ends the stream.
    ///
    /// ```
    /// use agentcore_server::sse::SseItem;
    ///
    /// let event = Ok::<_, std::io::Error>("chunk").into_event().unwrap();
    /// assert_eq!(&event[..], b"data: \"chunk\"\n\n");
    /// ```
    fn into_event(self) -> Result<Bytes, AgentErrorEvent>;
}

impl<T: Serialize> SseItem<marker::Json> for T {
    fn into_event(self) -> Result<Bytes, AgentErrorEvent> {
        data_event(&self)
            .map(Bytes::from)
            .map_err(|err| AgentErrorEvent::new(err.to_string(), "SerializationError"))
    }
}

impl<T: Serialize, E: Into<BoxError> + 'static> SseItem<marker::Fallible> for Result<T, E> {
    fn into_event(self) -> Result<Bytes, AgentErrorEvent> {
        match self {
            Ok(item) => item.into_event(),
            Err(err) => {
                let NamedError { error, type_name } = NamedError::new(err);
                log::handler_failed("Stream", &type_name, &*error);
                Err(AgentErrorEvent::new(error.to_string(), type_name))
            }
        }
    }
}

impl<S, M> IntoInvocationResponse<marker::Stream<M>> for Sse<S>
where
    S: Stream + Send + 'static,
    S::Item: SseItem<M>,
    M: 'static,
{
    fn into_invocation_response(self) -> Response<Body> {
        let body = SseBody {
            stream: self.stream,
            keep_alive: self.keep_alive.map(KeepAlive::new),
            done: false,
            item: PhantomData,
        };
        let mut response = with_content_type(StatusCode::OK, "text/event-stream", Body::new(body));
        response.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-cache"),
        );
        response
    }
}

impl<S, M> IntoInvocationResponse<marker::Stream<M>> for S
where
    S: Stream + Send + 'static,
    S::Item: SseItem<M>,
    M: 'static,
{
    fn into_invocation_response(self) -> Response<Body> {
        Sse::new(self).into_invocation_response()
    }
}

pin_project_lite::pin_project! {
    struct SseBody<S, M> {
        #[pin]
        stream: S,
        keep_alive: Option<KeepAlive>,
        done: bool,
        item: PhantomData<fn() -> M>,
    }
}

impl<S, M> http_body::Body for SseBody<S, M>
where
    S: Stream,
    S::Item: SseItem<M>,
{
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        let stream = this.stream.as_mut();
        let polled = catch_unwind(AssertUnwindSafe(|| match stream.poll_next(cx) {
            Poll::Ready(Some(item)) => Poll::Ready(Some(item.into_event())),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }));
        let event = match polled {
            Ok(Poll::Ready(Some(Ok(event)))) => event,
            Ok(Poll::Ready(Some(Err(error)))) => {
                *this.done = true;
                error_event(&error)
            }
            Ok(Poll::Ready(None)) => {
                *this.done = true;
                return Poll::Ready(None);
            }
            Err(panic) => {
                *this.done = true;
                let message = panic_message(&*panic);
                log::handler_failed("Stream", "Panic", &*BoxError::from(message.clone()));
                error_event(&AgentErrorEvent::new(message, "Panic"))
            }
            Ok(Poll::Pending) => {
                let Some(keep_alive) = this.keep_alive else {
                    return Poll::Pending;
                };
                ready!(keep_alive.poll_due(cx));
                keep_alive.reset();
                let comment = Bytes::from_static(KEEP_ALIVE_COMMENT);
                return Poll::Ready(Some(Ok(Frame::data(comment))));
            }
        };
        if let Some(keep_alive) = this.keep_alive {
            keep_alive.reset();
        }
        Poll::Ready(Some(Ok(Frame::data(event))))
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

/// The keep-alive timer, started on the first quiet poll (inside the runtime).
struct KeepAlive {
    every: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl KeepAlive {
    fn new(every: Duration) -> Self {
        Self { every, sleep: None }
    }

    fn poll_due(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let every = self.every;
        self.sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(every)))
            .as_mut()
            .poll(cx)
    }

    fn reset(&mut self) {
        if let Some(sleep) = &mut self.sleep {
            sleep
                .as_mut()
                .reset(tokio::time::Instant::now() + self.every);
        }
    }
}

fn error_event(error: &AgentErrorEvent) -> Bytes {
    // Three strings always serialize.
    data_event(error).map(Bytes::from).unwrap_or_default()
}
