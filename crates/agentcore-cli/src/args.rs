//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Call Amazon Bedrock AgentCore Runtime agents: invoke, run commands, stop sessions,
/// presign WebSocket URLs, talk over WebSockets.
///
/// Auth: `--bearer TOKEN` (or AGENTCORE_BEARER_TOKEN) for runtimes with a JWT
/// authorizer, else SigV4 with the standard AWS credential chain.
#[derive(Debug, Parser)]
#[command(name = "agentcore", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// A bearer token (OAuth / JWT authorizer); without one, SigV4 is used.
    #[arg(
        long,
        global = true,
        env = "AGENTCORE_BEARER_TOKEN",
        hide_env_values = true
    )]
    pub(crate) bearer: Option<String>,
    /// The data-plane endpoint (e.g. the emulator's `http://127.0.0.1:9090`).
    #[arg(long, global = true, env = "AGENTCORE_ENDPOINT")]
    pub(crate) endpoint: Option<String>,
    /// The region of the client (requests are signed for the ARN's region).
    #[arg(long, global = true)]
    pub(crate) region: Option<String>,
    /// The runtime session id (33–256 characters); a new one when absent.
    #[arg(long, global = true)]
    pub(crate) session_id: Option<String>,
    /// The runtime endpoint (qualifier); `DEFAULT` for HTTP calls when absent.
    #[arg(long, global = true)]
    pub(crate) qualifier: Option<String>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Invoke an agent with a JSON payload (from the argument, @file, or stdin).
    Invoke(Invoke),
    /// Run a shell command in the agent's session and stream its output; the process
    /// exits with the command's exit code.
    Exec(Exec),
    /// Stop a runtime session.
    Stop(Stop),
    /// Print a presigned WebSocket URL.
    Presign(Presign),
    /// Talk to the agent over a WebSocket: stdin lines go out as text frames, messages
    /// come back on stdout.
    Ws(Ws),
    /// Call an MCP server hosted on the runtime: list its tools, call one.
    #[command(subcommand)]
    Mcp(Mcp),
    /// Open an interactive shell in the agent's session: the terminal goes raw (Ctrl-C
    /// reaches the remote shell, Ctrl-] detaches and leaves it running), window-size
    /// changes are sent, a dropped connection is reattached with the output meanwhile
    /// replayed, and `agentcore` exits with the remote shell's exit code.
    #[cfg(unix)]
    Shell(Shell),
    /// Run an agent locally behind the emulator: `cargo run` (or the command after `--`),
    /// restarted when it exits or on Ctrl-R; prints the `export` lines that let
    /// `invoke`, `exec` and `ws` in another terminal reach it with no flags.
    ///
    /// The emulator accepts a bearer token made for this run (shown only in its export
    /// line) and, when the standard AWS chain has credentials, SigV4 with them. Ctrl-C,
    /// SIGINT or SIGTERM stop the agent's process group, then the emulator. The global
    /// options (`--bearer`, `--endpoint`, ...) are for the other subcommands.
    #[cfg(unix)]
    Dev(Dev),
}

/// `agentcore invoke`.
#[derive(Debug, Args)]
pub(crate) struct Invoke {
    /// The runtime ARN (may be left out when AGENT_ARN is set).
    #[arg(env = ARN_ENV)]
    pub(crate) arn: Option<String>,
    /// The payload: JSON text, `@path` for a file, or `-`/nothing for stdin.
    pub(crate) payload: Option<String>,
    /// Print SSE events as they arrive (one line of data each).
    #[arg(long)]
    pub(crate) stream: bool,
    /// The end user on whose behalf the agent is invoked.
    #[arg(long)]
    pub(crate) user_id: Option<String>,
}

/// `agentcore exec`.
#[derive(Debug, Args)]
pub(crate) struct Exec {
    /// The runtime ARN (may be left out when AGENT_ARN is set).
    #[arg(env = ARN_ENV)]
    pub(crate) arn: Option<String>,
    /// The command, run with `sh -c` in the session.
    pub(crate) command: Option<String>,
    /// The command's timeout in seconds (1–3600; the service's default is 300).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) timeout: Option<u64>,
}

