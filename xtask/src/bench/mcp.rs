//! `cargo xtask bench --mcp`: MCP `tools/call` through the host (`bench_mcp`) against
//! rmcp's own Streamable HTTP service on bare hyper (`bench_mcp --bare`): the same tool
//! handler and rmcp settings, alternating rounds, compared on server CPU time per call.
//! Writes the `## MCP host (server)` section of `docs/BENCHMARKS.md`.

use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use super::measure::{self, wait_ready};
use super::report::{self, Report, Side};
use super::{Binaries, Load, Options, SERVER_CORE, Server};
use crate::process::{self, KillOnDrop, free_port};

/// The heading of the section this load owns.
const HEADING: &str = "## MCP host (server)";

/// Builds `bench_mcp` (feature `mcp`) and this binary, runs the rounds, reports.
pub(crate) fn run(
    options: &Options,
    binaries: &Binaries,
    root: &Path,
    target: &Path,
) -> Result<(), String> {
    let args = [
        "build",
        "--release",
        "-p",
        "agentcore-server",
        "--features",
        "agentcore-server/mcp",
        "--example",
        "bench_mcp",
        "-p",
        "xtask",
        "--bin",
        "xtask",
    ];
    process::cargo(root, &args, "the MCP benchmark")?;
    let program = target.join("release/examples/bench_mcp");
    let servers = [
        start(binaries, &program, Side::Agent)?,
        start(binaries, &program, Side::Baseline)?,
    ];
    let mut report = Report::new(
        options.rounds,
        options.secs,
        measure::clock_ticks_per_second(),
    );
    for round in 1..=options.rounds {
        for side in Side::BOTH {
            let outcome = binaries.load_round(Load::Mcp, &servers[side as usize], options.secs)?;
            eprintln!(
                "{:<12} round {round} {:<10} {}",
                Load::Mcp.name(),
                name(side),
                report.describe(&outcome)
            );
            report.add(Load::Mcp, side, outcome);
        }
    }
    drop(servers);
    let section = section(options, &report.mcp_table());
    report::publish(root, options.write, HEADING, &section)
}

fn name(side: Side) -> &'static str {
    match side {
        Side::Agent => "host",
        Side::Baseline => "bare rmcp",
    }
}

/// One side on a free port (`MCP_PORT`), pinned to the server core, ready on `/ping`.
fn start(binaries: &Binaries, program: &Path, side: Side) -> Result<Server, String> {
    let port = free_port()?;
    let mut command = binaries.pinned(program, SERVER_CORE, true);
    if side == Side::Baseline {
        command.arg("--bare");
    }
    command
        .env("MCP_PORT", port.to_string())
        .env("TOKIO_WORKER_THREADS", "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let since = Instant::now();
    let mut child = KillOnDrop(
        command
            .spawn()
            .map_err(|e| format!("cannot start the {} MCP server: {e}", name(side)))?,
    );
    wait_ready(&mut child, port, since)?;
    Ok(Server { child, port })
}

fn section(options: &Options, table: &str) -> String {
    let measured = report::measured_on();
    let (rounds, secs) = (options.rounds, options.secs);
    format!(
        "{HEADING}\n\n\
         <!-- Written by `cargo xtask bench` (or `cargo xtask bench --mcp`): rerun it to \
         refresh this section. -->\n\n\
         {measured}, loopback. Reproduce with:\n\n\
         ```sh\ncargo xtask bench --mcp\n```\n\n\
         ({rounds} rounds of {secs} s per side, host and bare rmcp alternating; medians. \
         `cargo xtask bench --mcp --quick --no-write` is a short run that writes \
         nothing.)\n\n\
         {table}\n\
         {METHOD}\n"
    )
}

/// How the figures are obtained.
const METHOD: &str = "\
**How.** Both sides are `crates/agentcore-server/examples/bench_mcp.rs`, one tool \
`echo(text) -> text` (rmcp's `#[tool_router]`), stateless, JSON answers \
(`legacy_session_mode` off, `json_response` on), the handler cloned per request: the \
host serves it with `App::mcp` (body limit and timeout, connection pools, `/ping` \
apart, the request context in the extensions, the request span and its log event with \
no subscriber installed); `--bare` serves rmcp's `StreamableHttpService` alone on hyper 1 \
http1, one task per connection, `TCP_NODELAY`, `/ping` answered by a static handler. \
Both are release builds with `TOKIO_WORKER_THREADS=1`, pinned to core 0; the load \
generator (the xtask's, 50 keep-alive connections, each sending its next `tools/call` \
as soon as the last is answered, with the session and request id headers the service \
sends and `MCP-Protocol-Version: 2025-11-25`) is pinned to core 1. A round reads the \
server's `utime + stime` around a fixed-time window; *server CPU per call* is that time \
divided by the calls completed. Most of a call's CPU is rmcp's either way (per request a \
serve loop, the tasks it spawns and their channels, the JSON-RPC parse and the tool \
router). The host adds the request context (the headers forwarded, the ids), reading \
the body under its limits before rmcp collects it again, the request span, and one \
boxed call into rmcp by reference (not a clone of rmcp's service and settings per \
request, as calling it as a tower `Service` would be).";
