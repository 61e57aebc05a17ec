//! `agentcore-emulator`: the local AgentCore data plane, from the command line.
//!
//! Secrets can come from the environment instead of argv (where `ps` shows them):
//! `AGENTCORE_EMULATOR_BEARER_TOKEN`, `AGENTCORE_EMULATOR_JWT_SECRET`,
//! `AGENTCORE_EMULATOR_CREDENTIALS`, `AGENTCORE_EMULATOR_API_KEY_PROVIDERS` (`NAME=KEY`)
//! and `AGENTCORE_EMULATOR_OAUTH2_PROVIDERS` (`NAME=TOKEN`) (comma-separated lists for the
//! repeatable ones).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use agentcore_emulator::{Emulator, EmulatorBuilder, ServerProtocol};
use clap::Parser;

const DEFAULT_ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/local-agent";

/// A local AgentCore data plane in front of local agents.
#[derive(Parser)]
#[command(name = "agentcore-emulator", version)]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:9090")]
    listen: String,
    /// The agent behind runtimes given without a URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    agent: String,
    /// A runtime to serve, `ARN` or `ARN=URL` (repeatable) [default: a local-agent ARN].
    #[arg(long = "arn", value_name = "ARN[=URL]")]
    arns: Vec<String>,
    /// An MCP runtime to serve, `ARN=URL` (repeatable): its invocations go to the MCP
    /// server at `URL/mcp` (MCP's Streamable HTTP transport).
    #[arg(long = "mcp-arn", value_name = "ARN=URL")]
    mcp_arns: Vec<String>,
    /// An A2A runtime to serve, `ARN=URL` (repeatable): its invocations go to the A2A
    /// server at `URL/` (JSON-RPC), its agent card to `URL/.well-known/agent-card.json`.
    #[arg(long = "a2a-arn", value_name = "ARN=URL")]
    a2a_arns: Vec<String>,
    /// An endpoint name accepted besides DEFAULT (repeatable).
    #[arg(long = "qualifier", value_name = "NAME")]
    qualifiers: Vec<String>,
    /// A bearer token to accept (repeatable).
    #[arg(
        long = "bearer-token",
        value_name = "TOKEN",
        env = "AGENTCORE_EMULATOR_BEARER_TOKEN",
        value_delimiter = ',',
        hide_env_values = true
    )]
    bearer_tokens: Vec<String>,
    /// Accept HS256 JWT bearer tokens signed with this secret.
    #[arg(
        long,
        value_name = "SECRET",
        env = "AGENTCORE_EMULATOR_JWT_SECRET",
        hide_env_values = true
    )]
    jwt_secret: Option<String>,
    /// SigV4 credentials to accept, `ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]` (repeatable).
    #[arg(
        long = "credentials",
        value_name = "AK:SK[:TOKEN]",
        env = "AGENTCORE_EMULATOR_CREDENTIALS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    credentials: Vec<String>,
    /// Let requests without credentials in.
    #[arg(long)]
    allow_anonymous: bool,
    /// Accept SigV4 signatures made for this host too, e.g.
    /// bedrock-agentcore.us-east-1.amazonaws.com (repeatable).
    #[arg(long = "signing-host", value_name = "HOST")]
    signing_hosts: Vec<String>,
    /// Forward this caller header to the agent, as the runtime's allowlist does
    /// (repeatable); Authorization is forwarded only when named.
    #[arg(long = "forward-header", value_name = "NAME")]
    forward_headers: Vec<String>,
    /// End sessions idle this long, in seconds.
    #[arg(long, default_value_t = 900)]
    session_idle_timeout: u64,
    /// How many connections are served at once.
    #[arg(long, default_value_t = agentcore_emulator::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Seconds a client may take to send a request head.
    #[arg(long, default_value_t = 30)]
    header_read_timeout: u64,
    /// Seconds the agent may take to answer an invocation.
    #[arg(long, default_value_t = 900)]
    agent_timeout: u64,
    /// Where session directories are made [default: a temp folder].
    #[arg(long)]
    work_dir: Option<String>,
    /// The shell of /ws/shells: a program and its arguments, split at whitespace
    /// [default: $SHELL, else /bin/sh].
    #[arg(long, value_name = "COMMAND")]
    shell_command: Option<String>,
    /// How many shells one runtime session may run at once.
    #[arg(long, default_value_t = agentcore_emulator::DEFAULT_MAX_SHELLS_PER_SESSION)]
    max_shells_per_session: usize,
    /// Bytes of a detached shell's output kept for the next client.
    #[arg(long, default_value_t = agentcore_emulator::DEFAULT_SHELL_REPLAY_BYTES)]
    shell_replay_bytes: usize,
    /// A workload identity of AgentCore Identity (repeatable): workload access tokens are
    /// minted for it; every runtime is it when it is the only one.
    #[arg(long = "workload", value_name = "NAME")]
    workloads: Vec<String>,
    /// Which workload a runtime is, `ARN=NAME` (repeatable), when there are several.
    #[arg(long = "runtime-workload", value_name = "ARN=NAME")]
    runtime_workloads: Vec<String>,
    /// An API key credential provider of the token vault, `NAME=KEY` (repeatable).
    #[arg(
        long = "api-key-provider",
        value_name = "NAME=KEY",
        env = "AGENTCORE_EMULATOR_API_KEY_PROVIDERS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    api_key_providers: Vec<String>,
    /// An OAuth2 credential provider of the token vault, `NAME=TOKEN` (repeatable): the
    /// access token of every flow.
    #[arg(
        long = "oauth2-provider",
        value_name = "NAME=TOKEN",
        env = "AGENTCORE_EMULATOR_OAUTH2_PROVIDERS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    oauth2_providers: Vec<String>,
    /// Identity calls served per second (and the burst); past it 429 ThrottlingException.
    #[arg(long, default_value_t = agentcore_emulator::DEFAULT_IDENTITY_RATE_LIMIT)]
    identity_rate_limit: u32,
}

