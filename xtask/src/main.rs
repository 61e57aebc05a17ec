//! `cargo xtask`: automation for the agentcore workspace, in the style of
//! rust-analyzer's xtask (plain Rust, arguments parsed by hand).
//!
//! Run `cargo xtask help` for the list of tasks.

mod conformance;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  conformance   run the shared conformance suites (http, sigv4, dataplane);
                `cargo xtask conformance --help` for its flags
  help          print this message
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("conformance") => conformance::run(&args[1..]),
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
