//! The soak's figures: a line per sample while it runs, and the `## Soak (agent and
//! emulator)` section of `docs/BENCHMARKS.md` at the end.

use super::load::{Kind, Window};
use super::sample::{PROCESSES, Sample};
use super::verdict::{self, Verdict};

/// The heading of the section the soak owns.
pub(crate) const HEADING: &str = "## Soak (agent and emulator)";

/// How the run was made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Setup {
    pub(crate) secs: f64,
    pub(crate) interval: f64,
    pub(crate) workers: usize,
    pub(crate) pause_ms: u64,
    pub(crate) ticks_per_second: u64,
}

/// The `p`-th percentile of sorted values (nearest rank); 0 when empty.
pub(crate) fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(micros: u64) -> String {
    format!("{:.1}", micros as f64 / 1000.0)
}

/// The CPU share of a process between two samples, in percent of one core.
fn cpu_percent(setup: &Setup, before: &Sample, after: &Sample, index: usize) -> f64 {
    let ticks = after.procs[index]
        .cpu_ticks
        .saturating_sub(before.procs[index].cpu_ticks);
    let secs = (after.secs - before.secs).max(1e-9);
    100.0 * ticks as f64 / setup.ticks_per_second as f64 / secs
}

/// One progress line.
pub(crate) fn line(
    setup: &Setup,
    previous: Option<&Sample>,
    sample: &Sample,
    window: &Window,
) -> String {
    let mut text = format!("t={:>6.0}s", sample.secs);
    for (index, name) in PROCESSES.into_iter().enumerate() {
        let p = &sample.procs[index];
        let cpu = previous.map_or(0.0, |before| cpu_percent(setup, before, sample, index));
        text.push_str(&format!(
            " | {name} rss {:.1}M cpu {cpu:.0}% fds {} thr {} ch {}",
            p.rss_kib as f64 / 1024.0,
            p.fds,
            p.threads,
            p.children
        ));
    }
    let ops: usize = window.values().map(|t| t.micros.len()).sum();
    let errors: u64 = window.values().map(|t| t.errors).sum();
    text.push_str(&format!(" | ops {ops} errors {errors} | p99 ms"));
    for kind in [
        Kind::Invoke,
        Kind::Sse,
        Kind::Ws,
        Kind::Command,
        Kind::Shell,
    ] {
        if let Some(tally) = window.get(&kind) {
            let mut sorted = tally.micros.clone();
            sorted.sort_unstable();
            text.push_str(&format!(
                " {} {}",
                kind.name(),
                ms(percentile(&sorted, 99.0))
            ));
        }
    }
    text
}

/// Operations and errors of each kind over the run.
pub(crate) fn totals(windows: &[Window]) -> Vec<(Kind, u64, u64)> {
    Kind::ALL
        .into_iter()
        .map(|kind| {
            let tallies = windows.iter().filter_map(|w| w.get(&kind));
            let (ops, errors) = tallies.fold((0, 0), |(ops, errors), t| {
                (ops + t.micros.len() as u64, errors + t.errors)
            });
            (kind, ops, errors)
        })
        .collect()
}

/// Every latency of `kind` in `windows`, sorted.
fn latencies(windows: &[Window], kind: Kind) -> Vec<u64> {
    let mut all: Vec<u64> = windows
        .iter()
        .filter_map(|w| w.get(&kind))
        .flat_map(|t| t.micros.iter().copied())
        .collect();
    all.sort_unstable();
    all
}

