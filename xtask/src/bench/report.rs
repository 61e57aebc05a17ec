//! The figures: per-round outcomes, medians, the table and the section of
//! `docs/BENCHMARKS.md`.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::Load;
use super::idle::IDLE_SOCKETS;
use super::load::{Outcome, SSE_EVENT_BYTES, SSE_EVENTS};
use super::measure::median;

/// The heading of the section this benchmark owns.
const HEADING: &str = "## Agent host (server)";

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Agent = 0,
    Baseline = 1,
}

impl Side {
    /// In the order rounds run: A B A B...
    pub(crate) const BOTH: [Side; 2] = [Side::Agent, Side::Baseline];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Side::Agent => "agent",
            Side::Baseline => "bare hyper",
        }
    }
}

/// What a load's figures mean, and the ratio of CPU per unit it must stay under.
struct Meaning {
    title: String,
    unit: &'static str,
    target: f64,
}

fn meaning(load: Load) -> Meaning {
    let (title, unit, target) = match load {
        Load::Ping => ("`GET /ping`".to_owned(), "request", 1.1),
        Load::Invoke => ("`POST /invocations` (JSON echo)".to_owned(), "request", 1.2),
        Load::Sse => (
            format!("SSE, {SSE_EVENTS} events × {SSE_EVENT_BYTES} B per request"),
            "event",
            1.25,
        ),
        Load::Ws => ("WebSocket echo".to_owned(), "message", 1.1),
        Load::Mcp => ("MCP `tools/call` (stateless, JSON)".to_owned(), "call", 1.2),
    };
    Meaning {
        title,
        unit,
        target,
    }
}

/// The medians of one side's rounds of one load.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Figures {
    cpu_us: f64,
    per_second: f64,
    server_busy: f64,
    loadgen_busy: f64,
    errors: u64,
}

/// Everything measured.
#[derive(Debug)]
pub(crate) struct Report {
    rounds: usize,
    secs: f64,
    ticks_per_second: u64,
    pub(crate) cold_start_ms: [f64; 2],
    pub(crate) rss_idle_kib: [u64; 2],
    pub(crate) rss_loaded_kib: [u64; 2],
    /// KiB per idle WebSocket.
    pub(crate) ws_idle_kib: [f64; 2],
    outcomes: Vec<(Load, Side, Outcome)>,
}

impl Report {
    pub(crate) fn new(rounds: usize, secs: f64, ticks_per_second: u64) -> Self {
        Self {
            rounds,
            secs,
            ticks_per_second,
            cold_start_ms: [f64::NAN; 2],
            rss_idle_kib: [0; 2],
            rss_loaded_kib: [0; 2],
            ws_idle_kib: [f64::NAN; 2],
            outcomes: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, load: Load, side: Side, outcome: Outcome) {
        self.outcomes.push((load, side, outcome));
    }

    fn cpu_us(&self, outcome: &Outcome) -> f64 {
        outcome.server_ticks as f64 * 1e6 / self.ticks_per_second as f64 / outcome.units as f64
    }

    fn busy(&self, ticks: u64, secs: f64) -> f64 {
        ticks as f64 / self.ticks_per_second as f64 / secs
    }

    /// One round, for the progress lines.
    pub(crate) fn describe(&self, outcome: &Outcome) -> String {
        format!(
            "{:>8.2} µs CPU/unit {:>10.0} units/s  server core {:>3.0}%  loadgen core {:>3.0}%{}",
            self.cpu_us(outcome),
            outcome.units as f64 / outcome.secs,
            100.0 * self.busy(outcome.server_ticks, outcome.secs),
            100.0 * self.busy(outcome.loadgen_ticks, outcome.secs),
            match outcome.errors {
                0 => String::new(),
                n => format!("  {n} connections failed"),
            }
        )
    }

    fn figures(&self, load: Load, side: Side) -> Option<Figures> {
        let rounds: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|(l, s, _)| *l == load && *s == side)
            .map(|(_, _, outcome)| outcome)
            .collect();
        if rounds.is_empty() {
            return None;
        }
        let of =
            |f: &dyn Fn(&Outcome) -> f64| median(&rounds.iter().map(|o| f(o)).collect::<Vec<_>>());
        Some(Figures {
            cpu_us: of(&|o| self.cpu_us(o)),
            per_second: of(&|o| o.units as f64 / o.secs),
            server_busy: of(&|o| self.busy(o.server_ticks, o.secs)),
            loadgen_busy: of(&|o| self.busy(o.loadgen_ticks, o.secs)),
            errors: rounds.iter().map(|o| o.errors).sum(),
        })
    }

