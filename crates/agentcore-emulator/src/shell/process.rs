//! One shell: a process on a PTY, and the task that owns it.
//!
//! The task reads the PTY and hands each chunk to the attached client through a bounded
//! queue; when the queue is full it stops reading (the PTY then blocks the shell), and
//! with no client attached the chunk goes to the [replay buffer](super::replay). Input
//! and resizes go through a bounded queue of their own to a writer task, in order.

use std::path::Path;
use std::process::ExitStatus;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use agentcore_contract::shell::{MAX_PAYLOAD_BYTES, Resize, ShellStatus};
use bytes::Bytes;
use rustix::process::{Pid, Signal, kill_process_group};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::replay::Replay;
use super::{EXIT_DRAIN, INITIAL_SIZE, KILL_GRACE, SHELL_TERM};

/// Chunks of output queued for the attached client (each at most one frame's payload);
/// when they are not taken, the shell's task stops reading its PTY.
pub(crate) const OUTPUT_QUEUE: usize = 4;
/// Input frames and resizes queued for the PTY.
const INPUT_QUEUE: usize = 8;
/// Commands queued for a shell's task.
const CONTROL_QUEUE: usize = 8;

/// What the shell runs, and where.
pub(crate) struct Spec<'a> {
    pub(crate) program: &'a str,
    pub(crate) args: &'a [String],
    pub(crate) directory: &'a Path,
    pub(crate) replay_bytes: usize,
}

/// For the client: output, then at most one exit status, in order.
#[derive(Debug)]
pub(crate) enum Output {
    Data(Bytes),
    Exited(ShellStatus),
}

/// For the client, at once: why its attachment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// Another client attached to the shell.
    Kicked,
    /// The emulator is shutting down.
    Shutdown,
}

/// For the PTY, in order.
#[derive(Debug)]
pub(crate) enum Input {
    Data(Bytes),
    Resize(Resize),
}

/// One client's attachment.
#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) output: mpsc::Sender<Output>,
    pub(crate) end: oneshot::Sender<End>,
}

/// What a client gets when it attaches: the output produced while none was.
#[derive(Debug)]
pub(crate) struct Attached {
    pub(crate) replay: Bytes,
    pub(crate) bytes_dropped: u64,
}

#[derive(Debug)]
enum Control {
    /// Attach this client, ending the attachment of any other (kicked).
    Attach(Client, oneshot::Sender<Attached>),
    /// End the process: SIGHUP to its process group, SIGKILL after [`KILL_GRACE`]; an
    /// attached client gets the exit status. Nobody attaches after.
    Terminate,
    /// End at once: the client is told [`End::Shutdown`], the process group SIGKILLed.
    Shutdown,
}

/// A running shell, as the registry and connections hold it.
#[derive(Debug)]
pub(crate) struct ShellHandle {
    control: mpsc::Sender<Control>,
    input: mpsc::Sender<Input>,
    /// The process group (the shell is its leader), while it may be running.
    pgid: Option<Pid>,
    exited: Arc<AtomicBool>,
    clients: AtomicUsize,
}

impl ShellHandle {
    /// Starts `spec` on a new PTY; `on_finished` runs when the shell is over and its exit
    /// status was handed to a client (so that the registry forgets it).
    pub(crate) fn spawn(
        spec: &Spec<'_>,
        on_finished: Box<dyn FnOnce() + Send>,
    ) -> Result<Self, pty_process::Error> {
        let (pty, pts) = pty_process::open()?;
        pty.resize(pty_process::Size::new(
            INITIAL_SIZE.height,
            INITIAL_SIZE.width,
        ))?;
        // The client's terminal is what the shell draws on, not the emulator's: TERM is
        // the service's, whatever the emulator's own (`env TERM=.. sh` sets another).
        let child = pty_process::Command::new(spec.program)
            .args(spec.args)
            .current_dir(spec.directory)
            .env("TERM", SHELL_TERM)
            .kill_on_drop(true)
            .spawn(pts)?;
        let pgid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(Pid::from_raw);
        let (reader, writer) = pty.into_split();
        let (control, control_rx) = mpsc::channel(CONTROL_QUEUE);
        let (input, input_rx) = mpsc::channel(INPUT_QUEUE);
        let exited = Arc::new(AtomicBool::new(false));
        let writing = tokio::spawn(write_input(writer, input_rx));
        let task = Task {
            control: control_rx,
            reader,
            child,
            pgid,
            replay: Replay::new(spec.replay_bytes),
            exited: Arc::clone(&exited),
            on_finished: Some(on_finished),
        };
        tokio::spawn(async move {
            task.run().await;
            writing.abort();
        });
        Ok(Self {
            control,
            input,
            pgid,
            exited,
            clients: AtomicUsize::new(0),
        })
    }

