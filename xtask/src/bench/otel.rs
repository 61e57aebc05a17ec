//! `cargo xtask bench --otel`: `POST /invocations` on `bench_agent` built with the
//! server's `otel` feature, exporting every request's spans to a local OTLP/HTTP sink,
//! against the same binary with `OTEL_SDK_DISABLED=true`; both write their JSON log lines
//! (to /dev/null), as on AgentCore. Alternating rounds, compared on server CPU time per
//! request. Writes the `## OpenTelemetry (server)` section of `docs/BENCHMARKS.md`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::measure::{self, wait_ready};
use super::report::{self, Report, Side};
use super::{Binaries, Load, Options, SERVER_CORE, Server};
use crate::process::{self, KillOnDrop, free_port};

/// The heading of the section this load owns.
const HEADING: &str = "## OpenTelemetry (server)";

/// Builds `bench_agent` with `otel`, starts the sink and both sides, runs the rounds.
pub(crate) fn run(options: &Options, binaries: &Binaries, root: &Path) -> Result<(), String> {
    let args = [
        "build",
        "--release",
        "-p",
        "agentcore-server",
        "--features",
        "agentcore-server/otel",
        "--example",
        "bench_agent",
        "-p",
        "xtask",
        "--bin",
        "xtask",
    ];
    process::cargo(root, &args, "the OpenTelemetry benchmark")?;
    let (endpoint, exports) = sink()?;
    let servers = [
        start(binaries, Side::Agent, &endpoint)?,
        start(binaries, Side::Baseline, &endpoint)?,
    ];
    let mut report = Report::new(
        options.rounds,
        options.secs,
        measure::clock_ticks_per_second(),
    );
    for round in 1..=options.rounds {
        for side in Side::BOTH {
            let outcome =
                binaries.load_round(Load::Invoke, &servers[side as usize], options.secs)?;
            eprintln!(
                "{:<12} round {round} {:<10} {}",
                "otel",
                name(side),
                report.describe(&outcome)
            );
            report.add(Load::Invoke, side, outcome);
        }
    }
    drop(servers);
    let exported = exports.load(Ordering::Relaxed);
    if exported == 0 {
        return Err("the OpenTelemetry side exported nothing".into());
    }
    let section = section(options, &report.otel_table(), exported);
    report::publish(root, options.write, HEADING, &section)
}

fn name(side: Side) -> &'static str {
    match side {
        Side::Agent => "otel on",
        Side::Baseline => "otel off",
    }
}

/// A side on a free port, pinned to the server core, ready on `/ping`.
fn start(binaries: &Binaries, side: Side, endpoint: &str) -> Result<Server, String> {
    let port = free_port()?;
    let mut command = binaries.pinned(&binaries.agent, SERVER_CORE, true);
    command
        .env("PORT", port.to_string())
        .env("TOKIO_WORKER_THREADS", "1")
        .env("BENCH_LOG_INIT", "1")
        .env("DOCKER_CONTAINER", "1")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    match side {
        Side::Agent => command.env_remove("OTEL_SDK_DISABLED"),
        Side::Baseline => command.env("OTEL_SDK_DISABLED", "true"),
    };
    let since = Instant::now();
    let mut child = KillOnDrop(
        command
            .spawn()
            .map_err(|e| format!("cannot start the {} agent: {e}", name(side)))?,
    );
    wait_ready(&mut child, port, since)?;
    Ok(Server { child, port })
}

/// An OTLP/HTTP sink on 127.0.0.1: every request read whole and answered 200; the
/// number of exports it received.
fn sink() -> Result<(String, Arc<AtomicU64>), String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind the sink: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let exports = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&exports);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counted = Arc::clone(&counted);
            std::thread::spawn(move || serve(stream, &counted));
        }
    });
    Ok((format!("http://{addr}"), exports))
}

/// Keep-alive HTTP/1.1 requests with a `content-length` body, each answered 200.
fn serve(stream: TcpStream, exports: &AtomicU64) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let lower = line.trim_end().to_ascii_lowercase();
            if lower.is_empty() {
                break;
            }
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        exports.fetch_add(1, Ordering::Relaxed);
        if writer
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

fn section(options: &Options, table: &str, exported: u64) -> String {
    let measured = report::measured_on();
    let (rounds, secs) = (options.rounds, options.secs);
    format!(
        "{HEADING}\n\n\
         <!-- Written by `cargo xtask bench --otel`: rerun it to \
         refresh this section. -->\n\n\
         {measured}, loopback. Reproduce with:\n\n\
         ```sh\ncargo xtask bench --otel\n```\n\n\
         ({rounds} rounds of {secs} s per side, on and off alternating; medians; \
         {exported} OTLP exports received. `cargo xtask bench --otel --quick --no-write` \
         is a short run that writes nothing.)\n\n\
         {table}\n\
         {METHOD}\n"
    )
}

/// How the figures are obtained.
const METHOD: &str = "\
**How.** Both sides are `crates/agentcore-server/examples/bench_agent.rs` built with the \
`otel` feature and `agentcore_server::log::init()` (`BENCH_LOG_INIT=1`), JSON log lines \
(`DOCKER_CONTAINER=1`) to /dev/null: *on* exports every request's server span in batches \
(the SDK's defaults: a 5 s delay, 512 spans a batch) over OTLP/HTTP protobuf to a sink in \
the xtask process that reads each export and answers 200; *off* runs with \
`OTEL_SDK_DISABLED=true`, so the same binary installs no exporter. Release builds, \
`TOKIO_WORKER_THREADS=1`, pinned to core 0 (the SDK's batch thread and the exporter's \
client thread too); the load generator (50 keep-alive connections, JSON echo) on core 1. \
*Server CPU per request* is the server's `utime + stime` over a fixed-time window divided \
by the requests completed; it includes the span's creation, its parent taken from no \
header (a new root each request), the attributes, the batch queue, the encoding and the \
HTTP export.";
