//! `agentcore dev` as a person runs it: the real binary, a real agent process (this test
//! binary run again as its ignored `child_agent` test, under `sh` so that the agent is a
//! grandchild, as the binary is under `cargo run`), real signals and, with tmux, a real
//! terminal.

mod common;

use common::{Tmux, quote, wait_for_file};

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The child agent's pid file (each start appends its pid); set only for the child.
const PID_FILE: &str = "AGENTCORE_DEV_TEST_PIDS";
const ACCESS_KEY: &str = "AKIDDEVTEST";
const SECRET_KEY: &str = "dev-test-secret-key";

/// The agent `dev` runs in these tests (ignored in a normal run).
#[test]
#[ignore = "the agent process of the dev tests, which start it"]
fn child_agent() {
    let Ok(pids) = std::env::var(PID_FILE) else {
        return;
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(pids)
        .unwrap();
    writeln!(file, "{}", std::process::id()).unwrap();
    drop(file);
    // `App::run` listens on PORT, which `dev` sets.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if let Err(err) = runtime.block_on(agentcore_testkit::agent().run()) {
        eprintln!("Error: {err:?}");
        std::process::exit(1);
    }
    std::process::exit(0);
}

/// A fresh folder for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("agentcore-dev-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The agent's command line after `dev ... --`: `sh` (which stays, as the parent) and
/// this binary's child agent.
fn agent_command() -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    [
        "sh",
        "-c",
        r#""$0" "$@"; exit $?"#,
        exe.to_str().unwrap(),
        "--exact",
        "child_agent",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// `agentcore dev` running, its stdout and stderr lines collected.
struct Dev {
    child: Child,
    lines: mpsc::Receiver<String>,
    transcript: Vec<String>,
    pids: PathBuf,
    home: PathBuf,
}

impl Dev {
    fn start(name: &str, aws: bool) -> Self {
        let home = scratch(name);
        let pids = home.join("pids");
        let mut command = common::agentcore(&home);
        if aws {
            command
                .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        }
        let port = agentcore_testkit::free_port().to_string();
        let mut child = command
            .args([
                "dev",
                "--listen",
                "127.0.0.1:0",
                "--agent-port",
                &port,
                "--",
            ])
            .args(agent_command())
            .env(PID_FILE, &pids)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (sender, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
        }
        Self {
            child,
            lines,
            transcript: Vec::new(),
            pids,
            home,
        }
    }

    /// The first line (from now) containing `text`, within 20 s.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.transcript.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "no line with {text:?}; dev said:\n{}",
            self.transcript.join("\n")
        );
    }

    /// Collects what is left of the output, once `dev` and its agents are gone.
    fn read_to_end(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => self.transcript.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
            }
        }
        panic!("dev's output is still open");
    }

    /// The three exports, once the agent is ready.
    fn exports(&mut self) -> Vec<(String, String)> {
        ["AGENTCORE_ENDPOINT", "AGENTCORE_BEARER_TOKEN", "AGENT_ARN"]
            .into_iter()
            .map(|name| {
                let line = self.wait_for(&format!("export {name}="));
                let value = line.split_once('=').unwrap().1.to_owned();
                (name.to_owned(), value)
            })
            .collect()
    }

    /// The `n`th agent pid (from 1), waiting for it.
    fn agent_pid(&self, n: usize) -> u32 {
        agent_pid(&self.pids, n)
    }

    fn signal(&self, name: &str) {
        signal(self.child.id(), name);
    }

    /// Waits (10 s at most) for `dev` to exit.
    fn exit_status(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "dev did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

fn agent_pid(pids: &Path, n: usize) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(pids).unwrap_or_default();
        if let Some(line) = text.lines().nth(n - 1) {
            return line.parse().unwrap();
        }
        assert!(Instant::now() < deadline, "no agent pid #{n}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// `(state, process group)` of a process, from /proc; `None` once it is gone.
fn proc_stat(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    Some((state, fields.next()?.parse().ok()?))
}

/// Whether a process is alive (a zombie is not: this container's PID 1 does not reap).
fn alive(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|(state, _)| !matches!(state, 'Z' | 'X'))
}

/// Whether any live process is in process group `pgid`.
fn group_alive(pgid: u32) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
            .is_some_and(|pid| proc_stat(pid).is_some_and(|(s, g)| g == pgid && s != 'Z'))
    })
}

