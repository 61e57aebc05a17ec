//! Run a shell command in the agent's session, streaming its output, then stop the
//! session.
//!
//! ```text
//! cargo run -p agentcore-client --example command -- RUNTIME_ARN 'uname -a'
//! ```

use std::time::Duration;

use agentcore_client::{CommandEvent, RuntimeClient, RuntimeSession};
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(arn), Some(command)) = (args.next(), args.next()) else {
        return Err("usage: command RUNTIME_ARN COMMAND".into());
    };
    let client = RuntimeClient::from_env().await?;
    let session = RuntimeSession::new(arn.parse()?);
    let mut events = client
        .execute_command(&session, command)
        .command_timeout(Duration::from_secs(60))
        .stream()
        .await?;
    while let Some(event) = events.next().await {
        match event? {
            CommandEvent::Delta { stdout, stderr } => {
                print!("{}", stdout.unwrap_or_default());
                eprint!("{}", stderr.unwrap_or_default());
            }
            CommandEvent::Stop { exit_code, status } => {
                println!("exit {exit_code} ({})", status.as_str())
            }
            _ => {}
        }
    }
    client.stop_runtime_session(&session).send().await?;
    Ok(())
}
