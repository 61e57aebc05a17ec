//! Graceful shutdown and lifespan hooks in a real process, with real signals.
//!
//! The test binary runs itself again as the agent (`child_agent`, selected by an
//! environment variable), so the agent is a real process that `kill -TERM` reaches.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agentcore_server::{App, BoxError, WebSocketUpgrade};
use serde_json::{Value, json};

const CHILD_MODE: &str = "AGENTCORE_TEST_CHILD";

/// The agent process, started by the tests below (ignored in a normal run).
#[test]
#[ignore = "the agent process of the shutdown tests, which start it"]
fn child_agent() {
    let Ok(mode) = std::env::var(CHILD_MODE) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = App::new()
        .shutdown_timeout(Duration::from_secs(5))
        .entrypoint(|payload: Value| async move {
            let ms = payload["sleep_ms"].as_u64().unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok::<_, std::convert::Infallible>(json!({ "slept_ms": ms }))
        })
        .websocket(|upgrade: WebSocketUpgrade, _ctx| async move {
            let mut socket = upgrade.accept().await?;
            while let Some(message) = socket.recv().await? {
                socket.send(message).await?;
            }
            Ok::<_, BoxError>(())
        })
        .on_startup(move || async move {
            if mode == "failing-startup" {
                return Err("the model could not be loaded");
            }
            println!("startup hook ran");
            Ok(())
        })
        .on_shutdown(|| async {
            println!("shutdown hook ran");
            Ok::<_, BoxError>(())
        });
    // What `fn main() -> Result<(), ServeError>` does with an error.
    if let Err(err) = runtime.block_on(app.run()) {
        eprintln!("Error: {err:?}");
        std::process::exit(1);
    }
    std::process::exit(0);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_agent(mode: &str, port: u16) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_agent",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_MODE, mode)
        .env("PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for_ping(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(mut socket) = TcpStream::connect(("127.0.0.1", port)) {
            write!(
                socket,
                "GET /ping HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n"
            )
            .unwrap();
            let mut response = String::new();
            if socket.read_to_string(&mut response).is_ok() && response.starts_with("HTTP/1.1 200")
            {
                return;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the agent exited early"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the agent never answered /ping");
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the agent did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn output(child: &mut Child) -> (String, String) {
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (stdout, stderr)
}

/// Reads the server's WebSocket close frame from a raw socket; its code.
fn read_close_code(socket: &mut TcpStream) -> u16 {
    let mut frame = [0u8; 4];
    socket.read_exact(&mut frame).unwrap();
    assert_eq!(frame[0], 0x88, "expected a close frame, got {frame:?}");
    u16::from_be_bytes([frame[2], frame[3]])
}

#[test]
fn sigterm_lets_in_flight_work_finish_closes_websockets_with_1001_and_exits_0() {
    for sig in ["TERM", "INT"] {
        let port = free_port();
        let mut child = spawn_agent("normal", port);
        wait_for_ping(port, &mut child);

        // A WebSocket, raw, so that the test sees the exact close frame.
        let mut ws = TcpStream::connect(("127.0.0.1", port)).unwrap();
        ws.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            ws,
            "GET /ws HTTP/1.1\r\nhost: t\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
             sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(ws.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 101"), "{line}");
        while line != "\r\n" {
            line.clear();
            reader.read_line(&mut line).unwrap();
        }

        // An invocation that is still running when the signal arrives.
        let in_flight = std::thread::spawn(move || {
            let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let body = r#"{"sleep_ms":700}"#;
            write!(
                socket,
                "POST /invocations HTTP/1.1\r\nhost: t\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            let mut response = String::new();
            socket.read_to_string(&mut response).unwrap();
            response
        });
        std::thread::sleep(Duration::from_millis(200));
        signal(&child, sig);

        let mut reader_socket = reader.into_inner();
        assert_eq!(read_close_code(&mut reader_socket), 1001, "SIG{sig}");
        // Answer the close, as a client does.
        ws.write_all(&[0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE9]).unwrap();

        let response = in_flight.join().unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "SIG{sig}: {response}");
        assert!(
            response.ends_with(r#"{"slept_ms":700}"#),
            "SIG{sig}: {response}"
        );

        let status = wait_exit(&mut child);
        let (stdout, stderr) = output(&mut child);
        assert!(status.success(), "SIG{sig}: {status}\n{stderr}");
        assert!(stdout.contains("startup hook ran"), "{stdout}");
        assert!(stdout.contains("shutdown hook ran"), "{stdout}");
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "still listening"
        );
    }
}

#[test]
fn a_failing_startup_hook_exits_non_zero_before_the_port_opens() {
    let port = free_port();
    let mut child = spawn_agent("failing-startup", port);
    let status = wait_exit(&mut child);
    let (_, stderr) = output(&mut child);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Error: startup hook failed: the model could not be loaded"),
        "{stderr}"
    );
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}
