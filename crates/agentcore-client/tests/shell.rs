//! Interactive shells end to end: the client against the emulator's real PTY, in every
//! auth mode; exit codes and signals, resize, the frame limit, reconnect with replay
//! through a proxy whose connections the test cuts, kick, refusals.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use agentcore_client::{
    Auth, Presign, ReconnectPolicy, RuntimeClient, Shell, ShellEvent, StaticTimeSource,
};
use agentcore_testkit::{BEARER_TOKEN, World, temporary_credentials};
use futures_util::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Reads events until `pattern` appears in the output (or the shell ends: a panic);
/// the output read, with every event seen.
async fn read_until(shell: &mut Shell, pattern: &str) -> (String, Vec<ShellEvent>) {
    let mut output = String::new();
    let mut events = Vec::new();
    let waited = tokio::time::timeout(Duration::from_secs(20), async {
        while !output.contains(pattern) {
            let event = shell.next().await;
            let event = event.unwrap_or_else(|| panic!("ended before {pattern:?}: {output}"));
            let event = event.unwrap_or_else(|e| panic!("{e:?} before {pattern:?}: {output}"));
            if let ShellEvent::Stdout(bytes) | ShellEvent::Stderr(bytes) = &event {
                output.push_str(&String::from_utf8_lossy(bytes));
            }
            events.push(event);
        }
    })
    .await;
    assert!(waited.is_ok(), "no {pattern:?} within 20 s: {output}");
    (output, events)
}

/// Reads to the end of the stream; every event.
async fn read_to_end(shell: &mut Shell) -> Vec<ShellEvent> {
    let mut events = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = shell.next().await {
            events.push(event.unwrap());
        }
    })
    .await;
    assert!(ended.is_ok(), "the shell did not end: {events:?}");
    events
}

#[tokio::test]
async fn every_auth_mode_runs_a_shell_to_its_exit_code() {
    let world = World::start().await;
    let client = world.client();
    let modes = [
        Auth::SigV4,
        Auth::Presigned(Presign::new(Duration::from_secs(60))),
        Auth::Bearer(BEARER_TOKEN.to_owned()),
    ];
    for auth in modes {
        let session = agentcore_testkit::session();
        let mut shell = client
            .open_shell(&session)
            .auth(auth.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{auth:?}: {e:?}"));
        shell
            .send_input("echo out-$((40+2)); printf err >&2; exit 3\n")
            .await
            .unwrap();
        let (output, _) = read_until(&mut shell, "out-42").await;
        assert!(output.contains("out-42"), "{auth:?}: {output}");
        let rest = read_to_end(&mut shell).await;
        assert!(
            rest.contains(&ShellEvent::Exited {
                code: 3,
                signal: None
            }),
            "{auth:?}: {rest:?}"
        );
        assert!(matches!(
            rest.last(),
            Some(ShellEvent::Closed {
                code: Some(1000),
                ..
            })
        ));
        assert_eq!(shell.exit_code(), Some(3));
        assert!(!shell.kicked());
    }
}

#[tokio::test]
async fn a_signal_resize_and_a_large_paste() {
    let world = World::start().await;
    let client = world.client();
    let session = agentcore_testkit::session();
    let mut shell = client
        .open_shell(&session)
        .size(100, 24)
        .send()
        .await
        .unwrap();
    shell.send_input("stty size\n").await.unwrap();
    read_until(&mut shell, "24 100").await;
    shell.resize(132, 43).await.unwrap();
    shell.send_input("stty size\n").await.unwrap();
    read_until(&mut shell, "43 132").await;
    // A paste larger than one frame arrives whole (`wc -c` counts it), in a raw
    // terminal so that no line limit of the PTY applies.
    let raw = "stty raw -echo; echo ready-$((2*2)); head -c 200000 | wc -c\n";
    shell.send_input(raw).await.unwrap();
    read_until(&mut shell, "ready-4").await;
    shell.send_input("y".repeat(200_000)).await.unwrap();
    read_until(&mut shell, "200000").await;
    shell.send_input("kill -9 $$\n").await.unwrap();
    let events = read_to_end(&mut shell).await;
    assert!(
        events.contains(&ShellEvent::Exited {
            code: 137,
            signal: Some("9".into())
        }),
        "{events:?}"
    );
}

/// A TCP proxy in front of the emulator whose open connections the test can cut.
struct Proxy {
    url: String,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(Mutex::new(Vec::new()));
        let held = Arc::clone(&connections);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                held.lock().unwrap().push(relay);
            }
        });
        Proxy { url, connections }
    }

    /// Drops every open connection, as a network failure does (no close frame).
    fn cut(&self) {
        for relay in self.connections.lock().unwrap().drain(..) {
            relay.abort();
        }
    }
}

