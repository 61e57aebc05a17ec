//! `agentcore shell` against the emulator's real PTY: piped, and as a person uses it in a
//! real terminal (tmux): raw keys, Ctrl-C to the remote shell, window resizes, the exit
//! code, the terminal restored.

mod common;

use common::{Tmux, quote, wait_for_file};

use agentcore_testkit::{ARN, BEARER_TOKEN, World};

const SESSION: &str = "cli-shell-session-0123456789abcdef012345";

/// `agentcore shell` with this stdin, in a clean environment that reaches `world`.
async fn shell(world: &World, args: &[&str], stdin: &str) -> std::process::Output {
    let home = std::env::temp_dir().join(format!("agentcore-shell-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut command = common::agentcore(&home);
    command
        .arg("shell")
        .arg(ARN)
        .args(["--bearer", BEARER_TOKEN, "--session-id", SESSION])
        .args(args)
        .env("AGENTCORE_ENDPOINT", world.url());
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || common::run(&mut command, &stdin))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piped_input_runs_and_the_exit_code_is_the_shells() {
    let world = World::start().await;
    let output = shell(
        &world,
        &["--shell-id", "piped"],
        "echo from-the-pipe\nexit 4\n",
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(4),
        "{stdout}\n{:?}",
        output.stderr
    );
    assert!(stdout.contains("from-the-pipe"), "{stdout}");

    let killed = shell(&world, &["--shell-id", "killed"], "kill -9 $$\n").await;
    assert_eq!(killed.status.code(), Some(137), "{killed:?}");

    let refused = shell(&world, &["--shell-id", "bad id"], "exit\n").await;
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_terminal_goes_raw_resizes_interrupts_and_is_restored() {
    if !common::tmux_installed() {
        return;
    }
    let world = World::start().await;
    let dir = std::env::temp_dir().join(format!("agentcore-shell-tty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let command = [
        "env".to_owned(),
        "-i".to_owned(),
        format!("PATH={}", std::env::var("PATH").unwrap_or_default()),
        format!("HOME={}", dir.display()),
        format!("AGENTCORE_ENDPOINT={}", world.url()),
        env!("CARGO_BIN_EXE_agentcore").to_owned(),
        "shell".to_owned(),
        ARN.to_owned(),
        "--bearer".to_owned(),
        BEARER_TOKEN.to_owned(),
        "--session-id".to_owned(),
        SESSION.to_owned(),
        "--shell-id".to_owned(),
        "tty".to_owned(),
    ];
    let command: Vec<String> = command.iter().map(|w| quote(w)).collect();
    let script = format!(
        "cd {dir}\nstty -g > before\n{command}\necho $? > status\nstty -g > after\nsleep 30\n",
        dir = quote(dir.to_str().unwrap()),
        command = command.join(" "),
    );
    std::fs::write(dir.join("script.sh"), script).unwrap();
    let script = format!("sh {}", quote(dir.join("script.sh").to_str().unwrap()));
    let tmux = tokio::task::spawn_blocking(move || Tmux::start("shell", (120, 40), &script))
        .await
        .unwrap();
    let tmux = std::sync::Arc::new(tmux);
    let run = |f: fn(&Tmux)| {
        let tmux = std::sync::Arc::clone(&tmux);
        tokio::task::spawn_blocking(move || f(&tmux))
    };

    run(|tmux| {
        tmux.wait_for_screen("Ctrl-] detaches");
        // The local terminal is raw: keys go out one by one, unechoed, Ctrl-C a byte.
        let mode = common::tty_mode(&tmux.pane_tty());
        let flags: Vec<&str> = mode.split_whitespace().collect();
        for flag in ["-icanon", "-echo", "-isig", "-opost", "-icrnl"] {
            assert!(flags.contains(&flag), "{flag} while the shell runs: {mode}");
        }
        // The remote PTY has the window's size, and follows it.
        tmux.type_text("stty size\r");
        tmux.wait_for_screen("40 120");
        tmux.resize((100, 30));
        std::thread::sleep(std::time::Duration::from_millis(300));
        tmux.type_text("stty size\r");
        tmux.wait_for_screen("30 100");
        // Ctrl-C reaches the remote shell: the sleep ends at once, the shell goes on.
        tmux.type_text("sleep 30\r");
        // Only once the sleep runs (the emulator's shells are local processes): a Ctrl-C
        // that beats it is the shell's, and the sleep would then run its 30 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !sleep_30_runs() {
            assert!(
                std::time::Instant::now() < deadline,
                "the sleep never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        tmux.keys(&["C-c"]);
        tmux.type_text("echo after-$((6*7))\r");
        tmux.wait_for_screen("after-42");
        tmux.type_text("exit 7\r");
    })
    .await
    .unwrap();

    assert_eq!(wait_for_file(&dir.join("status")), "7\n");
    let before = std::fs::read_to_string(dir.join("before")).unwrap();
    assert_eq!(
        wait_for_file(&dir.join("after")),
        before,
        "the terminal mode was not restored"
    );
    drop(tmux);
    let _ = std::fs::remove_dir_all(dir);
}

/// Whether a `sleep 30` process runs on this machine (read from `/proc`).
fn sleep_30_runs() -> bool {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return false;
    };
    processes.flatten().any(|process| {
        std::fs::read(process.path().join("cmdline"))
            .is_ok_and(|cmdline| cmdline == b"sleep\x0030\x00")
    })
}
