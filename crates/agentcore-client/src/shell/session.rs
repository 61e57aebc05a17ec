//! An open shell: a [`Stream`] of [`ShellEvent`]s and a [`Sink`] of [`ShellInput`],
//! kept alive with RFC 6455 pings and reattached by its [`ReconnectPolicy`].

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use agentcore_contract::shell::{CLOSE_KICKED, Channel, Frame, Resize, ShellId, ShellStatus};
use bytes::Bytes;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::connector::Connector;
use super::reconnect::ReconnectPolicy;
use crate::error::Error;
use crate::ws::{WsStream, ws_error};

/// How long [`Shell::close`] and [`Shell::detach`] wait for the runtime to finish the
/// closing handshake before dropping the connection: 5 s.
pub const SHELL_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a shell sends: output, its end, and what happened to the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShellEvent {
    /// Output (a PTY merges the shell's stderr into it).
    Stdout(Bytes),
    /// Error output: the platform's diagnostics, or a shell without a PTY.
    Stderr(Bytes),
    /// The shell exited; `signal` names the signal that ended it (the code is then
    /// 128 + its number).
    Exited {
        /// The exit code.
        code: i32,
        /// The signal, as the runtime names it (its number).
        signal: Option<String>,
    },
    /// The runtime failed the shell.
    Failed {
        /// The reason (`InternalError`, ...).
        reason: String,
        /// What went wrong.
        message: String,
        /// The status code, when given.
        code: Option<u16>,
    },
    /// The connection dropped and was reattached to the same shell, after `attempts`
    /// attempts; output produced meanwhile is replayed.
    Reconnected {
        /// How many connection attempts it took.
        attempts: u32,
    },
    /// Output produced while detached that did not fit the runtime's replay buffer.
    OutputDropped {
        /// How many bytes were lost.
        bytes: u64,
    },
    /// The runtime ended the shell (eviction, its time limit): a CLOSE frame.
    Evicted,
    /// A frame of a channel this crate does not know, passed on.
    Unknown {
        /// The channel byte.
        channel: u8,
        /// The payload.
        payload: Bytes,
    },
    /// The connection closed for good; the last event.
    Closed {
        /// The close code (4000: another client took the shell over).
        code: Option<u16>,
        /// The close reason.
        reason: String,
    },
}

/// What can be sent to a shell: input (split into frames under the 64 KiB limit, however
/// long) or a new terminal size.
///
/// ```
/// use agentcore_client::ShellInput;
/// use agentcore_client::contract::shell::Resize;
///
/// let typed = ShellInput::from("ls -la\n");
/// let resized = ShellInput::from(Resize { width: 120, height: 40 });
/// # drop((typed, resized));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShellInput {
    /// Bytes for the shell's stdin (keys, a paste).
    Stdin(Bytes),
    /// The terminal's new size.
    Resize(Resize),
}

impl From<Bytes> for ShellInput {
    fn from(bytes: Bytes) -> Self {
        Self::Stdin(bytes)
    }
}

impl From<Vec<u8>> for ShellInput {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Stdin(bytes.into())
    }
}

impl From<&str> for ShellInput {
    fn from(text: &str) -> Self {
        Self::Stdin(Bytes::copy_from_slice(text.as_bytes()))
    }
}

impl From<String> for ShellInput {
    fn from(text: String) -> Self {
        Self::Stdin(text.into())
    }
}

impl From<Resize> for ShellInput {
    fn from(size: Resize) -> Self {
        Self::Resize(size)
    }
}

/// RFC 6455 pings: one every `interval`; nothing heard for `timeout` is a dropped
/// connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keepalive {
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
}

type Reconnecting = Pin<Box<dyn Future<Output = Result<(WsStream, u32), Error>> + Send>>;

enum State {
    Open(Box<WsStream>),
    Reconnecting(Reconnecting),
    Done,
}

