//! An agent in a child process: the test binary runs itself again (its ignored
//! `child_agent` test, selected by an environment variable), so signals, exit codes, memory
//! and file-descriptor limits are those of a real process.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The environment variable naming the child's mode.
pub const CHILD_MODE: &str = "AGENTCORE_TEST_CHILD";

/// The mode this process runs as a child agent in, if it is one.
pub fn child_mode() -> Option<String> {
    std::env::var(CHILD_MODE).ok()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Agent {
    pub child: Child,
    pub port: u16,
}

impl Agent {
    /// Starts the child agent in `mode` on a free port and waits for its `/ping`.
    pub fn start(mode: &str) -> Self {
        Self::start_with(mode, None)
    }

    /// Like [`Agent::start`], with at most `fd_limit` open file descriptors.
    pub fn start_with(mode: &str, fd_limit: Option<u32>) -> Self {
        let mut agent = Self::spawn(mode, fd_limit);
        agent.wait_for_ping();
        agent
    }

    /// Starts the child agent without waiting for it.
    pub fn spawn(mode: &str, fd_limit: Option<u32>) -> Self {
        let port = free_port();
        Self::spawn_on(mode, fd_limit, &[("PORT", port)], port)
    }

    /// Starts the child agent in `mode` as an MCP server, its port in `MCP_PORT`, and
    /// waits for its `/ping`; also hands back the port put in `PORT`, which it must not
    /// read.
    pub fn start_mcp(mode: &str) -> (Self, u16) {
        Self::start_on_port_env(mode, "MCP_PORT")
    }

    /// Starts the child agent in `mode` with `port_env` set to a free port and `PORT` to
    /// another (returned, for checking nothing listens there); waits for its `/ping` on
    /// the first.
    pub fn start_on_port_env(mode: &str, port_env: &str) -> (Self, u16) {
        let (port, http_port) = (free_port(), free_port());
        let env = [(port_env, port), ("PORT", http_port)];
        let mut agent = Self::spawn_on(mode, None, &env, port);
        agent.wait_for_ping();
        (agent, http_port)
    }

    fn spawn_on(mode: &str, fd_limit: Option<u32>, env: &[(&str, u16)], port: u16) -> Self {
        let exe = std::env::current_exe().unwrap();
        let args = [
            "--exact",
            "child_agent",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ];
        let mut command = match fd_limit {
            // `ulimit` through the shell: no unsafe code, the limit of a real process.
            Some(limit) => {
                let mut command = Command::new("sh");
                command
                    .arg("-c")
                    .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                    .arg(exe)
                    .args(args);
                command
            }
            None => {
                let mut command = Command::new(exe);
                command.args(args);
                command
            }
        };
        for (name, value) in env {
            command.env(name, value.to_string());
        }
        let child = command
            .env(CHILD_MODE, mode)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Self { child, port }
    }

    pub fn wait_for_ping(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self
                .get("/ping")
                .is_some_and(|r| r.starts_with("HTTP/1.1 200"))
            {
                return;
            }
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "the agent exited early"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the agent never answered /ping");
    }

    /// A GET on a fresh connection; `None` when it failed or timed out.
    pub fn get(&self, path: &str) -> Option<String> {
        super::blocking_get(("127.0.0.1", self.port), path).ok()
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (20 s at most) for the agent to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the agent did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Standard output and error, once it has exited.
    pub fn output(&mut self) -> (String, String) {
        let mut stdout = String::new();
        let mut stderr = String::new();
        let _ = self
            .child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout);
        let _ = self
            .child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr);
        (stdout, stderr)
    }

    /// The agent's resident memory in bytes (Linux: `/proc/<pid>/status`).
    pub fn rss_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS");
        kib * 1024
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
