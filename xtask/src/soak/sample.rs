//! What is read about the agent and the emulator every interval: `VmRSS`, `utime +
//! stime`, open file descriptors, threads and child processes, from `/proc`.

use std::fs;

use crate::bench::measure::{cpu_ticks, parse_vm_rss};

/// The processes sampled, in the order of [`Sample::procs`].
pub(crate) const PROCESSES: [&str; 2] = ["agent", "emulator"];

/// One process at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ProcSample {
    pub(crate) rss_kib: u64,
    /// User plus system CPU time so far, in clock ticks.
    pub(crate) cpu_ticks: u64,
    pub(crate) fds: u64,
    pub(crate) threads: u64,
    /// Processes whose parent it is (the emulator's shells and commands).
    pub(crate) children: u64,
}

/// Both processes at one moment, `secs` into the run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub(crate) secs: f64,
    pub(crate) procs: [ProcSample; 2],
}

/// What the growth rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    Rss,
    Fds,
    Threads,
    Children,
}

impl Measure {
    pub(crate) const ALL: [Measure; 4] = [
        Measure::Rss,
        Measure::Fds,
        Measure::Threads,
        Measure::Children,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Measure::Rss => "RSS",
            Measure::Fds => "file descriptors",
            Measure::Threads => "threads",
            Measure::Children => "child processes",
        }
    }

    pub(crate) fn of(self, sample: &ProcSample) -> f64 {
        (match self {
            Measure::Rss => sample.rss_kib,
            Measure::Fds => sample.fds,
            Measure::Threads => sample.threads,
            Measure::Children => sample.children,
        }) as f64
    }

    /// A value of this measure, for people.
    pub(crate) fn show(self, value: f64) -> String {
        match self {
            Measure::Rss => format!("{:.1} MiB", value / 1024.0),
            _ => format!("{value:.1}"),
        }
    }
}

/// Reads process `pid` now.
pub(crate) fn read(pid: u32) -> Result<ProcSample, String> {
    let path = format!("/proc/{pid}/status");
    let status =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {path} (did it exit?): {e}"))?;
    let fd_dir = format!("/proc/{pid}/fd");
    let fds = fs::read_dir(&fd_dir)
        .map_err(|e| format!("cannot list {fd_dir}: {e}"))?
        .count() as u64;
    Ok(ProcSample {
        rss_kib: parse_vm_rss(&status).ok_or_else(|| format!("no VmRSS in {path}"))?,
        cpu_ticks: cpu_ticks(pid)?,
        fds,
        threads: parse_threads(&status).ok_or_else(|| format!("no Threads in {path}"))?,
        children: children_of(pid),
    })
}

/// The `Threads:  N` line of a `/proc/<pid>/status`.
pub(crate) fn parse_threads(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("Threads:"))?;
    line["Threads:".len()..].trim().parse().ok()
}

/// The parent pid (field 4) of a `/proc/<pid>/stat` line, counted from the last `)`.
pub(crate) fn parse_parent(stat: &str) -> Option<u32> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// How many processes have `pid` as their parent (zombies included).
fn children_of(pid: u32) -> u64 {
    let Ok(entries) = fs::read_dir("/proc") else {
        return 0;
    };
    let numeric = entries.flatten().filter(|entry| {
        entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
    });
    numeric
        .filter_map(|entry| fs::read_to_string(entry.path().join("stat")).ok())
        .filter(|stat| parse_parent(stat) == Some(pid))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_and_parents() {
        let status = "Name:\temulator\nVmRSS:\t  4321 kB\nThreads:\t7\n";
        assert_eq!(parse_threads(status), Some(7));
        assert_eq!(parse_threads("Name:\tx\n"), None);
        let stat = "4242 (sh (x) y) S 1234 4242 4242 0 -1 4194560";
        assert_eq!(parse_parent(stat), Some(1234));
        assert_eq!(parse_parent("garbage"), None);
    }

    #[test]
    fn this_process_reads() {
        let me = read(std::process::id()).unwrap();
        assert!(me.rss_kib > 0 && me.fds > 0 && me.threads > 0);
        let child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let mut child = crate::process::KillOnDrop(child);
        assert!(read(std::process::id()).unwrap().children >= 1);
        let _ = child.kill();
        assert_eq!(Measure::Rss.show(2048.0), "2.0 MiB");
        assert_eq!(Measure::Fds.show(3.0), "3.0");
    }
}