    /// Attaches `client`; `None` when the shell is gone.
    pub(crate) async fn attach(&self, client: Client) -> Option<Attached> {
        let (reply, attached) = oneshot::channel();
        self.control
            .send(Control::Attach(client, reply))
            .await
            .ok()?;
        attached.await.ok()
    }

    /// Where input and resizes go.
    pub(crate) fn input(&self) -> mpsc::Sender<Input> {
        self.input.clone()
    }

    /// Ends the process (SIGHUP, then SIGKILL after [`KILL_GRACE`]).
    pub(crate) async fn terminate(&self) {
        let _ = self.control.send(Control::Terminate).await;
    }

    /// Ends the process and its client at once.
    pub(crate) async fn shut_down(&self) {
        let _ = self.control.send(Control::Shutdown).await;
    }

    /// Waits until the shell's task is over (its process ended).
    pub(crate) async fn finished(&self) {
        self.control.closed().await;
    }

    /// SIGKILL to the process group, now (for a drop, which cannot wait).
    pub(crate) fn kill_now(&self) {
        if !self.exited.load(Ordering::Acquire) {
            signal(self.pgid, Signal::KILL);
        }
    }

    /// Whether the process has exited (its output may still wait for a client).
    pub(crate) fn has_exited(&self) -> bool {
        self.exited.load(Ordering::Acquire)
    }

    /// Counts a client connection while the guard lives.
    pub(crate) fn client_guard(self: &Arc<Self>) -> ClientGuard {
        self.clients.fetch_add(1, Ordering::AcqRel);
        ClientGuard(Arc::clone(self))
    }

    /// Whether a client connection is attached.
    pub(crate) fn is_attached(&self) -> bool {
        self.clients.load(Ordering::Acquire) > 0
    }
}

/// A client connection of a shell, counted.
pub(crate) struct ClientGuard(Arc<ShellHandle>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, Ordering::AcqRel);
    }
}

fn signal(pgid: Option<Pid>, signal: Signal) {
    if let Some(pgid) = pgid {
        // A group already gone is fine.
        let _ = kill_process_group(pgid, signal);
    }
}

/// The shell's exit as the runtime reports it: the code, or 128 + the signal's number
/// with the number as the `Signal` cause.
pub(crate) fn exit_status(status: std::io::Result<ExitStatus>) -> ShellStatus {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (_, Some(signal)) => ShellStatus::Exited {
                code: 128 + signal,
                signal: Some(signal.to_string()),
            },
            (Some(code), None) => ShellStatus::Exited { code, signal: None },
            (None, None) => ShellStatus::Exited {
                code: -1,
                signal: None,
            },
        },
        Err(err) => ShellStatus::Failed {
            reason: "InternalError".to_owned(),
            message: format!("cannot wait for the shell: {err}"),
            code: Some(500),
        },
    }
}

/// Writes input and applies resizes in the order they came.
async fn write_input(mut writer: pty_process::OwnedWritePty, mut input: mpsc::Receiver<Input>) {
    while let Some(item) = input.recv().await {
        match item {
            Input::Data(bytes) => {
                // A shell that is gone cannot be written to; its end is reported elsewhere.
                if writer.write_all(&bytes).await.is_err() {
                    continue;
                }
            }
            Input::Resize(size) => {
                let _ = writer.resize(pty_process::Size::new(size.height, size.width));
            }
        }
    }
}

/// The task that owns the process, the PTY's read half and the replay buffer.
struct Task {
    control: mpsc::Receiver<Control>,
    reader: pty_process::OwnedReadPty,
    child: tokio::process::Child,
    pgid: Option<Pid>,
    replay: Replay,
    exited: Arc<AtomicBool>,
    on_finished: Option<Box<dyn FnOnce() + Send>>,
}

/// Resolves when the client's queue closes (its connection ended); never without one.
async fn closed(client: &Option<Client>) {
    match client {
        Some(client) => client.output.closed().await,
        None => std::future::pending().await,
    }
}

/// What became of the output waiting for the client's queue.
enum Delivery {
    Sent,
    /// The exit status was sent: nothing follows.
    SentLast,
    /// The client's connection ended.
    Gone,
}

/// Hands `pending` to the client once its queue has room; never without a client.
async fn deliver(client: &Option<Client>, pending: &mut Option<Output>) -> Delivery {
    let Some(client) = client else {
        return std::future::pending().await;
    };
    let Ok(permit) = client.output.reserve().await else {
        return Delivery::Gone;
    };
    match pending.take() {
        Some(output) => {
            let last = matches!(output, Output::Exited(_));
            permit.send(output);
            if last {
                Delivery::SentLast
            } else {
                Delivery::Sent
            }
        }
        None => Delivery::Sent,
    }
}

