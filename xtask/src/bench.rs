//! `cargo xtask bench`: the agent host (`bench_agent`) against a bare-hyper baseline,
//! in alternating rounds, compared on server CPU time per request, event and message.
//!
//! Both servers are built in release, run with `TOKIO_WORKER_THREADS=1` and are pinned
//! to core 0 (`taskset -c 0`); the load generator (this binary, `--loadgen`, release) is
//! pinned to core 1. Each round reads the server's `utime + stime` around a fixed-time
//! window; the per-side figure is the median of its rounds.

mod baseline;
mod client;
mod idle;
mod load;
mod mcp;
pub(crate) mod measure;
mod otel;
pub(crate) mod report;
mod shell;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use self::load::Outcome;
use self::measure::{cold_start, median, rss_kib, wait_ready};
use self::report::{Report, Side};
use crate::process::{self, KillOnDrop, free_port};

/// The session id header of the runtime contract.
pub(crate) const SESSION_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-session-id";

const USAGE: &str = "\
usage: cargo xtask bench [--rounds N] [--secs S] [--quick] [--no-write] [--client] [--mcp] [--otel]

Benchmarks the agent host (example bench_agent) against a bare-hyper baseline over
loopback: /ping and /invocations (50 keep-alive connections), SSE (1000 events of 100 B
per request), WebSocket echo (50 connections), cold start, RSS, and the RSS of 1000
idle WebSockets. Rounds alternate
agent, baseline, agent, baseline...; figures are medians of the rounds. Then MCP
`tools/call` through the host (example bench_mcp) against rmcp's service on bare hyper
(bench_mcp --bare), the same way. Then the
client's memory while it reads a 1,000,000-event SSE stream and 256 MiB of command
output through the emulator, and a shell's keystroke echo and 100 MiB `cat`. Writes the
`## Agent host (server)`, `## MCP host (server)` and `## Client streams and shells`
sections of docs/BENCHMARKS.md.

  --rounds N   rounds per side and load (default 3)
  --secs S     length of one round in seconds (default 3)
  --quick      1 round of 1 s each, 3 cold starts: for development
  --no-write   print the report only, leave docs/BENCHMARKS.md alone
  --client     the client streams and shells only
  --mcp        MCP `tools/call` only
  --otel       invocations with the server's `otel` feature exporting spans against
               OTEL_SDK_DISABLED=true only (`## OpenTelemetry (server)`)
";

/// Concurrent connections of every load.
const CONNECTIONS: usize = 50;
/// The core the servers run on, and the one the load generator runs on.
const SERVER_CORE: &str = "0";
const LOADGEN_CORE: &str = "1";

/// A kind of load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Load {
    Ping,
    Invoke,
    Sse,
    Ws,
    /// MCP `tools/call`, against its own pair of servers (`bench::mcp`).
    Mcp,
}

impl Load {
    /// The loads of the agent host against bare hyper.
    const ALL: [Load; 4] = [Load::Ping, Load::Invoke, Load::Sse, Load::Ws];

    fn name(self) -> &'static str {
        match self {
            Load::Ping => "ping",
            Load::Invoke => "invocations",
            Load::Sse => "sse",
            Load::Ws => "ws",
            Load::Mcp => "mcp",
        }
    }

    fn parse(name: &str) -> Option<Load> {
        let mut every = Load::ALL.into_iter().chain([Load::Mcp]);
        every.find(|load| load.name() == name)
    }
}

/// What `cargo xtask bench` is asked to do.
#[derive(Debug, PartialEq)]
enum Args {
    Help,
    Bench(Options),
    /// Hidden: serve the baseline on `$PORT`.
    BaselineServer,
    /// Hidden: run one load window and print its outcome.
    Loadgen(load::Spec),
    /// Hidden: read one stream through the client at this endpoint, print its samples.
    ClientStream(client::Stream, String),
    /// Hidden: measure a shell of the emulator at this endpoint (and pid).
    ClientShell(String, u32),
}

#[derive(Debug, Clone, PartialEq)]
struct Options {
    rounds: usize,
    secs: f64,
    cold_starts: usize,
    write: bool,
    /// The client streams only.
    client_only: bool,
    /// MCP `tools/call` only.
    mcp_only: bool,
    /// OpenTelemetry on against off only.
    otel_only: bool,
}

