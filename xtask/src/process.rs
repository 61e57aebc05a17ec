//! Child processes the xtask starts and must not leave behind.

use std::fs::{self, File};
use std::io;
use std::net::TcpListener;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The longest a started service may take to be ready.
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);
/// How often a wait looks again.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(50);

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

/// The last lines of a log file, for an error message.
fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