#[tokio::test]
async fn a_dropped_connection_reattaches_and_replays_what_was_missed() {
    let world = World::start().await;
    let proxy = Proxy::start(world.emulator().addr()).await;
    let client = world.client_builder().endpoint(&proxy.url).build().unwrap();
    let session = agentcore_testkit::session();
    let fast = ReconnectPolicy::default()
        .with_delays(Duration::from_millis(50), Duration::from_millis(200));
    let mut shell = client
        .open_shell(&session)
        .shell_id("resilient")
        .reconnect(fast)
        .send()
        .await
        .unwrap();
    // Output that is produced while the connection is down.
    shell
        .send_input("sleep 1; echo while-$((1+1))-away\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    proxy.cut();
    let (output, events) = read_until(&mut shell, "while-2-away").await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ShellEvent::Reconnected { attempts } if *attempts >= 1)),
        "{events:?} {output}"
    );
    assert!(shell.reconnected());
    // The same shell: its state is still there.
    shell
        .send_input("echo same-$$-shell; exit 0\n")
        .await
        .unwrap();
    read_until(&mut shell, "-shell").await;
    let rest = read_to_end(&mut shell).await;
    assert!(
        rest.contains(&ShellEvent::Exited {
            code: 0,
            signal: None
        }),
        "{rest:?}"
    );
}

#[tokio::test]
async fn detach_then_reattach_and_a_second_client_kicks_the_first() {
    let world = World::start().await;
    let client = world.client();
    let session = agentcore_testkit::session();
    let mut first = client
        .open_shell(&session)
        .shell_id("shared")
        .send()
        .await
        .unwrap();
    first.send_input("export MARK=kept\n").await.unwrap();
    first.send_input("echo marked\n").await.unwrap();
    read_until(&mut first, "marked").await;
    first.detach().await.unwrap();

    let mut second = client
        .open_shell(&session)
        .shell_id("shared")
        .send()
        .await
        .unwrap();
    second.send_input("echo mark-is-$MARK\n").await.unwrap();
    read_until(&mut second, "mark-is-kept").await;
    assert!(second.reconnected());

    let mut third = client
        .open_shell(&session)
        .shell_id("shared")
        .send()
        .await
        .unwrap();
    let kicked = read_to_end(&mut second).await;
    assert!(second.kicked(), "{kicked:?}");
    assert!(matches!(
        kicked.last(),
        Some(ShellEvent::Closed {
            code: Some(4000),
            ..
        })
    ));
    // The one that took over goes on, and closing ends the shell for good.
    third.send_input("echo third-$((3*3))\n").await.unwrap();
    read_until(&mut third, "third-9").await;
    third.close().await.unwrap();
    let mut fresh = client
        .open_shell(&session)
        .shell_id("shared")
        .send()
        .await
        .unwrap();
    fresh
        .send_input("echo mark-is-${MARK:-gone}\n")
        .await
        .unwrap();
    read_until(&mut fresh, "mark-is-gone").await;
    assert!(!fresh.reconnected());
}

#[tokio::test]
async fn refused_shells_are_typed_errors() {
    let world = World::start().await;
    let session = agentcore_testkit::session();
    let wrong_token = world
        .client()
        .open_shell(&session)
        .bearer("wrong")
        .send()
        .await
        .unwrap_err();
    assert_eq!(wrong_token.status(), Some(403), "{wrong_token:?}");

    let forged: RuntimeClient = world
        .client_builder()
        .credentials_provider(temporary_credentials("not-the-secret"))
        .build()
        .unwrap();
    let bad_signature = forged.open_shell(&session).send().await.unwrap_err();
    assert!(
        matches!(bad_signature.status(), Some(401 | 403)),
        "{bad_signature:?}"
    );

    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let stale = world
        .client_builder()
        .clock(StaticTimeSource::new(an_hour_ago))
        .build()
        .unwrap();
    let expired = stale
        .open_shell(&session)
        .presigned(Presign::new(Duration::from_secs(60)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(expired.status(), Some(403), "{expired:?}");

    let bad_id = world
        .client()
        .open_shell(&session)
        .shell_id("no spaces")
        .send()
        .await;
    assert!(matches!(
        bad_id,
        Err(agentcore_client::Error::InvalidOption(_))
    ));
}
