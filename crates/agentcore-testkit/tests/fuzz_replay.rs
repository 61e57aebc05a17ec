//! The fuzz targets' regression test, on stable: every committed seed
//! (`fuzz/seeds/<target>/`) and every minimized crasher the fuzzer found
//! (`fuzz/regressions/<target>/`) through the same bodies libFuzzer runs
//! (`agentcore_testkit::fuzz`), so that a fixed bug stays fixed without nightly.

use std::path::{Path, PathBuf};

use agentcore_testkit::fuzz::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `dir`, sorted (none when it does not exist).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn replay(kind: &str, require: bool) {
    for (name, target) in TARGETS {
        let files = inputs(&fuzz_dir().join(kind).join(name));
        assert!(!require || !files.is_empty(), "no {kind} for {name}");
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name} fails on {}", file.display());
        }
    }
}

#[test]
fn every_seed_passes_every_property() {
    replay("seeds", true);
}

#[test]
fn every_kept_crasher_stays_fixed() {
    replay("regressions", false);
}

#[test]
fn every_target_has_its_libfuzzer_binary() {
    for (name, _) in TARGETS {
        let path = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            text.contains(&format!("agentcore_testkit::fuzz::{name}(data)")),
            "{} does not call agentcore_testkit::fuzz::{name}",
            path.display()
        );
    }
    let binaries = inputs(&fuzz_dir().join("fuzz_targets")).len();
    assert_eq!(
        binaries,
        TARGETS.len(),
        "a target without an entry in TARGETS"
    );
}

#[test]
fn short_and_empty_inputs_pass() {
    for (_, target) in TARGETS {
        for data in [&b""[..], b"\0", b"\xff\xff\xff\xff", b"{}", b"data: x\n\n"] {
            target(data);
        }
    }
}
