//! `cargo xtask conformance`: runs the shared conformance suites (see
//! `shared/conformance/README.md`) and reports `FAIL`/`SKIP` lines and one summary per
//! suite.

mod dataplane;
mod http;
mod matching;
mod shell;
mod sigv4;

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::de::DeserializeOwned;

const USAGE: &str = "\
usage: cargo xtask conformance [--http-cases PATH] [--vectors PATH] [--dataplane-cases PATH]
                               [--shell-vectors PATH]

Without flags, runs the http, sigv4, dataplane and shell suites on the files of the shared
conformance folder ($AGENTCORE_SHARED, else ../shared/conformance next to the workspace).
With flags, runs only the suites named, each on the given file:
  --http-cases PATH        http suite (the agent host, against the conformance agent)
  --vectors PATH           sigv4 suite (signed URLs and headers)
  --dataplane-cases PATH   dataplane suite (the client against the data plane)
  --shell-vectors PATH     shell suite (shell handshakes and frames)
";

/// A conformance suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Suite {
    Http,
    Sigv4,
    Dataplane,
    Shell,
}

impl Suite {
    const ALL: [Suite; 4] = [Suite::Http, Suite::Sigv4, Suite::Dataplane, Suite::Shell];

    fn name(self) -> &'static str {
        match self {
            Suite::Http => "http",
            Suite::Sigv4 => "sigv4",
            Suite::Dataplane => "dataplane",
            Suite::Shell => "shell",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Suite::Http => "--http-cases",
            Suite::Sigv4 => "--vectors",
            Suite::Dataplane => "--dataplane-cases",
            Suite::Shell => "--shell-vectors",
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            Suite::Http => "http-cases.json",
            Suite::Sigv4 => "sigv4-vectors.json",
            Suite::Dataplane => "dataplane-cases.json",
            Suite::Shell => "shell-vectors.json",
        }
    }
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Args {
    Help,
    /// The suites to run on the given files, in suite order; empty means all of them on
    /// the shared folder's files.
    Run(Vec<(Suite, PathBuf)>),
}

/// How one case ended.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome {
    Pass,
    Fail(String),
    /// Skipped because a feature it needs is not built yet (the reason says which).
    Skip(String),
}

/// One case's result, `name` without the suite prefix.
#[derive(Debug)]
pub(crate) struct CaseResult {
    pub(crate) name: String,
    pub(crate) outcome: Outcome,
}

/// A suite's cases, read and checked before anything runs.
enum Loaded {
    Http(Vec<http::Scenario>),
    Sigv4(Vec<sigv4::Vector>),
    Dataplane(Vec<dataplane::Case>),
    Shell(Vec<shell::Vector>),
}

impl Loaded {
    fn load(suite: Suite, path: &Path) -> Result<Loaded, String> {
        Ok(match suite {
            Suite::Http => Loaded::Http(http::load(path)?),
            Suite::Sigv4 => Loaded::Sigv4(read_json(path)?),
            Suite::Dataplane => Loaded::Dataplane(read_json(path)?),
            Suite::Shell => Loaded::Shell(read_json(path)?),
        })
    }

    fn run(self) -> Vec<CaseResult> {
        match self {
            Loaded::Http(scenarios) => http::run(scenarios),
            Loaded::Sigv4(vectors) => sigv4::run(vectors),
            Loaded::Dataplane(cases) => dataplane::run(cases),
            Loaded::Shell(vectors) => shell::run(vectors),
        }
    }
}

/// Runs `cargo xtask conformance` with the arguments after `conformance`.
pub(crate) fn run(args: &[String]) -> ExitCode {
    let chosen = match parse_args(args) {
        Ok(Args::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Args::Run(chosen)) => chosen,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run_suites(chosen) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut chosen: Vec<(Suite, PathBuf)> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Args::Help);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (arg.as_str(), None),
        };
        let Some(suite) = Suite::ALL.into_iter().find(|s| s.flag() == flag) else {
            return Err(format!("unknown argument `{arg}`"));
        };
        let path = match inline {
            Some(value) => value,
            None => args.next().map_or("", String::as_str),
        };
        if path.is_empty() || path.starts_with("--") {
            return Err(format!("`{flag}` needs a PATH"));
        }
        if chosen.iter().any(|(s, _)| *s == suite) {
            return Err(format!("`{flag}` given more than once"));
        }
        chosen.push((suite, PathBuf::from(path)));
    }
    chosen.sort_by_key(|(suite, _)| *suite);
    Ok(Args::Run(chosen))
}

