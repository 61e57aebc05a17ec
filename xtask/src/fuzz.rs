//! `cargo xtask fuzz`: builds the libFuzzer targets of `fuzz/` the way cargo-fuzz does
//! (nightly, sanitizer coverage, `--cfg fuzzing`), without needing cargo-fuzz, and runs
//! each for a while on its committed seeds; the numbers for docs/FUZZING.md.

use std::fs;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use crate::conformance::workspace_root;
use crate::process::KillOnDrop;

const USAGE: &str = "\
usage: cargo xtask fuzz [--list] [TARGET] [--time SECS] [--runs N] [--no-build]

Builds the fuzz targets in fuzz/ with the nightly toolchain (libFuzzer through
libfuzzer-sys, sanitizer coverage, target dir fuzz/target) and runs TARGET, or each
target in turn, for SECS seconds or N executions on fuzz/corpus/TARGET (grown, not
committed) and the committed seeds fuzz/seeds/TARGET. Prints a table: executions, executions per second,
coverage (cov, ft), seconds, outcome. A crash fails the task with the reproducer's path
(fuzz/artifacts/TARGET/); `cargo test -p agentcore-testkit --test fuzz_replay` replays
what is copied to fuzz/regressions/TARGET/. docs/FUZZING.md has the details.

  --list       print the target names, one a line, and exit
  --time SECS  how long each target runs at most (default 60, none with --runs alone)
  --runs N     how many inputs each target runs at most (libFuzzer's -runs)
  --no-build   run the binaries already built
  -h, --help   print this message

Exit status: 0 when every target ran without a crash, 1 on a crash or a failed build,
2 on bad arguments, 3 when the nightly toolchain (`cargo +nightly`) is not installed.
";

/// The RUSTFLAGS cargo-fuzz builds with (its defaults, without a sanitizer): libFuzzer's
/// coverage counters and comparison tracing, `cfg(fuzzing)`, and the checks a debug
/// build has.
const RUSTFLAGS: &str = "-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
--cfg fuzzing -Cdebug-assertions -Coverflow-checks";

/// The exit status for a machine without the nightly toolchain.
const NO_NIGHTLY: u8 = 3;

#[derive(Debug, PartialEq, Eq)]
enum Args {
    Help,
    List,
    Run {
        target: Option<String>,
        budget: Budget,
        build: bool,
    },
}

/// How long each target runs: until the first of its limits is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Budget {
    /// At most this many seconds (libFuzzer's `-max_total_time`).
    secs: Option<u64>,
    /// At most this many executions (libFuzzer's `-runs`).
    runs: Option<u64>,
}

impl Budget {
    /// The default: one minute a target.
    const DEFAULT_SECS: u64 = 60;

    fn libfuzzer_args(self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(secs) = self.secs {
            args.push(format!("-max_total_time={secs}"));
        }
        if let Some(runs) = self.runs {
            args.push(format!("-runs={runs}"));
        }
        args
    }
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.secs, self.runs) {
            (Some(secs), Some(runs)) => write!(f, "{runs} executions or {secs} s"),
            (Some(secs), None) => write!(f, "{secs} s"),
            (None, Some(runs)) => write!(f, "{runs} executions"),
            (None, None) => f.write_str("ever"),
        }
    }
}

