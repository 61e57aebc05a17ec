//! Interactive shells over real sockets: `GET /runtimes/{arn}/ws/shells` on a real PTY,
//! each auth mode, the frames, detach and reattach, the close codes and the limits.

use std::time::{Duration, Instant, SystemTime};

use agentcore_contract::encoding::percent_encode;
use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::headers::SESSION_ID;
use agentcore_contract::shell::{
    CLOSE_KICKED, Channel, Frame, MAX_FRAME_BYTES, REPLAY_BYTES, Resize, SHELL_ID_HEADER,
    ShellStatus,
};
use agentcore_emulator::shell::{BEARER_SUBPROTOCOL, KILL_GRACE, MAX_TEXT_MESSAGES};
use agentcore_emulator::{DEFAULT_MAX_SHELLS_PER_SESSION, Emulator, EmulatorBuilder};
use agentcore_testkit::{
    ACCESS_KEY, ARN, BEARER_TOKEN, JWT_SECRET, REGION, SECRET_KEY, SESSION_TOKEN, TEMP_ACCESS_KEY,
    TEMP_SECRET_KEY, World,
};
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningInstructions,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{Request, Response};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

mod support;

/// The longest any one expected event may take.
const WAIT: Duration = Duration::from_secs(15);

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

const NO_ARGS: [&str; 0] = [];

