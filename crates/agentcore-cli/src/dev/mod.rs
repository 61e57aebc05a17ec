//! `agentcore dev`: the agent (`cargo run`, or the command given), the emulator in front
//! of it, restarts when it exits or on Ctrl-R, and a clean stop on Ctrl-C or SIGTERM.
//!
//! What `dev` says goes to stderr, prefixed `agentcore dev:`; the runtime ARN and the
//! `export` lines go to stdout, once the agent first answers `/ping`. The bearer token
//! appears there and nowhere else.

mod agent;
mod auth;
mod terminal;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use agentcore_client::contract::RuntimeArn;
use agentcore_emulator::{Emulator, RunningEmulator};
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, sleep_until};

use self::agent::Agent;
use self::auth::{AwsCredentials, Secret};
use self::terminal::Key;
use crate::args::Dev;
use crate::exit::{Code, Failure};
use crate::terminal::{self as tty, RawMode};

/// How long the agent's group has to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(5);
/// The pause before restarting an agent that exited, so that a crashing one does not spin.
const RESTART_PAUSE: Duration = Duration::from_secs(1);
/// How often `/ping` is tried while the agent starts.
const PING_EVERY: Duration = Duration::from_millis(100);

fn failure(message: String) -> Failure {
    Failure {
        code: Code::Failure,
        message,
    }
}

/// A status line on stderr.
fn say(message: &str) {
    let _ = writeln!(io::stderr(), "agentcore dev: {message}");
}

/// Runs `agentcore dev` until Ctrl-C or a signal.
pub(crate) async fn run(args: &Dev) -> Result<ExitCode, Failure> {
    let arn: RuntimeArn = args
        .arn
        .parse()
        .map_err(|err| Failure::usage(format!("--arn: {err}")))?;
    let port = args.agent_port;
    let command = agent::command_line(&args.command);
    let building = command.first().is_some_and(|program| program == "cargo");
    // Both ports are checked before a build that may take minutes.
    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|err| failure(format!("cannot listen on {}: {err}", args.listen)))?;
    agent::check_port_free(port)?;
    let mut credentials = tokio::spawn(auth::aws_credentials());
    let token = Secret::token().map_err(|err| failure(format!("no random token: {err}")))?;

    let mut events = Events::new()?;
    // Declared before the agent: dropped after it, on every way out.
    let _raw_mode = events.enable_keys();

    let mut agent = Some(start(&command, port, building)?);
    let mut ready = false;
    let mut listener = Some(listener);
    let mut emulator: Option<RunningEmulator> = None;
    let mut restart_at: Option<Instant> = None;
    let why = loop {
        tokio::select! {
            status = exited(&mut agent) => {
                let old = agent.take().expect("only a running agent exits");
                let pid = old.pid();
                // What it may have left in its group goes too (the port must be free).
                old.stop(GRACE).await;
                let status = status.map_or_else(|err| err.to_string(), |s| s.to_string());
                if ready {
                    say(&format!("the agent (pid {pid}) exited ({status}); restarting it"));
                    restart_at = Some(Instant::now() + RESTART_PAUSE);
                } else if emulator.is_some() && events.keys.is_some() {
                    say(&format!(
                        "the agent exited before answering /ping ({status}); \
                         press Ctrl-R to start it again, Ctrl-C to quit"
                    ));
                } else {
                    return Err(failure(format!(
                        "the agent (`{}`) exited before answering GET /ping on :{port} \
                         ({status})",
                        command.join(" ")
                    )));
                }
                ready = false;
            }
            () = until_ready(port), if agent.is_some() && !ready => {
                ready = true;
                let pid = agent.as_ref().map_or(0, Agent::pid);
                match listener.take() {
                    Some(listener) => {
                        let aws = (&mut credentials).await.ok().flatten();
                        let running = serve(&arn, port, &token, aws.as_ref(), listener)?;
                        let keys = events.keys.is_some();
                        announce(&running, &arn, &token, pid, aws.as_ref(), keys);
                        emulator = Some(running);
                    }
                    None => say(&format!("the agent is ready again (pid {pid})")),
                }
            }
            () = pause(restart_at), if restart_at.is_some() => {
                restart_at = None;
                agent = Some(start(&command, port, building)?);
            }
            event = events.next() => match event {
                Event::Stop(why) => break why,
                Event::Restart => {
                    say("restarting the agent (Ctrl-R)");
                    if let Some(old) = agent.take() {
                        old.stop(GRACE).await;
                    }
                    restart_at = None;
                    ready = false;
                    agent = Some(start(&command, port, building)?);
                }
            },
        }
    };
    say(&format!("stopping ({why})"));
    if let Some(agent) = agent.take() {
        agent.stop(GRACE).await;
    }
    drop(emulator);
    Ok(ExitCode::SUCCESS)
}

/// Starts the agent and says what is awaited.
fn start(command: &[String], port: u16, building: bool) -> Result<Agent, Failure> {
    let agent = Agent::spawn(command, port)?;
    let what = if building { " (cargo is building)" } else { "" };
    say(&format!(
        "waiting for the agent on :{port}{what}… (pid {})",
        agent.pid()
    ));
    Ok(agent)
}

/// The running agent's exit; never, when there is none.
async fn exited(agent: &mut Option<Agent>) -> io::Result<std::process::ExitStatus> {
    match agent {
        Some(agent) => agent.exited().await,
        None => std::future::pending().await,
    }
}