fn positive(flag: &str, value: Option<&String>) -> Result<u64, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a number"))?;
    value
        .parse()
        .ok()
        .filter(|&n: &u64| n > 0)
        .ok_or_else(|| format!("{flag} {value}: not a positive number"))
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut target = None;
    let mut secs = None;
    let mut runs = None;
    let mut build = true;
    let mut list = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Args::Help),
            "--list" => list = true,
            "--no-build" => build = false,
            "--time" => secs = Some(positive(arg, args.next())?),
            "--runs" => runs = Some(positive(arg, args.next())?),
            flag if flag.starts_with('-') => return Err(format!("unknown flag `{flag}`")),
            name if target.is_none() => target = Some(name.to_owned()),
            extra => return Err(format!("one target at most, not also `{extra}`")),
        }
    }
    if list {
        return Ok(Args::List);
    }
    if secs.is_none() && runs.is_none() {
        secs = Some(Budget::DEFAULT_SECS);
    }
    Ok(Args::Run {
        target,
        budget: Budget { secs, runs },
        build,
    })
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let fuzz = workspace_root().join("fuzz");
    let all = match targets(&fuzz) {
        Ok(all) => all,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (target, budget, build) = match args {
        Args::Help => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Args::List => {
            for name in &all {
                println!("{name}");
            }
            return ExitCode::SUCCESS;
        }
        Args::Run {
            target,
            budget,
            build,
        } => (target, budget, build),
    };
    let chosen = match target {
        Some(name) if all.contains(&name) => vec![name],
        Some(name) => {
            eprintln!(
                "error: no fuzz target `{name}`; `cargo xtask fuzz --list` names them:\n{}",
                all.join("\n")
            );
            return ExitCode::from(2);
        }
        None => all,
    };
    let Some(host) = nightly_host() else {
        eprintln!(
            "fuzz: the nightly toolchain is not installed (`cargo +nightly --version` failed); \
             libFuzzer needs it: `rustup toolchain install nightly`. Skipped."
        );
        return ExitCode::from(NO_NIGHTLY);
    };
    if build && let Err(e) = build_targets(&fuzz, &host, &chosen) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let bin_dir = fuzz.join("target").join(&host).join("release");
    let mut results = Vec::new();
    for name in &chosen {
        match run_target(&fuzz, &bin_dir, name, budget) {
            Ok(result) => results.push(result),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    print!("{}", table(&results));
    let crashed: Vec<&Outcome> = results.iter().filter(|r| r.crash.is_some()).collect();
    for result in &crashed {
        eprintln!(
            "fuzz: {} crashed; reproducer {} (log {}). Replay it with \
             fuzz/target/{host}/release/{} <file>, minimize it with -minimize_crash=1, \
             and keep it under fuzz/regressions/{}/ with the fix.",
            result.name,
            result.crash.as_deref().unwrap_or("?"),
            result.log.display(),
            result.name,
            result.name
        );
    }
    if crashed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The targets: `fuzz/fuzz_targets/<name>.rs`, sorted.
fn targets(fuzz: &Path) -> Result<Vec<String>, String> {
    let dir = fuzz.join("fuzz_targets");
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    Ok(names)
}

/// The nightly toolchain's host triple, when `cargo +nightly` works. Through rustup's
/// `cargo` on the PATH (`$CARGO` is the stable toolchain's own binary, which takes no
/// `+toolchain`).
fn nightly_host() -> Option<String> {
    let works = Command::new("cargo")
        .args(["+nightly", "--version"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !works {
        return None;
    }
    let output = Command::new("rustc")
        .args(["+nightly", "-vV"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
}

/// `cargo +nightly build --release` of the chosen targets, for the host triple given
/// explicitly so that RUSTFLAGS reach the targets but not build scripts and proc macros
/// (as cargo-fuzz does).
fn build_targets(fuzz: &Path, host: &str, names: &[String]) -> Result<(), String> {
    let mut command = Command::new("cargo");
    command
        .args([
            "+nightly",
            "build",
            "--release",
            "--locked",
            "--target",
            host,
        ])
        .arg("--manifest-path")
        .arg(fuzz.join("Cargo.toml"));
    for name in names {
        command.args(["--bin", name]);
    }
    command
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env("RUSTFLAGS", RUSTFLAGS)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()));
    eprintln!(
        "building the fuzz targets: cargo +nightly build --release --target {host} \
         --manifest-path fuzz/Cargo.toml (RUSTFLAGS: cargo-fuzz's)"
    );
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo +nightly: {e}"))?;
    if !status.success() {
        return Err(format!("building the fuzz targets failed ({status})"));
    }
    eprintln!("built in {} s", started.elapsed().as_secs());
    Ok(())
}

/// What a run of one target measured.
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    name: String,
    execs: Option<u64>,
    execs_per_sec: Option<u64>,
    cov: Option<u64>,
    ft: Option<u64>,
    secs: u64,
    /// The reproducer libFuzzer wrote, when the target crashed.
    crash: Option<String>,
    log: PathBuf,
}

/// Runs one target within `budget`, its output in `fuzz/target/logs/<name>.log`
/// (the status lines echoed to stderr).
fn run_target(fuzz: &Path, bin_dir: &Path, name: &str, budget: Budget) -> Result<Outcome, String> {
    let binary = bin_dir.join(name);
    if !binary.is_file() {
        return Err(format!(
            "{} is not built (run without --no-build)",
            binary.display()
        ));
    }
    let corpus = fuzz.join("corpus").join(name);
    let artifacts = fuzz.join("artifacts").join(name);
    let seeds = fuzz.join("seeds").join(name);
    let logs = fuzz.join("target").join("logs");
    for dir in [&corpus, &artifacts, &logs] {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let log_path = logs.join(format!("{name}.log"));
    let mut log = fs::File::create(&log_path)
        .map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    let mut command = Command::new(&binary);
    command
        .args(budget.libfuzzer_args())
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args(["-print_final_stats=1", "-timeout=10", "-rss_limit_mb=4096"])
        .arg(&corpus);
    if seeds.is_dir() {
        command.arg(&seeds);
    }
    eprintln!("fuzz: {name} for {budget}");
    let started = Instant::now();
    let mut child = KillOnDrop(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?,
    );
    let stderr = child.0.stderr.take().ok_or("no stderr")?;
    let mut output = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.map_err(|e| format!("reading {name}'s output: {e}"))?;
        let _ = writeln!(log, "{line}");
        if line.contains("DONE") || line.contains("INITED") || line.contains("==ERROR") {
            eprintln!("  {line}");
        }
        output.push_str(&line);
        output.push('\n');
    }
    let status = child
        .0
        .wait()
        .map_err(|e| format!("cannot wait for {name}: {e}"))?;
    let mut outcome = parse_output(&output);
    outcome.name = name.to_owned();
    outcome.secs = started.elapsed().as_secs();
    outcome.log = log_path;
    if !status.success() && outcome.crash.is_none() {
        outcome.crash = Some(format!("(none written; exit {status}, see the log)"));
    }
    Ok(outcome)
}

/// The numbers of libFuzzer's output: the final stats (`-print_final_stats=1`), the last
/// `cov:`/`ft:` of a status line, and the path of a crash's reproducer.
fn parse_output(output: &str) -> Outcome {
    let mut outcome = Outcome::default();
    let stat = |line: &str, key: &str| {
        line.strip_prefix(key)
            .and_then(|rest| rest.trim_start_matches(':').trim().parse().ok())
    };
    for line in output.lines() {
        if let Some(n) = stat(line, "stat::number_of_executed_units") {
            outcome.execs = Some(n);
        }
        if let Some(n) = stat(line, "stat::average_exec_per_sec") {
            outcome.execs_per_sec = Some(n);
        }
        if line.starts_with('#') {
            let field = |key: &str| {
                let mut words = line.split_whitespace();
                words.find(|w| *w == key)?;
                words.next()?.parse().ok()
            };
            if let Some(cov) = field("cov:") {
                outcome.cov = Some(cov);
            }
            if let Some(ft) = field("ft:") {
                outcome.ft = Some(ft);
            }
        }
        if let Some(path) = line.split("Test unit written to ").nth(1) {
            outcome.crash = Some(path.trim().to_owned());
        }
    }
    outcome
}

/// The results as a Markdown table (docs/FUZZING.md's columns).
fn table(results: &[Outcome]) -> String {
    let number = |n: Option<u64>| n.map_or("?".to_owned(), |n| n.to_string());
    let mut text = String::from(
        "\n| target | executions | exec/s | cov | ft | seconds | crashes |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        text.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            r.name,
            number(r.execs),
            number(r.execs_per_sec),
            number(r.cov),
            number(r.ft),
            r.secs,
            u8::from(r.crash.is_some())
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse_args(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn arguments() {
        assert_eq!(
            args(&[]),
            Ok(Args::Run {
                target: None,
                budget: Budget {
                    secs: Some(60),
                    runs: None
                },
                build: true
            })
        );
        assert_eq!(
            args(&["arn", "--time", "5", "--no-build"]),
            Ok(Args::Run {
                target: Some("arn".into()),
                budget: Budget {
                    secs: Some(5),
                    runs: None
                },
                build: false
            })
        );
        let Ok(Args::Run { budget, .. }) = args(&["--runs", "10000000"]) else {
            panic!("--runs alone is a run");
        };
        assert_eq!(budget.libfuzzer_args(), ["-runs=10000000"]);
        assert_eq!(budget.to_string(), "10000000 executions");
        let Ok(Args::Run { budget, .. }) = args(&["--runs", "7", "--time", "9"]) else {
            panic!("both limits are a run");
        };
        assert_eq!(budget.libfuzzer_args(), ["-max_total_time=9", "-runs=7"]);
        assert!(args(&["--runs", "-1"]).is_err());
        assert!(args(&["--runs"]).is_err());
        assert_eq!(args(&["--list"]), Ok(Args::List));
        assert!(args(&["--time"]).is_err());
        assert!(args(&["--time", "0"]).is_err());
        assert!(args(&["a", "b"]).is_err());
        assert!(args(&["--fast"]).is_err());
    }

    #[test]
    fn the_targets_are_the_files_of_fuzz_targets() {
        let names = targets(&workspace_root().join("fuzz")).unwrap();
        assert!(names.contains(&"sse_decoder".to_owned()), "{names:?}");
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn libfuzzer_output_is_parsed() {
        let output = "\
INFO: Seed: 1
#2\tINITED cov: 10 ft: 11 corp: 1/1b exec/s: 0 rss: 30Mb
#1048576\tpulse  cov: 120 ft: 300 corp: 40/2Kb lim: 4096 exec/s: 349525 rss: 40Mb
#2000000\tDONE   cov: 125 ft: 310 corp: 41/2Kb lim: 4096 exec/s: 333333 rss: 41Mb
Done 2000000 runs in 6 second(s)
stat::number_of_executed_units: 2000000
stat::average_exec_per_sec:     333333
stat::new_units_added:          40
";
        let outcome = parse_output(output);
        assert_eq!(outcome.execs, Some(2_000_000));
        assert_eq!(outcome.execs_per_sec, Some(333_333));
        assert_eq!((outcome.cov, outcome.ft), (Some(125), Some(310)));
        assert_eq!(outcome.crash, None);
        let crash = parse_output(
            "==1== ERROR: libFuzzer: deadly signal\n\
             artifact_prefix='fuzz/artifacts/arn/'; Test unit written to fuzz/artifacts/arn/crash-abc\n",
        );
        assert_eq!(crash.crash.as_deref(), Some("fuzz/artifacts/arn/crash-abc"));
        assert!(table(&[outcome]).contains("| `` | 2000000 | 333333 | 125 | 310 | 0 | 0 |"));
    }
}
