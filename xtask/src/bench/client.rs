//! What a long stream costs the client: the resident memory of a process that reads one
//! SSE stream, or one command's output, through `agentcore-client` from the emulator in
//! front of `bench_agent`, sampled as the stream goes. Flat means the last sample is no
//! higher than the one at a tenth of the way, give or take the allocator.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use agentcore_client::contract::RuntimeArn;
use agentcore_client::{CommandEvent, RuntimeClient, RuntimeSession};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::measure::rss_kib;
use super::shell::{CAT_BYTES, KEYSTROKES, ShellFigures};
use crate::process::{Service, free_port};

/// The runtime the emulator serves for the measure.
const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/bench-agent";
/// The emulator's bearer token for the run (a local secret of no value).
const TOKEN: &str = "bench-client-stream-token";
/// SSE events in the stream, and the text of each.
pub(crate) const SSE_EVENTS: u64 = 1_000_000;
pub(crate) const SSE_TEXT_BYTES: u64 = 100;
/// Bytes of command output in the stream.
pub(crate) const COMMAND_BYTES: u64 = 256 << 20;
/// How many RSS samples a stream takes, evenly spaced.
const SAMPLES: u64 = 20;

/// Which stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Stream {
    Sse,
    Command,
}

impl Stream {
    pub(crate) const ALL: [Stream; 2] = [Stream::Sse, Stream::Command];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Stream::Sse => "sse",
            Stream::Command => "command",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Stream> {
        Stream::ALL.into_iter().find(|s| s.name() == name)
    }

    /// How far the stream goes, in its own units (events, bytes).
    fn length(self) -> u64 {
        match self {
            Stream::Sse => SSE_EVENTS,
            Stream::Command => COMMAND_BYTES,
        }
    }
}

/// One stream read to its end: the process's RSS as it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Samples {
    pub(crate) stream: Stream,
    /// Bytes of payload received (event data, command stdout).
    pub(crate) bytes: u64,
    pub(crate) secs: f64,
    /// (progress in the stream's units, RSS in KiB), first to last.
    pub(crate) rss_kib: Vec<(u64, u64)>,
}

impl Samples {
    /// The RSS a tenth of the way in (past the start-up allocations).
    pub(crate) fn early_kib(&self) -> u64 {
        let tenth = self.stream.length() / 10;
        self.rss_kib
            .iter()
            .find(|(at, _)| *at >= tenth)
            .map_or(0, |(_, kib)| *kib)
    }

    /// The RSS at the end.
    pub(crate) fn last_kib(&self) -> u64 {
        self.rss_kib.last().map_or(0, |(_, kib)| *kib)
    }

    /// The highest RSS from a tenth of the way to the end.
    pub(crate) fn peak_kib(&self) -> u64 {
        let tenth = self.stream.length() / 10;
        let later = self.rss_kib.iter().filter(|(at, _)| *at >= tenth);
        later.map(|(_, kib)| *kib).max().unwrap_or(0)
    }
}

/// Hidden mode, in a process of its own: reads `stream` from the emulator at `endpoint`
/// and samples this process's RSS.
pub(crate) fn run(stream: Stream, endpoint: &str) -> Result<Samples, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(read(stream, endpoint))
}