    /// The table of figures, as Markdown.
    pub(crate) fn table(&self) -> String {
        let mut rows = vec![
            "| Measure | agent | bare hyper | agent / bare | target | |".to_owned(),
            "|---|---:|---:|---:|---|---|".to_owned(),
        ];
        for load in Load::ALL {
            rows.extend(self.load_rows(load));
        }
        let [agent_ms, base_ms] = self.cold_start_ms;
        rows.push(row(
            "cold start: spawn → first 200 on `/ping`",
            &format!("{agent_ms:.2} ms"),
            &format!("{base_ms:.2} ms"),
            agent_ms / base_ms,
            "≤ 5 ms",
            agent_ms <= 5.0,
        ));
        let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
        let [agent_idle, base_idle] = self.rss_idle_kib.map(mb);
        rows.push(row(
            "RSS idle (after the first `/ping`)",
            &format!("{agent_idle:.1} MB"),
            &format!("{base_idle:.1} MB"),
            agent_idle / base_idle,
            "≤ 6 MB",
            agent_idle <= 6.0,
        ));
        let [agent_ws, base_ws] = self.ws_idle_kib;
        rows.push(row(
            &format!("idle WebSocket: RSS per socket ({IDLE_SOCKETS} open)"),
            &format!("{agent_ws:.1} KiB"),
            &format!("{base_ws:.1} KiB"),
            agent_ws / base_ws,
            "≤ 32 KiB",
            agent_ws <= 32.0,
        ));
        let [agent_loaded, base_loaded] = self.rss_loaded_kib.map(mb);
        rows.push(format!(
            "| RSS after the load rounds | {agent_loaded:.1} MB | {base_loaded:.1} MB | {:.2}× | | |",
            agent_loaded / base_loaded
        ));
        rows.join("\n") + "\n"
    }

    /// The two rows of one load: CPU per unit against its target, and throughput.
    fn load_rows(&self, load: Load) -> Vec<String> {
        self.rows_as(load, meaning(load))
    }

    /// [`Report::load_rows`] with this title, unit and target.
    fn rows_as(&self, load: Load, meaning: Meaning) -> Vec<String> {
        let mut rows = Vec::new();
        let (Some(agent), Some(base)) = (
            self.figures(load, Side::Agent),
            self.figures(load, Side::Baseline),
        ) else {
            return rows;
        };
        let Meaning {
            title,
            unit,
            target,
        } = meaning;
        let ratio = agent.cpu_us / base.cpu_us;
        rows.push(row(
            &format!("{title}: server CPU per {unit}"),
            &format!("{:.2} µs", agent.cpu_us),
            &format!("{:.2} µs", base.cpu_us),
            ratio,
            &format!("≤ {target:.2}×"),
            ratio <= target,
        ));
        let rate = |f: &Figures| {
            let failed = match f.errors {
                0 => String::new(),
                n => format!(", {n} failed"),
            };
            format!(
                "{} {unit}s/s ({:.0}% / {:.0}%{failed})",
                thousands(f.per_second),
                100.0 * f.server_busy,
                100.0 * f.loadgen_busy
            )
        };
        rows.push(format!(
            "| {title}: throughput (server core / loadgen core busy) | {} | {} | {:.2}× | | |",
            rate(&agent),
            rate(&base),
            agent.per_second / base.per_second
        ));
        rows
    }

    /// The table of the MCP load: the host against rmcp on bare hyper.
    pub(crate) fn mcp_table(&self) -> String {
        let mut rows = vec![
            "| Measure | host | bare rmcp | host / bare | target | |".to_owned(),
            "|---|---:|---:|---:|---|---|".to_owned(),
        ];
        rows.extend(self.load_rows(Load::Mcp));
        rows.join("\n") + "\n"
    }

    /// The table of the OpenTelemetry load: invocations exporting spans (the agent
    /// side) against the same agent with `OTEL_SDK_DISABLED=true` (the baseline side).
    pub(crate) fn otel_table(&self) -> String {
        let mut rows = vec![
            "| Measure | otel on | otel off | on / off | target | |".to_owned(),
            "|---|---:|---:|---:|---|---|".to_owned(),
        ];
        rows.extend(self.rows_as(
            Load::Invoke,
            Meaning {
                title: "`POST /invocations` (JSON echo), one span exported each".to_owned(),
                unit: "request",
                target: 1.15,
            },
        ));
        rows.join("\n") + "\n"
    }

    /// The whole `## Agent host (server)` section around `table`.
    pub(crate) fn section(&self, table: &str) -> String {
        let measured = measured_on();
        let rounds = self.rounds;
        let secs = self.secs;
        format!(
            "{HEADING}\n\n\
             <!-- Written by `cargo xtask bench`: rerun it to refresh this section. -->\n\n\
             {measured}, loopback. Reproduce with:\n\n\
             ```sh\ncargo xtask bench\n```\n\n\
             ({rounds} rounds of {secs} s per side and load, agent and baseline alternating; \
             medians. `cargo xtask bench --quick --no-write` is a short run that writes \
             nothing.)\n\n\
             {table}\n\
             {METHOD}\n\n\
             {LIMITS}\n"
        )
    }
}