/// An interactive shell in a runtime session ([`RuntimeClient::open_shell`]): a
/// [`Stream`] of [`ShellEvent`]s and a [`Sink`] of [`ShellInput`].
///
/// The connection is kept alive with WebSocket pings and, when it drops, reattached to
/// the same shell by its [`ReconnectPolicy`] (input sent meanwhile waits, output
/// produced meanwhile is replayed). The stream ends after [`ShellEvent::Closed`].
///
/// [`RuntimeClient::open_shell`]: crate::RuntimeClient::open_shell
///
/// ```no_run
/// # async fn example(client: agentcore_client::RuntimeClient, session: agentcore_client::RuntimeSession) -> Result<(), agentcore_client::Error> {
/// use agentcore_client::ShellEvent;
/// use futures_util::StreamExt;
///
/// let mut shell = client.open_shell(&session).send().await?;
/// shell.send_input("echo hi; exit 3\n").await?;
/// while let Some(event) = shell.next().await {
///     match event? {
///         ShellEvent::Stdout(bytes) => print!("{}", String::from_utf8_lossy(&bytes)),
///         ShellEvent::Exited { code, .. } => println!("exited with {code}"),
///         _ => {}
///     }
/// }
/// assert_eq!(shell.exit_code(), Some(3));
/// # Ok(()) }
/// ```
pub struct Shell {
    connector: Arc<Connector>,
    policy: ReconnectPolicy,
    keepalive: Keepalive,
    state: State,
    /// Messages accepted, not yet written: the frames of one input at most, pings,
    /// the closing frames.
    outbox: VecDeque<Message>,
    events: VecDeque<ShellEvent>,
    /// A failure to report before the stream ends.
    failure: Option<Error>,
    status: Option<ShellStatus>,
    size: Option<Resize>,
    /// `close` or `detach` was asked for: a drop is the end, not a reason to reconnect.
    ending: bool,
    kicked: bool,
    evicted: bool,
    reconnected: bool,
    bytes_dropped: u64,
    ping: Pin<Box<Sleep>>,
    last_heard: Instant,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("shell_id", &self.connector.shell_id())
            .field("session_id", &self.connector.session_id())
            .field("open", &matches!(self.state, State::Open(_)))
            .field("status", &self.status)
            .field("kicked", &self.kicked)
            .finish_non_exhaustive()
    }
}

impl Shell {
    pub(crate) fn new(
        connector: Arc<Connector>,
        stream: WsStream,
        policy: ReconnectPolicy,
        keepalive: Keepalive,
        size: Option<Resize>,
    ) -> Self {
        let mut shell = Shell {
            connector,
            policy,
            keepalive,
            state: State::Open(Box::new(stream)),
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            failure: None,
            status: None,
            size,
            ending: false,
            kicked: false,
            evicted: false,
            reconnected: false,
            bytes_dropped: 0,
            ping: Box::pin(tokio::time::sleep(keepalive.interval)),
            last_heard: Instant::now(),
        };
        if let Some(size) = size {
            shell.outbox.push_back(binary(&Frame::resize(size)));
        }
        shell
    }

    /// The shell's id: the one given, or the UUIDv4 made for it (reattach with it).
    pub fn shell_id(&self) -> &ShellId {
        self.connector.shell_id()
    }

    /// The runtime session's id.
    pub fn session_id(&self) -> &str {
        self.connector.session_id()
    }

    /// The shell's exit code, once it exited.
    pub fn exit_code(&self) -> Option<i32> {
        self.status.as_ref().and_then(ShellStatus::exit_code)
    }

    /// The shell's last status, once it exited or failed.
    pub fn status(&self) -> Option<&ShellStatus> {
        self.status.as_ref()
    }

    /// Whether another client attached to this shell id and took it over (close 4000):
    /// this one does not reconnect.
    pub fn kicked(&self) -> bool {
        self.kicked
    }

    /// Whether the runtime said this connection reattached to a shell that already ran.
    pub fn reconnected(&self) -> bool {
        self.reconnected
    }

    /// Output produced while detached that the runtime could not keep, in bytes.
    pub fn bytes_dropped(&self) -> u64 {
        self.bytes_dropped
    }

    /// Sends input to the shell's stdin, in frames under the 64 KiB limit however long
    /// it is; waits while the connection is being reattached.
    pub async fn send_input(&mut self, input: impl Into<Bytes>) -> Result<(), Error> {
        self.send(ShellInput::Stdin(input.into())).await
    }

    /// Tells the shell its terminal is now `width` columns by `height` rows (sent again
    /// after a reconnect).
    pub async fn resize(&mut self, width: u16, height: u16) -> Result<(), Error> {
        self.send(ShellInput::Resize(Resize { width, height }))
            .await
    }

    /// Ends the shell: a CLOSE frame asks the runtime to stop it (SIGHUP, then
    /// SIGKILL); waits up to [`SHELL_CLOSE_TIMEOUT`] for the runtime to close the
    /// connection, discarding what arrives meanwhile. The exit code, when it came.
    pub async fn close(&mut self) -> Result<Option<i32>, Error> {
        self.finish(binary(&Frame::close())).await?;
        Ok(self.exit_code())
    }

    /// Leaves the shell running and closes the connection (1000); reattach later with
    /// the same session id and [`shell_id`](Self::shell_id), and the output produced
    /// meanwhile (up to 256 KB) is replayed.
    pub async fn detach(&mut self) -> Result<(), Error> {
        let normal = CloseFrame {
            code: CloseCode::Normal,
            reason: "detach".into(),
        };
        self.finish(Message::Close(Some(normal))).await
    }

