//! The data-plane subcommands (`invoke`, `exec`, `stop`, `presign`, `ws`) and the set-up
//! the others share (the client, the session, payloads).

use std::process::ExitCode;
use std::time::Duration;

use agentcore_client::contract::{RuntimeArn, SessionId};
use agentcore_client::{
    CommandEvent, CommandStatus, Message, Payload, Presign, RuntimeClient, RuntimeSession,
};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::args::{
    Exec, Global, Invoke, PayloadSource, Presign as PresignArgs, Stop, Ws, required_arn,
};
use crate::exit::{Code, Failure};
use crate::output;

pub(crate) fn io_failure(err: std::io::Error) -> Failure {
    Failure {
        code: Code::Failure,
        message: format!("output: {err}"),
    }
}

/// The client: the endpoint override and the credentials the auth choice needs.
pub(crate) async fn client(global: &Global) -> Result<RuntimeClient, Failure> {
    let mut builder = if global.bearer.is_some() {
        RuntimeClient::builder()
    } else {
        RuntimeClient::builder_from_env().await
    };
    if let Some(region) = &global.region {
        builder = builder.region(region.clone());
    }
    if let Some(endpoint) = &global.endpoint {
        builder = builder.endpoint(endpoint.clone());
    }
    // Every call then uses the bearer token; without one, SigV4.
    if let Some(token) = &global.bearer {
        builder = builder.bearer_token(token.clone());
    }
    Ok(builder.build()?)
}

pub(crate) fn session(global: &Global, arn: Option<&str>) -> Result<RuntimeSession, Failure> {
    let arn: RuntimeArn = required_arn(arn)
        .map_err(Failure::usage)?
        .parse()
        .map_err(|err| Failure::usage(format!("{err}")))?;
    let mut session = RuntimeSession::new(arn);
    if let Some(id) = &global.session_id {
        let id: SessionId = id.parse().map_err(|err| Failure::usage(format!("{err}")))?;
        session = session.with_session_id(id);
    }
    if let Some(qualifier) = &global.qualifier {
        session = session.with_qualifier(qualifier.clone());
    }
    Ok(session)
}

/// The bytes of an argument, a file or stdin.
async fn read_source(source: PayloadSource) -> Result<Vec<u8>, Failure> {
    Ok(match source {
        PayloadSource::Text(text) => text.into_bytes(),
        PayloadSource::File(path) => tokio::fs::read(&path)
            .await
            .map_err(|err| Failure::usage(format!("cannot read {}: {err}", path.display())))?,
        PayloadSource::Stdin => {
            let mut buffer = Vec::new();
            tokio::io::stdin()
                .read_to_end(&mut buffer)
                .await
                .map_err(|err| Failure::usage(format!("cannot read stdin: {err}")))?;
            buffer
        }
    })
}

/// A payload: JSON, sent as it was given.
async fn read_payload(source: PayloadSource) -> Result<Payload, Failure> {
    let bytes = read_source(source).await?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .map_err(|err| Failure::usage(format!("the payload is not JSON: {err}")))?;
    Ok(Payload::bytes(bytes, "application/json"))
}

/// JSON from an argument, a file or stdin.
pub(crate) async fn read_json(source: PayloadSource) -> Result<serde_json::Value, Failure> {
    let bytes = read_source(source).await?;
    serde_json::from_slice(&bytes).map_err(|err| Failure::usage(format!("not JSON: {err}")))
}

