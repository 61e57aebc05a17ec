//! `cargo xtask`: automation for the agentcore workspace, in the style of
//! rust-analyzer's xtask (plain Rust, arguments parsed by hand).
//!
//! Run `cargo xtask help` for the list of tasks.

mod bench;
mod browser;
mod conformance;
mod fuzz;
mod interop;
mod layers;
mod process;
mod release;
mod secrets;
mod soak;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  bench         benchmark the agent host against a bare-hyper baseline and write
                docs/BENCHMARKS.md; `cargo xtask bench --help` for its flags
  browser-test  the web-console example in headless Chromium (Playwright) against the
                emulator; `cargo xtask browser-test --help` for its flags
  conformance   run the shared conformance suites (http, sigv4, dataplane);
                `cargo xtask conformance --help` for its flags
  fuzz          build the libFuzzer targets of fuzz/ (nightly) and run each for a while;
                `cargo xtask fuzz --help` for its flags
  interop       run the official Python clients (boto3, the bedrock-agentcore SDK)
                against the emulator; `cargo xtask interop --help` for its flags
  layers        check a crate's imports between its modules against its layers table
                in docs/ARCHITECTURE.md; `cargo xtask layers --help` for its flags
  release       bump the crates to a version, release the changelog, check, package,
                commit and tag; `cargo xtask release --help` for its flags
  soak          the agent and the emulator under a mixed load for minutes, sampled;
                fails on growth or errors; `cargo xtask soak --help` for its flags
  help          print this message
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bench") => bench::run(&args[1..]),
        Some("browser-test") => browser::run(&args[1..]),
        Some("conformance") => conformance::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("interop") => interop::run(&args[1..]),
        Some("layers") => layers::run(&args[1..]),
        Some("release") => release::run(&args[1..]),
        Some("soak") => soak::run(&args[1..]),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(task) => {
            eprintln!("error: unknown task `{task}`\n\n{USAGE}");
            ExitCode::from(2)
        }
        None => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