    async fn finish(&mut self, last: Message) -> Result<(), Error> {
        if matches!(self.state, State::Done) {
            return Ok(());
        }
        self.ending = true;
        self.outbox.push_back(last);
        let drained = async {
            while let Some(item) = self.next().await {
                item?;
            }
            Ok::<(), Error>(())
        };
        match tokio::time::timeout(SHELL_CLOSE_TIMEOUT, drained).await {
            Ok(result) => result,
            Err(_) => {
                self.state = State::Done;
                Ok(())
            }
        }
    }

    /// Writes what the outbox holds.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        loop {
            let State::Open(stream) = &mut self.state else {
                return match self.state {
                    State::Done => Poll::Ready(Err(Error::ShellClosed)),
                    _ => Poll::Pending, // woken by the reconnect, which the caller polls
                };
            };
            let written = (|| {
                while !self.outbox.is_empty() {
                    ready!(stream.poll_ready_unpin(cx))?;
                    let message = self.outbox.pop_front().expect("not empty");
                    stream.start_send_unpin(message)?;
                }
                stream.poll_flush_unpin(cx)
            })();
            match written {
                Poll::Ready(Ok(())) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(err)) => self.lost(None, String::new(), Some(ws_error(err))),
            }
            if !matches!(self.state, State::Open(_)) {
                self.poll_reconnect(cx);
            }
        }
    }

    /// Drives a reconnect in progress; back to `Open` (or `Done`) when it ends.
    fn poll_reconnect(&mut self, cx: &mut Context<'_>) {
        let State::Reconnecting(future) = &mut self.state else {
            return;
        };
        match future.as_mut().poll(cx) {
            Poll::Pending => {}
            Poll::Ready(Ok((stream, attempts))) => {
                self.state = State::Open(Box::new(stream));
                self.last_heard = Instant::now();
                self.ping
                    .as_mut()
                    .reset(Instant::now() + self.keepalive.interval);
                if let Some(size) = self.size {
                    self.outbox.push_front(binary(&Frame::resize(size)));
                }
                self.events.push_back(ShellEvent::Reconnected { attempts });
            }
            Poll::Ready(Err(err)) => {
                self.failure = Some(err);
                self.state = State::Done;
            }
        }
    }

    /// The connection ended (`code` from its close frame, none when it dropped): the
    /// end of the shell, or a reconnect.
    fn lost(&mut self, code: Option<u16>, reason: String, error: Option<Error>) {
        if code == Some(CLOSE_KICKED) {
            self.kicked = true;
        }
        let is_final = matches!(code, Some(1000 | 1003 | CLOSE_KICKED));
        let over = self.ending || self.status.is_some() || self.evicted || is_final;
        if over || !self.policy.enabled() {
            self.state = State::Done;
            match error {
                Some(err) if !over => self.failure = Some(err),
                _ => self.events.push_back(ShellEvent::Closed { code, reason }),
            }
            return;
        }
        tracing::debug!(?code, ?error, shell_id = %self.shell_id(), "shell connection lost; reconnecting");
        let connector = Arc::clone(&self.connector);
        let policy = self.policy;
        self.state =
            State::Reconnecting(Box::pin(async move { connector.reconnect(policy).await }));
    }

    /// Reads one message of the open connection into events.
    fn on_message(&mut self, message: Message) {
        self.last_heard = Instant::now();
        match message {
            Message::Binary(bytes) => match Frame::decode_bytes(bytes) {
                Ok(frame) => self.on_frame(frame),
                Err(err) => tracing::debug!(%err, "a malformed shell frame, skipped"),
            },
            Message::Close(frame) => {
                let (code, reason) = frame.map_or((None, String::new()), |f| {
                    (Some(u16::from(f.code)), f.reason.to_string())
                });
                // The close handshake completes as the stream is read to its end.
                self.lost(code, reason, None);
            }
            // Text is not part of the protocol; pings are answered by tungstenite.
            _ => {}
        }
    }

    fn on_frame(&mut self, frame: Frame) {
        let event = match frame.channel() {
            Channel::Stdout => ShellEvent::Stdout(frame.into_payload()),
            Channel::Stderr => ShellEvent::Stderr(frame.into_payload()),
            Channel::Status => match ShellStatus::from_json(frame.payload()) {
                Ok(ShellStatus::Connected {
                    reconnected,
                    bytes_dropped,
                    ..
                }) => {
                    self.reconnected |= reconnected;
                    self.bytes_dropped += bytes_dropped;
                    if bytes_dropped == 0 {
                        return;
                    }
                    ShellEvent::OutputDropped {
                        bytes: bytes_dropped,
                    }
                }
                Ok(status) => {
                    let event = match &status {
                        ShellStatus::Exited { code, signal } => ShellEvent::Exited {
                            code: *code,
                            signal: signal.clone(),
                        },
                        ShellStatus::Failed {
                            reason,
                            message,
                            code,
                        } => ShellEvent::Failed {
                            reason: reason.clone(),
                            message: message.clone(),
                            code: *code,
                        },
                        _ => return,
                    };
                    self.status = Some(status);
                    event
                }
                Err(err) => {
                    tracing::debug!(%err, "an unreadable shell STATUS, skipped");
                    return;
                }
            },
            Channel::Close => {
                self.evicted = true;
                if self.ending {
                    return; // the echo of our own CLOSE
                }
                ShellEvent::Evicted
            }
            Channel::Unknown(channel) => ShellEvent::Unknown {
                channel,
                payload: frame.into_payload(),
            },
            // Echoes of heartbeats and anything only a client sends.
            Channel::Heartbeat | Channel::Stdin | Channel::Resize => return,
        };
        self.events.push_back(event);
    }

    /// Sends a ping when one is due; a connection silent for too long is lost.
    fn poll_keepalive(&mut self, cx: &mut Context<'_>) {
        if !matches!(self.state, State::Open(_)) || self.ping.as_mut().poll(cx).is_pending() {
            return;
        }
        if self.last_heard.elapsed() >= self.keepalive.timeout {
            let timeout = Error::Timeout(self.keepalive.timeout);
            self.lost(None, "no pong".to_owned(), Some(timeout));
            return;
        }
        self.outbox.push_back(Message::Ping(Bytes::new()));
        let next = Instant::now() + self.keepalive.interval;
        self.ping.as_mut().reset(next);
    }
}

