//! One client connection of a shell: frames from the WebSocket to the PTY, output and
//! statuses back, and the close codes of the service.

use std::sync::Arc;

use agentcore_contract::shell::{CLOSE_KICKED, Channel, Frame, Resize, ShellStatus};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

use super::process::{Client, End, Input, OUTPUT_QUEUE, Output, ShellHandle};
use super::registry::{ShellKey, Shells};
use super::{CLOSE_TIMEOUT, MAX_TEXT_MESSAGES};

/// What the connection serves.
pub(crate) struct Attachment {
    pub(crate) key: ShellKey,
    pub(crate) serial: u64,
    pub(crate) handle: Arc<ShellHandle>,
    pub(crate) reconnected: bool,
}

/// How the connection ends.
enum Closing {
    /// Close with this code.
    Code(CloseCode, &'static str),
    /// The client went away (or closed without a CLOSE frame): the shell stays.
    Gone,
}

impl From<End> for Closing {
    fn from(end: End) -> Self {
        match end {
            End::Kicked => Closing::Code(
                CloseCode::from(CLOSE_KICKED),
                "another client attached to the shell",
            ),
            End::Shutdown => Closing::Code(CloseCode::Away, "the emulator is shutting down"),
        }
    }
}

/// Serves one attached client until it leaves, the shell ends, or another client takes it.
pub(crate) async fn serve<S>(mut ws: WebSocketStream<S>, shells: &Shells, attachment: Attachment)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _connection = shells.connection();
    let _client = attachment.handle.client_guard();
    let (output, mut outputs) = mpsc::channel(OUTPUT_QUEUE);
    let (end, mut ended) = oneshot::channel();
    let Some(attached) = attachment.handle.attach(Client { output, end }).await else {
        let failed = ShellStatus::Failed {
            reason: "InternalError".to_owned(),
            message: "the shell ended while attaching".to_owned(),
            code: Some(500),
        };
        let _ = ws.send(status(&failed)).await;
        close(ws, CloseCode::Error, "the shell ended").await;
        return;
    };
    let connected = ShellStatus::Connected {
        shell_id: attachment.key.shell.to_string(),
        reconnected: attachment.reconnected,
        bytes_dropped: attached.bytes_dropped,
    };
    if send_all(&mut ws, std::iter::once(status(&connected)))
        .await
        .is_err()
        || send_output(&mut ws, attached.replay).await.is_err()
    {
        return;
    }
    let input = attachment.handle.input();
    let mut queued: Option<Input> = None;
    let mut texts = 0;
    let mut ending = true;
    let closing = loop {
        // Not biased: a flood of output must not starve the client's input (its Ctrl-C).
        tokio::select! {
            why = &mut ended, if ending => match why {
                Ok(end) => break Closing::from(end),
                // The shell's task is over: what it sent is in the output queue.
                Err(_) => ending = false,
            },
            out = outputs.recv() => match out {
                Some(Output::Data(bytes)) => {
                    if send_output(&mut ws, bytes).await.is_err() {
                        break Closing::Gone;
                    }
                }
                Some(Output::Exited(exit)) => {
                    if ws.send(status(&exit)).await.is_err() {
                        break Closing::Gone;
                    }
                    break Closing::Code(CloseCode::Normal, "the shell exited");
                }
                // The shell's task let go of this client: kicked or shut down, if it said so.
                None => match ended.try_recv() {
                    Ok(end) => break Closing::from(end),
                    Err(_) => break Closing::Code(CloseCode::Error, "the shell ended"),
                },
            },
            permit = input.reserve(), if queued.is_some() => match permit {
                Ok(permit) => {
                    if let Some(item) = queued.take() {
                        permit.send(item);
                    }
                }
                Err(_) => queued = None,
            },
            message = ws.next(), if queued.is_none() => match message {
                Some(Ok(Message::Binary(bytes))) => {
                    texts = 0;
                    match read_frame(bytes) {
                        Received::Input(item) => queued = Some(item),
                        Received::Heartbeat => {
                            if ws.send(binary(&Frame::heartbeat())).await.is_err() {
                                break Closing::Gone;
                            }
                        }
                        Received::Close => {
                            // The client ends the shell: nobody attaches to it again.
                            shells.forget(&attachment.key, attachment.serial);
                            outputs.close();
                            attachment.handle.terminate().await;
                            let _ = ws.send(binary(&Frame::close())).await;
                            break Closing::Code(CloseCode::Normal, "the shell was closed");
                        }
                        Received::Nothing => {}
                    }
                }
                Some(Ok(Message::Text(_))) => {
                    texts += 1;
                    if texts >= MAX_TEXT_MESSAGES {
                        let reason = "shell frames are binary messages";
                        break Closing::Code(CloseCode::Unsupported, reason);
                    }
                }
                Some(Ok(Message::Close(_))) => {
                    // tungstenite queued the reply; send it.
                    let _ = ws.flush().await;
                    break Closing::Gone;
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Err(tungstenite::Error::Capacity(_))) => {
                    break Closing::Code(CloseCode::Size, "a shell frame is at most 65536 bytes");
                }
                Some(Err(_)) | None => break Closing::Gone,
            },
        }
    };
    match closing {
        Closing::Code(CloseCode::Size, reason) => {
            // The rest of the oversized message is still on the wire: no more frames are
            // read, only the close is sent, and the connection drained until the client
            // closes it.
            let frame = CloseFrame {
                code: CloseCode::Size,
                reason: reason.into(),
            };
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, ws.close(Some(frame))).await;
            drain_raw(ws).await;
        }
        Closing::Code(code, reason) => close(ws, code, reason).await,
        Closing::Gone => {}
    }
}

