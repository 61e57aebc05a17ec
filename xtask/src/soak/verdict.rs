//! The growth rule: samples in, verdict out. Pure, so that it is tested on made-up
//! series (flat, leaking, noisy).
//!
//! The first [`WARMUP`] of the samples, and at least those of the first
//! [`MIN_WARMUP_SECS`], are ignored (pools fill, allocators settle, the shells left to
//! the emulator's idle reaper reach their steady number). The
//! rest is cut in thirds; a measure *grew* when the median of the last third exceeds the
//! median of the first by more than its limit. Medians, not single samples, so that a
//! burst (connections in flight at the moment of a sample, the blocking pool's threads
//! that come and go) does not decide; a leak moves the whole last third.

use super::sample::{Measure, PROCESSES, Sample};
use crate::bench::measure::median;

/// The share of the run ignored as warm-up.
pub(crate) const WARMUP: f64 = 0.2;
/// The warm-up lasts at least this long: the emulator's idle timeout (20 s) and its
/// reaper's tick (5 s), so that the detached shells it ends have reached their plateau.
pub(crate) const MIN_WARMUP_SECS: f64 = 30.0;
/// Samples needed after the warm-up for a verdict on growth.
pub(crate) const MIN_SAMPLES: usize = 6;
/// RSS may grow by this factor...
pub(crate) const RSS_RATIO: f64 = 1.2;
/// ...or by this many KiB, whichever is more, before it fails.
pub(crate) const RSS_SLACK_KIB: f64 = 4096.0;
/// File descriptors may grow by this many.
pub(crate) const FD_SLACK: f64 = 16.0;
/// Threads may grow by this many.
pub(crate) const THREAD_SLACK: f64 = 4.0;
/// Child processes (shells, commands) may grow by this many.
pub(crate) const CHILD_SLACK: f64 = 4.0;

/// One measure of one process: its medians early and late, and whether it grew too much.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    pub(crate) process: &'static str,
    pub(crate) measure: Measure,
    pub(crate) early: f64,
    pub(crate) late: f64,
    /// The largest late median that passes.
    pub(crate) limit: f64,
}

impl Finding {
    pub(crate) fn failed(&self) -> bool {
        self.late > self.limit
    }
}

/// The verdict of a run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    /// Every measure of every process (empty when the run was too short).
    pub(crate) findings: Vec<Finding>,
    /// Why the run fails: growth, errors, too few samples.
    pub(crate) failures: Vec<String>,
}

