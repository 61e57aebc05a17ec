//! `cargo xtask layers`: checks that the modules of a crate import one another only as
//! the crate's layers table in `docs/ARCHITECTURE.md` allows, or prints the table the
//! code implies.

mod check;
mod graph;
mod imports;
mod lex;
mod modules;
mod refs;
mod table;
#[cfg(test)]
mod tests;
mod use_tree;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use self::imports::Imports;
use crate::conformance::workspace_root;

const USAGE: &str = "\
usage: cargo xtask layers [--crate DIR]... [--print]

Checks that a crate's modules import one another only as its layers table allows: the
first table after the heading of docs/ARCHITECTURE.md that names the crate and the word
`layers` (`### agentcore-server: layers`), bottom layer first:

  | module | may import |
  |---|---|
  | `error` | — |
  | `ws::socket` | `ws::message`, `error` |

Fails on a module without a row or a row without a module, an import its row does not
allow, a cycle or an upward import in the table, and an import through the crate root
(`crate::Body`: import it from its module).

  --crate DIR   the crate, relative to the workspace root (default
                crates/agentcore-server and crates/agentcore-client); may be repeated
  --print       print the table of the crate's actual imports instead, lowest layer
                first, or the import cycles that keep them from forming layers
";

/// The crates checked when none is named: those whose layers ARCHITECTURE.md lists.
const DEFAULT_CRATES: [&str; 2] = ["crates/agentcore-server", "crates/agentcore-client"];
const DOC: &str = "docs/ARCHITECTURE.md";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Args {
    Help,
    Run { crates: Vec<PathBuf>, print: bool },
}

/// Runs `cargo xtask layers` with the arguments after `layers`.
pub(crate) fn run(args: &[String]) -> ExitCode {
    let (crates, print) = match parse_args(args) {
        Ok(Args::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Args::Run { crates, print }) => (crates, print),
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    let mut ok = true;
    for dir in crates {
        let dir = root.join(dir);
        let result = if print {
            print_table(&dir)
        } else {
            check(&dir, &root.join(DOC), DOC)
        };
        match result {
            Ok(text) => print!("{text}"),
            Err(text) => {
                eprint!("{text}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut crates = Vec::new();
    let mut print = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Args::Help),
            "--print" => print = true,
            "--crate" => match args.next() {
                Some(dir) if !dir.is_empty() && !dir.starts_with("--") => {
                    crates.push(PathBuf::from(dir));
                }
                _ => return Err("`--crate` needs a DIR".to_owned()),
            },
            _ => match arg.strip_prefix("--crate=") {
                Some("") => return Err("`--crate` needs a DIR".to_owned()),
                Some(dir) => crates.push(PathBuf::from(dir)),
                None => return Err(format!("unknown argument `{arg}`")),
            },
        }
    }
    if crates.is_empty() {
        crates.extend(DEFAULT_CRATES.iter().map(PathBuf::from));
    }
    Ok(Args::Run { crates, print })
}

/// Checks the crate in `crate_dir` against its table in `doc` (`doc_name` in messages):
/// `Ok` with a one-line summary, or `Err` with one line per problem and a last one.
fn check(crate_dir: &Path, doc: &Path, doc_name: &str) -> Result<String, String> {
    let name = crate_name(crate_dir);
    let fail = |problems: Vec<String>| {
        let mut text: String = problems
            .iter()
            .map(|p| format!("error: {name}: {p}\n"))
            .collect();
        let count = problems.len();
        let s = if count == 1 { "" } else { "s" };
        text.push_str(&format!(
            "layers: {name}: {count} problem{s} against {doc_name}\n"
        ));
        text
    };
    let imports = Imports::read(crate_dir).map_err(|e| fail(vec![e]))?;
    let text = fs::read_to_string(doc)
        .map_err(|e| fail(vec![format!("cannot read {}: {e}", doc.display())]))?;
    let rows = table::find(&text, &name).map_err(|e| fail(vec![format!("{doc_name}: {e}")]))?;
    let problems = check::problems(&imports, &rows);
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    let (modules, edges) = (imports.modules.len(), imports.edge_count());
    Ok(format!(
        "layers: {name}: {modules} modules, {edges} edges, as {doc_name} allows\n"
    ))
}

/// The layers table of the crate's actual imports, or (`Err`) its import cycles. Notes
/// imports through the crate root, which the table leaves out, on stderr.
fn print_table(crate_dir: &Path) -> Result<String, String> {
    let name = crate_name(crate_dir);
    let imports = Imports::read(crate_dir).map_err(|e| format!("error: {name}: {e}\n"))?;
    let root_imports = imports.root_imports.len();
    if root_imports > 0 {
        eprintln!(
            "note: {name}: {root_imports} imports through the crate root are not in the graph; \
             the check (without --print) lists them"
        );
    }
    let graph = imports.graph();
    match graph::layered(&graph) {
        Ok(order) => Ok(table::render(&name, &order, &graph)),
        Err(cycles) => Err(cycle_report(&name, &imports, &cycles)),
    }
}

/// The cycles, each with where its imports are and the modules tangled with it.
fn cycle_report(name: &str, imports: &Imports, cycles: &[graph::Cycle]) -> String {
    let count = cycles.len();
    let s = if count == 1 { "" } else { "s" };
    let mut out = format!("error: {name}: the imports have {count} cycle{s}, so no layers:\n");
    for graph::Cycle { path, component } in cycles {
        out.push_str(&format!("cycle: {}\n", check::show_cycle(path)));
        for (i, from) in path.iter().enumerate() {
            let to = &path[(i + 1) % path.len()];
            if let Some(at) = imports.location(from, to) {
                out.push_str(&format!("  `{from}` imports `{to}` at {at}\n"));
            }
        }
        if component.len() > path.len() {
            let all: Vec<String> = component.iter().map(|m| format!("`{m}`")).collect();
            let all = all.join(", ");
            out.push_str(&format!(
                "  one tangle with it, each on a cycle with the others: {all}\n"
            ));
        }
    }
    out
}

/// The crate's package name, from its `Cargo.toml`; else its directory's name.
fn crate_name(crate_dir: &Path) -> String {
    let from_manifest = fs::read_to_string(crate_dir.join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok())
        .and_then(|doc| Some(doc.get("package")?.get("name")?.as_str()?.to_owned()));
    from_manifest.unwrap_or_else(|| {
        let name = crate_dir.file_name().unwrap_or(crate_dir.as_os_str());
        name.to_string_lossy().into_owned()
    })
}
