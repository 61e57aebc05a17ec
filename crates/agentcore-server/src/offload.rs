//! The isolation model: user code runs on the handler runtime, never on the server's.
//!
//! The server accepts connections, parses HTTP and answers `/ping` on its own small
//! runtime (the *server runtime*, [`crate::App::server_threads`] threads). Entrypoints,
//! WebSocket handlers and the streams they return run on the runtime that called
//! [`crate::App::run`] or [`crate::App::serve`] (the *handler runtime*: yours). A handler
//! that blocks its thread takes one handler worker, never the server: `/ping` and new
//! connections are still answered at once.
//!
//! The cost on the hot path is one task spawn per request and one channel hop per
//! streamed chunk; `cargo xtask bench` measures it.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body as _, Frame};
use http_body_util::BodyExt;
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::{Body, BoxError};

/// How many streamed chunks the handler side may produce ahead of the socket.
const STREAM_BUFFER_FRAMES: usize = 8;

/// Aborts the task when dropped: a request whose client went away cancels its handler.
pub(crate) struct AbortOnDrop<T>(pub(crate) JoinHandle<T>);

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

/// Makes a response body safe to poll on the server runtime: a body of known size is
/// plain bytes and stays as it is; anything streamed (user code) is driven on the handler
/// runtime and handed over through a bounded channel. When the client goes away the
/// receiver is dropped and the producer with it, at once.
pub(crate) fn offload_body(body: Body, handlers: &Handle, span: tracing::Span) -> Body {
    if body.size_hint().exact().is_some() {
        return body;
    }
    let (sender, receiver) = mpsc::channel(STREAM_BUFFER_FRAMES);
    handlers.spawn(tracing::Instrument::instrument(pump(body, sender), span));
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
