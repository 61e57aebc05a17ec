//! The layer check on small crates written to a temporary directory, and on the server.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A crate named `demo` in a fresh temporary directory, removed when dropped.
struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Fixture {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("xtask-layers-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let fixture = Fixture { dir };
        fixture.write("Cargo.toml", "[package]\nname = \"demo\"\n");
        for (path, text) in files {
            fixture.write(path, text);
        }
        fixture
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Checks the crate against a doc with `table` under a `### demo: layers` heading.
    fn check(&self, table: &str) -> Result<String, String> {
        self.write(
            "ARCHITECTURE.md",
            &format!("# Arch\n\n### demo: layers\n\n{table}"),
        );
        check(
            &self.dir,
            &self.dir.join("ARCHITECTURE.md"),
            "ARCHITECTURE.md",
        )
    }

    fn print(&self) -> Result<String, String> {
        print_table(&self.dir)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Every kind of reference, and text that only looks like one.
const CLEAN: &[(&str, &str)] = &[
    (
        "src/lib.rs",
        "//! See [`crate::ws::WebSocket`] and [`crate::Body`].\nmod body;\nmod error;\npub mod ws;\n\
         pub use body::Body;\npub use ws::WebSocket;\n",
    ),
    (
        "src/error.rs",
        "/// Not [`crate::Body`].\npub struct Error;\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
    ),
    (
        "src/body.rs",
        "use crate::error::Error;\n/* use crate::ws::WebSocket; /* nested */ crate::Body */\n\
         pub struct Body(Option<Error>);\nconst DOC: &str = \"crate::ws::WebSocket, crate::Body\";\n\
         const RAW: &str = r#\"crate::Body \"quoted\"\"#;\nconst BRACE: char = '{';\n\
         fn f<'a>(x: &'a str) -> &'a str { x } // crate::Body\n",
    ),
    (
        "src/ws/mod.rs",
        "mod message;\nmod socket;\npub use socket::WebSocket;\npub(crate) use self::message::Message;\n",
    ),
    (
        "src/ws/message.rs",
        "use crate::body::Body;\npub struct Message(pub Body);\n",
    ),
    (
        "src/ws/socket.rs",
        "use super::message::Message;\nuse crate::{body::Body, error::{self, Error}};\n\
         pub struct WebSocket;\nfn send(_: Message) -> Result<(), Error> {\n    \
         let _ = crate::body::Body(None);\n    Ok(())\n}\n\
         mod tests {\n    use super::*;\n    use self::super::WebSocket as W;\n}\n",
    ),
];

const CLEAN_TABLE: &str = "\
| module | may import |
|---|---|
| `error` | — |
| `body` | `error` |
| `ws::message` | `body` |
| `ws::socket` | `ws::message`, `body`, `error` |
| `ws` | `ws::socket`, `ws::message` |
";

/// `CLEAN` with `path` replaced by `text`.
fn clean_with(path: &str, text: &str) -> Fixture {
    let fixture = Fixture::new(CLEAN);
    fixture.write(path, text);
    fixture
}

#[test]
fn clean_tree_passes() {
    let fixture = Fixture::new(CLEAN);
    assert_eq!(
        fixture.check(CLEAN_TABLE),
        Ok("layers: demo: 5 modules, 7 edges, as ARCHITECTURE.md allows\n".to_owned())
    );
}

#[test]
fn grouped_uses_super_self_and_child_modules_resolve() {
    let fixture = Fixture::new(CLEAN);
    let imports = Imports::read(&fixture.dir).unwrap();
    let edges: BTreeSet<(&str, &str)> = imports
        .edges
        .iter()
        .flat_map(|(from, to)| to.keys().map(move |to| (from.as_str(), to.as_str())))
        .collect();
    let expected = [
        ("body", "error"),
        ("ws", "ws::message"),
        ("ws", "ws::socket"),
        ("ws::message", "body"),
        ("ws::socket", "body"),
        ("ws::socket", "error"),
        ("ws::socket", "ws::message"),
    ];
    assert_eq!(edges, BTreeSet::from(expected));
    assert!(
        imports.root_imports.is_empty(),
        "{:?}",
        imports.root_imports
    );
    let at = imports.location("ws::socket", "error").unwrap();
    assert_eq!(at.to_string(), "src/ws/socket.rs:2");
}

#[test]
fn comments_and_strings_are_ignored() {
    let quoted = "// use crate::ws;\n/// [`crate::Body`]\nconst S: &str = \"crate::ws::x\";\n\
                  const C: char = '\"'; const T: &str = \"use crate::ws;\";\n";
    let table = "| module | may import |\n|---|---|\n| `a` | — |\n| `ws` | — |\n";
    let files = [("src/lib.rs", "mod a;\nmod ws;\n"), ("src/ws.rs", "")];
    let fixture = Fixture::new(&files);
    fixture.write("src/a.rs", quoted);
    assert!(fixture.check(table).is_ok(), "{:?}", fixture.check(table));
    // The same paths in code are references.
    fixture.write(
        "src/a.rs",
        &format!("{quoted}use crate::ws;\nuse crate::Body;\n"),
    );
    let err = fixture.check(table).unwrap_err();
    assert!(err.contains("`a` imports `ws`, which its row does not allow (src/a.rs:5)"));
    assert!(err.contains("`a` imports `crate::Body` through the crate root"));
}

#[test]
fn unlisted_edge_is_an_error() {
    let body = "use crate::error::Error;\npub struct Body(Option<Error>);\n\
                fn f() { let _ = crate::ws::socket::WebSocket; }\n";
    let fixture = clean_with("src/body.rs", body);
    assert_eq!(
        fixture.check(CLEAN_TABLE),
        Err(
            "error: demo: `body` imports `ws::socket`, which its row does not allow \
             (src/body.rs:3)\nlayers: demo: 1 problem against ARCHITECTURE.md\n"
                .to_owned()
        )
    );
}

#[test]
fn root_reexport_import_is_an_error() {
    let fixture = clean_with(
        "src/ws/message.rs",
        "use crate::Body;\npub struct Message(pub Body);\n",
    );
    let err = fixture.check(CLEAN_TABLE).unwrap_err();
    assert_eq!(
        err,
        "error: demo: `ws::message` imports `crate::Body` through the crate root; import it \
         from its module (src/ws/message.rs:1)\nlayers: demo: 1 problem against ARCHITECTURE.md\n"
    );
}

#[test]
fn missing_row_and_row_without_module_are_errors() {
    let fixture = Fixture::new(CLEAN);
    fixture.write("src/extra.rs", "");
    let table = format!("{CLEAN_TABLE}| `gone` | `error`, `nowhere` |\n");
    let err = fixture.check(&table).unwrap_err();
    assert!(err.contains("error: demo: `extra` (src/extra.rs) has no row in the table\n"));
    assert!(err.contains("the row `gone` (line 12) names no module of the crate"));
    assert!(err.contains("`gone`'s row (line 12) allows `nowhere`, which has no row"));
    assert!(
        err.ends_with("3 problems against ARCHITECTURE.md\n"),
        "{err}"
    );
}

#[test]
fn table_cycles_and_upward_imports_are_errors() {
    let fixture = Fixture::new(CLEAN);
    let cyclic = CLEAN_TABLE.replace("| `error` | — |", "| `error` | `ws` |");
    let err = fixture.check(&cyclic).unwrap_err();
    assert!(
        err.contains(
            "the table allows an import cycle: `body` -> `error` -> `ws` -> `ws::message` -> `body`"
        ),
        "{err}"
    );
    let upside_down = "| module | may import |\n|---|---|\n| `body` | `error` |\n| `error` | — |\n\
                       | `ws::message` | `body` |\n| `ws::socket` | `ws::message`, `body`, `error` |\n\
                       | `ws` | `ws::socket`, `ws::message` |\n";
    let err = fixture.check(upside_down).unwrap_err();
    assert!(
        err.contains(
            "`body`'s row (line 7) allows `error`, which is listed below it; rows go bottom \
             layer first"
        ),
        "{err}"
    );
    assert!(
        err.ends_with("1 problem against ARCHITECTURE.md\n"),
        "{err}"
    );
}

#[test]
fn print_gives_a_table_that_passes() {
    let fixture = Fixture::new(CLEAN);
    let table = fixture.print().unwrap();
    assert_eq!(
        table,
        "### demo: layers\n\n| module | may import |\n|---|---|\n| `error` | — |\n\
         | `body` | `error` |\n| `ws::message` | `body` |\n\
         | `ws::socket` | `body`, `error`, `ws::message` |\n\
         | `ws` | `ws::message`, `ws::socket` |\n"
    );
    let rows = table.split_once("\n\n").unwrap().1;
    assert!(fixture.check(rows).is_ok());
}

#[test]
fn print_gives_the_cycle() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\nmod d;\n"),
        ("src/a.rs", "use crate::b::f;\n"),
        ("src/b.rs", "use crate::c;\n\nfn g() { crate::a::h() }\n"),
        ("src/c.rs", "fn f() { super::a::h() }\n"),
        ("src/d.rs", "use crate::c;\n"),
    ]);
    assert_eq!(
        fixture.print(),
        Err(
            "error: demo: the imports have 1 cycle, so no layers:\ncycle: `a` -> `b` -> `a`\n  \
             `a` imports `b` at src/a.rs:1\n  `b` imports `a` at src/b.rs:3\n  \
             one tangle with it, each on a cycle with the others: `a`, `b`, `c`\n"
                .to_owned()
        )
    );
}