/// Loads every chosen file first (so a bad file stops everything before the agent is
/// built), runs the suites, prints the report; `Ok(false)` when some case failed.
fn run_suites(chosen: Vec<(Suite, PathBuf)>) -> Result<bool, String> {
    let files = if chosen.is_empty() {
        let dir = shared_dir()?;
        Suite::ALL
            .map(|suite| (suite, dir.join(suite.file_name())))
            .to_vec()
    } else {
        chosen
    };
    let loaded = files
        .iter()
        .map(|(suite, path)| Ok((*suite, Loaded::load(*suite, path)?)))
        .collect::<Result<Vec<_>, String>>()?;

    let mut summaries = Vec::new();
    let mut all_passed = true;
    for (suite, cases) in loaded {
        let (mut passed, mut failed, mut skipped) = (0, 0, 0);
        for case in cases.run() {
            let name = format!("{}/{}", suite.name(), case.name);
            match case.outcome {
                Outcome::Pass => passed += 1,
                Outcome::Fail(reason) => {
                    failed += 1;
                    println!("FAIL {name}: {reason}");
                }
                Outcome::Skip(reason) => {
                    skipped += 1;
                    println!("SKIP {name}: {reason}");
                }
            }
        }
        all_passed &= failed == 0;
        let suite = suite.name();
        summaries.push(format!(
            "{suite}: {passed} passed, {failed} failed, {skipped} skipped"
        ));
    }
    for summary in summaries {
        println!("{summary}");
    }
    Ok(all_passed)
}

/// The workspace root: the parent of the xtask crate's manifest directory.
pub(crate) fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

/// The shared conformance folder: `$AGENTCORE_SHARED/conformance`, or
/// `$AGENTCORE_SHARED` itself when it holds the case files; else
/// `../shared/conformance` next to the workspace root.
fn shared_dir() -> Result<PathBuf, String> {
    if let Some(shared) = env::var_os("AGENTCORE_SHARED") {
        let shared = PathBuf::from(shared);
        let nested = shared.join("conformance");
        if nested.is_dir() {
            return Ok(nested);
        }
        if Suite::ALL
            .iter()
            .any(|s| shared.join(s.file_name()).is_file())
        {
            return Ok(shared);
        }
        let shared = shared.display();
        return Err(format!(
            "AGENTCORE_SHARED={shared} holds neither a conformance/ folder nor the case files"
        ));
    }
    let root = workspace_root();
    let dir = root
        .parent()
        .unwrap_or(&root)
        .join("shared")
        .join("conformance");
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "shared conformance folder {} not found; set AGENTCORE_SHARED or pass the files \
             with --http-cases/--vectors/--dataplane-cases/--shell-vectors",
            dir.display()
        ))
    }
}

/// Reads and parses a JSON case file, with an error that names the file.
fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("malformed {}: {e}", path.display()))
}

/// A case's name for the report: its `name`, else `<kind>-<index>`, else its index.
fn case_name(name: Option<&str>, kind: Option<&str>, index: usize) -> String {
    match (name, kind) {
        (Some(name), _) => name.to_owned(),
        (None, Some(kind)) => format!("{kind}-{index}"),
        (None, None) => index.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn no_flags_means_all_suites_on_the_shared_files() {
        assert_eq!(parse(&[]), Ok(Args::Run(vec![])));
    }

    #[test]
    fn flags_name_suites_and_files_in_suite_order() {
        let args = parse(&["--dataplane-cases", "d.json", "--http-cases=h.json"]);
        let expected = vec![
            (Suite::Http, PathBuf::from("h.json")),
            (Suite::Dataplane, PathBuf::from("d.json")),
        ];
        assert_eq!(args, Ok(Args::Run(expected)));
        let args = parse(&["--vectors", "v.json"]);
        assert_eq!(
            args,
            Ok(Args::Run(vec![(Suite::Sigv4, PathBuf::from("v.json"))]))
        );
    }

    #[test]
    fn help() {
        assert_eq!(parse(&["--help"]), Ok(Args::Help));
        assert_eq!(parse(&["--vectors", "v", "-h"]), Ok(Args::Help));
    }

    #[test]
    fn usage_errors() {
        assert!(
            parse(&["--bogus"])
                .unwrap_err()
                .contains("unknown argument `--bogus`")
        );
        assert!(parse(&["http"]).unwrap_err().contains("unknown argument"));
        assert!(parse(&["--vectors"]).unwrap_err().contains("needs a PATH"));
        assert!(parse(&["--vectors="]).unwrap_err().contains("needs a PATH"));
        assert!(
            parse(&["--vectors", "--http-cases", "h"])
                .unwrap_err()
                .contains("needs a PATH")
        );
        let twice = parse(&["--vectors", "a", "--vectors=b"]).unwrap_err();
        assert!(twice.contains("more than once"), "{twice}");
    }

    #[test]
    fn case_names() {
        assert_eq!(
            case_name(Some("invoke_json"), Some("invoke"), 3),
            "invoke_json"
        );
        assert_eq!(case_name(None, Some("presigned_url"), 4), "presigned_url-4");
        assert_eq!(case_name(None, None, 7), "7");
    }

    #[test]
    fn workspace_root_holds_the_xtask_crate() {
        assert!(workspace_root().join("xtask").join("Cargo.toml").is_file());
    }
}