impl Stream for Shell {
    type Item = Result<ShellEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(event) = this.events.pop_front() {
                return Poll::Ready(Some(Ok(event)));
            }
            if let Some(err) = this.failure.take() {
                return Poll::Ready(Some(Err(err)));
            }
            this.poll_keepalive(cx);
            match &mut this.state {
                State::Done => return Poll::Ready(None),
                State::Reconnecting(_) => {
                    this.poll_reconnect(cx);
                    if matches!(this.state, State::Reconnecting(_)) {
                        return Poll::Pending;
                    }
                }
                State::Open(_) => {
                    // Pings, input and closing frames go out while we read.
                    if let Poll::Ready(Err(err)) = this.poll_write(cx)
                        && !matches!(err, Error::ShellClosed)
                    {
                        this.failure = Some(err);
                    }
                    let State::Open(stream) = &mut this.state else {
                        continue;
                    };
                    match stream.poll_next_unpin(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Some(Ok(message))) => this.on_message(message),
                        Poll::Ready(Some(Err(err))) => {
                            this.lost(None, String::new(), Some(ws_error(err)));
                        }
                        // The end of the stream: after a close handshake, or a drop.
                        Poll::Ready(None) => {
                            if matches!(this.state, State::Open(_)) {
                                this.lost(None, String::new(), None);
                            }
                        }
                    }
                }
            }
        }
    }
}

impl Sink<ShellInput> for Shell {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = &mut *self;
        this.poll_reconnect(cx);
        if this.outbox.is_empty() {
            return match this.state {
                State::Done => Poll::Ready(Err(Error::ShellClosed)),
                _ => Poll::Ready(Ok(())),
            };
        }
        this.poll_write(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, input: ShellInput) -> Result<(), Error> {
        if matches!(self.state, State::Done) || self.ending {
            return Err(Error::ShellClosed);
        }
        match input {
            ShellInput::Stdin(bytes) => {
                let frames = Frame::chunks(Channel::Stdin, bytes).map(|frame| binary(&frame));
                self.outbox.extend(frames);
            }
            ShellInput::Resize(size) => {
                self.size = Some(size);
                self.outbox.push_back(binary(&Frame::resize(size)));
            }
        }
        Ok(())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = &mut *self;
        this.poll_reconnect(cx);
        if this.outbox.is_empty() && !matches!(this.state, State::Done) {
            if let State::Open(stream) = &mut this.state {
                return stream.poll_flush_unpin(cx).map_err(ws_error);
            }
            return Poll::Ready(Ok(()));
        }
        this.poll_write(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        ready!(self.as_mut().poll_flush(cx))?;
        match &mut self.state {
            State::Open(stream) => stream.poll_close_unpin(cx).map_err(ws_error),
            _ => Poll::Ready(Ok(())),
        }
    }
}

fn binary(frame: &Frame) -> Message {
    Message::Binary(frame.encode())
}