/// The samples table, about `rows` rows evenly spaced (the last always in).
fn samples_table(setup: &Setup, samples: &[Sample], windows: &[Window], rows: usize) -> String {
    let mut table = String::from(
        "| t | agent RSS | agent CPU | agent fds | agent threads | emulator RSS | emulator CPU | \
         emulator fds | emulator threads | emulator children | ops/s | errors |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let step = (samples.len() / rows.max(1)).max(1);
    let mut picked: Vec<usize> = (0..samples.len()).step_by(step).collect();
    if picked.last() != Some(&(samples.len().saturating_sub(1))) && !samples.is_empty() {
        picked.push(samples.len() - 1);
    }
    let mut before = 0usize;
    for &index in &picked {
        let sample = &samples[index];
        let span = &windows[before.min(index)..=index.min(windows.len().saturating_sub(1))];
        let ops: usize = span
            .iter()
            .flat_map(|w| w.values())
            .map(|t| t.micros.len())
            .sum();
        let errors: u64 = span.iter().flat_map(|w| w.values()).map(|t| t.errors).sum();
        let secs = if index == 0 {
            sample.secs
        } else {
            sample.secs - samples[before.saturating_sub(1).min(index)].secs
        };
        let (a, e) = (&sample.procs[0], &sample.procs[1]);
        let cpu = |i: usize| {
            if index == 0 {
                "–".to_owned()
            } else {
                let from = &samples[before.saturating_sub(1)];
                format!("{:.0}%", cpu_percent(setup, from, sample, i))
            }
        };
        table.push_str(&format!(
            "| {:.0} s | {:.1} MiB | {} | {} | {} | {:.1} MiB | {} | {} | {} | {} | {:.0} | {errors} |\n",
            sample.secs,
            a.rss_kib as f64 / 1024.0,
            cpu(0),
            a.fds,
            a.threads,
            e.rss_kib as f64 / 1024.0,
            cpu(1),
            e.fds,
            e.threads,
            e.children,
            ops as f64 / secs.max(1e-9),
        ));
        before = index + 1;
    }
    table
}

/// The latency table: whole run, and p99 of the first third after the warm-up against
/// that of the last.
fn latency_table(windows: &[Window], skip: usize) -> String {
    let mut table = String::from(
        "| operation | what it does | ops | errors | p50 ms | p90 ms | p99 ms | max ms | \
         p99 early → late ms |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let rest = &windows[skip.min(windows.len())..];
    let third = rest.len() / 3;
    for (kind, ops, errors) in totals(windows) {
        let all = latencies(windows, kind);
        let trend = if third == 0 {
            "–".to_owned()
        } else {
            let early = latencies(&rest[..third], kind);
            let late = latencies(&rest[rest.len() - third..], kind);
            format!(
                "{} → {}",
                ms(percentile(&early, 99.0)),
                ms(percentile(&late, 99.0))
            )
        };
        table.push_str(&format!(
            "| `{}` | {} | {ops} | {errors} | {} | {} | {} | {} | {trend} |\n",
            kind.name(),
            kind.what(),
            ms(percentile(&all, 50.0)),
            ms(percentile(&all, 90.0)),
            ms(percentile(&all, 99.0)),
            ms(all.last().copied().unwrap_or(0)),
        ));
    }
    table
}

fn growth_table(verdict: &Verdict) -> String {
    let mut table = String::from(
        "| process | measure | early median | late median | limit | |\n|---|---|---:|---:|---:|---|\n",
    );
    for finding in &verdict.findings {
        let m = finding.measure;
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            finding.process,
            m.name(),
            m.show(finding.early),
            m.show(finding.late),
            m.show(finding.limit),
            if finding.failed() { "**grew**" } else { "flat" }
        ));
    }
    table
}

/// The rule, as the docs state it.
pub(crate) fn rule() -> String {
    format!(
        "The first {:.0} % of the samples (at least those of the first {:.0} s, the life of \
         a shell left to the emulator's idle reaper) are warm-up and ignored; the rest is cut in thirds, \
         and for each process a measure fails when the median of the last third is above \
         the median of the first third by more than: RSS {:.0} % or {:.0} MiB, whichever is \
         more; file descriptors {:.0}; threads {:.0}; child processes {:.0}. Medians, so that \
         what is in flight at the moment of one sample does not decide. Every operation is \
         expected to succeed: one error fails the run, and so does a process that exits.",
        verdict::WARMUP * 100.0,
        verdict::MIN_WARMUP_SECS,
        (verdict::RSS_RATIO - 1.0) * 100.0,
        verdict::RSS_SLACK_KIB / 1024.0,
        verdict::FD_SLACK,
        verdict::THREAD_SLACK,
        verdict::CHILD_SLACK,
    )
}