/// A folder for the session directories of one test, removed with it.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Self {
        Scratch(std::env::temp_dir().join(format!("shell-test-{}", uuid::Uuid::new_v4())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The emulator in front of the conformance agent, with `/bin/sh` as the shell and its
/// session directories in a scratch folder.
async fn world() -> (World, Scratch) {
    world_with(|builder| builder).await
}

async fn world_with(
    configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder,
) -> (World, Scratch) {
    let scratch = Scratch::new();
    let world = World::start_with(|builder| {
        configure(
            builder
                .shell_command("/bin/sh", NO_ARGS)
                .work_root(&scratch.0),
        )
    })
    .await;
    (world, scratch)
}

/// A new session id (42 characters).
fn new_session() -> String {
    format!("shell-{}", uuid::Uuid::new_v4())
}

fn shells_path() -> String {
    RuntimeOperation::Shells.path(&ARN.parse().expect("the testkit ARN"))
}

/// `ws://127.0.0.1:PORT/runtimes/{arn}/ws/shells?{query}`.
fn ws_url(base: &str, query: &str) -> String {
    format!(
        "{}{}?{query}",
        base.replacen("http", "ws", 1),
        shells_path()
    )
}

/// How a handshake authenticates.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Bearer(&'a str),
    /// The OAuth subprotocol a browser offers, with the session id in the query.
    Subprotocol(&'a str),
    Anonymous,
}

fn handshake(base: &str, session: &str, shell: &str, auth: Auth<'_>) -> Request<()> {
    let query = match auth {
        Auth::Subprotocol(_) => format!(
            "qualifier=DEFAULT&shellId={shell}&{}={session}",
            percent_encode("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id")
        ),
        _ => format!("qualifier=DEFAULT&shellId={shell}"),
    };
    let mut request = ws_url(base, &query).into_client_request().unwrap();
    let headers = request.headers_mut();
    match auth {
        Auth::Bearer(token) => {
            headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
            headers.insert(SESSION_ID, session.parse().unwrap());
        }
        Auth::Subprotocol(token) => {
            let offered = format!(
                "{BEARER_SUBPROTOCOL}.{}, {BEARER_SUBPROTOCOL}",
                URL_SAFE_NO_PAD.encode(token)
            );
            headers.insert("sec-websocket-protocol", offered.parse().unwrap());
        }
        Auth::Anonymous => {
            headers.insert(SESSION_ID, session.parse().unwrap());
        }
    }
    request
}

async fn connect(
    request: Request<()>,
) -> Result<(Socket, Response<Option<Vec<u8>>>), tungstenite::Error> {
    tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
        .await
        .expect("the handshake is answered")
}

/// The status of a refused handshake, and its `x-amzn-errortype`.
async fn refused(request: Request<()>) -> (u16, String) {
    match connect(request).await {
        Err(tungstenite::Error::Http(response)) => {
            let kind = response.headers()["x-amzn-errortype"]
                .to_str()
                .unwrap()
                .to_owned();
            (response.status().as_u16(), kind)
        }
        Err(err) => panic!("not an HTTP refusal: {err}"),
        Ok(_) => panic!("the handshake was accepted"),
    }
}

/// What the client sees.
#[derive(Debug)]
enum Event {
    Frame(Frame),
    Closed(Option<u16>),
}

/// A client of one shell: its socket and the output it has seen.
struct Shell {
    ws: Socket,
    output: Vec<u8>,
}

impl Shell {
    /// Attaches with the bearer token; the shell and its `Connected` status.
    async fn attach(base: &str, session: &str, shell: &str) -> (Shell, ShellStatus) {
        Self::attach_with(handshake(base, session, shell, Auth::Bearer(BEARER_TOKEN))).await
    }

    async fn attach_with(request: Request<()>) -> (Shell, ShellStatus) {
        let (ws, _) = connect(request).await.expect("the handshake is accepted");
        let mut shell = Shell {
            ws,
            output: Vec::new(),
        };
        // The first frame, before any output.
        let Event::Frame(first) = shell.event().await else {
            panic!("closed before the Connected status");
        };
        assert_eq!(first.channel(), Channel::Status, "{first:?}");
        let status = ShellStatus::from_json(first.payload()).unwrap();
        (shell, status)
    }

    async fn event(&mut self) -> Event {
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .unwrap_or_else(|_| {
                    panic!("nothing within {WAIT:?}; output so far: {:?}", self.text())
                });
            match message {
                Some(Ok(Message::Binary(bytes))) => {
                    return Event::Frame(Frame::decode_bytes(bytes).unwrap());
                }
                Some(Ok(Message::Close(frame))) => {
                    return Event::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(Message::Text(text))) => panic!("a text message: {text}"),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Event::Closed(None),
            }
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    async fn send(&mut self, frame: Frame) {
        self.ws.send(Message::Binary(frame.encode())).await.unwrap();
    }

    /// Types `line` and Enter.
    async fn line(&mut self, line: &str) {
        self.send(Frame::stdin(format!("{line}\n"))).await;
    }

    /// Reads until every one of `needles` is in the output; output frames only.
    async fn expect_output(&mut self, needles: &[&str]) -> String {
        while !needles.iter().all(|needle| self.text().contains(needle)) {
            match self.event().await {
                Event::Frame(frame) if frame.channel() == Channel::Stdout => {
                    self.output.extend_from_slice(frame.payload());
                }
                other => panic!(
                    "{other:?} while waiting for {needles:?} in {:?}",
                    self.text()
                ),
            }
        }
        self.text()
    }

    /// Reads until a STATUS frame, keeping the output.
    async fn expect_status(&mut self) -> ShellStatus {
        loop {
            match self.event().await {
                Event::Frame(frame) if frame.channel() == Channel::Stdout => {
                    self.output.extend_from_slice(frame.payload());
                }
                Event::Frame(frame) if frame.channel() == Channel::Status => {
                    return ShellStatus::from_json(frame.payload()).unwrap();
                }
                other => panic!(
                    "{other:?} while waiting for a STATUS, after {:?}",
                    self.text()
                ),
            }
        }
    }

    /// Reads until the close, keeping the output; its code.
    async fn expect_close(&mut self) -> Option<u16> {
        loop {
            match self.event().await {
                Event::Frame(frame) if frame.channel() == Channel::Stdout => {
                    self.output.extend_from_slice(frame.payload());
                }
                Event::Frame(frame) => panic!("{frame:?} while waiting for the close"),
                Event::Closed(code) => {
                    // Reading on sends tungstenite's reply, and sees the server's end.
                    let rest = async { while let Some(Ok(_)) = self.ws.next().await {} };
                    tokio::time::timeout(WAIT, rest)
                        .await
                        .expect("the server ends the connection");
                    return code;
                }
            }
        }
    }

    /// Reads until the CLOSE frame the server echoes, keeping the output.
    async fn expect_close_echo(&mut self) {
        loop {
            match self.event().await {
                Event::Frame(frame) if frame.channel() == Channel::Close => return,
                Event::Frame(frame) if frame.channel() == Channel::Stdout => {
                    self.output.extend_from_slice(frame.payload());
                }
                other => panic!("{other:?} instead of the CLOSE echo"),
            }
        }
    }

    /// The shell's process id (`echo P$$P`).
    async fn pid(&mut self) -> u32 {
        self.line("echo P$$P").await;
        loop {
            let text = self.expect_output(&["P"]).await;
            let found = text.split('P').find_map(|part| {
                (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| part.parse().unwrap())
            });
            if let Some(pid) = found {
                return pid;
            }
            match self.event().await {
                Event::Frame(frame) if frame.channel() == Channel::Stdout => {
                    self.output.extend_from_slice(frame.payload());
                }
                other => panic!("{other:?} while waiting for the pid"),
            }
        }
    }
}

fn connected(shell_id: &str, reconnected: bool, bytes_dropped: u64) -> ShellStatus {
    ShellStatus::Connected {
        shell_id: shell_id.to_owned(),
        reconnected,
        bytes_dropped,
    }
}

/// Waits (bounded) until process `pid` is gone.
async fn gone(pid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

#[tokio::test]
async fn a_shell_runs_commands_in_the_session_directory_and_exits_with_its_code() {
    let (world, scratch) = world().await;
    let session = new_session();
    let (ws, response) = connect(handshake(
        &world.url(),
        &session,
        "main",
        Auth::Bearer(BEARER_TOKEN),
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 101);
    assert_eq!(response.headers()[SHELL_ID_HEADER], "main");
    assert_eq!(response.headers()[SESSION_ID], session.as_str());
    let mut shell = Shell {
        ws,
        output: Vec::new(),
    };
    assert_eq!(shell.expect_status().await, connected("main", false, 0));

    // Output, stderr (the PTY merges it), the terminal type and the directory.
    shell
        .line("echo o$((6*7))k; printf 'e%sr\\n' R >&2; echo \"T$TERM\"; echo \"D$(pwd)D\"")
        .await;
    let root = scratch.0.to_string_lossy().into_owned();
    shell
        .expect_output(&["o42k", "eRr", "Txterm-256color", &format!("D{root}/")])
        .await;

    shell.line("exit 3").await;
    assert_eq!(
        shell.expect_status().await,
        ShellStatus::Exited {
            code: 3,
            signal: None
        }
    );
    assert_eq!(shell.expect_close().await, Some(1000));

    // The shell is gone: the same id starts a new one.
    let (mut again, status) = Shell::attach(&world.url(), &session, "main").await;
    assert_eq!(status, connected("main", false, 0));
    again.line("exit").await;
    assert_eq!(
        again.expect_status().await,
        ShellStatus::Exited {
            code: 0,
            signal: None
        }
    );
}

#[tokio::test]
async fn a_shell_killed_by_a_signal_exits_with_128_plus_its_number() {
    let (world, _scratch) = world().await;
    let (mut shell, _) = Shell::attach(&world.url(), &new_session(), "doomed").await;
    shell.line("kill -9 $$").await;
    assert_eq!(
        shell.expect_status().await,
        ShellStatus::Exited {
            code: 137,
            signal: Some("9".into())
        }
    );
    assert_eq!(shell.expect_close().await, Some(1000));
}

#[tokio::test]
async fn resize_sets_the_terminal_size_and_signals_the_shell() {
    let (world, _scratch) = world().await;
    let (mut shell, _) = Shell::attach(&world.url(), &new_session(), "sized").await;
    shell.line("trap 'echo W$((1+1))CH' WINCH; stty size").await;
    shell.expect_output(&["24 80"]).await;

    // A malformed RESIZE is ignored; any JSON spacing is read.
    shell.send(Frame::new(Channel::Resize, "nope")).await;
    shell
        .send(Frame::new(Channel::Resize, r#"{"height":24,"width":100}"#))
        .await;
    shell.line("stty size").await;
    shell.expect_output(&["24 100", "W2CH"]).await;

    shell
        .send(Frame::resize(Resize {
            width: 132,
            height: 50,
        }))
        .await;
    shell.line("stty size").await;
    shell.expect_output(&["50 132"]).await;
}

#[tokio::test]
async fn heartbeats_are_echoed_once_and_other_channels_ignored() {
    let (world, _scratch) = world().await;
    let (mut shell, _) = Shell::attach(&world.url(), &new_session(), "beat").await;
    shell.send(Frame::heartbeat()).await;
    shell.send(Frame::heartbeat()).await;
    // Ignored: output channels from a client, an unknown channel at the frame limit, an
    // empty message.
    shell.send(Frame::new(Channel::Stdout, "x")).await;
    shell
        .send(Frame::new(
            Channel::Unknown(0x42),
            vec![b'u'; MAX_FRAME_BYTES - 1],
        ))
        .await;
    shell.ws.send(Message::Binary(Bytes::new())).await.unwrap();
    shell.line("echo h$((1+1))b").await;
    let mut beats = 0;
    while !shell.text().contains("h2b") {
        match shell.event().await {
            Event::Frame(frame) if frame.channel() == Channel::Heartbeat => beats += 1,
            Event::Frame(frame) if frame.channel() == Channel::Stdout => {
                shell.output.extend_from_slice(frame.payload());
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(beats, 2);
}

#[tokio::test]
async fn a_detached_shell_keeps_running_and_its_output_is_replayed_on_reattach() {
    let (world, _scratch) = world().await;
    let session = new_session();
    let (mut first, status) = Shell::attach(&world.url(), &session, "worker").await;
    assert_eq!(status, connected("worker", false, 0));
    // Output only once the client is gone: when another shell of the session (same
    // directory) says so.
    first
        .line("while [ ! -e go ]; do sleep 0.05; done; echo r$((1+1))play; touch done")
        .await;
    first.expect_output(&["touch done"]).await; // the echo of the typed line
    first.ws.close(None).await.unwrap();
    assert_eq!(first.expect_close().await, None);

    let (mut other, _) = Shell::attach(&world.url(), &session, "trigger").await;
    other
        .line("touch go; while [ ! -e done ]; do sleep 0.05; done; echo D$((1+1))NE")
        .await;
    other.expect_output(&["D2NE"]).await;

    let (mut again, status) = Shell::attach(&world.url(), &session, "worker").await;
    assert_eq!(status, connected("worker", true, 0));
    again.expect_output(&["r2play"]).await;
    // Still the same shell, and live.
    again.line("echo l$((2+3))ve").await;
    again.expect_output(&["l5ve"]).await;
}

#[tokio::test]
async fn the_replay_keeps_the_last_256_kib_and_counts_the_bytes_dropped() {
    let (world, _scratch) = world().await;
    let session = new_session();
    let (mut first, _) = Shell::attach(&world.url(), &session, "flood").await;
    first
        .line("while [ ! -e go ]; do sleep 0.05; done; head -c 300000 /dev/zero | tr '\\0' x; echo; echo T$((1+1))AIL; touch done")
        .await;
    first.expect_output(&["touch done"]).await;
    drop(first); // gone without a close handshake: a network drop

    let (mut other, _) = Shell::attach(&world.url(), &session, "trigger").await;
    other
        .line("touch go; while [ ! -e done ]; do sleep 0.05; done; echo D$((1+1))NE")
        .await;
    other.expect_output(&["D2NE"]).await;

    let (mut again, status) = Shell::attach(&world.url(), &session, "flood").await;
    let ShellStatus::Connected {
        reconnected,
        bytes_dropped,
        ..
    } = status
    else {
        panic!("{status:?}");
    };
    assert!(reconnected);
    assert!(
        bytes_dropped >= (300_000 - REPLAY_BYTES) as u64,
        "{bytes_dropped} dropped"
    );
    // Exactly the buffer's worth arrives (in frames of at most 64 KiB), nothing more
    // until the shell writes again.
    while again.output.len() < REPLAY_BYTES {
        match again.event().await {
            Event::Frame(frame) if frame.channel() == Channel::Stdout => {
                assert!(frame.encode().len() <= MAX_FRAME_BYTES);
                again.output.extend_from_slice(frame.payload());
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(again.output.len(), REPLAY_BYTES);
    let text = again.text();
    let tail = text
        .find("\r\nT2AIL")
        .expect("the end of the output is kept");
    assert!(
        text[..tail].bytes().all(|b| b == b'x'),
        "only the oldest bytes are dropped"
    );
    again.line("echo l$((2+3))ve").await;
    again.expect_output(&["l5ve"]).await;
}

#[tokio::test]
async fn a_client_that_does_not_read_holds_the_shell_back_instead_of_a_growing_buffer() {
    // Far more than the socket buffers, the queues and the PTY hold together.
    const BYTES: usize = 16 * 1024 * 1024;
    let (world, _scratch) = world().await;
    let (mut shell, _) = Shell::attach(&world.url(), &new_session(), "slow").await;
    shell.line("stty -echo; printf '<%s>\\n' \"$(pwd)\"").await;
    let text = shell.expect_output(&["</", ">"]).await;
    let start = text.find("</").unwrap() + 1;
    let directory = text[start..start + text[start..].find('>').unwrap()].to_owned();
    let finished = std::path::Path::new(&directory).join("finished");
    shell.output.clear();
    shell
        .line(&format!(
            "head -c {BYTES} /dev/zero | tr '\\0' x; touch finished"
        ))
        .await;
    // Not reading: the shell is held back. (Nothing to await: a bounded look.)
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!finished.exists(), "{BYTES} bytes went somewhere unread");
    // Reading: every byte arrives, none dropped, and the shell goes on.
    let mut seen = 0;
    while seen < BYTES {
        match shell.event().await {
            Event::Frame(frame) if frame.channel() == Channel::Stdout => {
                seen += frame.payload().iter().filter(|b| **b == b'x').count();
            }
            other => panic!("{other:?} after {seen} bytes"),
        }
    }
    assert_eq!(seen, BYTES);
    let deadline = Instant::now() + WAIT;
    while !finished.exists() {
        assert!(Instant::now() < deadline, "the shell did not go on");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_second_client_of_a_shell_closes_the_first_with_4000() {
    let (world, _scratch) = world().await;
    let session = new_session();
    let (mut first, _) = Shell::attach(&world.url(), &session, "shared").await;
    first.line("X=k$((1+1))ept").await;
    first.expect_output(&["X=k$((1+1))ept"]).await;
    let (mut second, status) = Shell::attach(&world.url(), &session, "shared").await;
    assert_eq!(status, connected("shared", true, 0));
    assert_eq!(first.expect_close().await, Some(CLOSE_KICKED));
    // The same shell: what the first client set is there.
    second.line("echo \"$X\"").await;
    second.expect_output(&["k2ept"]).await;
}

#[tokio::test]
async fn a_close_frame_ends_the_shell_and_the_next_attach_starts_a_new_one() {
    let (world, _scratch) = world().await;
    let session = new_session();
    let (mut shell, _) = Shell::attach(&world.url(), &session, "brief").await;
    let pid = shell.pid().await;
    shell.send(Frame::close()).await;
    shell.expect_close_echo().await;
    assert_eq!(shell.expect_close().await, Some(1000));
    assert!(gone(pid, WAIT).await, "the shell {pid} got SIGHUP");

    let (mut next, status) = Shell::attach(&world.url(), &session, "brief").await;
    assert_eq!(status, connected("brief", false, 0));
    // One that ignores SIGHUP gets SIGKILL after the grace.
    next.line("trap '' HUP").await;
    let stubborn = next.pid().await;
    let asked = Instant::now();
    next.send(Frame::close()).await;
    next.expect_close_echo().await;
    assert_eq!(next.expect_close().await, Some(1000));
    assert!(
        gone(stubborn, WAIT).await,
        "the shell {stubborn} got SIGKILL"
    );
    assert!(asked.elapsed() >= KILL_GRACE, "not killed before the grace");
}

#[tokio::test]
async fn a_message_over_64_kib_closes_with_1009() {
    let (world, _scratch) = world().await;
    let (mut shell, _) = Shell::attach(&world.url(), &new_session(), "big").await;
    let over = Frame::new(Channel::Stdin, vec![b'y'; MAX_FRAME_BYTES]);
    assert_eq!(over.encode().len(), MAX_FRAME_BYTES + 1);
    shell.send(over).await;
    assert_eq!(shell.expect_close().await, Some(1009));
}

#[tokio::test]
async fn five_text_messages_in_a_row_close_with_1003() {
    let (world, _scratch) = world().await;
    let (mut shell, _) = Shell::attach(&world.url(), &new_session(), "texts").await;
    for _ in 0..MAX_TEXT_MESSAGES - 1 {
        shell.ws.send(Message::text("ls")).await.unwrap();
    }
    // A binary message ends the run: still open.
    shell.send(Frame::heartbeat()).await;
    loop {
        match shell.event().await {
            Event::Frame(frame) if frame.channel() == Channel::Heartbeat => break,
            Event::Frame(_) => {}
            Event::Closed(code) => panic!("closed with {code:?}"),
        }
    }
    for _ in 0..MAX_TEXT_MESSAGES {
        shell.ws.send(Message::text("ls")).await.unwrap();
    }
    assert_eq!(shell.expect_close().await, Some(1003));
}

#[tokio::test]
async fn a_session_runs_at_most_10_shells() {
    let (world, _scratch) = world().await;
    let session = new_session();
    let mut shells = Vec::new();
    for n in 0..DEFAULT_MAX_SHELLS_PER_SESSION {
        let (shell, status) = Shell::attach(&world.url(), &session, &format!("s{n}")).await;
        assert_eq!(status, connected(&format!("s{n}"), false, 0));
        shells.push(shell);
    }
    let request = handshake(
        &world.url(),
        &session,
        "one-more",
        Auth::Bearer(BEARER_TOKEN),
    );
    assert_eq!(refused(request).await, (429, "ThrottlingException".into()));
    // Reattaching is not a new shell; another session has its own ten.
    let (_, status) = Shell::attach(&world.url(), &session, "s3").await;
    assert_eq!(status, connected("s3", true, 0));
    let (_, status) = Shell::attach(&world.url(), &new_session(), "one-more").await;
    assert_eq!(status, connected("one-more", false, 0));

    // A shell that exited frees its place.
    let mut last = shells.pop().unwrap();
    last.line("exit").await;
    last.expect_status().await;
    let (_, status) = Shell::attach(&world.url(), &session, "one-more").await;
    assert_eq!(status, connected("one-more", false, 0));
}

#[tokio::test]
async fn bearer_and_oauth_subprotocol_handshakes_are_checked_before_the_upgrade() {
    let (world, _scratch) = world().await;
    let url = world.url();
    let session = new_session();

    // The OAuth subprotocol of browsers, a fixed token and a JWT; the 101 selects it.
    let (ws, response) = connect(handshake(
        &url,
        &session,
        "oauth",
        Auth::Subprotocol(BEARER_TOKEN),
    ))
    .await
    .unwrap();
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        BEARER_SUBPROTOCOL
    );
    assert_eq!(response.headers()[SESSION_ID], session.as_str());
    let mut shell = Shell {
        ws,
        output: Vec::new(),
    };
    assert_eq!(shell.expect_status().await, connected("oauth", false, 0));
    let exp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 60;
    let jwt = agentcore_emulator::sign_hs256(&serde_json::json!({ "exp": exp }), JWT_SECRET);
    let (_, status) =
        Shell::attach_with(handshake(&url, &session, "jwt", Auth::Subprotocol(&jwt))).await;
    assert_eq!(status, connected("jwt", false, 0));

    // Refusals, each before any shell starts.
    let cases = [
        (
            handshake(&url, &session, "x", Auth::Bearer("wrong")),
            403,
            "AccessDeniedException",
        ),
        (
            handshake(&url, &session, "x", Auth::Subprotocol("wrong")),
            403,
            "AccessDeniedException",
        ),
        (
            handshake(&url, &session, "x", Auth::Anonymous),
            401,
            "UnauthorizedException",
        ),
        (
            handshake(&url, &session, "-bad", Auth::Bearer(BEARER_TOKEN)),
            424,
            "RuntimeClientError",
        ),
        (
            handshake(&url, "too-short", "x", Auth::Bearer(BEARER_TOKEN)),
            400,
            "ValidationException",
        ),
    ];
    for (request, status, kind) in cases {
        let uri = request.uri().clone();
        assert_eq!(refused(request).await, (status, kind.to_owned()), "{uri}");
    }
    let mut no_id = handshake(&url, &session, "x", Auth::Bearer(BEARER_TOKEN));
    *no_id.uri_mut() = ws_url(&url, "qualifier=DEFAULT").parse().unwrap();
    assert_eq!(refused(no_id).await, (400, "ValidationException".into()));
    // A token offered without the bare protocol: a browser would refuse the answer.
    let mut alone = handshake(&url, &session, "x", Auth::Subprotocol(BEARER_TOKEN));
    let token = format!(
        "{BEARER_SUBPROTOCOL}.{}",
        URL_SAFE_NO_PAD.encode(BEARER_TOKEN)
    );
    alone
        .headers_mut()
        .insert("sec-websocket-protocol", token.parse().unwrap());
    assert_eq!(refused(alone).await, (400, "ValidationException".into()));
}

/// Signs `GET url` as the reference SDK does: the session id header signed with host and
/// x-amz-date, or presigned with the session id in the query.
fn sign_get(
    url: &str,
    headers: &[(&str, &str)],
    placement: SignatureLocation,
    credentials: (&str, &str, Option<&str>),
    time: SystemTime,
) -> SigningInstructions {
    let request = SignableRequest::new(
        "GET",
        url,
        headers.iter().copied(),
        SignableBody::Bytes(&[]),
    )
    .unwrap();
    support::sign(request, placement, credentials, REGION, time)
}

/// A handshake with SigV4 headers: host;x-amz-date;x-amzn-bedrock-agentcore-runtime-session-id.
fn sigv4_handshake(base: &str, session: &str, shell: &str, secret: &str) -> Request<()> {
    let query = format!("qualifier=DEFAULT&shellId={shell}");
    let signed_url = format!("{base}{}?{query}", shells_path());
    let instructions = sign_get(
        &signed_url,
        &[(SESSION_ID, session)],
        SignatureLocation::Headers,
        (ACCESS_KEY, secret, None),
        SystemTime::now(),
    );
    let mut request = ws_url(base, &query).into_client_request().unwrap();
    request
        .headers_mut()
        .insert(SESSION_ID, session.parse().unwrap());
    for (name, value) in instructions.headers() {
        let name = http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    request
}

/// A presigned URL with temporary credentials, the session id a query parameter signed
/// with the rest.
fn presigned_handshake(base: &str, session: &str, shell: &str, time: SystemTime) -> Request<()> {
    let query = format!(
        "qualifier=DEFAULT&shellId={shell}&X-Amzn-Bedrock-AgentCore-Runtime-Session-Id={session}"
    );
    let signed_url = format!("{base}{}?{query}", shells_path());
    let instructions = sign_get(
        &signed_url,
        &[],
        SignatureLocation::QueryParams,
        (TEMP_ACCESS_KEY, TEMP_SECRET_KEY, Some(SESSION_TOKEN)),
        time,
    );
    let mut query = query;
    for (name, value) in instructions.params() {
        query.push_str(&format!(
            "&{}={}",
            percent_encode(name),
            percent_encode(value)
        ));
    }
    ws_url(base, &query).into_client_request().unwrap()
}

#[tokio::test]
async fn sigv4_header_and_presigned_handshakes_are_verified() {
    let (world, _scratch) = world().await;
    let url = world.url();
    let session = new_session();

    let request = sigv4_handshake(&url, &session, "signed", SECRET_KEY);
    let signed = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        signed
            .contains("SignedHeaders=host;x-amz-date;x-amzn-bedrock-agentcore-runtime-session-id"),
        "{signed}"
    );
    let (mut shell, status) = Shell::attach_with(request).await;
    assert_eq!(status, connected("signed", false, 0));
    shell.line("echo s$((1+1))g").await;
    shell.expect_output(&["s2g"]).await;
    let bad = sigv4_handshake(&url, &session, "signed", "not-the-secret");
    assert_eq!(refused(bad).await, (403, "AccessDeniedException".into()));

    // Presigned: the same shell, reattached by a browser's URL.
    let (_, status) = Shell::attach_with(presigned_handshake(
        &url,
        &session,
        "signed",
        SystemTime::now(),
    ))
    .await;
    assert_eq!(status, connected("signed", true, 0));
    assert_eq!(shell.expect_close().await, Some(CLOSE_KICKED));
    let expired = presigned_handshake(
        &url,
        &session,
        "late",
        SystemTime::now() - Duration::from_secs(120),
    );
    assert_eq!(
        refused(expired).await,
        (403, "AccessDeniedException".into())
    );
}

/// `StopRuntimeSession` with the bearer token; its status.
async fn stop(base: &str, session: &str) -> u16 {
    use http_body_util::{BodyExt, Full};
    let client: hyper_util::client::legacy::Client<_, Full<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let path = shells_path().replace("/ws/shells", "/stopruntimesession");
    let request = http::Request::post(format!("{base}{path}"))
        .header("authorization", format!("Bearer {BEARER_TOKEN}"))
        .header(SESSION_ID, session)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = tokio::time::timeout(WAIT, client.request(request))
        .await
        .expect("the stop is answered")
        .unwrap();
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    status
}

#[tokio::test]
async fn stopping_the_session_ends_its_shells_with_their_exit_status() {
    let (world, _scratch) = world().await;
    let session = new_session();
    let (mut shell, _) = Shell::attach(&world.url(), &session, "stopped").await;
    let pid = shell.pid().await;
    let url = world.url();
    let (stopped, status) = tokio::join!(stop(&url, &session), shell.expect_status());
    assert_eq!(stopped, 200);
    // SIGHUP (1) ended it.
    assert_eq!(
        status,
        ShellStatus::Exited {
            code: 129,
            signal: Some("1".into())
        }
    );
    assert_eq!(shell.expect_close().await, Some(1000));
    assert!(gone(pid, WAIT).await);
}

#[tokio::test]
async fn an_attached_shell_keeps_its_session_alive_and_an_idle_session_ends_its_shells() {
    const IDLE: Duration = Duration::from_millis(300);
    let (world, _scratch) = world_with(|builder| builder.session_idle_timeout(IDLE)).await;
    let (mut shell, _) = Shell::attach(&world.url(), &new_session(), "kept").await;
    let pid = shell.pid().await;
    // Well past the idle timeout with a client attached (nothing to await: a bounded
    // look), the shell is still there.
    tokio::time::sleep(IDLE * 4).await;
    shell.line("echo a$((1+1))ive").await;
    shell.expect_output(&["a2ive"]).await;
    // Detached, the session is idle: it ends, and its shell with it.
    shell.ws.close(None).await.unwrap();
    assert_eq!(shell.expect_close().await, None);
    assert!(
        gone(pid, WAIT).await,
        "the idle session's shell {pid} was ended"
    );
}

#[tokio::test]
async fn a_graceful_shutdown_closes_shell_connections_with_1001_and_kills_the_shells() {
    let scratch = Scratch::new();
    let running = Emulator::builder()
        .runtime(ARN, "http://127.0.0.1:9")
        .unwrap()
        .bearer_token(BEARER_TOKEN)
        .shell_command("/bin/sh", NO_ARGS)
        .work_root(&scratch.0)
        .build()
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let session = new_session();
    let (mut attached, _) = Shell::attach(&running.url(), &session, "attached").await;
    let attached_pid = attached.pid().await;
    let (mut detached, _) = Shell::attach(&running.url(), &session, "detached").await;
    let detached_pid = detached.pid().await;
    drop(detached);
    let (shutdown, code) = tokio::join!(
        tokio::time::timeout(WAIT, running.shutdown()),
        attached.expect_close()
    );
    shutdown.expect("the shutdown finishes");
    assert_eq!(code, Some(1001));
    assert!(gone(attached_pid, WAIT).await);
    assert!(gone(detached_pid, WAIT).await);
}
