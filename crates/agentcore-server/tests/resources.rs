//! What a peer can make the process spend, measured on a real process: memory under a
//! ping flood, and health checks when the process is out of file descriptors.

mod common;

use std::io::{Read, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use agentcore_server::{App, BoxError, WebSocketUpgrade};
use common::child::{Agent, child_mode};
use serde_json::{Value, json};

/// Files the `hog` handler keeps open.
static HELD: Mutex<Vec<std::fs::File>> = Mutex::new(Vec::new());

/// The agent process, started by the tests below (ignored in a normal run).
#[test]
#[ignore = "the agent process of the resource tests, which start it"]
fn child_agent() {
    if child_mode().is_none() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = App::new()
        .entrypoint(|_: Value| async {
            let held = hog();
            // Again once this request's connection has closed: none is left at all.
            tokio::spawn(async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                hog();
            });
            Ok::<_, BoxError>(json!({ "held": held }))
        })
        .websocket(|upgrade: WebSocketUpgrade, _ctx| async move {
            let mut socket = upgrade.accept().await?;
            while let Some(message) = socket.recv().await? {
                socket.send(message).await?;
            }
            Ok::<_, BoxError>(())
        });
    runtime.block_on(app.run()).unwrap();
}

/// Opens files until the process has no descriptor left, and keeps them.
fn hog() -> usize {
    let mut held = HELD.lock().unwrap();
    while let Ok(file) = std::fs::File::open("/dev/null") {
        held.push(file);
    }
    held.len()
}

/// Masked client ping frames with 125-byte payloads, `count` of them back to back.
fn ping_frames(count: usize) -> Vec<u8> {
    let mut frame = vec![0x89, 0x80 | 125, 1, 2, 3, 4];
    frame.extend((0..125u8).map(|i| i ^ [1, 2, 3, 4][usize::from(i) % 4]));
    frame.repeat(count)
}

#[test]
fn a_ping_flood_from_a_peer_that_never_reads_stalls_and_grows_no_memory() {
    let agent = Agent::start("flood");
    let mut socket = common::raw_websocket(("127.0.0.1", agent.port));
    let before = agent.rss_bytes();
    socket
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let batch = ping_frames(512); // 65 KiB
    let (mut offered, mut stalled) = (0usize, false);
    let deadline = Instant::now() + Duration::from_secs(20);
    // 128 MiB of pings, ~1M pongs the server would owe a peer that reads none.
    while offered < 128 << 20 && Instant::now() < deadline {
        match socket.write(&batch) {
            Ok(n) => offered += n,
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                stalled = true;
                break;
            }
            Err(err) => panic!("the server dropped the connection: {err}"),
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let grown = agent.rss_bytes().saturating_sub(before);
    assert!(
        stalled,
        "the server kept reading: {offered} bytes of pings taken"
    );
    assert!(
        offered < 32 << 20,
        "{offered} bytes of pings taken before the stall"
    );
    assert!(
        grown < 16 << 20,
        "memory grew by {grown} bytes under the flood"
    );
    // Reading again resumes the socket: the pongs arrive, then an echo.
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 4096];
    assert!(socket.read(&mut buf).unwrap() > 0);
}

#[test]
fn health_checks_are_answered_when_the_process_is_out_of_file_descriptors() {
    let agent = Agent::start_with("hog", Some(64));
    let hogged = agent
        .get("/invocations")
        .map(|r| r.starts_with("HTTP/1.1 405"))
        .unwrap_or(false);
    assert!(hogged, "the agent is up");
    // Every descriptor taken by the handler...
    let response = common::blocking_exchange(
        ("127.0.0.1", agent.port),
        "POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    )
    .unwrap();
    assert!(response.contains("\"held\":"), "{response}");
    std::thread::sleep(Duration::from_millis(600));
    // ...and still, health checks on fresh connections, one after the other.
    for attempt in 0..3 {
        let pinged = agent.get("/ping").unwrap_or_default();
        assert!(
            pinged.starts_with("HTTP/1.1 200"),
            "attempt {attempt}: {pinged:?}"
        );
    }
}