/// Resolves at `at`; never without it.
async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Task {
    async fn run(mut self) {
        let mut buffer = vec![0u8; MAX_PAYLOAD_BYTES];
        let mut client: Option<Client> = None;
        // Read from the PTY, not yet taken by the client's full queue.
        let mut pending: Option<Output> = None;
        let mut eof = false;
        let mut status: Option<ShellStatus> = None;
        // After the exit: how long output is still read (something else may hold the PTY).
        let mut drain_until: Option<Instant> = None;
        let mut kill_at: Option<Instant> = None;
        // Set once nobody can attach any more (terminated).
        let mut forgotten = false;
        // The handles may all be dropped after a terminate: the process still gets its grace.
        let mut controlled = true;
        loop {
            let done = status.is_some() && eof;
            if done && pending.is_none() {
                match &client {
                    Some(_) => pending = status.clone().map(Output::Exited),
                    None if forgotten => break,
                    None => {}
                }
            }
            let reading = pending.is_none() && !eof;
            tokio::select! {
                command = self.control.recv(), if controlled => match command {
                    Some(Control::Attach(new, reply)) => {
                        if let Some(old) = client.take() {
                            let _ = old.end.send(End::Kicked);
                        }
                        if let Some(Output::Data(bytes)) = pending.take() {
                            self.replay.push(&bytes);
                        }
                        let (replay, bytes_dropped) = self.replay.take();
                        if reply.send(Attached { replay, bytes_dropped }).is_ok() {
                            client = Some(new);
                        }
                    }
                    Some(Control::Terminate) => {
                        forgotten = true;
                        if status.is_none() && kill_at.is_none() {
                            signal(self.pgid, Signal::HUP);
                            kill_at = Some(Instant::now() + KILL_GRACE);
                        }
                    }
                    None if forgotten => controlled = false,
                    Some(Control::Shutdown) | None => {
                        if let Some(client) = client.take() {
                            let _ = client.end.send(End::Shutdown);
                        }
                        signal(self.pgid, Signal::KILL);
                        let _ = tokio::time::timeout(KILL_GRACE, self.child.wait()).await;
                        break;
                    }
                },
                () = closed(&client) => {
                    client = None;
                    if let Some(Output::Data(bytes)) = pending.take() {
                        self.replay.push(&bytes);
                    }
                }
                delivery = deliver(&client, &mut pending), if pending.is_some() => match delivery {
                    Delivery::Sent => {}
                    Delivery::SentLast => break,
                    Delivery::Gone => {
                        client = None;
                        if let Some(Output::Data(bytes)) = pending.take() {
                            self.replay.push(&bytes);
                        }
                    }
                },
                read = self.reader.read(&mut buffer), if reading => match read {
                    // EIO once every holder of the PTY's other end is gone.
                    Ok(0) | Err(_) => eof = true,
                    Ok(n) => {
                        let bytes = Bytes::copy_from_slice(&buffer[..n]);
                        let Some(attached) = &client else {
                            self.replay.push(&bytes);
                            continue;
                        };
                        match attached.output.try_send(Output::Data(bytes)) {
                            Ok(()) => {}
                            Err(TrySendError::Full(output)) => pending = Some(output),
                            Err(TrySendError::Closed(output)) => {
                                client = None;
                                if let Output::Data(bytes) = output {
                                    self.replay.push(&bytes);
                                }
                            }
                        }
                    }
                },
                exit = self.child.wait(), if status.is_none() => {
                    self.exited.store(true, Ordering::Release);
                    status = Some(exit_status(exit));
                    drain_until = Some(Instant::now() + EXIT_DRAIN);
                    kill_at = None;
                }
                () = until(drain_until), if status.is_some() && !eof => eof = true,
                () = until(kill_at), if status.is_none() => {
                    signal(self.pgid, Signal::KILL);
                    kill_at = None;
                }
            }
        }
        // Whatever the shell left in its process group goes with it.
        signal(self.pgid, Signal::KILL);
        self.exited.store(true, Ordering::Release);
        if let Some(on_finished) = self.on_finished.take() {
            on_finished();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    #[test]
    fn exit_statuses_as_the_runtime_reports_them() {
        let exited = |raw| exit_status(Ok(ExitStatus::from_raw(raw)));
        assert_eq!(
            exited(0),
            ShellStatus::Exited {
                code: 0,
                signal: None
            }
        );
        assert_eq!(
            exited(3 << 8),
            ShellStatus::Exited {
                code: 3,
                signal: None
            }
        );
        // Killed by SIGKILL (9).
        assert_eq!(
            exited(9),
            ShellStatus::Exited {
                code: 137,
                signal: Some("9".into())
            }
        );
        let failed = exit_status(Err(std::io::Error::other("gone")));
        assert!(matches!(
            failed,
            ShellStatus::Failed {
                code: Some(500),
                ..
            }
        ));
    }
}