#[test]
fn a_module_in_two_files_is_an_error() {
    let fixture = Fixture::new(&[
        ("src/lib.rs", "mod a;\n"),
        ("src/a.rs", ""),
        ("src/a/mod.rs", ""),
    ]);
    let err = fixture.check(CLEAN_TABLE).unwrap_err();
    assert!(
        err.contains("src/a/mod.rs and src/a.rs both define module `a`"),
        "{err}"
    );
}

#[test]
fn arguments() {
    let parse = |args: &[&str]| parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
    let run = |crates: &[&str], print| Args::Run {
        crates: crates.iter().map(PathBuf::from).collect(),
        print,
    };
    assert_eq!(parse(&[]), Ok(run(&DEFAULT_CRATES, false)));
    assert_eq!(
        parse(&["--crate", "a", "--print", "--crate=b"]),
        Ok(run(&["a", "b"], true))
    );
    assert_eq!(parse(&["--print", "-h"]), Ok(Args::Help));
    assert!(parse(&["--crate"]).unwrap_err().contains("needs a DIR"));
    assert!(parse(&["--crate="]).unwrap_err().contains("needs a DIR"));
    assert!(
        parse(&["--crate", "--print"])
            .unwrap_err()
            .contains("needs a DIR")
    );
    assert!(parse(&["x"]).unwrap_err().contains("unknown argument `x`"));
}

#[test]
fn server_crate_matches_architecture_md() {
    let root = workspace_root();
    let result = check(&root.join(DEFAULT_CRATES[0]), &root.join(DOC), DOC);
    if let Err(problems) = result {
        panic!("{problems}");
    }
}

#[test]
fn client_crate_matches_architecture_md() {
    let root = workspace_root();
    let result = check(&root.join("crates/agentcore-client"), &root.join(DOC), DOC);
    if let Err(problems) = result {
        panic!("{problems}");
    }
}