impl Verdict {
    pub(crate) fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The limit of a measure for its early median.
pub(crate) fn limit(measure: Measure, early: f64) -> f64 {
    match measure {
        Measure::Rss => (early * RSS_RATIO).max(early + RSS_SLACK_KIB),
        Measure::Fds => early + FD_SLACK,
        Measure::Threads => early + THREAD_SLACK,
        Measure::Children => early + CHILD_SLACK,
    }
}

/// How many samples the warm-up takes.
pub(crate) fn warmup(samples: &[Sample]) -> usize {
    let share = ((samples.len() as f64) * WARMUP).ceil() as usize;
    let early = samples
        .iter()
        .take_while(|s| s.secs < MIN_WARMUP_SECS)
        .count();
    share.max(early)
}

/// The medians of the first and the last third of `values` after `skip` of warm-up;
/// `None` with fewer than [`MIN_SAMPLES`] left.
pub(crate) fn early_and_late(values: &[f64], skip: usize) -> Option<(f64, f64)> {
    let rest = &values[skip.min(values.len())..];
    if rest.len() < MIN_SAMPLES {
        return None;
    }
    let third = rest.len() / 3;
    Some((median(&rest[..third]), median(&rest[rest.len() - third..])))
}

/// Judges a run: `samples` in order, and the errors of each operation kind (every kind
/// is expected to succeed every time).
pub(crate) fn judge(samples: &[Sample], errors: &[(&str, u64)]) -> Verdict {
    let mut findings = Vec::new();
    let mut failures = Vec::new();
    let skip = warmup(samples);
    for (index, process) in PROCESSES.into_iter().enumerate() {
        for measure in Measure::ALL {
            let values: Vec<f64> = samples
                .iter()
                .map(|s| measure.of(&s.procs[index]))
                .collect();
            let Some((early, late)) = early_and_late(&values, skip) else {
                continue;
            };
            let finding = Finding {
                process,
                measure,
                early,
                late,
                limit: limit(measure, early),
            };
            if finding.failed() {
                failures.push(format!(
                    "{process}: {} grew from {} to {} (median of the first third after the \
                     warm-up to that of the last third; the limit is {})",
                    measure.name(),
                    measure.show(early),
                    measure.show(late),
                    measure.show(finding.limit)
                ));
            }
            findings.push(finding);
        }
    }
    if findings.is_empty() {
        failures.push(format!(
            "too short: {} samples, {MIN_SAMPLES} needed after the warm-up",
            samples.len()
        ));
    }
    for (kind, count) in errors {
        if *count > 0 {
            failures.push(format!("{kind}: {count} operations failed"));
        }
    }
    Verdict { findings, failures }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soak::sample::ProcSample;

    fn proc(rss_kib: u64, fds: u64, threads: u64) -> ProcSample {
        ProcSample {
            rss_kib,
            cpu_ticks: 0,
            fds,
            threads,
            children: 0,
        }
    }

    /// Samples with the agent and the emulator given by `f(i)`.
    fn series(n: usize, f: impl Fn(usize) -> (ProcSample, ProcSample)) -> Vec<Sample> {
        (0..n)
            .map(|i| {
                let (agent, emulator) = f(i);
                Sample {
                    secs: i as f64 * 10.0,
                    procs: [agent, emulator],
                }
            })
            .collect()
    }

    #[test]
    fn a_flat_series_passes() {
        let samples = series(30, |_| (proc(8000, 20, 3), proc(10_000, 30, 4)));
        let verdict = judge(&samples, &[("invoke", 0)]);
        assert!(verdict.passed(), "{verdict:?}");
        assert_eq!(verdict.findings.len(), 8);
    }

    #[test]
    fn a_leak_fails_and_names_the_process_and_the_measure() {
        // The emulator gains 400 KiB a sample: 12 MB over the run.
        let samples = series(30, |i| {
            (proc(8000, 20, 3), proc(10_000 + 400 * i as u64, 30, 4))
        });
        let verdict = judge(&samples, &[]);
        assert!(!verdict.passed());
        assert_eq!(verdict.failures.len(), 1, "{verdict:?}");
        assert!(
            verdict.failures[0].starts_with("emulator: RSS grew"),
            "{verdict:?}"
        );
        // A descriptor leak of one a sample, in the agent.
        let samples = series(60, |i| (proc(8000, 20 + i as u64, 3), proc(10_000, 30, 4)));
        let verdict = judge(&samples, &[]);
        assert_eq!(verdict.failures.len(), 1, "{verdict:?}");
        assert!(verdict.failures[0].starts_with("agent: file descriptors grew"));
    }

    #[test]
    fn a_noisy_flat_series_passes() {
        // Spikes at every fifth sample (a burst in flight), a wobble elsewhere; the
        // last samples high on purpose: medians, not the last value, decide.
        let samples = series(40, |i| {
            let spike = i % 5 == 0;
            let wobble = (i % 3) as u64;
            let rss = if spike { 16_000 } else { 9000 + 300 * wobble };
            let fds = if spike || i >= 38 { 80 } else { 24 + wobble };
            let threads = if spike { 12 } else { 4 + wobble % 2 };
            (proc(rss, fds, threads), proc(rss + 2000, fds + 10, threads))
        });
        let verdict = judge(&samples, &[]);
        assert!(verdict.passed(), "{verdict:?}");
    }

    #[test]
    fn small_growth_within_the_slack_passes_and_errors_fail() {
        // +3 MiB on 8 MiB is over 20 % but under the 4 MiB slack.
        let samples = series(30, |i| {
            let rss = if i < 15 { 8000 } else { 11_000 };
            (proc(rss, 20, 3), proc(10_000, 30, 4))
        });
        let verdict = judge(&samples, &[("sse", 0), ("ws-drop", 2)]);
        assert_eq!(
            verdict.failures,
            vec!["ws-drop: 2 operations failed".to_owned()]
        );
        assert_eq!(limit(Measure::Rss, 100_000.0), 120_000.0);
        assert_eq!(limit(Measure::Rss, 1000.0), 5096.0);
    }

    #[test]
    fn too_short_a_run_has_no_verdict_on_growth() {
        let samples = series(5, |_| (proc(8000, 20, 3), proc(10_000, 30, 4)));
        let verdict = judge(&samples, &[]);
        assert!(verdict.findings.is_empty());
        assert!(verdict.failures[0].starts_with("too short"));
        assert_eq!(early_and_late(&[1.0; 7], 2), None);
        let values: Vec<f64> = (0..10).map(f64::from).collect();
        // Warm-up: 0 and 1; thirds of 2..=9: [2, 3] and [8, 9].
        assert_eq!(early_and_late(&values, 2), Some((2.5, 8.5)));
    }

    #[test]
    fn the_warm_up_is_a_fifth_and_at_least_thirty_seconds() {
        let flat = |_| (proc(8000, 20, 3), proc(10_000, 30, 4));
        // A sample every 10 s: a fifth of 30 is 6 (60 s).
        assert_eq!(warmup(&series(30, flat)), 6);
        // A sample a second: a fifth of 60 is 12, the first 30 s are 30 samples.
        let mut fast = series(60, flat);
        for (i, sample) in fast.iter_mut().enumerate() {
            sample.secs = i as f64 + 1.0;
        }
        assert_eq!(warmup(&fast), 29);
        // The shells of a short run climbing to their plateau in its first 25 s pass.
        for (i, sample) in fast.iter_mut().enumerate() {
            sample.procs[1].children = (i as u64).min(25);
        }
        assert!(judge(&fast, &[]).passed());
    }
}
