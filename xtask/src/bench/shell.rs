//! What a shell costs: the keystroke echo round trip through the emulator's PTY, and
//! `cat` of 100 MB of output (throughput, and the peak memory of the client and of the
//! emulator, which must stay flat). Run in a process of its own, like the streams.

use std::time::{Duration, Instant};

use agentcore_client::contract::RuntimeArn;
use agentcore_client::{RuntimeClient, RuntimeSession, Shell, ShellEvent};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::measure::rss_kib;

/// Keystrokes timed.
pub(crate) const KEYSTROKES: usize = 2000;
/// Bytes of output `cat`-ed.
pub(crate) const CAT_BYTES: u64 = 100 << 20;
/// RSS samples along the output.
const SAMPLES: u64 = 20;
/// The longest any one step may take before the measure fails.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// What one run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ShellFigures {
    /// Keystroke echo round trips, in µs, sorted.
    pub(crate) echo_us: Vec<u64>,
    pub(crate) cat_bytes: u64,
    pub(crate) cat_secs: f64,
    /// (bytes so far, client RSS KiB, emulator RSS KiB).
    pub(crate) rss_kib: Vec<(u64, u64, u64)>,
}

impl ShellFigures {
    /// The `p`-th percentile of the echo round trip, in ms.
    pub(crate) fn echo_ms(&self, p: f64) -> f64 {
        if self.echo_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * (self.echo_us.len() - 1) as f64).round() as usize;
        self.echo_us[rank.min(self.echo_us.len() - 1)] as f64 / 1000.0
    }

    /// MB/s of `cat`.
    pub(crate) fn cat_mb_per_s(&self) -> f64 {
        self.cat_bytes as f64 / 1e6 / self.cat_secs
    }

    /// (client, emulator) RSS a tenth of the way in, and their peaks after it, in KiB.
    pub(crate) fn memory(&self) -> ((u64, u64), (u64, u64)) {
        let later: Vec<&(u64, u64, u64)> = self
            .rss_kib
            .iter()
            .filter(|(at, _, _)| *at >= CAT_BYTES / 10)
            .collect();
        let first = later.first().map_or((0, 0), |(_, c, e)| (*c, *e));
        let peak = |f: fn(&(u64, u64, u64)) -> u64| later.iter().map(|s| f(s)).max().unwrap_or(0);
        (first, (peak(|s| s.1), peak(|s| s.2)))
    }
}

/// Hidden mode: measures a shell of the emulator at `endpoint` (pid `emulator`).
pub(crate) fn run(
    endpoint: &str,
    arn: &str,
    token: &str,
    emulator: u32,
) -> Result<ShellFigures, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(measure(endpoint, arn, token, emulator))
}

async fn measure(
    endpoint: &str,
    arn: &str,
    token: &str,
    emulator: u32,
) -> Result<ShellFigures, String> {
    let failed = |e: agentcore_client::Error| format!("the shell failed: {e}");
    let client = RuntimeClient::builder()
        .endpoint(endpoint)
        .bearer_token(token)
        .build()
        .map_err(failed)?;
    let arn: RuntimeArn = arn.parse().map_err(|e| format!("{e}"))?;
    let session = RuntimeSession::new(arn);

    // Echo: a raw terminal and `cat`, one byte out and back at a time.
    let mut shell = client.open_shell(&session).send().await.map_err(failed)?;
    shell
        .send_input("stty raw -echo; echo ready-$((6*7)); cat\n")
        .await
        .map_err(failed)?;
    wait_for(&mut shell, b"ready-42").await?;
    let mut echo_us = Vec::with_capacity(KEYSTROKES);
    for i in 0..KEYSTROKES {
        let key = b'a' + (i % 26) as u8;
        let started = Instant::now();
        shell.send_input(vec![key]).await.map_err(failed)?;
        wait_for(&mut shell, &[key]).await?;
        echo_us.push(started.elapsed().as_micros() as u64);
    }
    echo_us.sort_unstable();
    shell.close().await.map_err(failed)?;

    // cat: 100 MB of output through the PTY, memory sampled as it goes.
    let mut shell = client.open_shell(&session).send().await.map_err(failed)?;
    let script = format!("stty raw -echo; head -c {CAT_BYTES} /dev/zero | tr '\\0' x; exit 0\n");
    let pid = std::process::id();
    let mut rss = vec![(0, rss_kib(pid)?, rss_kib(emulator)?)];
    let step = CAT_BYTES / SAMPLES;
    let (mut seen, mut next_sample) = (0u64, step);
    let started = Instant::now();
    shell.send_input(script).await.map_err(failed)?;
    loop {
        let event = tokio::time::timeout(STEP_TIMEOUT, shell.next())
            .await
            .map_err(|_| format!("no output for {STEP_TIMEOUT:?} after {seen} bytes"))?;
        match event {
            Some(Ok(ShellEvent::Stdout(bytes))) => {
                seen += bytes.iter().filter(|b| **b == b'x').count() as u64;
                if seen >= next_sample {
                    rss.push((seen, rss_kib(pid)?, rss_kib(emulator)?));
                    next_sample += step;
                }
            }
            Some(Ok(ShellEvent::Exited { .. })) | None => break,
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(failed(err)),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    if seen < CAT_BYTES {
        return Err(format!("cat ended after {seen} of {CAT_BYTES} bytes"));
    }
    Ok(ShellFigures {
        echo_us,
        cat_bytes: seen,
        cat_secs: secs,
        rss_kib: rss,
    })
}

/// Reads output until it holds `pattern`.
async fn wait_for(shell: &mut Shell, pattern: &[u8]) -> Result<(), String> {
    let mut output = Vec::new();
    while !output.windows(pattern.len()).any(|w| w == pattern) {
        let event = tokio::time::timeout(STEP_TIMEOUT, shell.next())
            .await
            .map_err(|_| format!("no {pattern:?} within {STEP_TIMEOUT:?}"))?;
        match event {
            Some(Ok(ShellEvent::Stdout(bytes))) => output.extend_from_slice(&bytes),
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(format!("the shell failed: {err}")),
            None => return Err(format!("the shell ended before {pattern:?}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_throughput_and_memory() {
        let figures = ShellFigures {
            echo_us: (1..=100).map(|ms| ms * 1000).collect(),
            cat_bytes: 100_000_000,
            cat_secs: 2.0,
            rss_kib: vec![
                (0, 1000, 2000),
                (CAT_BYTES / 10, 1100, 2100),
                (CAT_BYTES / 2, 1150, 2300),
                (CAT_BYTES, 1120, 2200),
            ],
        };
        assert_eq!(figures.echo_ms(50.0), 51.0);
        assert_eq!(figures.echo_ms(99.0), 99.0);
        assert_eq!(figures.cat_mb_per_s(), 50.0);
        assert_eq!(figures.memory(), ((1100, 2100), (1150, 2300)));
    }
}
