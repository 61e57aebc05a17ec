//! `cargo xtask soak`: the agent (`bench_agent`) and the emulator in front of it under a
//! mixed load for minutes, sampled every few seconds; fails when a process grows (RSS,
//! file descriptors, threads, child processes) or an operation fails.

mod load;
mod report;
mod sample;
mod verdict;

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use self::load::{Recorder, Target, Window};
use self::report::Setup;
use self::sample::Sample;
use crate::bench::measure::clock_ticks_per_second;
use crate::process::{self, Service, free_port, http_ok};
use crate::secrets::Secrets;

const USAGE: &str = "\
usage: cargo xtask soak [--minutes N | --seconds N] [--interval S] [--workers N]
                        [--pause MS] [--write] [--no-build]

Builds (release) bench_agent and the emulator, starts the agent and the emulator in front
of it, and runs a mixed load against both for the time given: JSON and SSE invocations
(some streams dropped mid-way), WebSockets (some dropped), commands (some dropped),
shells (closed, or dropped, reattached and ended with StopRuntimeSession or the idle
reaper) through agentcore-client with SigV4; /ping, JSON, SSE and /ws straight to the
agent, on new connections and keep-alive ones. Every interval it prints, for each
process, RSS, CPU, file descriptors, threads and child processes, and the operations'
p99 latencies. Fails when a process grows or an operation fails; the rule is in
docs/BENCHMARKS.md (`## Soak (agent and emulator)`).

  --minutes N    how long the load runs (default 5)
  --seconds N    the same in seconds, for short runs
  --interval S   seconds between samples (default: the run / 90, from 1 to 10)
  --workers N    concurrent workers (default 16)
  --pause MS     each worker's pause after an operation (default 100)
  --write        write the section into docs/BENCHMARKS.md
  --no-build     use the release binaries as they are
";

/// The runtime the emulator serves.
const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/soak-agent";
/// The emulator's idle timeout, short so that the reaper works during the run.
const SESSION_IDLE_SECS: u64 = 20;

#[derive(Debug, Clone, PartialEq)]
struct Options {
    secs: f64,
    interval: f64,
    workers: usize,
    pause_ms: u64,
    write: bool,
    build: bool,
}

#[derive(Debug, PartialEq)]
enum Args {
    Help,
    Soak(Options),
}

