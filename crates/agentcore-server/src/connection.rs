//! One placed connection: served by hyper, watched for the header-read and idle
//! timeouts, closed when its slot is evicted, drained on shutdown. Its streamed responses
//! end cleanly when the drain is cut.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use agentcore_contract::sse::{AgentErrorEvent, data_event};
use bytes::{Buf, Bytes};
use http::header::{CONTENT_TYPE, UPGRADE};
use http::{Request, Response};
use http_body::Frame;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::activity::{Activity, Timeouts};
use crate::body::Body;
use crate::error::BoxError;
use crate::routes::Dispatch;
use crate::shutdown::Shutdown;
use crate::slots::{Lease, SharedLease};

/// The `error_type` of the event that ends an SSE stream cut by the shutdown.
const SHUTDOWN_ERROR_TYPE: &str = "Shutdown";
/// Its `error`.
const SHUTDOWN_ERROR: &str = "the agent is shutting down";

/// What serving a connection needs; cloned into each connection's task.
#[derive(Clone)]
pub(crate) struct Serving {
    pub(crate) dispatch: Dispatch,
    pub(crate) builder: auto::Builder<TokioExecutor>,
    pub(crate) timeouts: Timeouts,
    pub(crate) shutdown: Shutdown,
}

impl Serving {
    pub(crate) fn new(dispatch: Dispatch, timeouts: Timeouts, shutdown: Shutdown) -> Self {
        Self {
            dispatch,
            builder: auto::Builder::new(TokioExecutor::new()),
            timeouts,
            shutdown,
        }
    }

    /// Serves one connection until it ends, a timeout expires, its slot is evicted, or
    /// the drain closes it.
    /// `prefix` is what the placement read already: it is read again first.
    pub(crate) async fn serve<S>(
        self,
        prefix: Bytes,
        stream: S,
        activity: Arc<Activity>,
        lease: Lease,
    ) where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let lease = Arc::new(lease);
        let io = TokioIo::new(Watched {
            prefix,
            stream,
            activity: Arc::clone(&activity),
        });
        // What each request needs, behind one pointer: one reference count per request.
        let shared = Arc::new(PerConnection {
            dispatch: self.dispatch.clone(),
            activity: Arc::clone(&activity),
            lease: Arc::clone(&lease),
            shutdown: self.shutdown.clone(),
        });
        let service = service_fn(move |mut request: Request<hyper::body::Incoming>| {
            shared.activity.request_started();
            if request.headers().contains_key(UPGRADE) {
                // A WebSocket keeps the slot after this connection's task ends.
                request
                    .extensions_mut()
                    .insert(SharedLease(Arc::clone(&shared.lease)));
            }
            let shared = Arc::clone(&shared);
            async move {
                let response = shared.dispatch.call(request).await;
                Ok::<_, Infallible>(ConnectionBody::track(response, &shared))
            }
        });
        let connection = self.builder.serve_connection_with_upgrades(io, service);
        let mut connection = std::pin::pin!(connection);
        // A connection error concerns that client only (reset, malformed request); an
        // expired timeout or an eviction drops the connection.
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = activity.expired(self.timeouts) => return,
            () = lease.evicted() => return,
            () = self.shutdown.draining() => connection.as_mut().graceful_shutdown(),
        }
        tokio::select! {
            _ = connection => {}
            _ = activity.expired(self.timeouts) => {}
            () = lease.evicted() => {}
        }
    }
}

/// What every request of one connection shares.
struct PerConnection {
    dispatch: Dispatch,
    activity: Arc<Activity>,
    lease: Arc<Lease>,
    shutdown: Shutdown,
}

/// A socket that replays the bytes the placement read, then reads on, telling the
/// connection's activity when bytes arrive.
struct Watched<S> {
    prefix: Bytes,
    stream: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.prefix.has_remaining() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A streamed response body as the connection sends it: it marks the end of its request
/// when dropped, and when the drain is cut it ends at once, an SSE stream with one last
/// agent error event naming the shutdown (so the client sees a clean end).
struct ConnectionBody {
    body: Body,
    activity: Arc<Activity>,
    cut: Pin<Box<WaitForCancellationFutureOwned>>,
    sse: bool,
    done: bool,
}

impl ConnectionBody {
    /// The response, its body tracked until it ends. A body of known size is plain bytes
    /// that hyper writes at once: its request ends now, without a wrapper.
    fn track(response: Response<Body>, connection: &PerConnection) -> Response<Body> {
        if http_body::Body::size_hint(response.body())
            .exact()
            .is_some()
        {
            connection.activity.request_finished();
            return response;
        }
        let activity = Arc::clone(&connection.activity);
        let sse = response
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let cut = Box::pin(connection.shutdown.cut_owned());
        response.map(|body| {
            Body::new(Self {
                body,
                activity,
                cut,
                sse,
                done: false,
            })
        })
    }
}

impl Drop for ConnectionBody {
    fn drop(&mut self) {
        self.activity.request_finished();
    }
}

impl http_body::Body for ConnectionBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if this.cut.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        this.done = true;
        if !this.sse {
            return Poll::Ready(Some(Err("the stream was cut by the shutdown".into())));
        }
        let event = AgentErrorEvent::new(SHUTDOWN_ERROR, SHUTDOWN_ERROR_TYPE);
        let bytes = data_event(&event).map(Bytes::from).unwrap_or_default();
        Poll::Ready(Some(Ok(Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
