//! `agentcore-emulator`: the local AgentCore data plane, from the command line.

use std::process::ExitCode;
use std::time::Duration;

use agentcore_emulator::{Emulator, EmulatorBuilder};

const USAGE: &str = "\
agentcore-emulator: a local AgentCore data plane in front of local agents

USAGE:
    agentcore-emulator [OPTIONS]

OPTIONS:
    --listen ADDR                 address to listen on [default: 127.0.0.1:9090]
    --agent URL                   agent behind the runtimes that follow [default: http://127.0.0.1:8080]
    --arn ARN[=URL]               a runtime to serve (repeatable), at URL or the last --agent
                                  [default: arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/local-agent]
    --qualifier NAME              an endpoint name accepted besides DEFAULT (repeatable)
    --bearer-token TOKEN          a bearer token to accept (repeatable)
    --jwt-secret SECRET           accept HS256 JWT bearer tokens signed with SECRET
    --credentials AK:SK[:TOKEN]   SigV4 credentials to accept (repeatable)
    --allow-anonymous             let requests without credentials in
    --session-idle-timeout SECS   end sessions idle this long [default: 900]
    --work-dir PATH               where session directories are made [default: a temp folder]
    -h, --help                    this text
";

const DEFAULT_ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/local-agent";

struct Args {
    listen: String,
    builder: EmulatorBuilder,
    runtimes: Vec<(String, String)>,
    auth: usize,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut listen = "127.0.0.1:9090".to_owned();
    let mut agent = "http://127.0.0.1:8080".to_owned();
    let mut arns: Vec<(String, String)> = Vec::new();
    let mut qualifiers: Vec<String> = Vec::new();
    let mut builder = Emulator::builder();
    let mut auth = 0;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--listen" => listen = value()?,
            "--agent" => agent = value()?,
            "--arn" => {
                let given = value()?;
                match given.split_once('=') {
                    Some((arn, url)) => arns.push((arn.to_owned(), url.to_owned())),
                    None => arns.push((given, agent.clone())),
                }
            }
            "--qualifier" => qualifiers.push(value()?),
            "--bearer-token" => {
                builder = builder.bearer_token(value()?);
                auth += 1;
            }
            "--jwt-secret" => {
                builder = builder.jwt_hs256_secret(value()?.into_bytes());
                auth += 1;
            }
            "--credentials" => {
                let given = value()?;
                let mut parts = given.splitn(3, ':');
                let (Some(access), Some(secret)) = (parts.next(), parts.next()) else {
                    return Err("--credentials takes ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]".into());
                };
                builder = builder.credentials(access, secret, parts.next());
                auth += 1;
            }
            "--allow-anonymous" => {
                builder = builder.allow_anonymous(true);
                auth += 1;
            }
            "--session-idle-timeout" => {
                let secs: u64 = value()?
                    .parse()
                    .map_err(|_| "--session-idle-timeout takes seconds")?;
                builder = builder.session_idle_timeout(Duration::from_secs(secs));
            }
            "--work-dir" => builder = builder.work_root(value()?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if arns.is_empty() {
        arns.push((DEFAULT_ARN.to_owned(), agent));
    }
    let names: Vec<&str> = qualifiers.iter().map(String::as_str).collect();
    for (arn, url) in &arns {
        builder = builder
            .runtime_with_qualifiers(arn, url, &names)
            .map_err(|err| format!("--arn {arn}: {err}"))?;
    }
    Ok(Some(Args {
        listen,
        builder,
        runtimes: arns,
        auth,
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.auth == 0 {
        eprintln!(
            "warning: no --bearer-token, --jwt-secret, --credentials or --allow-anonymous: every request will be refused"
        );
    }
    let running = match args.builder.build().start(&args.listen).await {
        Ok(running) => running,
        Err(err) => {
            eprintln!("error: cannot listen on {}: {err}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    println!("AgentCore data plane emulator on {}", running.url());
    for (arn, url) in &args.runtimes {
        println!("  {arn} -> {url}");
    }
    tokio::select! {
        () = running.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
