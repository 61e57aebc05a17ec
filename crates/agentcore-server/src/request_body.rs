//! A request body read whole, bounded in size (413) and in time (408), before any user
//! code sees it: `POST /invocations` and `/mcp` read theirs with it.

use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH, HeaderValue};
use http::{HeaderMap, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::body::Body;
use crate::error::BoxError;
use crate::rejection::Rejection;

/// Reads the body, at most `limit` bytes within `timeout`; a larger declared length is
/// refused before anything is read.
pub(crate) async fn read_body<B>(
    headers: &HeaderMap,
    body: B,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, Rejection>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    if declared_length(headers).is_some_and(|length| length > limit as u64) {
        return Err(Rejection::TooLarge(limit));
    }
    let mut collect = std::pin::pin!(Limited::new(body, limit).collect());
    // Most bodies arrive with their head: no timer for those.
    let first = std::future::poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await;
    let collected = match first {
        Poll::Ready(collected) => collected,
        Poll::Pending => tokio::time::timeout(timeout, collect)
            .await
            .map_err(|_| Rejection::BodyTimeout(timeout))?,
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(Rejection::TooLarge(limit)),
        Err(err) => Err(Rejection::Body(err.to_string())),
    }
}

/// The answer to a refused body, which may be partly unread: the connection closes after
/// it.
pub(crate) fn refused(rejection: Rejection) -> Response<Body> {
    let mut response = rejection.into_response();
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}