/// `agentcore stop`.
#[derive(Debug, Args)]
pub(crate) struct Stop {
    /// The runtime ARN (or AGENT_ARN).
    #[arg(env = ARN_ENV)]
    pub(crate) arn: Option<String>,
    /// An idempotency token (33–256 characters); a new one when absent.
    #[arg(long)]
    pub(crate) client_token: Option<String>,
}

/// `agentcore presign`.
#[derive(Debug, Args)]
pub(crate) struct Presign {
    /// The runtime ARN (or AGENT_ARN).
    #[arg(env = ARN_ENV)]
    pub(crate) arn: Option<String>,
    /// Seconds the URL stays valid (1–300).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub(crate) expires: u64,
    /// An extra query parameter `name=value` (repeatable, kept in order).
    #[arg(long = "param", value_parser = parse_param)]
    pub(crate) params: Vec<(String, String)>,
}

/// `agentcore ws`.
#[derive(Debug, Args)]
pub(crate) struct Ws {
    /// The runtime ARN (or AGENT_ARN).
    #[arg(env = ARN_ENV)]
    pub(crate) arn: Option<String>,
    /// Use a presigned URL instead of SigV4 headers (ignored with --bearer).
    #[arg(long)]
    pub(crate) presigned: bool,
    /// After stdin ends, keep printing replies until the agent is quiet this long (ms),
    /// then close.
    #[arg(long, default_value_t = 1000)]
    pub(crate) linger_ms: u64,
}

/// `agentcore mcp`.
#[derive(Debug, Subcommand)]
pub(crate) enum Mcp {
    /// List the server's tools: names, descriptions and input schemas (readable text on
    /// a terminal; JSON, as MCP gives them, with --json or when piped).
    Tools(McpTools),
    /// Call a tool with JSON arguments and print its result: each text block as it is,
    /// other blocks as JSON lines (the whole result as JSON with --json). A tool error
    /// (`isError`) exits with 7.
    Call(McpCall),
}