/// What a client frame asks for.
enum Received {
    Input(Input),
    Heartbeat,
    Close,
    Nothing,
}

fn read_frame(message: Bytes) -> Received {
    // An empty message, or (past tungstenite's limit, never) an oversized one: nothing.
    let Ok(frame) = Frame::decode_bytes(message) else {
        return Received::Nothing;
    };
    match frame.channel() {
        Channel::Stdin if !frame.payload().is_empty() => {
            Received::Input(Input::Data(frame.into_payload()))
        }
        Channel::Resize => match Resize::from_json(frame.payload()) {
            Ok(size) => Received::Input(Input::Resize(size)),
            Err(err) => {
                tracing::debug!(error = %err, "shell RESIZE ignored");
                Received::Nothing
            }
        },
        Channel::Heartbeat => Received::Heartbeat,
        Channel::Close => Received::Close,
        // Output channels from a client, and unknown ones: ignored, as the service.
        _ => Received::Nothing,
    }
}

fn binary(frame: &Frame) -> Message {
    Message::Binary(frame.encode())
}

fn status(status: &ShellStatus) -> Message {
    binary(&Frame::new(Channel::Status, status.to_json()))
}

/// Output as STDOUT frames of at most `MAX_FRAME_BYTES`.
async fn send_output<S>(
    ws: &mut WebSocketStream<S>,
    output: Bytes,
) -> Result<(), tungstenite::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    send_all(
        ws,
        Frame::chunks(Channel::Stdout, output).map(|f| binary(&f)),
    )
    .await
}

async fn send_all<S>(
    ws: &mut WebSocketStream<S>,
    messages: impl Iterator<Item = Message>,
) -> Result<(), tungstenite::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    for message in messages {
        ws.feed(message).await?;
    }
    ws.flush().await
}

/// Finishes the closing handshake (bounded), after our close frame went out.
async fn close<S>(mut ws: WebSocketStream<S>, code: CloseCode, reason: &'static str)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let drain = async {
        let _ = ws.close(Some(frame)).await;
        while let Some(Ok(_)) = ws.next().await {}
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, drain).await;
}

/// Ends our side of the connection, then reads and discards what the client still sends
/// until it closes (bounded): closing with unread data would reset the connection, and
/// the client could lose the close frame.
async fn drain_raw<S>(ws: WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = ws.into_inner();
    let mut sink = [0u8; 8192];
    let drain = async {
        let _ = stream.shutdown().await;
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, drain).await;
}