/// Runs `cargo xtask bench` with the arguments after `bench`.
pub(crate) fn run(args: &[String]) -> ExitCode {
    let result = match parse_args(args) {
        Ok(Args::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Args::BaselineServer) => return baseline::run(),
        Ok(Args::Loadgen(spec)) => load::run(&spec).and_then(|outcome| {
            let line = serde_json::to_string(&outcome).map_err(|e| e.to_string())?;
            println!("{line}");
            Ok(())
        }),
        Ok(Args::ClientStream(stream, endpoint)) => {
            client::run(stream, &endpoint).and_then(|samples| {
                let line = serde_json::to_string(&samples).map_err(|e| e.to_string())?;
                println!("{line}");
                Ok(())
            })
        }
        Ok(Args::ClientShell(endpoint, pid)) => {
            client::run_shell(&endpoint, pid).and_then(|figures| {
                let line = serde_json::to_string(&figures).map_err(|e| e.to_string())?;
                println!("{line}");
                Ok(())
            })
        }
        Ok(Args::Bench(options)) => bench(&options),
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut options = Options {
        rounds: 3,
        secs: 3.0,
        cold_starts: 10,
        write: true,
        client_only: false,
        mcp_only: false,
        otel_only: false,
    };
    let (mut rounds, mut secs) = (None, None);
    let mut loadgen: Option<Load> = None;
    let (mut client_stream, mut endpoint, mut client_shell) = (None, None, false);
    let (mut port, mut pid, mut conns) = (None, None, CONNECTIONS);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .filter(|v| !v.starts_with("--"))
                .ok_or_else(|| format!("`{flag}` needs a value"))
        };
        let number = |flag: &str, text: &str| {
            text.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n > 0.0)
                .ok_or_else(|| format!("`{flag}` needs a positive number, not `{text}`"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(Args::Help),
            "--baseline-server" => return Ok(Args::BaselineServer),
            "--quick" => {
                options.rounds = 1;
                options.secs = 1.0;
                options.cold_starts = 3;
            }
            "--no-write" => options.write = false,
            "--client" => options.client_only = true,
            "--mcp" => options.mcp_only = true,
            "--otel" => options.otel_only = true,
            "--client-stream" => {
                let name = value(arg)?;
                let stream = client::Stream::parse(name);
                client_stream = Some(stream.ok_or_else(|| format!("unknown stream `{name}`"))?);
            }
            "--endpoint" => endpoint = Some(value(arg)?.clone()),
            "--client-shell" => client_shell = true,
            "--rounds" => rounds = Some(number(arg, value(arg)?)? as usize),
            "--secs" => secs = Some(number(arg, value(arg)?)?),
            "--loadgen" => {
                let name = value(arg)?;
                loadgen = Some(Load::parse(name).ok_or_else(|| format!("unknown load `{name}`"))?);
            }
            "--port" => port = Some(number(arg, value(arg)?)? as u16),
            "--pid" => pid = Some(number(arg, value(arg)?)? as u32),
            "--conns" => conns = number(arg, value(arg)?)? as usize,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    options.rounds = rounds.unwrap_or(options.rounds).max(1);
    options.secs = secs.unwrap_or(options.secs);
    if client_shell {
        let endpoint = endpoint.ok_or("`--client-shell` needs `--endpoint`")?;
        return Ok(Args::ClientShell(
            endpoint,
            pid.ok_or("`--client-shell` needs `--pid`")?,
        ));
    }
    if let Some(stream) = client_stream {
        let endpoint = endpoint.ok_or("`--client-stream` needs `--endpoint`")?;
        return Ok(Args::ClientStream(stream, endpoint));
    }
    match loadgen {
        Some(load) => Ok(Args::Loadgen(load::Spec {
            load,
            port: port.ok_or("`--loadgen` needs `--port`")?,
            pid: pid.ok_or("`--loadgen` needs `--pid`")?,
            secs: options.secs,
            conns: conns.max(1),
        })),
        None => Ok(Args::Bench(options)),
    }
}

/// A server under test, running.
struct Server {
    child: KillOnDrop,
    port: u16,
}

/// How to start each side, and where the load generator is.
struct Binaries {
    agent: PathBuf,
    xtask: PathBuf,
    taskset: bool,
}

impl Binaries {
    /// The command that starts `side` on `port`, pinned to the server core if `pin`.
    fn server(&self, side: Side, port: u16, pin: bool) -> Command {
        let (program, args): (&Path, &[&str]) = match side {
            Side::Agent => (&self.agent, &[]),
            Side::Baseline => (&self.xtask, &["bench", "--baseline-server"]),
        };
        let mut command = self.pinned(program, SERVER_CORE, pin);
        command
            .args(args)
            .env("PORT", port.to_string())
            .env("TOKIO_WORKER_THREADS", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        command
    }

    fn pinned(&self, program: &Path, core: &str, pin: bool) -> Command {
        if pin && self.taskset {
            let mut command = Command::new("taskset");
            command.args(["-c", core]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn start(&self, side: Side) -> Result<Server, String> {
        let port = free_port()?;
        let since = Instant::now();
        // Killed on every path out, a failed start included.
        let mut child = KillOnDrop(
            self.server(side, port, true)
                .spawn()
                .map_err(|e| format!("cannot start the {} server: {e}", side.name()))?,
        );
        wait_ready(&mut child, port, since)?;
        Ok(Server { child, port })
    }

    fn load_round(&self, load: Load, server: &Server, secs: f64) -> Result<Outcome, String> {
        let output = self
            .pinned(&self.xtask, LOADGEN_CORE, true)
            .args(["bench", "--loadgen", load.name()])
            .args(["--port", &server.port.to_string()])
            .args(["--pid", &server.child.id().to_string()])
            .args(["--secs", &secs.to_string()])
            .args(["--conns", &CONNECTIONS.to_string()])
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run the load generator: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "the {} load failed ({})",
                load.name(),
                output.status
            ));
        }
        serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("unreadable load generator output: {e}"))
    }
}

fn bench(options: &Options) -> Result<(), String> {
    let root = crate::conformance::workspace_root();
    let target = env::var_os("CARGO_TARGET_DIR").map_or(root.join("target"), |d| root.join(d));
    let binaries = Binaries {
        agent: target.join("release/examples/bench_agent"),
        xtask: target.join("release/xtask"),
        taskset: Command::new("taskset")
            .args(["-c", "0", "true"])
            .status()
            .is_ok_and(|s| s.success()),
    };
    if options.mcp_only {
        return mcp::run(options, &binaries, &root, &target);
    }
    if options.otel_only {
        return otel::run(options, &binaries, &root);
    }
    build(&root)?;
    if !options.client_only {
        server(options, &binaries, &root)?;
        mcp::run(options, &binaries, &root, &target)?;
    }
    let (streams, shell) = client::measure(&target.join("release"), &root)?;
    let section = client::section(&streams, &shell);
    report::publish(
        &root,
        options.write,
        "## Client streams and shells",
        &section,
    )
}

/// The agent host against bare hyper: cold start, RSS, each load, idle WebSockets.
fn server(options: &Options, binaries: &Binaries, root: &Path) -> Result<(), String> {
    if !binaries.taskset {
        eprintln!("warning: taskset is missing; servers and load generator are not pinned");
    }
    let mut report = Report::new(
        options.rounds,
        options.secs,
        measure::clock_ticks_per_second(),
    );

    eprintln!("cold start: {} spawns per side", options.cold_starts);
    for side in Side::BOTH {
        let mut times = Vec::new();
        // One more, untimed: the first spawn pays for the page cache.
        for spawn in 0..=options.cold_starts {
            let port = free_port()?;
            let elapsed = cold_start(binaries.server(side, port, false), port)?;
            if spawn > 0 {
                times.push(elapsed.as_secs_f64() * 1e3);
            }
        }
        report.cold_start_ms[side as usize] = median(&times);
    }

    let servers = [
        binaries.start(Side::Agent)?,
        binaries.start(Side::Baseline)?,
    ];
    // Idle: right after the first 200 on /ping, and a moment to settle.
    std::thread::sleep(Duration::from_millis(100));
    for side in Side::BOTH {
        report.rss_idle_kib[side as usize] = rss_kib(servers[side as usize].child.id())?;
    }

    for load in Load::ALL {
        for round in 1..=options.rounds {
            for side in Side::BOTH {
                let outcome = binaries.load_round(load, &servers[side as usize], options.secs)?;
                eprintln!(
                    "{:<12} round {round} {:<10} {}",
                    load.name(),
                    side.name(),
                    report.describe(&outcome)
                );
                report.add(load, side, outcome);
            }
        }
    }
    for side in Side::BOTH {
        report.rss_loaded_kib[side as usize] = rss_kib(servers[side as usize].child.id())?;
    }
    for side in Side::BOTH {
        let server = &servers[side as usize];
        let kib = idle::rss_per_idle_websocket(server.port, server.child.id())?;
        eprintln!(
            "idle websockets  {:<10} {kib:.1} KiB each ({} open)",
            side.name(),
            idle::IDLE_SOCKETS
        );
        report.ws_idle_kib[side as usize] = kib;
    }
    drop(servers);

    let table = report.table();
    println!("{table}");
    if options.write {
        let path = root.join("docs").join("BENCHMARKS.md");
        report::write_section(&path, &report.section(&table))?;
        eprintln!(
            "wrote the `## Agent host (server)` section of {}",
            path.display()
        );
    }
    Ok(())
}

/// Builds `bench_agent`, the emulator and this binary in release, in one invocation so that both see
/// the same features of shared crates (serde_json's map, for one).
pub(crate) fn build(root: &Path) -> Result<(), String> {
    let args = [
        "build",
        "--release",
        "-p",
        "agentcore-server",
        "--example",
        "bench_agent",
        "-p",
        "agentcore-emulator",
        "--bin",
        "agentcore-emulator",
        "-p",
        "xtask",
        "--bin",
        "xtask",
    ];
    process::cargo(root, &args, "the benchmark")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_and_flags() {
        let Ok(Args::Bench(options)) = parse(&[]) else {
            panic!("no bench");
        };
        assert_eq!(
            (options.rounds, options.secs, options.write),
            (3, 3.0, true)
        );
        let Ok(Args::Bench(options)) = parse(&["--quick", "--no-write"]) else {
            panic!("no bench");
        };
        assert_eq!(
            (options.rounds, options.secs, options.write),
            (1, 1.0, false)
        );
        let Ok(Args::Bench(options)) = parse(&["--rounds", "5", "--secs", "2.5"]) else {
            panic!("no bench");
        };
        assert_eq!((options.rounds, options.secs), (5, 2.5));
        assert_eq!(parse(&["--help"]), Ok(Args::Help));
        assert_eq!(parse(&["--baseline-server"]), Ok(Args::BaselineServer));
        let Ok(Args::Bench(options)) = parse(&["--client"]) else {
            panic!("no bench");
        };
        assert!(options.client_only);
        let Ok(Args::Bench(options)) = parse(&["--mcp", "--quick"]) else {
            panic!("no bench");
        };
        assert!(options.mcp_only && !options.client_only);
        assert!(matches!(
            parse(&["--loadgen", "mcp", "--port", "1", "--pid", "2"]),
            Ok(Args::Loadgen(load::Spec {
                load: Load::Mcp,
                ..
            }))
        ));
        assert_eq!(
            parse(&["--client-stream", "sse", "--endpoint", "http://127.0.0.1:1"]),
            Ok(Args::ClientStream(
                client::Stream::Sse,
                "http://127.0.0.1:1".to_owned()
            ))
        );
        assert!(
            parse(&["--client-stream", "sse"])
                .unwrap_err()
                .contains("--endpoint")
        );
        assert!(
            parse(&["--client-stream", "x"])
                .unwrap_err()
                .contains("unknown stream")
        );
    }

    #[test]
    fn loadgen_mode() {
        let args = parse(&[
            "--loadgen",
            "sse",
            "--port",
            "8080",
            "--pid",
            "42",
            "--secs",
            "2",
        ]);
        let expected = load::Spec {
            load: Load::Sse,
            port: 8080,
            pid: 42,
            secs: 2.0,
            conns: CONNECTIONS,
        };
        assert_eq!(args, Ok(Args::Loadgen(expected)));
        assert!(parse(&["--loadgen", "sse"]).unwrap_err().contains("--port"));
        assert!(
            parse(&["--loadgen", "nope"])
                .unwrap_err()
                .contains("unknown load")
        );
    }

    #[test]
    fn usage_errors() {
        assert!(parse(&["--rounds"]).unwrap_err().contains("needs a value"));
        assert!(
            parse(&["--rounds", "x"])
                .unwrap_err()
                .contains("positive number")
        );
        assert!(
            parse(&["--secs", "-1"])
                .unwrap_err()
                .contains("positive number")
        );
        assert!(
            parse(&["--bogus"])
                .unwrap_err()
                .contains("unknown argument")
        );
    }
}