/// `agentcore mcp tools`.
#[derive(Debug, Args)]
pub(crate) struct McpTools {
    /// The MCP runtime's ARN (or AGENT_ARN).
    #[arg(env = ARN_ENV)]
    pub(crate) arn: Option<String>,
    /// Print the tools as JSON, even on a terminal.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `agentcore mcp call`.
#[derive(Debug, Args)]
pub(crate) struct McpCall {
    /// The MCP runtime's ARN (may be left out when AGENT_ARN is set), then the tool's
    /// name, then its arguments: a JSON object, `@path` for a file, `-` for stdin
    /// (`{}` when absent).
    #[arg(value_name = "ARN] TOOL [JSON-ARGS", num_args = 1..=3, required = true)]
    pub(crate) positional: Vec<String>,
    /// Print the whole result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `agentcore shell`.
#[cfg(unix)]
#[derive(Debug, Args)]
pub(crate) struct Shell {
    /// The runtime ARN (or AGENT_ARN).
    #[arg(env = ARN_ENV)]
    pub(crate) arn: Option<String>,
    /// The shell to open or reattach to (1–128 of A-Z a-z 0-9 _ -); a new one when
    /// absent.
    #[arg(long)]
    pub(crate) shell_id: Option<String>,
    /// Use a presigned URL instead of SigV4 headers (ignored with --bearer).
    #[arg(long)]
    pub(crate) presigned: bool,
}

/// `agentcore dev`.
#[cfg(unix)]
#[derive(Debug, Args)]
pub(crate) struct Dev {
    /// Where the emulator listens.
    #[arg(long, default_value = "127.0.0.1:9090")]
    pub(crate) listen: String,
    /// The port the agent listens on, given to it as PORT.
    #[arg(long, default_value_t = 8080, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) agent_port: u16,
    /// The runtime ARN the emulator serves (exported as AGENT_ARN).
    #[arg(long, default_value = DEV_ARN)]
    pub(crate) arn: String,
    /// The agent's command and its arguments, after `--` (default: `cargo run`).
    #[arg(last = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
}

/// The runtime `agentcore dev` serves unless `--arn` names another.
#[cfg(unix)]
pub(crate) const DEV_ARN: &str =
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/local-agent";

/// The environment variable a runtime ARN is taken from when the command line has none.
pub(crate) const ARN_ENV: &str = "AGENT_ARN";

/// What to say when there is no ARN at all.
const NO_ARN: &str = "no runtime ARN: give it as the first argument, or set AGENT_ARN \
                      (`agentcore dev` prints the export line)";

/// The runtime ARN and the positional argument after it.
///
/// With the ARN in AGENT_ARN (clap's `env` fills `first` only when the command line has
/// no positional at all), a lone positional that is not an ARN is the next argument
/// (`agentcore invoke '{}'`): runtime ARNs start with `arn:`, payloads and commands do
/// not. `env` is AGENT_ARN's value.
fn arn_and_next(
    first: Option<&str>,
    next: Option<&str>,
    env: Option<&str>,
) -> Result<(String, Option<String>), String> {
    match (first, next) {
        (Some(arn), next) if arn.starts_with("arn:") => {
            Ok((arn.to_owned(), next.map(str::to_owned)))
        }
        (Some(lone), None) => match env.filter(|arn| !arn.is_empty()) {
            Some(arn) => Ok((arn.to_owned(), Some(lone.to_owned()))),
            None => Err(NO_ARN.to_owned()),
        },
        // Two positionals: the first is the ARN, valid or not (its parse says why).
        (Some(arn), next) => Ok((arn.to_owned(), next.map(str::to_owned))),
        (None, _) => Err(NO_ARN.to_owned()),
    }
}

fn env_arn() -> Option<String> {
    std::env::var(ARN_ENV).ok()
}

/// The runtime ARN of a subcommand whose only positional is the ARN.
pub(crate) fn required_arn(arn: Option<&str>) -> Result<&str, String> {
    arn.ok_or_else(|| NO_ARN.to_owned())
}

impl Invoke {
    /// The runtime ARN and the payload argument.
    pub(crate) fn arn_and_payload(&self) -> Result<(String, Option<String>), String> {
        arn_and_next(
            self.arn.as_deref(),
            self.payload.as_deref(),
            env_arn().as_deref(),
        )
    }
}

impl Exec {
    /// The runtime ARN and the command.
    pub(crate) fn arn_and_command(&self) -> Result<(String, String), String> {
        let (arn, command) = arn_and_next(
            self.arn.as_deref(),
            self.command.as_deref(),
            env_arn().as_deref(),
        )?;
        let command = command.ok_or("missing the command to run (after the runtime ARN)")?;
        Ok((arn, command))
    }
}

impl McpCall {
    /// The runtime ARN, the tool and its arguments' source (`{}` when absent).
    pub(crate) fn arn_tool_and_args(&self) -> Result<(String, String, PayloadSource), String> {
        let given: Vec<&str> = self.positional.iter().map(String::as_str).collect();
        arn_tool_and_args(&given, env_arn().as_deref())
    }
}

/// `[ARN] TOOL [JSON-ARGS]`: the ARN is the first argument when it starts with `arn:`,
/// else `env` (AGENT_ARN's value).
fn arn_tool_and_args(
    given: &[&str],
    env: Option<&str>,
) -> Result<(String, String, PayloadSource), String> {
    let too_many = || "too many arguments: [ARN] TOOL [JSON-ARGS]".to_owned();
    let (arn, rest) = match given {
        [first, rest @ ..] if first.starts_with("arn:") => ((*first).to_owned(), rest),
        rest => match env.filter(|arn| !arn.is_empty()) {
            Some(arn) => (arn.to_owned(), rest),
            None => return Err(NO_ARN.to_owned()),
        },
    };
    match rest {
        [] => Err("missing the tool's name (after the runtime ARN)".to_owned()),
        [tool] => Ok((
            arn,
            (*tool).to_owned(),
            PayloadSource::Text("{}".to_owned()),
        )),
        [tool, args] => Ok((arn, (*tool).to_owned(), PayloadSource::from_arg(Some(args)))),
        _ => Err(too_many()),
    }
}

fn parse_param(value: &str) -> Result<(String, String), String> {
    value
        .split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected name=value, got {value:?}"))
}

/// Where a payload comes from.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PayloadSource {
    Text(String),
    File(PathBuf),
    Stdin,
}

impl PayloadSource {
    pub(crate) fn from_arg(arg: Option<&str>) -> Self {
        match arg {
            None | Some("-") => Self::Stdin,
            Some(path) if path.starts_with('@') => Self::File(PathBuf::from(&path[1..])),
            Some(text) => Self::Text(text.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_sources() {
        assert_eq!(PayloadSource::from_arg(None), PayloadSource::Stdin);
        assert_eq!(PayloadSource::from_arg(Some("-")), PayloadSource::Stdin);
        assert_eq!(
            PayloadSource::from_arg(Some("@p.json")),
            PayloadSource::File("p.json".into())
        );
        assert_eq!(
            PayloadSource::from_arg(Some("{}")),
            PayloadSource::Text("{}".into())
        );
    }

    #[test]
    fn the_arn_may_come_from_the_environment() {
        const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a";
        const OTHER: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/b";
        let pair = |arn: &str, next: Option<&str>| Ok((arn.to_owned(), next.map(str::to_owned)));
        // On the command line, with or without the environment.
        assert_eq!(
            arn_and_next(Some(ARN), Some("{}"), None),
            pair(ARN, Some("{}"))
        );
        assert_eq!(arn_and_next(Some(ARN), None, Some(OTHER)), pair(ARN, None));
        // From the environment (clap put it in `first`), with a lone payload or command.
        assert_eq!(
            arn_and_next(Some("{}"), None, Some(ARN)),
            pair(ARN, Some("{}"))
        );
        assert_eq!(
            arn_and_next(Some("@p.json"), None, Some(ARN)),
            pair(ARN, Some("@p.json"))
        );
        assert_eq!(
            arn_and_next(Some("ls -la"), None, Some(ARN)),
            pair(ARN, Some("ls -la"))
        );
        // Neither: one clear message naming AGENT_ARN.
        for (first, env) in [(None, None), (Some("{}"), None), (Some("{}"), Some(""))] {
            let err = arn_and_next(first, None, env).unwrap_err();
            assert!(err.contains("AGENT_ARN"), "{err}");
        }
        // Two positionals: the first is the ARN, and its parse will say what is wrong.
        assert_eq!(
            arn_and_next(Some("nope"), Some("{}"), Some(ARN)),
            pair("nope", Some("{}"))
        );
        assert!(required_arn(None).unwrap_err().contains("AGENT_ARN"));
    }

    #[test]
    fn mcp_call_takes_an_optional_arn_a_tool_and_optional_arguments() {
        const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/tools";
        let text = |t: &str| PayloadSource::Text(t.to_owned());
        assert_eq!(
            arn_tool_and_args(&[ARN, "add", r#"{"a":1}"#], None),
            Ok((ARN.to_owned(), "add".to_owned(), text(r#"{"a":1}"#)))
        );
        assert_eq!(
            arn_tool_and_args(&[ARN, "whoami"], None),
            Ok((ARN.to_owned(), "whoami".to_owned(), text("{}")))
        );
        assert_eq!(
            arn_tool_and_args(&["add", "-"], Some(ARN)),
            Ok((ARN.to_owned(), "add".to_owned(), PayloadSource::Stdin))
        );
        assert_eq!(
            arn_tool_and_args(&["add", "@a.json"], Some(ARN)),
            Ok((
                ARN.to_owned(),
                "add".to_owned(),
                PayloadSource::File("a.json".into())
            ))
        );
        assert!(
            arn_tool_and_args(&["add"], None)
                .unwrap_err()
                .contains("AGENT_ARN")
        );
        assert!(
            arn_tool_and_args(&[ARN], None)
                .unwrap_err()
                .contains("tool")
        );
        assert!(
            arn_tool_and_args(&["a", "b", "c"], Some(ARN))
                .unwrap_err()
                .contains("too many")
        );
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