/// `agentcore` with only these variables (and PATH, HOME), and stdin.
fn agentcore(vars: &[(String, String)], args: &[&str], stdin: &str, home: &Path) -> Output {
    let mut command = common::agentcore(home);
    command.envs(vars.iter().map(|(k, v)| (k, v))).args(args);
    common::run(&mut command, stdin)
}

/// `agentcore invoke PAYLOAD` with these variables: the answer, or a panic.
fn invoke(vars: &[(String, String)], payload: &str, home: &Path) -> Value {
    let output = agentcore(vars, &["invoke", payload], "", home);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "invoke failed: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn dev_serves_the_agent_restarts_it_when_it_exits_and_stops_on_sigterm() {
    let mut dev = Dev::start("serve", true);
    let exports = dev.exports();
    let home = dev.home.clone();
    let first = dev.agent_pid(1);
    let (_, group) = proc_stat(first).expect("the agent runs");
    assert_ne!(group, first, "the agent is under sh, in sh's group");

    // From "another terminal": the exports and no flags, with the bearer token...
    let answer = invoke(&exports, r#"{"n":1}"#, &home);
    assert_eq!(
        (&answer["echo"], &answer["pid"]),
        (&json!({ "n": 1 }), &json!(first)),
        "{answer}"
    );
    // ... or SigV4 with the caller's AWS credentials, which `dev` accepts too.
    let mut sigv4: Vec<_> = exports
        .iter()
        .filter(|(k, _)| k != "AGENTCORE_BEARER_TOKEN")
        .cloned()
        .collect();
    sigv4.push(("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()));
    sigv4.push(("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()));
    assert_eq!(invoke(&sigv4, r#"{"n":2}"#, &home)["pid"], first);
    let exec = agentcore(&exports, &["exec", "echo hi"], "", &home);
    assert_eq!(String::from_utf8_lossy(&exec.stdout), "hi\n");
    let ws = agentcore(&exports, &["ws", "--linger-ms", "300"], "hello\n", &home);
    assert_eq!(String::from_utf8_lossy(&ws.stdout), "hello\n");

    // The agent dies: `dev` says why, starts it again, and calls reach the new one.
    signal(first, "KILL");
    dev.wait_for("exited (exit status: 137); restarting it");
    dev.wait_for("the agent is ready again");
    let second = dev.agent_pid(2);
    assert_ne!(second, first);
    assert_eq!(invoke(&exports, r#"{"n":3}"#, &home)["pid"], second);
    let (_, group) = proc_stat(second).unwrap();

    // SIGTERM: the agent's whole group goes, then `dev`, with 0.
    dev.signal("TERM");
    dev.wait_for("stopping (SIGTERM)");
    assert!(dev.exit_status().success());
    assert!(!alive(second), "the agent outlived dev");
    assert!(
        !group_alive(group),
        "a process of the agent's group outlived dev"
    );
    // The token was printed once, in its export line, and nowhere else.
    dev.read_to_end();
    let token = &exports[1].1;
    let shown = dev.transcript.iter().filter(|l| l.contains(token.as_str()));
    assert_eq!(shown.count(), 1);
}

#[test]
fn sigint_stops_dev_and_the_agents_group() {
    let mut dev = Dev::start("sigint", false);
    dev.wait_for("no AWS credentials found: bearer token only");
    let pid = dev.agent_pid(1);
    let (_, group) = proc_stat(pid).unwrap();
    dev.signal("INT");
    dev.wait_for("stopping (SIGINT)");
    assert!(dev.exit_status().success());
    assert!(!alive(pid));
    assert!(!group_alive(group));
}

#[test]
fn an_agent_that_exits_before_answering_ping_is_an_error() {
    let home = scratch("broken");
    let mut command = common::agentcore(&home);
    let port = agentcore_testkit::free_port().to_string();
    let output = command
        .args(["dev", "--listen", "127.0.0.1:0", "--agent-port", &port])
        .args(["--", "sh", "-c", "echo cannot start >&2; exit 3"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot start"), "{stderr}");
    assert!(
        stderr.contains("exited before answering GET /ping") && stderr.contains("exit status: 3"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("export"));
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn without_an_arn_the_error_names_agent_arn() {
    let home = scratch("no-arn");
    for args in [&["invoke", "{}"][..], &["exec", "ls"], &["stop"], &["ws"]] {
        let output = agentcore(&[], args, "", &home);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("AGENT_ARN"), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn ctrl_r_restarts_and_ctrl_c_stops_in_a_real_terminal() {
    if !common::tmux_installed() {
        return;
    }
    let dir = scratch("tty");
    let pids = dir.join("pids");
    let mut dev = vec![
        "env".to_owned(),
        "-i".to_owned(),
        format!("PATH={}", std::env::var("PATH").unwrap_or_default()),
        format!("HOME={}", dir.display()),
        "AWS_EC2_METADATA_DISABLED=true".to_owned(),
        format!("{PID_FILE}={}", pids.display()),
        env!("CARGO_BIN_EXE_agentcore").to_owned(),
        "dev".to_owned(),
        "--listen".to_owned(),
        "127.0.0.1:0".to_owned(),
        "--agent-port".to_owned(),
        agentcore_testkit::free_port().to_string(),
        "--".to_owned(),
    ];
    dev.extend(agent_command());
    let dev: Vec<String> = dev.iter().map(|w| quote(w)).collect();
    // The pane's shell: the terminal's mode before and after, and dev's exit code.
    let script = format!(
        "cd {dir}\nstty -g > before\n{dev}\necho $? > status\nstty -g > after\nsleep 30\n",
        dir = quote(dir.to_str().unwrap()),
        dev = dev.join(" "),
    );
    std::fs::write(dir.join("script.sh"), script).unwrap();
    let tmux = Tmux::start(
        "dev",
        (250, 50),
        &format!("sh {}", quote(dir.join("script.sh").to_str().unwrap())),
    );

    let screen = tmux.wait_for_screen("Ctrl-R restarts the agent, Ctrl-C stops");
    assert!(screen.contains("export AGENT_ARN="), "{screen}");
    let first = agent_pid(&pids, 1);
    // While dev runs, keys come one by one, unechoed, Ctrl-C included.
    let tty = tmux.pane_tty();
    let during = common::tty_mode(&tty);
    let flags: Vec<&str> = during.split_whitespace().collect();
    for flag in ["-icanon", "-echo", "-isig", "opost"] {
        assert!(flags.contains(&flag), "{flag} while dev runs: {during}");
    }

    tmux.keys(&["C-r"]);
    tmux.wait_for_screen("the agent is ready again");
    let second = agent_pid(&pids, 2);
    assert_ne!(second, first);
    assert!(!alive(first), "Ctrl-R left the first agent running");
    let exports: Vec<(String, String)> = tmux
        .screen()
        .lines()
        .filter_map(|line| line.strip_prefix("export "))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect();
    assert_eq!(exports.len(), 3, "{exports:?}");
    assert_eq!(invoke(&exports, "{}", &dir)["pid"], second);

    let (_, group) = proc_stat(second).unwrap();
    tmux.keys(&["C-c"]);
    assert_eq!(wait_for_file(&dir.join("status")), "0\n");
    tmux.wait_for_screen("stopping (Ctrl-C)");
    let before = std::fs::read_to_string(dir.join("before")).unwrap();
    assert_eq!(
        wait_for_file(&dir.join("after")),
        before,
        "the terminal mode was not restored"
    );
    let after = common::tty_mode(&tty);
    assert!(after.split_whitespace().any(|f| f == "icanon"), "{after}");
    assert!(!alive(second));
    assert!(!group_alive(group));
    drop(tmux);
    let _ = std::fs::remove_dir_all(dir);
}