/// The whole section.
pub(crate) fn section(
    setup: &Setup,
    samples: &[Sample],
    windows: &[Window],
    verdict: &Verdict,
    errors: &[String],
) -> String {
    let minutes = setup.secs / 60.0;
    let totals = totals(windows);
    let ops: u64 = totals.iter().map(|t| t.1).sum();
    let failed: u64 = totals.iter().map(|t| t.2).sum();
    let outcome = if verdict.passed() {
        "**passed**: no measure grew, no operation failed.".to_owned()
    } else {
        format!(
            "**failed**:\n\n{}",
            verdict
                .failures
                .iter()
                .map(|f| format!("- {f}\n"))
                .collect::<String>()
        )
    };
    let first_errors = if errors.is_empty() {
        String::new()
    } else {
        format!(
            "\nThe first errors:\n\n```text\n{}\n```\n",
            errors
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    format!(
        "{HEADING}\n\n\
         <!-- Written by `cargo xtask soak --write`: rerun it to refresh this section. -->\n\n\
         {}, loopback. Reproduce with:\n\n\
         ```sh\ncargo xtask soak --minutes {minutes:.0} --write\n```\n\n\
         {minutes:.0} minutes of mixed load, {workers} workers with a {pause} ms pause after each \
         operation, {ops} operations ({failed} failed), a sample every {interval:.0} s \
         ({count} samples). Verdict: {outcome}\n{first_errors}\n\
         Samples (condensed; CPU is the share of one core since the row before, ops/s and \
         errors over the same span):\n\n{}\n\
         The growth check:\n\n{}\n\
         The operations (latency from the start of the operation to its end, drops included):\n\n{}\n\
         **How.** The agent is `crates/agentcore-server/examples/bench_agent.rs` (JSON echo, \
         SSE, `/ws` echo), the emulator `agentcore-emulator` in front of it (SigV4 \
         credentials made for the run, `--shell-command /bin/sh`, `--session-idle-timeout \
         20`), both release builds; the load is `xtask/src/soak/load.rs` on one tokio \
         thread of the xtask: `agentcore-client` to the emulator (8 shared sessions; \
         `shell-drop+stop` makes its own), hyper and tokio-tungstenite straight to the agent. \
         Each worker picks its next operation at random by weight. Every sample reads, for \
         each process, `VmRSS` and `Threads` (`/proc/<pid>/status`), `utime + stime` \
         (`/proc/<pid>/stat`), the entries of `/proc/<pid>/fd`, and the processes whose \
         parent it is. {}\n",
        super::super::bench::report::measured_on(),
        samples_table(setup, samples, windows, 10),
        growth_table(verdict),
        latency_table(windows, verdict::warmup(samples)),
        rule(),
        workers = setup.workers,
        pause = setup.pause_ms,
        interval = setup.interval,
        count = samples.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soak::load::Tally;
    use crate::soak::sample::ProcSample;

    #[test]
    fn percentiles_and_the_section() {
        assert_eq!(percentile(&[], 99.0), 0);
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), 51);
        assert_eq!(percentile(&values, 99.0), 99);
        let setup = Setup {
            secs: 120.0,
            interval: 10.0,
            workers: 4,
            pause_ms: 20,
            ticks_per_second: 100,
        };
        let samples: Vec<Sample> = (0..12)
            .map(|i| Sample {
                secs: 10.0 * (i + 1) as f64,
                procs: [ProcSample {
                    rss_kib: 8192,
                    cpu_ticks: 100 * i,
                    fds: 10,
                    threads: 3,
                    children: 0,
                }; 2],
            })
            .collect();
        let windows: Vec<Window> = (0..12)
            .map(|_| {
                let mut w = Window::new();
                w.insert(
                    Kind::Invoke,
                    Tally {
                        micros: vec![1000, 2000],
                        errors: 0,
                    },
                );
                w
            })
            .collect();
        let verdict = verdict::judge(&samples, &[]);
        let section = section(&setup, &samples, &windows, &verdict, &[]);
        assert!(
            section.starts_with("## Soak (agent and emulator)\n"),
            "{section}"
        );
        assert!(
            section.contains("cargo xtask soak --minutes 2 --write"),
            "{section}"
        );
        assert!(section.contains("**passed**"), "{section}");
        assert!(section.contains("| `invoke` |"), "{section}");
        assert!(section.contains("| 20 s | 8.0 MiB | 10% |"), "{section}");
        let line = line(&setup, Some(&samples[0]), &samples[1], &windows[1]);
        assert!(
            line.contains("cpu 10%") && line.contains("invoke 2.0"),
            "{line}"
        );
    }
}
