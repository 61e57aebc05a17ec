//! The HTTP transport shared by every call of a [`RuntimeClient`](crate::RuntimeClient):
//! hyper-util's pooled client over rustls (HTTP/1.1 and HTTP/2, plain HTTP for `http://`
//! endpoints), response bodies read with an idle timeout, and the retry policy.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body::Body as _;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::time::{Instant, Sleep};

use crate::error::Error;

/// The pooled HTTP client.
pub(crate) type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The default connect timeout: DNS, TCP and TLS for HTTP calls; for a WebSocket, the
/// whole of `connect` including its handshake.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_client::DEFAULT_CONNECT_TIMEOUT, Duration::from_secs(10));
/// ```
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default read timeout: the longest wait for the answer's head or for the next
/// piece of its body.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(agentcore_client::DEFAULT_READ_TIMEOUT, Duration::from_secs(300));
/// ```
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);
/// The largest answer collected by default (a body, a non-SSE stream, a command's
/// output): 100,000,000 bytes, the service's payload limit.
///
/// ```
/// assert_eq!(agentcore_client::DEFAULT_MAX_RESPONSE_BYTES, 100_000_000);
/// ```
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 100_000_000;
/// How much of an error answer's body is read: 64 KiB (the rest is dropped).
///
/// ```
/// assert_eq!(agentcore_client::MAX_ERROR_BODY_BYTES, 64 * 1024);
/// ```
pub const MAX_ERROR_BODY_BYTES: usize = 64 << 10;

/// Builds the pooled client: TLS with `tls` and ALPN for HTTP/2 and HTTP/1.1, plain TCP
/// for `http://`.
pub(crate) fn http_client(connect_timeout: Duration, tls: &rustls::ClientConfig) -> HttpClient {
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(connect_timeout));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls.clone())
        .https_or_http()
        .enable_all_versions()
        .wrap_connector(tcp);
    Client::builder(TokioExecutor::new()).build(connector)
}

/// Maps a hyper-util client error: a connect timeout is [`Error::Timeout`], anything
/// else [`Error::Transport`].
pub(crate) fn transport_error(
    error: hyper_util::client::legacy::Error,
    connect_timeout: Duration,
) -> Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return Error::Timeout(connect_timeout);
        }
        source = e.source();
    }
    Error::Transport(error.into())
}

/// A response body read piece by piece, each piece within the read timeout. Dropping
/// it closes the connection's stream, which cancels the request.
#[derive(Debug)]
pub(crate) struct ResponseBody {
    body: Incoming,
    read_timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl ResponseBody {
    pub(crate) fn new(body: Incoming, read_timeout: Duration) -> Self {
        Self {
            body,
            read_timeout,
            deadline: Box::pin(tokio::time::sleep(read_timeout)),
        }
    }

    /// The next data piece, `None` at the end of the body.
    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Error>>> {
        loop {
            match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    let deadline = Instant::now() + self.read_timeout;
                    self.deadline.as_mut().reset(deadline);
                    match frame.into_data() {
                        Ok(data) if data.is_empty() => continue,
                        Ok(data) => return Poll::Ready(Some(Ok(data))),
                        Err(_trailers) => continue,
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    return Poll::Ready(Some(Err(Error::Transport(e.into()))));
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => {
                    ready!(self.deadline.as_mut().poll(cx));
                    return Poll::Ready(Some(Err(Error::Timeout(self.read_timeout))));
                }
            }
        }
    }

    /// The whole body, at most `limit` bytes ([`Error::ResponseTooLarge`] past it).
    pub(crate) async fn collect(mut self, limit: usize) -> Result<Bytes, Error> {
        let mut all = BytesMut::new();
        while let Some(chunk) = poll_fn(|cx| self.poll_chunk(cx)).await {
            let chunk = chunk?;
            if all.len() + chunk.len() > limit {
                return Err(Error::ResponseTooLarge { limit });
            }
            all.extend_from_slice(&chunk);
        }
        Ok(all.freeze())
    }

    /// The first `limit` bytes of the body; the rest is not read.
    pub(crate) async fn prefix(mut self, limit: usize) -> Result<Bytes, Error> {
        let mut all = BytesMut::new();
        while all.len() < limit {
            let Some(chunk) = poll_fn(|cx| self.poll_chunk(cx)).await else {
                break;
            };
            let chunk = chunk?;
            let room = limit - all.len();
            all.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        Ok(all.freeze())
    }
}

/// How idempotent operations (stopping a session) are retried after throttling, a 5xx,
/// a transport failure or a timeout: at most `max_attempts` attempts in all, waiting a
/// random time ("full jitter") up to `base_delay × 2^retry`, capped at `max_delay`.
///
/// ```
/// use std::time::Duration;
///
/// use agentcore_client::{RetryPolicy, RuntimeClient};
///
/// assert_eq!(RetryPolicy::default().max_attempts, 3);
/// let client = RuntimeClient::builder()
///     .retry(RetryPolicy {
///         max_attempts: 5,
///         base_delay: Duration::from_millis(50),
///         max_delay: Duration::from_secs(1),
///     })
///     .build()?;
/// let no_retries = RuntimeClient::builder().retry(RetryPolicy::none()).build()?;
/// # drop((client, no_retries));
/// # Ok::<(), agentcore_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1: no retry).
    pub max_attempts: u32,
    /// The cap of the first retry's wait, doubled for each later one.
    pub base_delay: Duration,
    /// The cap of any wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    ///
    /// ```
    /// assert_eq!(agentcore_client::RetryPolicy::none().max_attempts, 1);
    /// ```
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0 for the first retry).
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32 << retry.min(20))
            .min(self.max_delay);
        cap.mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_jittered_and_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        for retry in 0..40 {
            let cap = Duration::from_millis(if retry == 0 {
                100
            } else if retry == 1 {
                200
            } else {
                300
            });
            assert!(policy.delay(retry) <= cap);
        }
    }
}