/// `Measured on <date>, Linux x86_64, <cores> cores (<CPU>)`: today, this machine.
pub(crate) fn measured_on() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let (year, month, day) = civil_date(now);
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| cpu_model(&info))
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("Measured on {year:04}-{month:02}-{day:02}, Linux x86_64, {cores} cores ({cpu})")
}

/// How the figures are obtained.
const METHOD: &str = "\
**How.** The agent is `crates/agentcore-server/examples/bench_agent.rs`; the baseline is a \
minimal bare-hyper server in the xtask (`xtask/src/bench/baseline.rs`: hyper 1 http1 on \
tokio, `TCP_NODELAY`, the same JSON parsing, echo, one frame per SSE event and \
tokio-tungstenite echo over the hyper upgrade). Both are release builds with \
`TOKIO_WORKER_THREADS=1`, pinned to core 0 (`taskset -c 0`; the agent's extra \
`agentcore-server` thread shares that core). The load generator is the xtask's own \
(hyper 1 client, tokio-tungstenite; one current-thread runtime, 50 keep-alive connections, \
each sending its next request as soon as the last is answered) pinned to core 1; \
requests carry the session and request id headers the service sends. The agent logs \
nothing (no subscriber installed). A \
round reads the server's `utime + stime` (`/proc/<pid>/stat`) around a fixed-time window; \
*server CPU per unit* is that time divided by the requests, events or messages \
completed, the figure compared because on two cores the load generator saturates \
first, so throughput says little about the server. Throughput cells give the median \
rate and how busy each core was. Cold start is the median of 10 spawns (unpinned) to \
the first 200 on `/ping`, polled in a tight connect loop; RSS is `VmRSS`. The idle \
WebSocket row opens 1000 sockets to each server after the load rounds, each echoing one \
message, and divides the growth of `VmRSS` by 1000.";

/// What limits each ratio, from the isolation model (see `src/offload.rs`) and from
/// `perf` on the agent under each load.
const LIMITS: &str = "\
**What limits each ratio.** The host places connections, not requests: the server runtime \
reads each connection's first bytes into a buffer (replayed to hyper) and moves every \
connection that does not start with a health check to the handler runtime, where hyper \
and the handlers run together with no hop per request, event or message (the first model \
spawned each invocation onto the handler runtime and cost 2.07x on `/invocations`, 2.80x \
per SSE event and 1.61x per WebSocket message). What remains is what the host does around \
hyper for the contract: building the request context (header forwarding, ids), the \
request span, catching panics around the handler and its stream, the strict JSON parse \
and serialization through `serde_json::Value`, the SSE event framing with the request \
context made ambient while the stream is polled, and the connection watcher (two \
atomics and a clock read per request; its timer wakes at most every header-read \
timeout). Per connection, not per request: two slot leases (a lock each) and the \
placement read. The body-read timeout arms a timer only for bodies that did not arrive \
with their head. A WebSocket costs less CPU and memory than the baseline's because its \
read buffer is 8 KiB, not tungstenite's default 128 KiB. `/ping` connections stay on the \
server runtime and pay nothing extra. Cold start includes the second runtime's thread.";

fn row(label: &str, agent: &str, base: &str, ratio: f64, target: &str, met: bool) -> String {
    let verdict = if met { "met" } else { "**missed**" };
    format!("| {label} | {agent} | {base} | {ratio:.2}× | {target} | {verdict} |")
}

/// `12345.6` → `12,346`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The first `model name` of `/proc/cpuinfo`.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}

