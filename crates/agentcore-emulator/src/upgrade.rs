//! The server side of a WebSocket upgrade: the handshake's key, the 101.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::body::{Body, full};
use crate::error::ServiceError;

/// The handshake's `Sec-WebSocket-Key`.
///
/// # Errors
/// 400 when the request is not a WebSocket handshake.
pub(crate) fn websocket_key(headers: &HeaderMap) -> Result<&HeaderValue, ServiceError> {
    headers
        .get(http::header::SEC_WEBSOCKET_KEY)
        .ok_or_else(|| ServiceError::validation("not a WebSocket handshake"))
}

/// `101 Switching Protocols` for the handshake with this key.
pub(crate) fn switching_protocols(key: &HeaderValue) -> Response<Body> {
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(http::header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(
        http::header::CONNECTION,
        HeaderValue::from_static("Upgrade"),
    );
    if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        headers.insert(http::header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    response
}