async fn read(stream: Stream, endpoint: &str) -> Result<Samples, String> {
    let client = RuntimeClient::builder()
        .endpoint(endpoint)
        .bearer_token(TOKEN)
        .build()
        .map_err(|e| format!("cannot build the client: {e}"))?;
    let arn: RuntimeArn = ARN.parse().map_err(|e| format!("{e}"))?;
    let session = RuntimeSession::new(arn);
    let pid = std::process::id();
    let step = stream.length() / SAMPLES;
    let mut samples = Samples {
        stream,
        bytes: 0,
        secs: 0.0,
        rss_kib: vec![(0, rss_kib(pid)?)],
    };
    let mut next_sample = step;
    let mut progress = 0;
    let started = Instant::now();
    let failed = |e: agentcore_client::Error| format!("the {} stream failed: {e}", stream.name());
    match stream {
        Stream::Sse => {
            let payload = json!({ "stream": SSE_EVENTS, "size": SSE_TEXT_BYTES });
            let mut events = client
                .invoke_stream(&session)
                .payload(payload)
                .send()
                .await
                .map_err(failed)?;
            while let Some(event) = events.next().await {
                samples.bytes += event.map_err(failed)?.data.len() as u64;
                progress += 1;
                if progress >= next_sample {
                    samples.rss_kib.push((progress, rss_kib(pid)?));
                    next_sample += step;
                }
            }
        }
        Stream::Command => {
            let script = format!("head -c {COMMAND_BYTES} /dev/zero | tr '\\0' x");
            let mut events = client
                .execute_command(&session, script)
                .stream()
                .await
                .map_err(failed)?;
            while let Some(event) = events.next().await {
                if let CommandEvent::Delta {
                    stdout: Some(out), ..
                } = event.map_err(failed)?
                {
                    samples.bytes += out.len() as u64;
                    progress += out.len() as u64;
                    if progress >= next_sample {
                        samples.rss_kib.push((progress, rss_kib(pid)?));
                        next_sample += step;
                    }
                }
            }
        }
    }
    samples.secs = started.elapsed().as_secs_f64();
    if progress < stream.length() {
        return Err(format!(
            "the {} stream ended early: {progress} of {}",
            stream.name(),
            stream.length()
        ));
    }
    Ok(samples)
}

/// Starts `bench_agent` and the emulator (release builds under `release`), then reads
/// each stream, and measures a shell, in a fresh `xtask` process each.
pub(crate) fn measure(release: &Path, root: &Path) -> Result<(Vec<Samples>, ShellFigures), String> {
    let agent_port = free_port()?;
    let mut agent = Command::new(release.join("examples").join("bench_agent"));
    agent.env("PORT", agent_port.to_string());
    let agent_log = release.join("bench-client-agent.log");
    let mut agent = Service::start("bench_agent", agent, root, &agent_log)?;
    agent.wait_ready(|| std::net::TcpStream::connect(("127.0.0.1", agent_port)).is_ok())?;

    let port = free_port()?;
    let mut emulator = Command::new(release.join("agentcore-emulator"));
    emulator
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--agent", &format!("http://127.0.0.1:{agent_port}")])
        .args(["--arn", ARN])
        .env("AGENTCORE_EMULATOR_BEARER_TOKEN", TOKEN);
    let emulator_log = release.join("bench-client-emulator.log");
    let mut emulator = Service::start("the emulator", emulator, root, &emulator_log)?;
    emulator.wait_ready(|| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok())?;

    let endpoint = format!("http://127.0.0.1:{port}");
    let mut all = Vec::new();
    for stream in Stream::ALL {
        let output = Command::new(release.join("xtask"))
            .args(["bench", "--client-stream", stream.name()])
            .args(["--endpoint", &endpoint])
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run the stream reader: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "reading the {} stream failed ({})",
                stream.name(),
                output.status
            ));
        }
        let samples: Samples = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("unreadable stream reader output: {e}"))?;
        eprintln!(
            "client {:<8} {:>6.1} MB in {:.1} s; RSS {} KiB at 10%, peak {} KiB after, {} KiB at the end",
            stream.name(),
            samples.bytes as f64 / 1e6,
            samples.secs,
            samples.early_kib(),
            samples.peak_kib(),
            samples.last_kib()
        );
        all.push(samples);
    }
    let output = Command::new(release.join("xtask"))
        .args(["bench", "--client-shell", "--endpoint", &endpoint])
        .args(["--pid", &emulator.id().to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the shell measure: {e}"))?;
    if !output.status.success() {
        return Err(format!("the shell measure failed ({})", output.status));
    }
    let shell: ShellFigures = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("unreadable shell measure output: {e}"))?;
    let ((client_early, emulator_early), (client_peak, emulator_peak)) = shell.memory();
    eprintln!(
        "shell    echo p50 {:.2} ms p99 {:.2} ms; cat {:.0} MB/s; RSS client {client_early}→{client_peak} KiB, emulator {emulator_early}→{emulator_peak} KiB",
        shell.echo_ms(50.0),
        shell.echo_ms(99.0),
        shell.cat_mb_per_s()
    );
    agent.check_alive();
    emulator.check_alive();
    Ok((all, shell))
}

