//! Running the real `agentcore` binary the way the CLI tests do.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// Runs `agentcore` against the data plane at `url` with these arguments, stdin and
/// extra environment, in a clean AWS environment whose only credentials are the
/// emulator's long-term ones.
#[allow(dead_code)] // not every test binary calls the emulator this way
pub(crate) async fn against(
    url: String,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> Output {
    use agentcore_testkit::{ACCESS_KEY, REGION, SECRET_KEY};
    let home = std::env::temp_dir().join(format!("agentcore-cli-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut command = agentcore(&home);
    command
        .args(args)
        .envs(env.iter().copied())
        .env("AGENTCORE_ENDPOINT", url)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_REGION", REGION);
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || run(&mut command, &stdin))
        .await
        .unwrap()
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

/// Whether tmux is here; when it is not, says that the test is skipped and why.
#[allow(dead_code)] // not every test binary drives a terminal
pub(crate) fn tmux_installed() -> bool {
    let installed = Command::new("tmux").arg("-V").output().is_ok();
    if !installed {
        eprintln!("skipped: tmux is not installed (the keys need a real terminal)");
    }
    installed
}

/// A tmux server on its own socket (no other tmux server is touched) with one session,
/// killed when dropped.
#[allow(dead_code)]
pub(crate) struct Tmux {
    socket: String,
    session: String,
}

#[allow(dead_code)]
impl Tmux {
    /// Starts `command` in a detached session `name` of `size` (columns, rows).
    pub(crate) fn start(name: &str, size: (u16, u16), command: &str) -> Self {
        let tmux = Tmux {
            socket: format!("agentcore-{name}-test-{}", std::process::id()),
            session: name.to_owned(),
        };
        let (width, height) = (size.0.to_string(), size.1.to_string());
        let started = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &width,
            "-y",
            &height,
            command,
        ]);
        assert!(started.status.success(), "{started:?}");
        tmux
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Types keys (tmux key names, or literal text) into the pane.
    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend(keys);
        self.run(&args);
    }

    /// Types `text` literally (no key names).
    pub(crate) fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", &self.session, "-l", text]);
    }

    /// Resizes the window (the pane's program gets SIGWINCH).
    pub(crate) fn resize(&self, size: (u16, u16)) {
        let (width, height) = (size.0.to_string(), size.1.to_string());
        let resized = self.run(&[
            "resize-window",
            "-t",
            &self.session,
            "-x",
            &width,
            "-y",
            &height,
        ]);
        assert!(resized.status.success(), "{resized:?}");
    }

    /// The pane's text, the scrollback included.
    pub(crate) fn screen(&self) -> String {
        let output = self.run(&[
            "capture-pane",
            "-p",
            "-J",
            "-S",
            "-500",
            "-t",
            &self.session,
        ]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits (up to 20 s) for `text` on the pane; the screen.
    pub(crate) fn wait_for_screen(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(Instant::now() < deadline, "no {text:?} on:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The pane's terminal device.
    pub(crate) fn pane_tty(&self) -> String {
        let tty = self.run(&["display-message", "-p", "-t", &self.session, "#{pane_tty}"]);
        String::from_utf8_lossy(&tty.stdout).trim().to_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// `stty -a` of a terminal device.
#[allow(dead_code)]
pub(crate) fn tty_mode(tty: &str) -> String {
    let output = Command::new("stty")
        .args(["-a", "-F", tty])
        .output()
        .expect("stty runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of `path` once it ends with a newline (written by a script), waiting up to
/// 20 s.
#[allow(dead_code)]
pub(crate) fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(Instant::now() < deadline, "no {}", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `word` quoted for `sh`.
#[allow(dead_code)]
pub(crate) fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}
