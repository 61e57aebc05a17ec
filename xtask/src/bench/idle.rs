//! What an idle WebSocket costs a server: its resident memory with a thousand of them
//! open, each having echoed one message, over the memory before.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::measure::rss_kib;

/// How many idle WebSockets the measure opens.
pub(crate) const IDLE_SOCKETS: usize = 1000;

/// KiB of the server's RSS per idle WebSocket.
pub(crate) fn rss_per_idle_websocket(port: u16, pid: u32) -> Result<f64, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        let before = rss_kib(pid)?;
        let url = format!("ws://127.0.0.1:{port}/ws");
        let mut sockets = Vec::with_capacity(IDLE_SOCKETS);
        for _ in 0..IDLE_SOCKETS {
            let (mut socket, _) = tokio_tungstenite::connect_async(&url)
                .await
                .map_err(|e| format!("cannot open an idle WebSocket: {e}"))?;
            socket
                .send(Message::text("hi"))
                .await
                .map_err(|e| format!("cannot send: {e}"))?;
            match socket.next().await {
                Some(Ok(Message::Text(_))) => {}
                other => return Err(format!("no echo on an idle WebSocket: {other:?}")),
            }
            sockets.push(socket);
        }
        // Let the server settle (its tasks park, buffers are released).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = rss_kib(pid)?;
        for mut socket in sockets {
            let _ = socket.close(None).await;
        }
        Ok(after.saturating_sub(before) as f64 / IDLE_SOCKETS as f64)
    })
}