/// Hidden mode: the shell measure against the emulator at `endpoint`.
pub(crate) fn run_shell(endpoint: &str, emulator: u32) -> Result<ShellFigures, String> {
    super::shell::run(endpoint, ARN, TOKEN, emulator)
}

/// The `## Client streams and shells` section of `docs/BENCHMARKS.md`.
pub(crate) fn section(all: &[Samples], shell: &ShellFigures) -> String {
    let mut table = String::from(
        "| Stream | Received | Time | RSS at 10% | Peak after 10% | RSS at the end | End − 10% |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for samples in all {
        let what = match samples.stream {
            Stream::Sse => format!("SSE, {SSE_EVENTS} events of {SSE_TEXT_BYTES} B of text"),
            Stream::Command => format!("command stdout, {} MiB", COMMAND_BYTES >> 20),
        };
        let growth = samples.last_kib() as i64 - samples.early_kib() as i64;
        table.push_str(&format!(
            "| {what} | {:.1} MB | {:.1} s | {} KiB | {} KiB | {} KiB | {growth:+} KiB |\n",
            samples.bytes as f64 / 1e6,
            samples.secs,
            samples.early_kib(),
            samples.peak_kib(),
            samples.last_kib(),
        ));
    }
    let ((client_early, emulator_early), (client_peak, emulator_peak)) = shell.memory();
    let shells = format!(
        "| Shell | Figure |\n|---|---:|\n\
         | keystroke echo round trip, p50 ({KEYSTROKES} keys) | {:.2} ms |\n\
         | keystroke echo round trip, p99 | {:.2} ms |\n\
         | `cat` of {} MiB through the PTY | {:.0} MB/s |\n\
         | client RSS at 10% → peak after | {client_early} → {client_peak} KiB |\n\
         | emulator RSS at 10% → peak after | {emulator_early} → {emulator_peak} KiB |\n",
        shell.echo_ms(50.0),
        shell.echo_ms(99.0),
        CAT_BYTES >> 20,
        shell.cat_mb_per_s(),
    );
    format!(
        "## Client streams and shells\n\n\
         <!-- Written by `cargo xtask bench`: rerun it to refresh this section. -->\n\n\
         {}, loopback. Reproduce with `cargo xtask bench --client`.\n\n\
         A process of its own (release `xtask`, one thread) reads one stream through \
         `agentcore-client` from the emulator (release) in front of `bench_agent`, and \
         reads its own `VmRSS` {SAMPLES} times along the way. The streams are longer than \
         `DEFAULT_MAX_RESPONSE_BYTES` (100 MB): a streamed answer is never collected, so \
         only a collected one is bounded by it. Flat memory: the RSS at the end is that at a \
         tenth of the way, within the allocator's noise.\n\n\
         {table}\n\
         The shell: a keystroke is one byte sent to `cat` in a raw remote terminal and \
         read back (client → emulator → PTY → `cat` → PTY → emulator → client); then \
         `cat` of {} MiB of output, with the RSS of the client and of the emulator read \
         {SAMPLES} times along the way.\n\n\
         {shells}",
        super::report::measured_on(),
        CAT_BYTES >> 20,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_peak_and_last_samples() {
        let step = SSE_EVENTS / 10;
        let samples = Samples {
            stream: Stream::Sse,
            bytes: 0,
            secs: 1.0,
            rss_kib: vec![
                (0, 100),
                (step / 2, 900),
                (step, 300),
                (step * 5, 320),
                (SSE_EVENTS, 310),
            ],
        };
        assert_eq!(
            (samples.early_kib(), samples.peak_kib(), samples.last_kib()),
            (300, 320, 310)
        );
        assert_eq!(Stream::parse("command"), Some(Stream::Command));
        let shell = ShellFigures {
            echo_us: vec![1000, 2000],
            cat_bytes: CAT_BYTES,
            cat_secs: 1.0,
            rss_kib: vec![(CAT_BYTES, 1, 2)],
        };
        let section = section(&[samples], &shell);
        assert!(
            section.starts_with("## Client streams and shells\n"),
            "{section}"
        );
        assert!(section.contains("p99 | 2.00 ms |"), "{section}");
        assert!(
            section.contains("| 300 KiB | 320 KiB | 310 KiB | +10 KiB |"),
            "{section}"
        );
        assert_eq!(Stream::parse("nope"), None);
    }
}