/// The UTC calendar date of a Unix time (Howard Hinnant's `civil_from_days`).
fn civil_date(unix_secs: u64) -> (i64, u32, u32) {
    let days = (unix_secs / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `doc` with the section `section` starts with (its first line, a `## ` heading) replaced,
/// up to the next `## ` heading; appended when `doc` has no such section.
pub(crate) fn replace_section(doc: &str, section: &str) -> String {
    let section = section.trim_end_matches('\n');
    let heading = section.lines().next().unwrap_or_default().trim_end();
    let lines: Vec<&str> = doc.lines().collect();
    let Some(start) = lines.iter().position(|line| line.trim_end() == heading) else {
        let doc = doc.trim_end_matches('\n');
        return if doc.is_empty() {
            format!("{section}\n")
        } else {
            format!("{doc}\n\n{section}\n")
        };
    };
    let end = lines[start + 1..]
        .iter()
        .position(|line| line.starts_with("## "))
        .map_or(lines.len(), |offset| start + 1 + offset);
    let before = lines[..start].join("\n");
    let after = lines[end..].join("\n");
    let mut out = String::new();
    if !before.is_empty() {
        out.push_str(before.trim_end_matches('\n'));
        out.push_str("\n\n");
    }
    out.push_str(section);
    out.push('\n');
    if !after.is_empty() {
        out.push('\n');
        out.push_str(&after);
        out.push('\n');
    }
    out
}

/// Prints `section`, and with `write` puts it into `docs/BENCHMARKS.md` under `heading`.
pub(crate) fn publish(
    root: &Path,
    write: bool,
    heading: &str,
    section: &str,
) -> Result<(), String> {
    println!("{section}");
    if write {
        let path = root.join("docs").join("BENCHMARKS.md");
        write_section(&path, section)?;
        eprintln!("wrote the `{heading}` section of {}", path.display());
    }
    Ok(())
}

/// Writes `section` into the file at `path`, creating it with a title if absent.
pub(crate) fn write_section(path: &Path, section: &str) -> Result<(), String> {
    let doc = match std::fs::read_to_string(path) {
        Ok(doc) => doc,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "# Benchmarks\n".to_owned(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    std::fs::write(path, replace_section(&doc, section))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(units: u64, server_ticks: u64) -> Outcome {
        Outcome {
            units,
            secs: 2.0,
            server_ticks,
            loadgen_ticks: 200,
            errors: 0,
        }
    }

    fn report() -> Report {
        let mut report = Report::new(2, 2.0, 100);
        // Agent: 10 and 12 µs per request; baseline: 10 µs.
        report.add(Load::Ping, Side::Agent, outcome(100_000, 100));
        report.add(Load::Ping, Side::Baseline, outcome(100_000, 100));
        report.add(Load::Ping, Side::Agent, outcome(100_000, 140));
        report.add(Load::Ping, Side::Baseline, outcome(100_000, 100));
        report.cold_start_ms = [2.5, 1.0];
        report.rss_idle_kib = [7000, 2000];
        report.rss_loaded_kib = [8000, 4000];
        report.ws_idle_kib = [20.0, 40.0];
        report
    }

    #[test]
    fn table_has_medians_ratios_and_verdicts() {
        let table = report().table();
        assert!(
            table.contains("| `GET /ping`: server CPU per request | 12.00 µs | 10.00 µs | 1.20× | ≤ 1.10× | **missed** |"),
            "{table}"
        );
        assert!(table.contains("50,000 requests/s (60% / 100%)"), "{table}");
        assert!(
            table.contains("| 2.50 ms | 1.00 ms | 2.50× | ≤ 5 ms | met |"),
            "{table}"
        );
        assert!(
            table.contains("| 7.2 MB | 2.0 MB | 3.50× | ≤ 6 MB | **missed** |"),
            "{table}"
        );
        assert!(
            table.contains("| idle WebSocket: RSS per socket (1000 open) | 20.0 KiB | 40.0 KiB | 0.50× | ≤ 32 KiB | met |"),
            "{table}"
        );
        // Loads with no rounds are left out.
        assert!(!table.contains("WebSocket echo"), "{table}");
    }

    #[test]
    fn section_names_the_command_and_the_table() {
        let report = report();
        let section = report.section(&report.table());
        assert!(section.starts_with("## Agent host (server)\n"));
        assert!(section.contains("cargo xtask bench\n"));
        assert!(section.contains("| Measure |"));
    }

    #[test]
    fn sections_are_replaced_or_appended() {
        let mine = "## Agent host (server)\n\nnew\n";
        let theirs = "# Benchmarks\n\n## Client signing\n\ntheirs\n";
        let appended = replace_section(theirs, mine);
        assert_eq!(appended, format!("{theirs}\n{mine}"));
        let old =
            "# Benchmarks\n\n## Agent host (server)\n\nold\n| a |\n\n## Client signing\n\ntheirs\n";
        let replaced = replace_section(old, mine);
        assert_eq!(
            replaced,
            "# Benchmarks\n\n## Agent host (server)\n\nnew\n\n## Client signing\n\ntheirs\n"
        );
        assert_eq!(replace_section(&replaced, mine), replaced);
        assert_eq!(replace_section("", mine), mine);
    }

    #[test]
    fn dates_and_numbers() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(951_782_400), (2000, 2, 29));
        assert_eq!(civil_date(1_767_225_600), (2026, 1, 1));
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(
            cpu_model("processor\t: 0\nmodel name\t: AMD EPYC\n").as_deref(),
            Some("AMD EPYC")
        );
    }
}
