//! `cargo xtask release` on temporary clones of this repository's `HEAD`: the dry run
//! changes exactly the release files and leaves the clone as it was; a real run commits
//! and tags; a smaller version, a dirty tree, a missing conformance folder and a failing
//! step are refused (the last with its changes put back).
//!
//! Each test clones `HEAD` and commits its own `CHANGELOG.md` in the clone, so nothing
//! depends on what the working tree holds or when it was committed. The version
//! released is 99.0.0, above whatever the crates are at. With `--skip-checks` the
//! packaging runs with `--no-verify`: no build, only the crates.io index is read.

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const NEW: &str = "99.0.0";

const CHANGELOG: &str = "\
# Changelog

## [Unreleased]

- A change worth releasing.

## [0.0.1] - 2020-01-01

- The past.
";

/// A clone of this repository's `HEAD` in its own temporary directory, removed on drop.
struct Clone {
    temp: PathBuf,
    repo: PathBuf,
}

impl Clone {
    fn new() -> Clone {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let temp = env::temp_dir().join(format!(
            "xtask-release-test-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&temp);
        fs::create_dir_all(&temp).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let repo = temp.join("repo");
        git(&temp, &["clone", "--quiet", root.to_str().unwrap(), "repo"]);
        let clone = Clone { temp, repo };
        fs::write(clone.repo.join("CHANGELOG.md"), CHANGELOG).unwrap();
        clone.commit("Test changelog");
        clone
    }

    fn commit(&self, message: &str) {
        git(&self.repo, &["add", "--all"]);
        git(
            &self.repo,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "--quiet",
                "--allow-empty",
                "-m",
                message,
            ],
        );
    }

    /// Runs `xtask release <args>` in the clone.
    fn release(&self, args: &[&str]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("release")
            .args(args)
            .current_dir(&self.repo)
            .env("CARGO_TARGET_DIR", self.repo.join("target"))
            .env("AGENTCORE_SHARED", self.temp.join("no-shared-folder"))
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .unwrap();
        eprintln!(
            "xtask release {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// HEAD, the status, the tags and the branches.
    fn state(&self) -> [String; 4] {
        [
            git(&self.repo, &["rev-parse", "HEAD"]),
            git(
                &self.repo,
                &["status", "--porcelain", "--untracked-files=all"],
            ),
            git(&self.repo, &["tag", "--list"]),
            git(&self.repo, &["branch", "--all", "--verbose"]),
        ]
    }
}

impl Drop for Clone {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.temp);
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The files the release changes: the root manifest (the crates inherit their version
/// and take each other through `[workspace.dependencies]`), the lock file and the
/// changelog. A crate that declares its own version or a `path` dependency with a
/// version in its manifest adds that manifest here.
fn release_files() -> BTreeSet<String> {
    ["CHANGELOG.md", "Cargo.lock", "Cargo.toml"]
        .map(String::from)
        .into()
}

/// The `+`/`-` lines of `file` in a unified diff.
fn changed_lines<'a>(diff: &'a str, file: &str) -> Vec<&'a str> {
    let header = format!("diff --git a/{file} b/{file}");
    let mut inside = false;
    let mut lines = Vec::new();
    for line in diff.lines() {
        if line.starts_with("diff --git ") {
            inside = line == header;
        } else if inside
            && (line.starts_with('+') || line.starts_with('-'))
            && !line.starts_with("+++")
            && !line.starts_with("---")
        {
            lines.push(line);
        }
    }
    lines
}

#[test]
fn a_dry_run_changes_exactly_the_release_files_and_leaves_the_tree_untouched() {
    let clone = Clone::new();
    let before = clone.state();
    let output = clone.release(&[NEW, "--dry-run", "--skip-checks"]);
    assert!(output.status.success());
    let out = stdout(&output);

    let files: BTreeSet<String> = out
        .lines()
        .skip_while(|line| *line != "files changed:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .map(|line| line.trim().to_owned())
        .collect();
    assert_eq!(files, release_files());

    // The root manifest: only version lines, all moved to the new version.
    let manifest = changed_lines(&out, "Cargo.toml");
    assert!(!manifest.is_empty());
    for line in &manifest {
        assert!(line.contains("version = \""), "{line}");
        assert_eq!(line.starts_with('+'), line.contains(NEW), "{line}");
    }
    assert!(manifest.contains(&"+version = \"99.0.0\""), "{manifest:?}");
    for krate in ["agentcore-contract", "agentcore-server", "agentcore-client"] {
        let bumped = manifest
            .iter()
            .any(|line| line.starts_with(&format!("+{krate} = ")) && line.contains(NEW));
        assert!(bumped, "{krate} is not bumped in [workspace.dependencies]");
    }
    // The changelog: one new heading, dated, above the entries.
    let changelog = changed_lines(&out, "CHANGELOG.md");
    assert_eq!(changelog.len(), 2, "{changelog:?}");
    assert!(
        changelog[0].starts_with("+## [99.0.0] - 20"),
        "{changelog:?}"
    );
    assert_eq!(changelog[1], "+");

    assert!(
        out.contains("commit: Release v99.0.0 (tag v99.0.0)"),
        "{out}"
    );
    for krate in ["agentcore-contract", "agentcore-server", "agentcore-client"] {
        assert!(out.contains(&format!("  {krate}-99.0.0.crate (")), "{out}");
    }
    assert!(!out.contains("(missing!)"), "{out}");
    let order = out.lines().find(|l| l.starts_with("publish order: "));
    assert!(
        order.is_some_and(|l| l.starts_with("publish order: agentcore-contract, ")),
        "{out}"
    );

    // The clone is as it was, and the dry run's own clone is gone.
    assert_eq!(clone.state(), before);
    assert_eq!(
        fs::read_to_string(clone.repo.join("CHANGELOG.md")).unwrap(),
        CHANGELOG
    );
    let err = stderr(&output);
    let work = err
        .lines()
        .find_map(|l| l.split_once("in a clone of HEAD (")?.1.strip_suffix(')'))
        .expect("the dry run names its clone");
    assert!(!Path::new(work).exists(), "{work} was left behind");
}

#[test]
fn a_release_commits_and_tags_in_the_tree() {
    let clone = Clone::new();
    let head = git(&clone.repo, &["rev-parse", "HEAD"]);
    let output = clone.release(&[NEW, "--skip-checks"]);
    assert!(output.status.success());

    assert_eq!(git(&clone.repo, &["rev-parse", "HEAD~1"]), head);
    let subject = git(&clone.repo, &["log", "-1", "--format=%s"]);
    assert_eq!(subject.trim(), "Release v99.0.0");
    let tagged = git(&clone.repo, &["rev-parse", "v99.0.0^{commit}"]);
    assert_eq!(tagged, git(&clone.repo, &["rev-parse", "HEAD"]));
    assert_eq!(git(&clone.repo, &["status", "--porcelain"]), "");
    let files = git(&clone.repo, &["diff", "--name-only", "HEAD~1", "HEAD"]);
    let files: BTreeSet<String> = files.lines().map(String::from).collect();
    assert_eq!(files, release_files());

    let changelog = fs::read_to_string(clone.repo.join("CHANGELOG.md")).unwrap();
    assert!(
        changelog.starts_with("# Changelog\n\n## [Unreleased]\n\n## [99.0.0] - 20"),
        "{changelog}"
    );
    assert!(
        changelog.contains("\n\n- A change worth releasing.\n\n## [0.0.1] - 2020-01-01\n"),
        "{changelog}"
    );

    // Released: the same version again is refused, and so is an empty Unreleased.
    let again = clone.release(&[NEW, "--skip-checks"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("is not greater than the current version 99.0.0"));
    let next = clone.release(&["99.0.1", "--skip-checks"]);
    assert_eq!(next.status.code(), Some(1));
    assert!(stderr(&next).contains("`## [Unreleased]` section of CHANGELOG.md is empty"));
}

#[test]
fn a_version_that_is_not_greater_is_refused() {
    let clone = Clone::new();
    let before = clone.state();
    for args in [
        &["0.0.1", "--dry-run", "--skip-checks"][..],
        &["0.0.1", "--skip-checks"],
    ] {
        let output = clone.release(args);
        assert_eq!(output.status.code(), Some(1));
        let err = stderr(&output);
        assert!(
            err.contains("error: version 0.0.1 is not greater than the current version"),
            "{err}"
        );
        assert_eq!(clone.state(), before);
    }
}

#[test]
fn a_dirty_tree_is_refused() {
    let clone = Clone::new();
    fs::write(clone.repo.join("untracked.txt"), "new").unwrap();
    let readme = clone.repo.join("README.md");
    let text = fs::read_to_string(&readme).unwrap();
    for dirty in ["untracked", "modified"] {
        if dirty == "modified" {
            fs::remove_file(clone.repo.join("untracked.txt")).unwrap();
            fs::write(&readme, format!("{text}\nAn edit.\n")).unwrap();
        }
        let before = clone.state();
        for args in [
            &[NEW, "--dry-run", "--skip-checks"][..],
            &[NEW, "--skip-checks"],
        ] {
            let output = clone.release(args);
            assert_eq!(output.status.code(), Some(1), "{dirty}");
            let err = stderr(&output);
            assert!(err.contains("error: the working tree is dirty"), "{err}");
            assert!(
                err.contains(if dirty == "untracked" {
                    "?? untracked.txt"
                } else {
                    " M README.md"
                }),
                "{err}"
            );
            assert_eq!(clone.state(), before);
        }
    }
}

#[test]
fn without_the_shared_conformance_folder_the_checks_refuse() {
    let clone = Clone::new();
    let before = clone.state();
    let output = clone.release(&[NEW, "--dry-run"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("the conformance check cannot run: the shared conformance folder is absent"),
        "{err}"
    );
    assert!(err.contains("--skip-checks"), "{err}");
    assert_eq!(clone.state(), before);
}

#[test]
fn a_failing_step_puts_the_files_back() {
    let clone = Clone::new();
    // `cargo package` refuses a crate whose readme does not exist.
    let manifest = clone.repo.join("crates/agentcore-contract/Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    let broken: String = text
        .lines()
        .filter(|line| !line.starts_with("readme"))
        .map(|line| match line {
            "[package]" => "[package]\nreadme = \"MISSING.md\"\n".to_owned(),
            line => format!("{line}\n"),
        })
        .collect();
    assert_ne!(broken, text);
    fs::write(&manifest, broken).unwrap();
    clone.commit("Break packaging");
    let before = clone.state();

    let output = clone.release(&[NEW, "--skip-checks"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("`cargo package --workspace"), "{err}");
    assert!(
        err.contains("(the files the release changed were put back)"),
        "{err}"
    );
    assert_eq!(clone.state(), before);
}
