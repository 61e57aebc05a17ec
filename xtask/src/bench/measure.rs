//! What is read about a process: CPU time and RSS from `/proc`, readiness and cold start
//! over loopback, and small statistics.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The longest a server may take to answer its first `/ping`.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// User plus system CPU time of a process, all threads, in clock ticks.
pub(crate) fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    parse_stat_ticks(&text).ok_or_else(|| format!("malformed {path}"))
}

/// `utime + stime` (fields 14 and 15) of a `/proc/<pid>/stat` line. The command name
/// (field 2) is in parentheses and may hold spaces and parentheses itself, so fields
/// are counted from the last `)`.
pub(crate) fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    // After the `)`: field 3 (state) is index 0, so utime is 11 and stime 12.
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The resident set size of a process, in KiB (`VmRSS` of `/proc/<pid>/status`).
pub(crate) fn rss_kib(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    parse_vm_rss(&text).ok_or_else(|| format!("no VmRSS in {path}"))
}

/// The `VmRSS:  1234 kB` line of a `/proc/<pid>/status`, in KiB.
pub(crate) fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line["VmRSS:".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 when it cannot be asked).
pub(crate) fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|&ticks| ticks > 0)
        .unwrap_or(100)
}

/// The median (the mean of the middle two for an even count); `NaN` when empty.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// One `GET /ping` on a fresh connection; whether it was answered 200.
fn ping_ok(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_nodelay(true);
    let request = b"GET /ping HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n";
    let mut status = [0; 12];
    stream.write_all(request).is_ok()
        && stream.read_exact(&mut status).is_ok()
        && &status == b"HTTP/1.1 200"
}

/// Polls `/ping` as fast as possible (a tight connect loop) until it answers 200; the
/// time from `since` to that answer. Fails when the process exits or after 10 s.
pub(crate) fn wait_ready(child: &mut Child, port: u16, since: Instant) -> Result<Duration, String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut attempts = 0_u32;
    loop {
        if ping_ok(addr) {
            return Ok(since.elapsed());
        }
        attempts += 1;
        // Checking on the child costs a syscall: only every so often.
        if attempts.is_multiple_of(256) {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "the server exited before answering /ping ({status})"
                ));
            }
            if since.elapsed() > READY_TIMEOUT {
                return Err(format!("no 200 on /ping within {READY_TIMEOUT:?}"));
            }
        }
    }
}

/// Spawns the server, times spawn → first 200 on `/ping`, and kills it.
pub(crate) fn cold_start(mut command: Command, port: u16) -> Result<Duration, String> {
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let ready = wait_ready(&mut child, port, started);
    let _ = child.kill();
    let _ = child.wait();
    ready
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_ticks_skip_the_command_name() {
        let stat = "4242 (tokio (a) b) S 1 4242 4242 0 -1 4194560 1000 0 0 0 \
                    173 27 0 0 20 0 3 0 12345 1000000 500 18446744073709551615";
        assert_eq!(parse_stat_ticks(stat), Some(200));
        assert_eq!(parse_stat_ticks("1 (x) S 1 2"), None);
        assert_eq!(parse_stat_ticks("garbage"), None);
    }

    #[test]
    fn this_process_has_a_stat_and_an_rss() {
        let pid = std::process::id();
        assert!(cpu_ticks(pid).is_ok());
        assert!(rss_kib(pid).unwrap() > 0);
    }

    #[test]
    fn vm_rss_in_kib() {
        let status = "Name:\tbench_agent\nVmPeak:\t  9000 kB\nVmRSS:\t    4321 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(4321));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
    }
}