/// `NAME=SECRET` of a `flag`; the error never quotes the secret.
fn named_secret<'a>(flag: &str, given: &'a str) -> Result<(&'a str, &'a str), String> {
    given
        .split_once('=')
        .ok_or_else(|| format!("{flag} takes NAME=SECRET (a value without `=` was given)"))
}

/// The emulator to start, what it serves, and whether anyone can get in.
struct Plan {
    builder: EmulatorBuilder,
    /// `(ARN, agent URL)` pairs (an MCP runtime's URL with its `/mcp`).
    runtimes: Vec<(String, String)>,
    anyone: bool,
}

impl Args {
    fn plan(&self) -> Result<Plan, String> {
        let mut builder = Emulator::builder()
            .allow_anonymous(self.allow_anonymous)
            .session_idle_timeout(Duration::from_secs(self.session_idle_timeout))
            .max_connections(self.max_connections)
            .header_read_timeout(Duration::from_secs(self.header_read_timeout))
            .agent_timeout(Duration::from_secs(self.agent_timeout))
            .max_shells_per_session(self.max_shells_per_session)
            .shell_replay_bytes(self.shell_replay_bytes);
        if let Some(command) = &self.shell_command {
            let mut words = command.split_whitespace();
            let program = words
                .next()
                .ok_or("--shell-command takes a program (and its arguments)")?;
            builder = builder.shell_command(program, words);
        }
        for token in &self.bearer_tokens {
            builder = builder.bearer_token(token.as_str());
        }
        if let Some(secret) = &self.jwt_secret {
            builder = builder.jwt_hs256_secret(secret.as_bytes());
        }
        for given in &self.credentials {
            let mut parts = given.splitn(3, ':');
            let (Some(access), Some(secret)) = (parts.next(), parts.next()) else {
                return Err("--credentials takes ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]".into());
            };
            builder = builder.credentials(access, secret, parts.next());
        }
        for host in &self.signing_hosts {
            builder = builder.signing_host(host.as_str());
        }
        for name in &self.forward_headers {
            builder = builder.forward_header(name);
        }
        if let Some(dir) = &self.work_dir {
            builder = builder.work_root(dir);
        }
        builder = builder.identity_rate_limit(self.identity_rate_limit);
        for name in &self.workloads {
            builder = builder.workload(name.as_str());
        }
        for given in &self.runtime_workloads {
            let Some((arn, name)) = given.split_once('=') else {
                return Err(format!("--runtime-workload takes ARN=NAME, got {given:?}"));
            };
            builder = builder.runtime_workload(arn, name);
        }
        for given in &self.api_key_providers {
            let (name, key) = named_secret("--api-key-provider", given)?;
            builder = builder.api_key_provider(name, key);
        }
        for given in &self.oauth2_providers {
            let (name, token) = named_secret("--oauth2-provider", given)?;
            builder = builder.oauth2_provider(name, token);
        }
        let mut runtimes: Vec<(String, String)> = self
            .arns
            .iter()
            .map(|given| match given.split_once('=') {
                Some((arn, url)) => (arn.to_owned(), url.to_owned()),
                None => (given.clone(), self.agent.clone()),
            })
            .collect();
        if runtimes.is_empty() && self.mcp_arns.is_empty() && self.a2a_arns.is_empty() {
            runtimes.push((DEFAULT_ARN.to_owned(), self.agent.clone()));
        }
        let names: Vec<&str> = self.qualifiers.iter().map(String::as_str).collect();
        for (arn, url) in &runtimes {
            builder = builder
                .runtime_with_qualifiers(arn, url, &names)
                .map_err(|err| format!("--arn {arn}: {err}"))?;
        }
        for given in &self.mcp_arns {
            let Some((arn, url)) = given.split_once('=') else {
                return Err(format!("--mcp-arn takes ARN=URL, got {given:?}"));
            };
            builder = builder
                .mcp_runtime_with_qualifiers(arn, url, &names)
                .map_err(|err| format!("--mcp-arn {arn}: {err}"))?;
            let target = format!(
                "{}{} (MCP)",
                url.trim_end_matches('/'),
                ServerProtocol::Mcp.invocation_path()
            );
            runtimes.push((arn.to_owned(), target));
        }
        for given in &self.a2a_arns {
            let Some((arn, url)) = given.split_once('=') else {
                return Err(format!("--a2a-arn takes ARN=URL, got {given:?}"));
            };
            builder = builder
                .a2a_runtime_with_qualifiers(arn, url, &names)
                .map_err(|err| format!("--a2a-arn {arn}: {err}"))?;
            let target = format!(
                "{}{} (A2A)",
                url.trim_end_matches('/'),
                ServerProtocol::A2a.invocation_path()
            );
            runtimes.push((arn.to_owned(), target));
        }
        let anyone = self.allow_anonymous
            || !self.bearer_tokens.is_empty()
            || self.jwt_secret.is_some()
            || !self.credentials.is_empty();
        Ok(Plan {
            builder,
            runtimes,
            anyone,
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .with_target(false)
        .compact()
        .init();
    let Plan {
        builder,
        runtimes,
        anyone,
    } = match args.plan() {
        Ok(built) => built,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    if !anyone {
        tracing::warn!(
            "no --bearer-token, --jwt-secret, --credentials or --allow-anonymous: every request will be refused"
        );
    }
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("error: cannot listen on {}: {err}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let running = match builder.build().start_on(listener) {
        Ok(running) => running,
        // A setting the emulator refuses (an Identity name, a runtime workload).
        Err(err) if err.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
        Err(err) => {
            eprintln!("error: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("AgentCore data plane emulator on {}", running.url());
    for (arn, url) in &runtimes {
        println!("  {arn} -> {url}");
    }
    if !args.workloads.is_empty() {
        let names = |given: &[String]| -> Vec<String> {
            let names = given
                .iter()
                .filter_map(|g| g.split_once('=').map(|(n, _)| n));
            names.map(str::to_owned).collect()
        };
        println!(
            "  Identity: workloads {:?}, API key providers {:?}, OAuth2 providers {:?}",
            args.workloads,
            names(&args.api_key_providers),
            names(&args.oauth2_providers)
        );
    }
    // Ctrl-C: shell connections are closed with 1001 and their shells killed.
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown().await;
    ExitCode::SUCCESS
}
