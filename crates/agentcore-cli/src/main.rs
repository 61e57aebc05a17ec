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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli).await {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("agentcore: {}", failure.message);
            failure.code.into()
        }
    }
}
