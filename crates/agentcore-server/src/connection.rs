//! One accepted connection: served by hyper, watched for the header-read and idle
//! timeouts, counted against the connection limit.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::{Body, BoxError};

/// The connection limits, as configured on the app.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) idle_timeout: Duration,
}

/// What the watcher learns from the connection's reads and requests. Plain atomics: the
/// hot path (a read, a request) never takes a lock or wakes the watcher, which instead
/// wakes at least every header-read timeout to look.
pub(crate) struct Activity {
    /// The clock's zero for the instants below, kept as nanoseconds (0: none).
    epoch: Instant,
    in_flight: AtomicUsize,
    /// When the first byte of a request head arrived while no request was in flight.
    head_started: AtomicU64,
    /// When the connection last became idle (no request in flight).
    idle_since: AtomicU64,
}

/// Why the watcher ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// A request head did not arrive in time.
    HeaderRead,
    /// No request for too long.
    Idle,
}

impl Activity {
    pub(crate) fn new() -> Arc<Self> {
        let activity = Self {
            epoch: Instant::now(),
            in_flight: AtomicUsize::new(0),
            head_started: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
        };
        activity.idle_since.store(activity.now(), Ordering::Relaxed);
        Arc::new(activity)
    }

    /// Nanoseconds since the epoch, never 0.
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn at(&self, nanos: u64) -> Instant {
        self.epoch + Duration::from_nanos(nanos)
    }

    fn bytes_read(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0
            && self.head_started.load(Ordering::Relaxed) == 0
        {
            self.head_started.store(self.now(), Ordering::Release);
        }
    }

    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_started.store(0, Ordering::Release);
    }

    pub(crate) fn request_finished(&self) {
        self.idle_since.store(self.now(), Ordering::Release);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// The limit that has expired at `now`, if any.
    fn expired_at(&self, limits: Limits, now: Instant) -> Option<Expiry> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        match self.head_started.load(Ordering::Acquire) {
            0 => (now >= self.at(self.idle_since.load(Ordering::Acquire)) + limits.idle_timeout)
                .then_some(Expiry::Idle),
            head => {
                (now >= self.at(head) + limits.header_read_timeout).then_some(Expiry::HeaderRead)
            }
        }
    }

    /// When to look next: the pending deadline, but at least every header-read timeout
    /// (a head that starts in between is then seen before its own deadline).
    fn next_look(&self, limits: Limits, now: Instant) -> Instant {
        let poll = now + limits.header_read_timeout.min(limits.idle_timeout);
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return poll;
        }
        let deadline = match self.head_started.load(Ordering::Acquire) {
            0 => self.at(self.idle_since.load(Ordering::Acquire)) + limits.idle_timeout,
            head => self.at(head) + limits.header_read_timeout,
        };
        deadline.min(poll)
    }

    /// Completes when a limit expires.
    pub(crate) async fn expired(&self, limits: Limits) -> Expiry {
        loop {
            let now = Instant::now();
            if let Some(expiry) = self.expired_at(limits, now) {
                return expiry;
            }
            tokio::time::sleep_until(self.next_look(limits, now)).await;
        }
    }
}

/// A socket that tells the watcher when bytes arrive.
pub(crate) struct WatchedStream {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl WatchedStream {
    pub(crate) fn new(stream: TcpStream, activity: Arc<Activity>) -> Self {
        Self { stream, activity }
    }
}

impl AsyncRead for WatchedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for WatchedStream {
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

/// A response body that marks the end of its request when it is dropped.
pub(crate) struct TrackedBody {
    body: Body,
    activity: Arc<Activity>,
}

impl TrackedBody {
    /// The response body, tracked until it ends. A body of known size is plain bytes that
    /// hyper writes at once: its request ends now, without a wrapper.
    pub(crate) fn track(body: Body, activity: Arc<Activity>) -> Body {
        if http_body::Body::size_hint(&body).exact().is_some() {
            activity.request_finished();
            return body;
        }
        Body::new(Self { body, activity })
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        self.activity.request_finished();
    }
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