/// Returns once the agent's `/ping` answers 200.
async fn until_ready(port: u16) {
    while !agent::ping(port).await {
        sleep(PING_EVERY).await;
    }
}

async fn pause(until: Option<Instant>) {
    match until {
        Some(until) => sleep_until(until).await,
        None => std::future::pending().await,
    }
}

/// The emulator: one runtime in front of the agent, the token and the caller's
/// credentials accepted.
fn serve(
    arn: &RuntimeArn,
    port: u16,
    token: &Secret,
    credentials: Option<&AwsCredentials>,
    listener: TcpListener,
) -> Result<RunningEmulator, Failure> {
    let mut builder = Emulator::builder()
        .runtime(arn.as_ref(), &format!("http://127.0.0.1:{port}"))
        .map_err(|err| Failure::usage(format!("--arn: {err}")))?
        .bearer_token(token.expose());
    if let Some(aws) = credentials {
        builder = builder.credentials(
            &aws.access_key,
            aws.secret_key.expose(),
            aws.session_token.as_ref().map(Secret::expose),
        );
    }
    builder
        .build()
        .start_on(listener)
        .map_err(|err| failure(format!("the emulator cannot start: {err}")))
}

/// The runtime and the `export` lines on stdout: the only place the token is shown.
fn announce(
    emulator: &RunningEmulator,
    arn: &RuntimeArn,
    token: &Secret,
    pid: u32,
    credentials: Option<&AwsCredentials>,
    keys: bool,
) {
    let endpoint = emulator.url();
    let mut out = io::stdout().lock();
    let _ = writeln!(
        out,
        "agentcore dev: runtime {arn} on {endpoint}, agent pid {pid}\n\
         # paste in another terminal, then: agentcore invoke '{{}}' (or ws, exec 'ls', stop)\n\
         export AGENTCORE_ENDPOINT={}\n\
         export AGENTCORE_BEARER_TOKEN={}\n\
         export AGENT_ARN={}",
        shell_word(&endpoint),
        shell_word(token.expose()),
        shell_word(arn.as_ref()),
    );
    let _ = out.flush();
    drop(out);
    match credentials {
        Some(aws) => {
            let temporary = if aws.expiry.is_some() {
                "; temporary: restart `dev` when they are renewed"
            } else {
                ""
            };
            say(&format!(
                "SigV4 with your AWS credentials is accepted too (access key {}…{temporary})",
                aws.access_key.get(..4).unwrap_or_default()
            ));
        }
        None => say("no AWS credentials found: bearer token only"),
    }
    say(if keys {
        "Ctrl-R restarts the agent, Ctrl-C stops"
    } else {
        "SIGINT or SIGTERM stops; the agent restarts when it exits"
    });
}

/// `text` as one shell word (quoted unless it is plain).
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// What `dev` is asked to do.
enum Event {
    Stop(&'static str),
    Restart,
}

/// Signals, and the keys when stdin is a terminal in the foreground.
struct Events {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
    keys: Option<mpsc::UnboundedReceiver<Key>>,
}

impl Events {
    fn new() -> Result<Self, Failure> {
        let handler = |kind| signal(kind).map_err(|err| failure(format!("signals: {err}")));
        Ok(Self {
            interrupt: handler(SignalKind::interrupt())?,
            terminate: handler(SignalKind::terminate())?,
            hangup: handler(SignalKind::hangup())?,
            keys: None,
        })
    }

    /// Reads keys when stdin is a terminal this process has in the foreground; the
    /// guard restores the terminal.
    fn enable_keys(&mut self) -> Option<RawMode> {
        if !io::stdin().is_terminal() || !tty::foreground_terminal() {
            return None;
        }
        let enabled = RawMode::keys().and_then(|guard| Ok((guard, terminal::keys()?)));
        match enabled {
            Ok((guard, keys)) => {
                self.keys = Some(keys);
                Some(guard)
            }
            Err(err) => {
                say(&format!("no Ctrl-R ({err}); Ctrl-C stops"));
                None
            }
        }
    }

    async fn next(&mut self) -> Event {
        let key = async {
            match &mut self.keys {
                Some(keys) => keys.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = self.interrupt.recv() => Event::Stop("SIGINT"),
            _ = self.terminate.recv() => Event::Stop("SIGTERM"),
            _ = self.hangup.recv() => Event::Stop("SIGHUP"),
            key = key => match key {
                Some(Key::Interrupt) => Event::Stop("Ctrl-C"),
                Some(Key::Restart) => self.coalesced_restart(),
                // End of input: the terminal is gone.
                None => Event::Stop("end of input"),
            },
        }
    }

    /// One restart for the Ctrl-Rs typed meanwhile (while the last restart stopped the
    /// agent, say), unless a Ctrl-C came too.
    fn coalesced_restart(&mut self) -> Event {
        if let Some(keys) = &mut self.keys {
            while let Ok(key) = keys.try_recv() {
                if key == Key::Interrupt {
                    return Event::Stop("Ctrl-C");
                }
            }
        }
        Event::Restart
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn export_values_are_shell_words() {
        assert_eq!(
            shell_word("arn:aws:bedrock-agentcore:us-east-1:1:runtime/a"),
            "arn:aws:bedrock-agentcore:us-east-1:1:runtime/a"
        );
        assert_eq!(shell_word("http://127.0.0.1:9090"), "http://127.0.0.1:9090");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