/// Runs `cargo xtask soak` with the arguments after `soak`.
pub(crate) fn run(args: &[String]) -> ExitCode {
    let options = match parse_args(args) {
        Ok(Args::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Args::Soak(options)) => options,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let outcome = if options.build && cfg!(debug_assertions) {
        let root = crate::conformance::workspace_root();
        crate::bench::build(&root)
            .and_then(|()| hand_over(args, &process::target_dir(&root).join("release")))
    } else {
        soak(&options)
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The load generator runs in the release build of this binary (a debug one would spend
/// the cores on itself): a debug `cargo xtask soak` builds it and hands the run over.
fn hand_over(args: &[String], release: &Path) -> Result<bool, String> {
    let xtask = release.join("xtask");
    eprintln!("soak: the run goes on in {}", xtask.display());
    let status = Command::new(&xtask)
        .arg("soak")
        .args(args)
        .arg("--no-build")
        .status()
        .map_err(|e| format!("cannot run {}: {e}", xtask.display()))?;
    Ok(status.success())
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut secs = 300.0;
    let mut interval = None;
    let (mut workers, mut pause_ms, mut write, mut build) = (16, 100, false, true);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> Result<f64, String> {
            let text = args
                .next()
                .ok_or_else(|| format!("`{flag}` needs a value"))?;
            text.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n > 0.0)
                .ok_or_else(|| format!("`{flag}` needs a positive number, not `{text}`"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(Args::Help),
            "--minutes" => secs = number(arg)? * 60.0,
            "--seconds" => secs = number(arg)?,
            "--interval" => interval = Some(number(arg)?),
            "--workers" => workers = number(arg)? as usize,
            "--pause" => pause_ms = number(arg)? as u64,
            "--write" => write = true,
            "--no-build" => build = false,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args::Soak(Options {
        secs,
        interval: interval.unwrap_or((secs / 90.0).clamp(1.0, 10.0)),
        workers: workers.max(1),
        pause_ms,
        write,
        build,
    }))
}

fn soak(options: &Options) -> Result<bool, String> {
    let root = crate::conformance::workspace_root();
    let target = process::target_dir(&root);
    if options.build {
        crate::bench::build(&root)?;
    }
    let release = target.join("release");
    let secrets = Secrets::new();

    let agent_port = free_port()?;
    let mut agent = Command::new(release.join("examples").join("bench_agent"));
    agent.env("PORT", agent_port.to_string());
    let agent_log = target.join("soak-agent.log");
    let mut agent = Service::start("bench_agent", agent, &root, &agent_log)?;
    agent.wait_ready(|| http_ok(agent_port, "/ping"))?;

    let port = free_port()?;
    let work_dir = target.join("soak-sessions");
    let _ = std::fs::remove_dir_all(&work_dir);
    let mut emulator = Command::new(release.join("agentcore-emulator"));
    emulator
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--agent", &format!("http://127.0.0.1:{agent_port}")])
        .args(["--arn", ARN, "--shell-command", "/bin/sh"])
        .args(["--session-idle-timeout", &SESSION_IDLE_SECS.to_string()])
        .arg("--work-dir")
        .arg(&work_dir)
        .env("AGENTCORE_EMULATOR_CREDENTIALS", secrets.credentials());
    let emulator_log = target.join("soak-emulator.log");
    let mut emulator = Service::start("the emulator", emulator, &root, &emulator_log)?;
    emulator.wait_ready(|| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok())?;

    let load_target = Target {
        endpoint: format!("http://127.0.0.1:{port}"),
        arn: ARN.parse().map_err(|e| format!("{e}"))?,
        agent_port,
        access_key_id: secrets.access_key_id.clone(),
        secret_access_key: secrets.secret_access_key.clone(),
    };
    let setup = Setup {
        secs: options.secs,
        interval: options.interval,
        workers: options.workers,
        pause_ms: options.pause_ms,
        ticks_per_second: clock_ticks_per_second(),
    };
    eprintln!(
        "soak: {:.0} s, {} workers, a sample every {:.0} s; agent on 127.0.0.1:{agent_port} \
         (log {}), emulator on 127.0.0.1:{port} (log {})",
        options.secs,
        options.workers,
        options.interval,
        agent_log.display(),
        emulator_log.display()
    );
    let pids = [agent.id(), emulator.id()];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    let recorder = Recorder::default();
    let (samples, windows, died) =
        runtime.block_on(drive(options, &setup, load_target, pids, recorder.clone()))?;
    agent.check_alive();
    emulator.check_alive();

    let totals = report::totals(&windows);
    let errors: Vec<(&str, u64)> = totals.iter().map(|(k, _, e)| (k.name(), *e)).collect();
    let mut verdict = verdict::judge(&samples, &errors);
    if let Some(died) = died {
        verdict.failures.insert(0, died);
    }
    let section = report::section(&setup, &samples, &windows, &verdict, &recorder.errors());
    crate::bench::report::publish(&root, options.write, report::HEADING, &section)?;
    if verdict.passed() {
        eprintln!("soak passed");
    } else {
        for failure in &verdict.failures {
            eprintln!("FAIL {failure}");
        }
        eprintln!(
            "note: the logs are {} and {}",
            agent_log.display(),
            emulator_log.display()
        );
    }
    Ok(verdict.passed())
}

/// The load and the sampler, until the time is up; the samples, their windows, and why
/// sampling stopped early (a process gone).
async fn drive(
    options: &Options,
    setup: &Setup,
    target: Target,
    pids: [u32; 2],
    recorder: Recorder,
) -> Result<(Vec<Sample>, Vec<Window>, Option<String>), String> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(options.secs);
    let pause = Duration::from_millis(options.pause_ms);
    let load = tokio::spawn(load::run(
        target,
        options.workers,
        pause,
        deadline,
        recorder.clone(),
    ));
    let interval = Duration::from_secs_f64(options.interval);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    let (mut samples, mut windows) = (Vec::new(), Vec::new());
    let mut died = None;
    while Instant::now() + interval / 2 < deadline {
        tick.tick().await;
        let read = sample::read(pids[0]).and_then(|a| Ok([a, sample::read(pids[1])?]));
        let procs = match read {
            Ok(procs) => procs,
            Err(e) => {
                died = Some(e);
                break;
            }
        };
        let sample = Sample {
            secs: started.elapsed().as_secs_f64(),
            procs,
        };
        let window = recorder.take();
        println!("{}", report::line(setup, samples.last(), &sample, &window));
        samples.push(sample);
        windows.push(window);
    }
    if died.is_some() {
        load.abort();
    } else {
        load.await.map_err(|e| format!("the load failed: {e}"))??;
        // What finished after the last sample counts for the totals.
        if let Some(last) = windows.last_mut() {
            for (kind, tally) in recorder.take() {
                let into = last.entry(kind).or_default();
                into.micros.extend(tally.micros);
                into.errors += tally.errors;
            }
        }
    }
    Ok((samples, windows, died))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn flags() {
        let Ok(Args::Soak(options)) = parse(&["--minutes", "30", "--write"]) else {
            panic!("no soak");
        };
        assert_eq!(
            (options.secs, options.interval, options.write),
            (1800.0, 10.0, true)
        );
        let Ok(Args::Soak(options)) = parse(&["--seconds", "120", "--workers", "4", "--no-build"])
        else {
            panic!("no soak");
        };
        assert_eq!(
            (
                options.secs,
                options.interval,
                options.workers,
                options.build
            ),
            (120.0, 1.3333333333333333, 4, false)
        );
        assert_eq!(parse(&["--help"]), Ok(Args::Help));
        assert!(parse(&["--minutes"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--minutes", "0"]).unwrap_err().contains("positive"));
        assert!(
            parse(&["--bogus"])
                .unwrap_err()
                .contains("unknown argument")
        );
    }
}
