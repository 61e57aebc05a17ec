//! `agentcore`: call AgentCore Runtime agents from a shell.

mod args;
mod commands;
#[cfg(unix)]
mod dev;
mod exit;
mod mcp;
mod output;
#[cfg(unix)]
mod shell;
#[cfg(unix)]
mod terminal;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::Failure;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("agentcore: {}", failure.message);
            failure.code.into()
        }
    }
}

/// Runs the command line; the process's exit code. The one place that knows every
/// subcommand, so that the subcommands' modules only import downwards.
async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let global = &cli.global;
    match &cli.command {
        Command::Invoke(args) => commands::invoke(global, args).await,
        Command::Exec(args) => commands::exec(global, args).await,
        Command::Stop(args) => commands::stop(global, args).await,
        Command::Presign(args) => commands::presign(global, args).await,
        Command::Ws(args) => commands::ws(global, args).await,
        Command::Mcp(command) => mcp::run(global, command).await,
        #[cfg(unix)]
        Command::Shell(args) => shell::run(global, args).await,
        #[cfg(unix)]
        Command::Dev(args) => dev::run(args).await,
    }
}
