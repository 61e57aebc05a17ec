//! Child processes the xtask starts and must not leave behind.

use std::env;
use std::fs::{self, File};
use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The longest a started service may take to be ready.
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);
/// How often a wait looks again.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The server features the suites build the example agents with (one set for all, so
/// that `interop` and `browser-test` share one build of the server).
pub(crate) const EXAMPLE_FEATURES: &str =
    "agentcore-server/mcp,agentcore-server/ag-ui,agentcore-server/a2a";

/// A child process killed (and reaped) when dropped, on every path out, panics included.
#[derive(Debug)]
pub(crate) struct KillOnDrop(pub(crate) Child);

impl Deref for KillOnDrop {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `cargo <args>` in the workspace root (with `$CARGO` when cargo runs us), its
/// output passed through to stderr; `what` names the job in messages.
pub(crate) fn cargo(root: &std::path::Path, args: &[&str], what: &str) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building {what}: cargo {}", args.join(" "));
    let status = std::process::Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| format!("cannot run {}: {e}", cargo.to_string_lossy()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "building {what} failed ({status}); see cargo's output above"
        ))
    }
}

/// A started agent or emulator, its output in a log file; killed when dropped.
pub(crate) struct Service {
    name: &'static str,
    child: KillOnDrop,
    log: PathBuf,
}

impl Service {
    pub(crate) fn start(
        name: &'static str,
        mut command: Command,
        root: &Path,
        log: &Path,
    ) -> Result<Service, String> {
        let log_error = |e: io::Error| format!("cannot create {}: {e}", log.display());
        let log_file = File::create(log).map_err(log_error)?;
        let child = command
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(log_error)?)
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {name} ({:?}): {e}", command.get_program()))?;
        Ok(Service {
            name,
            child: KillOnDrop(child),
            log: log.to_path_buf(),
        })
    }

    /// The process id.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Polls `ready` until it holds; fails if the process exits first or the deadline
    /// passes.
    pub(crate) fn wait_ready(&mut self, mut ready: impl FnMut() -> bool) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_DEADLINE;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited early ({status}); its log is {}:\n{}",
                    self.name,
                    self.log.display(),
                    log_tail(&self.log)
                ));
            }
            if ready() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} was not ready within {} s; its log is {}",
                    self.name,
                    STARTUP_DEADLINE.as_secs(),
                    self.log.display()
                ));
            }
            sleep(POLL_INTERVAL);
        }
    }

    /// Reports a process that died while the tests ran.
    pub(crate) fn check_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            eprintln!(
                "note: {} exited during the run ({status}); its log is {}",
                self.name,
                self.log.display()
            );
        }
    }
}

/// A port that was free a moment ago (bound on 127.0.0.1 and released).
pub(crate) fn free_port() -> Result<u16, String> {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| Ok(l.local_addr()?.port()));
    port.map_err(|e| format!("cannot find a free port: {e}"))
}

/// The workspace's target directory: `CARGO_TARGET_DIR` (relative to `root`), else
/// `root/target`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or(root.join("target"), |dir| root.join(dir))
}

/// `GET path` on 127.0.0.1:`port` answered 200 (a one-shot HTTP/1.1 exchange).
pub(crate) fn http_ok(port: u16, path: &str) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// Runs a test driver with its output passed through, killing it past `deadline`;
/// `Ok(true)` when it exits with 0. `what` names it in messages.
pub(crate) fn run_with_deadline(
    mut command: Command,
    what: &str,
    deadline: Duration,
) -> Result<bool, String> {
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run {what} ({:?}): {e}", command.get_program()))?;
    let mut child = KillOnDrop(child);
    let until = Instant::now() + deadline;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.success()),
            Ok(None) if Instant::now() >= until => {
                return Err(format!(
                    "{what} did not finish within {} s; stopped",
                    deadline.as_secs()
                ));
            }
            Ok(None) => sleep(POLL_INTERVAL),
            Err(e) => return Err(format!("cannot wait for {what}: {e}")),
        }
    }
}

/// Only what the run says: none of the machine's AWS profiles, region, credentials or
/// retry settings (every `AWS_*` variable removed; the config files pointed at one that
/// does not exist, which the SDKs read as empty), and no instance metadata lookups.
pub(crate) fn without_machine_aws_settings(command: &mut Command, target: &Path) {
    for (name, _) in env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    let no_file = target.join("interop-no-such-aws-file");
    command
        .env("AWS_CONFIG_FILE", &no_file)
        .env("AWS_SHARED_CREDENTIALS_FILE", &no_file)
        .env("AWS_EC2_METADATA_DISABLED", "true");
}

/// The last lines of a log file, for an error message.
pub(crate) fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
