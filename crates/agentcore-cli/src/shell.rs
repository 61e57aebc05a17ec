//! `agentcore shell`: an interactive shell in the agent's session, in this terminal.
//!
//! On a terminal, stdin goes raw (a guard restores it on every way out), every byte typed
//! goes to the remote shell (Ctrl-C included), Ctrl-] detaches, and SIGWINCH sends the
//! new size. Piped, stdin is forwarded as it comes. The process exits with the remote
//! shell's exit code.

use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

use agentcore_client::{Presign, ShellEvent};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::args::{Global, Shell as ShellArgs};
use crate::commands::{client, io_failure, session};
use crate::exit::{Code, Failure};
use crate::terminal::{self, RawMode};

/// The key that detaches: Ctrl-], as telnet and the AgentCore CLI.
const DETACH_KEY: u8 = 0x1d;

/// Chunks read from stdin, waiting to be sent: a bound, so a fast paste into a slow
/// connection waits in the pipe instead of in memory.
const INPUT_QUEUE: usize = 16;

/// What the stdin reader hands over.
enum Input {
    Bytes(Bytes),
    Detach,
    End,
}

pub(crate) async fn run(global: &Global, args: &ShellArgs) -> Result<ExitCode, Failure> {
    let session = session(global, args.arn.as_deref())?;
    let client = client(global).await?;
    let interactive = io::stdin().is_terminal() && terminal::foreground_terminal();
    let mut request = client.open_shell(&session);
    if let Some(id) = &args.shell_id {
        request = request.shell_id(id.clone());
    }
    if global.bearer.is_none() && args.presigned {
        request = request.presigned(Presign::default());
    }
    if let Some((width, height)) = terminal::size() {
        request = request.size(width, height);
    }
    let mut shell = request.send().await?;
    let reattach = format!(
        "agentcore shell {} --session-id {} --shell-id {}",
        session.arn(),
        shell.session_id(),
        shell.shell_id()
    );
    let _raw = if interactive {
        let guard = RawMode::full().map_err(io_failure)?;
        notice(&format!(
            "shell {} in session {} (Ctrl-] detaches)",
            shell.shell_id(),
            shell.session_id()
        ));
        Some(guard)
    } else {
        None
    };
    let mut input = read_stdin(interactive).map_err(io_failure)?;
    let mut resized = signal(SignalKind::window_change()).map_err(io_failure)?;
    let (mut stdout, mut stderr) = (io::stdout(), io::stderr());
    let mut input_open = true;
    loop {
        tokio::select! {
            event = shell.next() => match event {
                None => break,
                Some(Err(err)) => return Err(err.into()),
                Some(Ok(event)) => match event {
                    ShellEvent::Stdout(bytes) => write_out(&mut stdout, &bytes)?,
                    ShellEvent::Stderr(bytes) => write_out(&mut stderr, &bytes)?,
                    ShellEvent::Reconnected { attempts } => {
                        notice(&format!("reconnected after {attempts} attempt(s)"));
                    }
                    ShellEvent::OutputDropped { bytes } => {
                        notice(&format!("{bytes} bytes of output were lost while disconnected"));
                    }
                    ShellEvent::Evicted => notice("the runtime ended the shell"),
                    ShellEvent::Failed { reason, message, .. } => {
                        notice(&format!("the shell failed ({reason}): {message}"));
                    }
                    _ => {}
                },
            },
            chunk = input.recv(), if input_open => match chunk {
                Some(Input::Bytes(bytes)) => shell.send_input(bytes).await?,
                Some(Input::Detach) => {
                    shell.detach().await?;
                    notice(&format!("detached; the shell goes on. Reattach with:\r\n  {reattach}"));
                    return Ok(ExitCode::SUCCESS);
                }
                // Piped input ended: the shell goes on to its end (an `exit` in the input).
                Some(Input::End) | None => input_open = false,
            },
            _ = resized.recv() => {
                if let Some((width, height)) = terminal::size() {
                    shell.resize(width, height).await?;
                }
            }
        }
    }
    if shell.kicked() {
        return Err(Failure {
            code: Code::Failure,
            message: "another client attached to this shell and took it over".to_owned(),
        });
    }
    match shell.exit_code() {
        Some(code) => Ok(ExitCode::from(u8::try_from(code).unwrap_or(1))),
        None => Err(Failure {
            code: Code::Service,
            message: "the shell's connection closed before it exited".to_owned(),
        }),
    }
}

fn write_out(out: &mut impl Write, bytes: &[u8]) -> Result<(), Failure> {
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(io_failure)
}

/// A line of our own on stderr, at the left margin even in a raw terminal.
fn notice(text: &str) {
    let _ = write!(io::stderr(), "\r\nagentcore: {text}\r\n");
}

/// Reads stdin on a thread of its own (a blocking read never holds the runtime up at
/// exit), through a bounded queue; on a terminal, a lone Ctrl-] is [`Input::Detach`].
fn read_stdin(interactive: bool) -> io::Result<mpsc::Receiver<Input>> {
    let (sender, receiver) = mpsc::channel(INPUT_QUEUE);
    let reader = move || {
        let mut stdin = io::stdin().lock();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let input = match stdin.read(&mut buf) {
                Ok(0) => Input::End,
                Ok(1) if interactive && buf[0] == DETACH_KEY => Input::Detach,
                Ok(n) => Input::Bytes(Bytes::copy_from_slice(&buf[..n])),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => Input::End,
            };
            let last = matches!(input, Input::End | Input::Detach);
            if sender.blocking_send(input).is_err() || last {
                return;
            }
        }
    };
    std::thread::Builder::new()
        .name("agentcore-shell-stdin".to_owned())
        .spawn(reader)?;
    Ok(receiver)
}
