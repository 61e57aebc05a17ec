//! The agent process: started in a process group of its own (so that `cargo run` and
//! the binary it builds are signalled together), watched through `GET /ping`, stopped
//! with `kill -s TERM -- -PGID` and, after a grace period, `-s KILL`.

use std::io;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::time::{Instant, sleep, timeout};

use crate::exit::{Code, Failure};

/// How often group membership is looked at while waiting for it to empty.
const POLL: Duration = Duration::from_millis(50);
/// How long the group may take to go after SIGKILL.
const KILL_WAIT: Duration = Duration::from_secs(2);

/// The agent's command line: the one given, else `cargo run` (the current package).
pub(crate) fn command_line(given: &[String]) -> Vec<String> {
    if given.is_empty() {
        vec!["cargo".to_owned(), "run".to_owned()]
    } else {
        given.to_vec()
    }
}

/// A running agent: the leader of its own process group.
pub(crate) struct Agent {
    child: Child,
    /// Its pid, which is also its process group id.
    pid: u32,
    /// Set once the group has been stopped (and so needs no kill on drop).
    stopped: bool,
}

impl Agent {
    /// Starts `command` with `PORT=port`, stdin closed (the keys are `dev`'s), stdout and
    /// stderr shared with `dev`.
    pub(crate) fn spawn(command: &[String], port: u16) -> Result<Self, Failure> {
        let shown = command.join(" ");
        let (program, args) = command
            .split_first()
            .ok_or_else(|| Failure::usage("the agent's command is empty"))?;
        let failed = |err: io::Error| Failure {
            code: Code::Failure,
            message: format!("cannot start the agent (`{shown}`): {err}"),
        };
        let child = Command::new(program)
            .args(args)
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(failed)?;
        let pid = child
            .id()
            .ok_or_else(|| failed(io::Error::other("it exited at once")))?;
        Ok(Self {
            child,
            pid,
            stopped: false,
        })
    }

    /// Its pid (and process group id).
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits for the leader to exit (cancel-safe).
    pub(crate) async fn exited(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }

    /// Stops the whole group: SIGTERM, up to `grace` for every member to exit, then
    /// SIGKILL. Also sweeps what an agent that exited on its own left behind.
    pub(crate) async fn stop(mut self, grace: Duration) {
        self.stopped = true;
        signal_group(self.pid, "TERM").await;
        if self.wait_gone(grace).await {
            return;
        }
        signal_group(self.pid, "KILL").await;
        if !self.wait_gone(KILL_WAIT).await {
            eprintln!(
                "agentcore dev: processes of the agent's group {} are still there after SIGKILL",
                self.pid
            );
        }
    }

    /// Whether the leader has exited and no member of its group is alive, within `limit`.
    async fn wait_gone(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let leader_gone = !matches!(self.child.try_wait(), Ok(None));
            if leader_gone && !group_alive(self.pid) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            sleep(POLL).await;
        }
    }
}

impl Drop for Agent {
    /// The last resort of an early return or a panic: no orphan agent.
    fn drop(&mut self) {
        if !self.stopped {
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{}", self.pid)])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Sends `signal` (a name: TERM, KILL) to every process of group `pgid`, with the
/// `kill` utility (no unsafe code, no libc binding); a group already gone is fine.
async fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args(["-s", signal, "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
}

/// Whether a live (not zombie) process of group `pgid` remains. On Linux from `/proc`:
/// `kill -0` also counts zombies, which a PID 1 that does not reap (as in some
/// containers) leaves behind for good.
#[cfg(target_os = "linux")]
fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return kill_probe(pgid);
    };
    entries.flatten().any(|entry| {
        let is_pid = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.bytes().all(|b| b.is_ascii_digit()));
        is_pid
            && std::fs::read_to_string(entry.path().join("stat"))
                .ok()
                .and_then(|stat| state_and_group(&stat))
                .is_some_and(|(state, group)| group == pgid && !matches!(state, 'Z' | 'X'))
    })
}

#[cfg(not(target_os = "linux"))]
fn group_alive(pgid: u32) -> bool {
    kill_probe(pgid)
}

/// `kill -0 -- -PGID`: whether the group has a member (zombies included).
fn kill_probe(pgid: u32) -> bool {
    std::process::Command::new("kill")
        .args(["-0", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The state and process group of a `/proc/PID/stat` line, `pid (comm) state ppid pgrp …`
/// (the command name may hold spaces and parentheses: fields start after the last `)`).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn state_and_group(stat: &str) -> Option<(char, u32)> {
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    Some((state, fields.next()?.parse().ok()?))
}

/// Whether `GET http://127.0.0.1:PORT/ping` answers 200 (within 2 s).
pub(crate) async fn ping(port: u16) -> bool {
    let attempt = async {
        let mut socket = TcpStream::connect(("127.0.0.1", port)).await?;
        socket
            .write_all(b"GET /ping HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
            .await?;
        let mut head = Vec::with_capacity(64);
        let mut buf = [0u8; 64];
        while !head.contains(&b'\n') && head.len() < 1024 {
            let n = socket.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        io::Result::Ok(head)
    };
    match timeout(Duration::from_secs(2), attempt).await {
        Ok(Ok(head)) => answers_200(&head),
        _ => false,
    }
}

/// Whether a response head's status line is `HTTP/1.x 200 …`.
fn answers_200(head: &[u8]) -> bool {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    parts.next().is_some_and(|v| v.starts_with(b"HTTP/1.")) && parts.next() == Some(b"200")
}

/// Fails when something already listens on the agent's port: its `/ping` would pass for
/// the agent's.
pub(crate) fn check_port_free(port: u16) -> Result<(), Failure> {
    std::net::TcpListener::bind(("127.0.0.1", port))
        .map(drop)
        .map_err(|err| Failure {
            code: Code::Failure,
            message: format!(
                "the agent's port {port} is taken ({err}): another agent running? \
                 (--agent-port picks another)"
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_lines() {
        assert_eq!(
            state_and_group("42 (agent) S 1 40 40 0 -1"),
            Some(('S', 40))
        );
        assert_eq!(
            state_and_group("43 (a (weird) name) Z 42 40 40"),
            Some(('Z', 40))
        );
        assert_eq!(state_and_group("garbage"), None);
    }

    #[test]
    fn ping_status_lines() {
        assert!(answers_200(b"HTTP/1.1 200 OK\r\ncontent-type: x\r\n"));
        assert!(answers_200(b"HTTP/1.0 200 OK\r\n"));
        assert!(!answers_200(b"HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(!answers_200(b"HTTP/1.1 2000\r\n"));
        assert!(!answers_200(b""));
    }

    #[test]
    fn cargo_run_by_default() {
        assert_eq!(command_line(&[]), ["cargo", "run"]);
        assert_eq!(command_line(&["./agent".to_owned()]), ["./agent"]);
    }
}
