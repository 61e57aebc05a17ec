//! Child processes the xtask starts and must not leave behind.

use std::ops::{Deref, DerefMut};
use std::process::Child;

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
