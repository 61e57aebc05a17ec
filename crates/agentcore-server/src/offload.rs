//! The isolation model: health checks and accepting never wait for user code.
//!
//! Two runtimes. The *server runtime* is the server's own ([`crate::App::server_threads`]
//! threads); the *handler runtime* is the one that called [`crate::App::run`] or
//! [`crate::App::serve`]: yours. The server runtime accepts every connection and reads
//! its first bytes into a buffer (replayed to hyper after):
//!
//! - a connection that starts with `GET /ping` (a health check) stays on the server
//!   runtime. `/ping` is answered there from memory; an invocation that arrives on such a
//!   connection later is spawned onto the handler runtime and its streamed body is pumped
//!   back through a bounded channel (one hop per request);
//! - any other connection moves to the handler runtime (its socket re-registered there)
//!   and is served there with the handlers: no hop per request, per event or per message.
//!
//! So a handler that blocks its thread takes one handler worker, never the server: new
//! connections are accepted and health checks answered in milliseconds even while every
//! handler worker is stuck. What such a stall can hold up is the other requests of the
//! connections already on the handler runtime, as with any server. `cargo xtask bench`
//! measures the cost (see `docs/BENCHMARKS.md`).

use std::pin::Pin;
use std::task::{Context, Poll};

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body::{Body as _, Frame};
use http_body_util::BodyExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::body::Body;
use crate::error::{BoxError, panic_message};
use crate::response::error_json;
use crate::state::AppState;

thread_local! {
    static SERVER_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as one of the server runtime's.
pub(crate) fn mark_server_thread() {
    SERVER_THREAD.set(true);
}

/// Whether this code runs on the server runtime (then user code must be offloaded).
pub(crate) fn on_server_thread() -> bool {
    SERVER_THREAD.get()
}

/// How many streamed chunks the handler side may produce ahead of the socket.
const STREAM_BUFFER_FRAMES: usize = 8;

/// Aborts the task when dropped: a request whose client went away cancels its handler.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Runs `respond` (user code) on the handler runtime, this code being on the server's,
/// and hands its streamed body back through a channel: a panic is a 500, the handler
/// runtime shutting down a 503, and a client that goes away cancels it.
pub(crate) async fn on_handlers<F>(
    state: &Arc<AppState>,
    respond: F,
    span: tracing::Span,
) -> Response<Body>
where
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let task = state.spawn(respond.instrument(span.clone()));
    // Dropped when the client goes away: the handler is cancelled with it.
    let response = match AbortOnDrop(task).await {
        Ok(Some(response)) => response,
        Err(err) if err.is_panic() => error_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            &panic_message(&*err.into_panic()),
        ),
        Ok(None) | Err(_) => error_json(
            StatusCode::SERVICE_UNAVAILABLE,
            "the handler runtime is shutting down",
        ),
    };
    response.map(|body| offload_body(body, state, span))
}

/// Runs `respond` on the handler runtime when called on the server's (see
/// [`on_handlers`]), else where it is (in-process tests). For the protocol routes.
#[cfg(any(feature = "mcp", feature = "a2a"))]
pub(crate) async fn respond_on_handlers<F>(
    state: &Arc<AppState>,
    respond: F,
    span: tracing::Span,
) -> Response<Body>
where
    F: Future<Output = Response<Body>> + Send + 'static,
{
    if on_server_thread() {
        on_handlers(state, respond, span).await
    } else {
        respond.await
    }
}

/// Makes a response body safe to poll on the server runtime: a body of known size is
/// plain bytes and stays as it is; anything streamed (user code) is driven on the handler
/// runtime and handed over through a bounded channel. When the client goes away the
/// receiver is dropped and the producer with it, at once.
pub(crate) fn offload_body(body: Body, state: &AppState, span: tracing::Span) -> Body {
    if body.size_hint().exact().is_some() {
        return body;
    }
    let (sender, receiver) = mpsc::channel(STREAM_BUFFER_FRAMES);
    state.spawn(tracing::Instrument::instrument(pump(body, sender), span));
    Body::new(ChannelBody { receiver })
}

async fn pump(body: Body, sender: mpsc::Sender<Result<Frame<Bytes>, BoxError>>) {
    let mut body = std::pin::pin!(body);
    loop {
        let frame = tokio::select! {
            biased;
            () = sender.closed() => return,
            frame = body.frame() => frame,
        };
        let Some(frame) = frame else { return };
        let failed = frame.is_err();
        if sender.send(frame).await.is_err() || failed {
            return;
        }
    }
}

struct ChannelBody {
    receiver: mpsc::Receiver<Result<Frame<Bytes>, BoxError>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.receiver.poll_recv(cx)
    }
}
