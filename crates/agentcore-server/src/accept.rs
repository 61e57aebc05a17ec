//! The accept loop: every connection is accepted at once (nothing waits for a slot
//! before `accept`), held in the pending pool while its first bytes arrive, placed, given
//! a slot of the health or main pool, and served where its placement says.
//!
//! A connection that finds the main pool full and nothing idle to shed waits for a slot
//! until its header-read deadline, then gets `503` and is closed. When the process is out
//! of file descriptors, a reserved one is let go so that a health check can still be
//! accepted and answered; other connections accepted that way are closed at once.

use std::fs::File;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use crate::activity::Activity;
use crate::connection::Serving;
use crate::placement::{Placement, read_placement};
use crate::slots::{Lease, Pool, Shed};
use crate::state::AppState;
use crate::tracker::Tracker;

/// How long the loop pauses when it cannot accept for want of file descriptors and its
/// reserved one is in use (the listener stays readable, so retrying at once would spin).
const FD_EXHAUSTED_PAUSE: Duration = Duration::from_millis(50);
/// How long a refused connection is read and discarded after its `503`, so that the
/// answer is not lost to a reset.
const LINGER: Duration = Duration::from_secs(1);

/// The answer to a connection that found no slot in time.
const BUSY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 73\r\n\r\n{\"error\":\"Service unavailable\",\"details\":\"every connection slot is busy\"}";

/// The pools and settings the loop places connections with.
pub(crate) struct Admission {
    pub(crate) state: Arc<AppState>,
    pub(crate) serving: Serving,
    pub(crate) pending: Arc<Pool>,
    pub(crate) health: Arc<Pool>,
    pub(crate) main: Arc<Pool>,
    pub(crate) header_read_timeout: Duration,
    /// Every connection not closed yet, which the drain waits for.
    pub(crate) connections: Tracker,
}

/// Accepts until the drain starts.
pub(crate) async fn accept_loop(listener: TcpListener, admission: Arc<Admission>) {
    let mut reserve = File::open("/dev/null").ok();
    let shutdown = admission.state.shutdown.clone();
    loop {
        if reserve.is_none() {
            reserve = File::open("/dev/null").ok();
        }
        let accepted = tokio::select! {
            biased;
            () = shutdown.draining() => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, emergency) = match accepted {
            Ok((stream, _peer)) => (stream, false),
            Err(err) if out_of_descriptors(&err) => match reserve.take() {
                // Let the reserved descriptor go and take the connection with it.
                Some(spare) => {
                    drop(spare);
                    match listener.accept().await {
                        Ok((stream, _peer)) => (stream, true),
                        Err(_) => continue,
                    }
                }
                None => {
                    tokio::time::sleep(FD_EXHAUSTED_PAUSE).await;
                    continue;
                }
            },
            // A connection that failed while queued concerns that client only.
            Err(_) => continue,
        };
        // Without it, every response written in several pieces (SSE events, frames)
        // waits ~40 ms behind Nagle's algorithm and delayed ACKs.
        let _ = stream.set_nodelay(true);
        let admission = Arc::clone(&admission);
        tokio::spawn(async move { admission.admit(stream, emergency).await });
    }
}

fn out_of_descriptors(err: &io::Error) -> bool {
    // EMFILE (24) and ENFILE (23) on Linux and the BSDs.
    matches!(err.raw_os_error(), Some(23 | 24))
}

impl Admission {
    /// Places one accepted connection and serves it.
    async fn admit(&self, mut stream: TcpStream, emergency: bool) {
        let guard = self.connections.track();
        let activity = Arc::new(Activity::new());
        let deadline = Instant::now() + self.header_read_timeout;
        let Some(pending) = self.pending.acquire(&activity, Shed::Oldest) else {
            return;
        };
        let placed = tokio::select! {
            placed = tokio::time::timeout_at(deadline, read_placement(&mut stream)) => placed,
            () = pending.evicted() => return,
        };
        let Ok(Ok(Some((placement, prefix)))) = placed else {
            return; // silent past the deadline, closed, or failed
        };
        // Its first request has begun: not idle, and on the header-read clock.
        activity.bytes_read();
        match placement {
            Placement::Health => {
                let Some(lease) = self.health.acquire(&activity, Shed::Oldest) else {
                    return;
                };
                drop(pending);
                self.serving
                    .clone()
                    .serve(prefix, stream, activity, lease)
                    .await;
            }
            Placement::Handlers if emergency => {}
            Placement::Handlers => {
                let lease = tokio::select! {
                    lease = self.main_slot(&activity, deadline) => lease,
                    () = pending.evicted() => return,
                };
                drop(pending);
                let Some(lease) = lease else {
                    refuse(stream).await;
                    return;
                };
                // Moved to the handler runtime's reactor: no hop per request.
                let Ok(stream) = stream.into_std() else {
                    return;
                };
                let serving = self.serving.clone();
                self.state.spawn(async move {
                    let _guard = guard;
                    if let Ok(stream) = TcpStream::from_std(stream) {
                        serving.serve(prefix, stream, activity, lease).await;
                    }
                });
            }
        }
    }

    /// A main slot, shedding an idle connection if need be; waits for one until the
    /// deadline.
    async fn main_slot(&self, activity: &Arc<Activity>, deadline: Instant) -> Option<Lease> {
        loop {
            let released = self.main.released();
            if let Some(lease) = self.main.acquire(activity, Shed::Idle) {
                return Some(lease);
            }
            tokio::select! {
                () = released => {}
                () = tokio::time::sleep_until(deadline) => return None,
            }
        }
    }
}

/// Answers `503` and closes, reading what the client sent meanwhile.
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(LINGER, async {
        stream.write_all(BUSY_RESPONSE).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 1024];
        while tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_response_is_well_formed() {
        let text = std::str::from_utf8(BUSY_RESPONSE).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"], "Service unavailable");
    }
}
