//! Running the real `agentcore` binary the way the CLI tests do.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The `agentcore` binary in a clean environment: no variables but `PATH`, this
/// `HOME` and `AWS_EC2_METADATA_DISABLED` (so no AWS configuration leaks in, and no
/// instance metadata is asked for); a test adds what it needs.
pub(crate) fn agentcore(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentcore"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

/// Runs `command` to its end with `stdin` as its input; its output.
pub(crate) fn run(command: &mut Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("agentcore starts");
    child
        .stdin
        .take()
        .expect("a piped stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("agentcore's output")
}
