//! Placement: where a new connection is served, decided from its first bytes.
//!
//! The first bytes are read into a small buffer (never peeked in a loop) until they
//! either start a health check (`GET /ping`, `HEAD /ping`) or cannot; the connection then
//! replays them to hyper ahead of the socket. End of stream or an error before that ends
//! the connection at once; the caller bounds the wait by the header-read timeout.

use std::io;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Where a connection is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// On the server runtime, from the health pool: answered whatever the handlers do.
    Health,
    /// On the handler runtime, from the main pool: no hop per request.
    Handlers,
}

/// Request lines that make a health-check connection.
const PING_LINES: [&[u8]; 3] = [b"GET /ping ", b"HEAD /ping ", b"GET /ping?"];
/// The longest of [`PING_LINES`].
const PING_LINE_MAX: usize = 11;

/// The placement the bytes seen so far decide, if they decide one.
fn classify(seen: &[u8]) -> Option<Placement> {
    if PING_LINES.iter().any(|line| seen.starts_with(line)) {
        return Some(Placement::Health);
    }
    let may_be_ping = PING_LINES.iter().any(|line| line.starts_with(seen));
    (!may_be_ping || seen.len() >= PING_LINE_MAX).then_some(Placement::Handlers)
}

/// Reads until the first bytes decide the placement; `None` when the stream ends first.
pub(crate) async fn read_placement<S>(stream: &mut S) -> io::Result<Option<(Placement, Bytes)>>
where
    S: AsyncRead + Unpin,
{
    let mut seen = [0u8; PING_LINE_MAX];
    let mut len = 0;
    loop {
        let n = stream.read(&mut seen[len..]).await?;
        if n == 0 {
            return Ok(None);
        }
        len += n;
        if let Some(placement) = classify(&seen[..len]) {
            return Ok(Some((placement, Bytes::copy_from_slice(&seen[..len]))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[test]
    fn first_bytes_decide() {
        assert_eq!(classify(b"GET /ping HTTP/1.1"), Some(Placement::Health));
        assert_eq!(classify(b"HEAD /ping "), Some(Placement::Health));
        assert_eq!(classify(b"GET /ping?x=1"), Some(Placement::Health));
        assert_eq!(classify(b"GET /p"), None, "may still be a ping");
        assert_eq!(classify(b"G"), None);
        assert_eq!(classify(b"GET /pinged"), Some(Placement::Handlers));
        assert_eq!(classify(b"POST"), Some(Placement::Handlers));
        assert_eq!(classify(b"PRI * HTTP/2.0"), Some(Placement::Handlers));
    }

    #[tokio::test]
    async fn reads_in_pieces_replays_and_sees_the_end() {
        let (mut client, mut server) = tokio::io::duplex(64);
        client.write_all(b"GET /p").await.unwrap();
        let reading = tokio::spawn(async move {
            let placed = read_placement(&mut server).await.unwrap();
            (placed, server)
        });
        tokio::task::yield_now().await;
        client.write_all(b"ing HTTP/1.1\r\n").await.unwrap();
        let (placed, _server) = reading.await.unwrap();
        let (placement, prefix) = placed.unwrap();
        assert_eq!(placement, Placement::Health);
        assert_eq!(&prefix[..], b"GET /ping H", "what was read, to be replayed");

        let (client, mut server) = tokio::io::duplex(64);
        let mut client = client;
        client.write_all(b"GET /p").await.unwrap();
        drop(client); // the FIN after a partial line: ends at once
        assert!(read_placement(&mut server).await.unwrap().is_none());
    }
}
