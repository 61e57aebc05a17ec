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
}

/// `agentcore invoke`.
#[derive(Debug, Args)]
pub(crate) struct Invoke {
    /// The runtime ARN.
    pub(crate) arn: String,
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
    /// The runtime ARN.
    pub(crate) arn: String,
    /// The command, run with `sh -c` in the session.
    pub(crate) command: String,
    /// The command's timeout in seconds (1–3600; the service's default is 300).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) timeout: Option<u64>,
}

/// `agentcore stop`.
#[derive(Debug, Args)]
pub(crate) struct Stop {
    /// The runtime ARN.
    pub(crate) arn: String,
    /// An idempotency token (33–256 characters); a new one when absent.
    #[arg(long)]
    pub(crate) client_token: Option<String>,
}

/// `agentcore presign`.
#[derive(Debug, Args)]
pub(crate) struct Presign {
    /// The runtime ARN.
    pub(crate) arn: String,
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
    /// The runtime ARN.
    pub(crate) arn: String,
    /// Use a presigned URL instead of SigV4 headers (ignored with --bearer).
    #[arg(long)]
    pub(crate) presigned: bool,
    /// After stdin ends, keep printing replies until the agent is quiet this long (ms),
    /// then close.
    #[arg(long, default_value_t = 1000)]
    pub(crate) linger_ms: u64,
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
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