pub(crate) async fn invoke(global: &Global, args: &Invoke) -> Result<ExitCode, Failure> {
    let (arn, payload) = args.arn_and_payload().map_err(Failure::usage)?;
    let session = session(global, Some(&arn))?;
    let payload = read_payload(PayloadSource::from_arg(payload.as_deref())).await?;
    let client = client(global).await?;
    if args.stream {
        let mut request = client.invoke_stream(&session).payload(payload);
        if let Some(user) = &args.user_id {
            request = request.user_id(user.clone());
        }
        let mut events = request.send().await?;
        while let Some(event) = events.next().await {
            output::line(&event?.data).map_err(io_failure)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut request = client.invoke(&session).payload(payload);
    if let Some(user) = &args.user_id {
        request = request.user_id(user.clone());
    }
    let response = request.send().await?;
    if response.head().content_type() == Some("text/event-stream") {
        for event in response.events()? {
            output::line(&event.data).map_err(io_failure)?;
        }
    } else {
        output::body(response.bytes()).map_err(io_failure)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn exec(global: &Global, args: &Exec) -> Result<ExitCode, Failure> {
    let (arn, command) = args.arn_and_command().map_err(Failure::usage)?;
    let session = session(global, Some(&arn))?;
    let client = client(global).await?;
    let mut request = client.execute_command(&session, command);
    if let Some(secs) = args.timeout {
        request = request.command_timeout(Duration::from_secs(secs));
    }
    let mut events = request.stream().await?;
    let (mut stdout, mut stderr) = (tokio::io::stdout(), tokio::io::stderr());
    while let Some(event) = events.next().await {
        match event? {
            CommandEvent::Delta {
                stdout: out,
                stderr: err,
            } => {
                if let Some(text) = out {
                    stdout
                        .write_all(text.as_bytes())
                        .await
                        .map_err(io_failure)?;
                    stdout.flush().await.map_err(io_failure)?;
                }
                if let Some(text) = err {
                    stderr
                        .write_all(text.as_bytes())
                        .await
                        .map_err(io_failure)?;
                    stderr.flush().await.map_err(io_failure)?;
                }
            }
            CommandEvent::Stop { exit_code, status } => {
                if status == CommandStatus::TimedOut {
                    return Err(Failure {
                        code: Code::Transport,
                        message: "the command timed out".to_owned(),
                    });
                }
                return Ok(ExitCode::from(u8::try_from(exit_code).unwrap_or(1)));
            }
            CommandEvent::Start | CommandEvent::Unknown(_) => {}
        }
    }
    Err(Failure {
        code: Code::Service,
        message: "the command stream ended without an exit code".to_owned(),
    })
}

pub(crate) async fn stop(global: &Global, args: &Stop) -> Result<ExitCode, Failure> {
    let session = session(global, args.arn.as_deref())?;
    let client = client(global).await?;
    let mut request = client.stop_runtime_session(&session);
    if let Some(token) = &args.client_token {
        request = request.client_token(token.clone());
    }
    request.send().await?;
    output::line(&format!("stopped session {}", session.session_id())).map_err(io_failure)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn presign(global: &Global, args: &PresignArgs) -> Result<ExitCode, Failure> {
    let session = session(global, args.arn.as_deref())?;
    let client = client(global).await?;
    let mut request = client
        .presigned_url(&session)
        .expires(Duration::from_secs(args.expires));
    for (name, value) in &args.params {
        request = request.param(name.clone(), value.clone());
    }
    let url = request.send().await?;
    output::line(url.as_str()).map_err(io_failure)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn ws(global: &Global, args: &Ws) -> Result<ExitCode, Failure> {
    let session = session(global, args.arn.as_deref())?;
    let client = client(global).await?;
    let mut request = client.connect(&session);
    if global.bearer.is_none() && args.presigned {
        request = request.presigned(Presign::default());
    }
    let (mut sink, mut stream) = request.send().await?.split();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let linger = Duration::from_millis(args.linger_ms);
    // After stdin ends, replies still in flight are printed until the agent has been quiet
    // for `linger`; then the socket is closed.
    let mut quiet_since: Option<tokio::time::Instant> = None;
    loop {
        let closing = async {
            match quiet_since {
                Some(since) => tokio::time::sleep_until(since + linger).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            line = lines.next_line(), if quiet_since.is_none() => match line.map_err(io_failure)? {
                Some(line) => sink.send(Message::text(line)).await?,
                None => quiet_since = Some(tokio::time::Instant::now()),
            },
            () = closing => {
                sink.close().await?;
                // Drain to the agent's close.
                while let Some(message) = stream.next().await {
                    if matches!(message, Ok(Message::Close(_)) | Err(_)) {
                        break;
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            message = stream.next() => {
                if quiet_since.is_some() {
                    quiet_since = Some(tokio::time::Instant::now());
                }
                match message {
                    Some(Ok(Message::Text(text))) => output::line(text.as_str()).map_err(io_failure)?,
                    Some(Ok(Message::Binary(bytes))) => {
                        output::line(&String::from_utf8_lossy(&bytes)).map_err(io_failure)?;
                    }
                    Some(Ok(Message::Close(frame))) => {
                        let code = frame.map_or(1005, |f| f.code);
                        return if code == 1000 || code == 1005 {
                            Ok(ExitCode::SUCCESS)
                        } else {
                            Err(Failure {
                                code: Code::Service,
                                message: format!("the agent closed the WebSocket with {code}"),
                            })
                        };
                    }
                    Some(Ok(_)) => {}
                    Some(Err(err)) => return Err(err.into()),
                    None => return Ok(ExitCode::SUCCESS),
                }
            }
        }
    }
}
