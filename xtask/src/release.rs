//! `cargo xtask release <version>`: bumps every released crate to `<version>` in
//! lockstep, releases the `CHANGELOG.md` Unreleased section, runs the checks, packages
//! the crates, then commits and tags `v<version>` (and, with `--publish`, publishes).
//!
//! The steps, in order, each stopping the release when it fails:
//!
//! 1. Preflight, before anything changes: a git work tree without uncommitted or
//!    untracked files, a version greater than every released crate's, no tag
//!    `v<version>` yet, a `CHANGELOG.md` with a non-empty `## [Unreleased]` section, and
//!    (unless `--skip-checks`) the shared conformance folder.
//! 2. Bump: `package.version` or `[workspace.package] version`, and the `version` of
//!    every `path` dependency on a released crate (see [`manifest`]); then
//!    `cargo update --workspace` moves `Cargo.lock` to the new versions.
//! 3. Changelog: the Unreleased entries move under `## [<version>] - <UTC date>`.
//! 4. Checks (unless `--skip-checks`): fmt, clippy, tests, conformance.
//! 5. `cargo package --workspace` (without the `publish = false` members).
//! 6. Commit `Release v<version>` and the annotated tag `v<version>`.
//! 7. With `--publish`: `cargo publish -p <crate>`, dependencies first.
//!
//! When a step before the commit fails, the files the release changed are put back.
//! `--dry-run` runs steps 2–6 in a temporary clone of `HEAD` and prints the diff and the
//! packages; the working tree, its branches and tags stay as they were.

mod changelog;
mod manifest;
mod version;

use std::env;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use manifest::Workspace;
use version::Version;

const USAGE: &str = "\
usage: cargo xtask release <version> [--dry-run] [--skip-checks] [--publish]

Releases every publishable crate of the workspace at <version> (MAJOR.MINOR.PATCH[-PRE],
greater than the current one): bumps the crate versions and their inter-crate dependency
versions, moves the CHANGELOG.md `## [Unreleased]` entries under `## [<version>] - <date>`,
runs the checks, runs `cargo package --workspace`, then commits and tags v<version>.
The working tree must be clean. Nothing is pushed.

  --dry-run       do all of it in a temporary clone of HEAD and print the diff and the
                  packages; the working tree is left untouched
  --skip-checks   skip fmt, clippy, tests and conformance, and package with --no-verify
                  (no build of the packaged crates)
  --publish       after a successful release, `cargo publish` each crate, dependencies
                  first (not with --dry-run)

The checks: `cargo fmt --all -- --check`, `cargo clippy --workspace --all-targets --
-D warnings`, `cargo test --workspace --all-features`, `cargo xtask conformance` (which needs the shared
conformance folder: $AGENTCORE_SHARED, else ../shared/conformance next to the workspace).
";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Args {
    Help,
    Release(Options),
}

#[derive(Debug, PartialEq)]
struct Options {
    version: Version,
    dry_run: bool,
    skip_checks: bool,
    publish: bool,
}

/// Runs `cargo xtask release` with the arguments after `release`.
pub(crate) fn run(args: &[String]) -> ExitCode {
    let options = match parse_args(args) {
        Ok(Args::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Args::Release(options)) => options,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match release(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut version = None;
    let (mut dry_run, mut skip_checks, mut publish) = (false, false, false);
    for arg in args {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Args::Help),
            "--dry-run" => dry_run = true,
            "--skip-checks" => skip_checks = true,
            "--publish" => publish = true,
            flag if flag.starts_with('-') => {
                return Err(format!("unknown argument `{arg}`"));
            }
            text if version.is_none() => version = Some(Version::parse(text)?),
            _ => return Err(format!("unexpected argument `{arg}`: one version only")),
        }
    }
    let version = version.ok_or("the version to release is missing")?;
    if publish && dry_run {
        return Err("`--publish` cannot be combined with `--dry-run`".to_owned());
    }
    Ok(Args::Release(Options {
        version,
        dry_run,
        skip_checks,
        publish,
    }))
}

/// What preflight learned about the workspace.
struct Plan {
    /// The released crates' names, in name order.
    crates: Vec<String>,
    /// The crates in publishing order.
    publish_order: Vec<String>,
    /// The shared conformance folder (absolute), when the checks run.
    shared: Option<PathBuf>,
    date: String,
}

fn release(options: &Options) -> Result<(), String> {
    let root = workspace_root();
    let cargo = cargo_program();
    let plan = preflight(&cargo, &root, options)?;
    let version = &options.version;
    if options.dry_run {
        return dry_run(&cargo, &root, options, &plan);
    }

    step(&format!(
        "releasing v{version} of {}",
        plan.crates.join(", ")
    ));
    let packages = perform(&cargo, &root, options, &plan, &[])?;
    println!("committed `Release v{version}` and tagged v{version}");
    print_packages(&packages);
    if options.publish {
        publish(&cargo, &root, &plan.publish_order, version)?;
        println!(
            "published {}; push with: git push && git push origin v{version}",
            plan.publish_order.join(", ")
        );
    } else {
        println!(
            "next: git push && git push origin v{version}, then `cargo publish -p <crate>` in \
             this order: {}",
            plan.publish_order.join(", ")
        );
    }
    Ok(())
}

/// Everything that can refuse the release before a file changes.
fn preflight(cargo: &Path, root: &Path, options: &Options) -> Result<Plan, String> {
    let version = &options.version;
    capture(git(root).args(["rev-parse", "--verify", "HEAD"])).map_err(|e| {
        format!(
            "{} is not a git work tree with a commit: {e}",
            root.display()
        )
    })?;
    let status = capture(git(root).args(["status", "--porcelain", "--untracked-files=all"]))?;
    if !status.trim().is_empty() {
        let mut shown: Vec<&str> = status.lines().take(20).collect();
        if status.lines().count() > shown.len() {
            shown.push("...");
        }
        return Err(format!(
            "the working tree is dirty (uncommitted changes or untracked files); commit or \
             stash them before releasing:\n{}",
            shown.join("\n")
        ));
    }

    let ws = Workspace::load(cargo, root)?;
    let released = ws.released();
    if released.is_empty() {
        return Err("no workspace member can be published: nothing to release".to_owned());
    }
    let mut current: Vec<(Version, &str)> = Vec::new();
    for member in &released {
        let parsed = Version::parse_lenient(&member.version)
            .map_err(|e| format!("crate {}: {e}", member.name))?;
        current.push((parsed, &member.name));
    }
    current.sort();
    if let Some((highest, name)) = current.last()
        && *version <= *highest
    {
        let of = if current.iter().all(|(v, _)| v == highest) {
            String::new()
        } else {
            format!(" (of {name})")
        };
        return Err(format!(
            "version {version} is not greater than the current version {highest}{of}; give a \
             greater version"
        ));
    }
    let tag = format!("refs/tags/v{version}");
    if capture(git(root).args(["rev-parse", "--quiet", "--verify", &tag])).is_ok() {
        return Err(format!("the tag v{version} already exists"));
    }

    let changelog_path = root.join("CHANGELOG.md");
    let changelog = fs::read_to_string(&changelog_path).map_err(|e| {
        format!(
            "cannot read {}: {e}; it needs a `## [Unreleased]` section listing what this \
             release changes",
            changelog_path.display()
        )
    })?;
    let date = changelog::today_utc();
    changelog::release(&changelog, &version.to_string(), &date)?;

    let shared = if options.skip_checks {
        None
    } else {
        Some(shared_conformance(root)?)
    };
    Ok(Plan {
        crates: released.iter().map(|m| m.name.clone()).collect(),
        publish_order: ws.publish_order()?,
        shared,
        date,
    })
}

/// Steps 2–6 in the work tree `work` (the repository itself, or the dry run's clone).
/// On failure before the commit, the files it changed are put back.
fn perform(
    cargo: &Path,
    work: &Path,
    options: &Options,
    plan: &Plan,
    git_config: &[&str],
) -> Result<Vec<PathBuf>, String> {
    let mut undo = Undo::default();
    let result = bump_check_package(cargo, work, options, plan, &mut undo);
    let (files, packages) = match result {
        Ok(done) => done,
        Err(e) => {
            return Err(match undo.restore() {
                Ok(()) => format!("{e}\n(the files the release changed were put back)"),
                Err(restore) => {
                    format!("{e}\nand putting the changed files back failed: {restore}")
                }
            });
        }
    };

    let version = &options.version;
    step(&format!("commit `Release v{version}` and tag v{version}"));
    let message = format!("Release v{version}");
    let committed = run_quiet(git(work).args(git_config).args(["add", "--"]).args(&files))
        .and_then(|()| {
            run_quiet(
                git(work)
                    .args(git_config)
                    .args(["commit", "--quiet", "-m", &message]),
            )
        });
    if let Err(e) = committed {
        // Unstage (the tree was clean before, so the index held nothing else), then put
        // the files back.
        let unstaged = run_quiet(git(work).args(["reset", "--quiet", "--"]).args(&files));
        return Err(match unstaged.and_then(|()| undo.restore()) {
            Ok(()) => format!("{e}\n(the files the release changed were put back)"),
            Err(restore) => format!("{e}\nand putting the changed files back failed: {restore}"),
        });
    }
    let tag = format!("v{version}");
    run_quiet(
        git(work)
            .args(git_config)
            .args(["tag", "-a", &tag, "-m", &message]),
    )
    .map_err(|e| format!("{e}\nthe commit `{message}` was made; tag it with `git tag -a {tag}`"))?;
    let left = capture(git(work).args(["status", "--porcelain"]))?;
    if !left.trim().is_empty() {
        eprintln!("warning: the release left changes outside its commit:\n{left}");
    }
    Ok(packages)
}

/// Steps 2–5; returns the files to commit (relative to `work`) and the `.crate` files.
fn bump_check_package(
    cargo: &Path,
    work: &Path,
    options: &Options,
    plan: &Plan,
    undo: &mut Undo,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let version = options.version.to_string();
    let ws = Workspace::load(cargo, work)?;
    let mut files = Vec::new();
    let relative = |path: &Path| path.strip_prefix(work).unwrap_or(path).to_path_buf();

    step(&format!("bump the crates to {version}"));
    for edit in manifest::plan_bump(&ws, &version)? {
        undo.write(&edit.path, &edit.text)?;
        for change in &edit.changes {
            eprintln!("  {}: {change}", relative(&edit.path).display());
        }
        files.push(relative(&edit.path));
    }
    let lock = work.join("Cargo.lock");
    undo.save(&lock)?;
    run_shown(
        Command::new(cargo)
            .args(["update", "--workspace"])
            .current_dir(work),
    )?;
    if capture(git(work).args(["ls-files", "--", "Cargo.lock"]))?.trim() == "Cargo.lock" {
        files.push(PathBuf::from("Cargo.lock"));
    }
    let bumped = Workspace::load(cargo, work)?;
    for member in bumped.released() {
        if member.version != version {
            return Err(format!(
                "after the bump, {} is still at {} (its version is set somewhere this task \
                 does not edit)",
                member.name, member.version
            ));
        }
    }

    step("move the CHANGELOG.md Unreleased entries under the version");
    let changelog_path = work.join("CHANGELOG.md");
    let changelog = fs::read_to_string(&changelog_path)
        .map_err(|e| format!("cannot read {}: {e}", changelog_path.display()))?;
    let released = changelog::release(&changelog, &version, &plan.date)?;
    undo.write(&changelog_path, &released)?;
    files.push(PathBuf::from("CHANGELOG.md"));

    if let Some(shared) = &plan.shared {
        checks(cargo, work, shared)?;
    }

    step("cargo package --workspace");
    let mut package = Command::new(cargo);
    // The bump and the changelog are not committed yet (the commit comes last, once
    // packaging worked), so cargo must be allowed to package a dirty tree.
    package
        .args(["package", "--workspace", "--allow-dirty"])
        .current_dir(work);
    for member in bumped.unreleased() {
        package.args(["--exclude", &member.name]);
    }
    if options.skip_checks {
        // No build of the packaged crates: that is what the skipped checks would do,
        // and it keeps a dry run fast.
        package.arg("--no-verify");
    }
    run_shown(&mut package)?;
    let packages = bumped
        .released()
        .iter()
        .map(|m| {
            let name = format!("{}-{}.crate", m.name, m.version);
            bumped.target_dir.join("package").join(name)
        })
        .collect();
    Ok((files, packages))
}

/// fmt, clippy, tests, conformance; the first failure stops the release.
fn checks(cargo: &Path, work: &Path, shared: &Path) -> Result<(), String> {
    let checks: [(&str, &[&str]); 4] = [
        ("format", &["fmt", "--all", "--", "--check"]),
        (
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        ("tests", &["test", "--workspace", "--all-features"]),
        ("conformance", &["xtask", "conformance"]),
    ];
    for (name, args) in checks {
        step(&format!("check: {name} (cargo {})", args.join(" ")));
        let mut command = Command::new(cargo);
        command
            .args(args)
            .current_dir(work)
            .env("AGENTCORE_SHARED", shared);
        run_shown(&mut command).map_err(|e| format!("the {name} check failed: {e}"))?;
    }
    Ok(())
}

/// The release in a temporary clone of `HEAD`; prints the diff and the packages.
fn dry_run(cargo: &Path, root: &Path, options: &Options, plan: &Plan) -> Result<(), String> {
    let version = &options.version;
    let temp = TempDir::new()?;
    let clone = temp.path().join("repo");
    let head = capture(git(root).args(["rev-parse", "HEAD"]))?
        .trim()
        .to_owned();
    let prefix = capture(git(root).args(["rev-parse", "--show-prefix"]))?
        .trim()
        .to_owned();
    step(&format!(
        "dry run: releasing v{version} of {} in a clone of HEAD ({})",
        plan.crates.join(", "),
        clone.display()
    ));
    let toplevel = capture(git(root).args(["rev-parse", "--show-toplevel"]))?;
    run_quiet(
        git(temp.path())
            .args(["clone", "--quiet", "--no-checkout", toplevel.trim()])
            .arg(&clone),
    )?;
    run_quiet(git(&clone).args(["checkout", "--quiet", "--detach", &head]))?;
    let work = clone.join(&prefix);

    // The throwaway commit needs no signature, and an identity even where none is set.
    let mut git_config = vec!["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"];
    if capture(git(&work).args(["config", "user.email"])).is_err() {
        git_config.extend([
            "-c",
            "user.name=xtask release",
            "-c",
            "user.email=xtask@localhost",
        ]);
    }
    let packages = perform(cargo, &work, options, plan, &git_config)?;

    let names = capture(git(&work).args(["diff", "--name-only", &head, "HEAD"]))?;
    println!("dry run of v{version}: the working tree is untouched");
    println!("files changed:");
    for name in names.lines() {
        println!("  {name}");
    }
    println!();
    print!(
        "{}",
        capture(git(&work).args(["diff", "--stat", &head, "HEAD"]))?
    );
    println!();
    print!("{}", capture(git(&work).args(["diff", &head, "HEAD"]))?);
    println!();
    let subject = capture(git(&work).args(["log", "-1", "--format=%s"]))?;
    let tags = capture(git(&work).args(["tag", "--points-at", "HEAD"]))?;
    println!(
        "commit: {} (tag {})",
        subject.trim(),
        tags.split_whitespace().collect::<Vec<_>>().join(", ")
    );
    print_packages(&packages);
    println!("publish order: {}", plan.publish_order.join(", "));
    Ok(())
}

fn print_packages(packages: &[PathBuf]) {
    println!("packages:");
    for package in packages {
        let name = package.file_name().unwrap_or(package.as_os_str());
        match fs::metadata(package) {
            Ok(meta) => println!("  {} ({} bytes)", name.to_string_lossy(), meta.len()),
            Err(_) => println!("  {} (missing!)", name.to_string_lossy()),
        }
    }
}

/// `cargo publish -p <crate>` in `order`; cargo waits for each to reach the index.
fn publish(cargo: &Path, root: &Path, order: &[String], version: &Version) -> Result<(), String> {
    for (done, name) in order.iter().enumerate() {
        step(&format!("cargo publish -p {name}"));
        run_shown(
            Command::new(cargo)
                .args(["publish", "-p", name])
                .current_dir(root),
        )
        .map_err(|e| {
            format!(
                "{e}\nthe release commit and tag v{version} exist; published so far: [{}]; \
                 publish the rest in this order: {}",
                order[..done].join(", "),
                order[done..].join(", ")
            )
        })?;
    }
    Ok(())
}

/// The shared conformance folder, as `cargo xtask conformance` finds it:
/// `$AGENTCORE_SHARED/conformance`, `$AGENTCORE_SHARED`, else `../shared/conformance`
/// next to the workspace root. Absolute, since the dry run checks from elsewhere.
fn shared_conformance(root: &Path) -> Result<PathBuf, String> {
    let candidates = match env::var_os("AGENTCORE_SHARED") {
        Some(shared) => {
            let shared = PathBuf::from(shared);
            vec![shared.join("conformance"), shared]
        }
        None => vec![
            root.parent()
                .unwrap_or(root)
                .join("shared")
                .join("conformance"),
        ],
    };
    candidates
        .iter()
        .find(|dir| dir.is_dir())
        .and_then(|dir| dir.canonicalize().ok())
        .ok_or_else(|| {
            let looked: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
            format!(
                "the conformance check cannot run: the shared conformance folder is absent \
                 (looked for {}; set AGENTCORE_SHARED to it), or pass --skip-checks to \
                 release without the checks",
                looked.join(" and ")
            )
        })
}

/// The workspace to release: the nearest directory, from the current one up, whose
/// `Cargo.toml` has a `[workspace]` table; else the one this xtask belongs to.
fn workspace_root() -> PathBuf {
    let from_cwd = env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors()
            .find(|dir| {
                fs::read_to_string(dir.join("Cargo.toml"))
                    .ok()
                    .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok())
                    .is_some_and(|doc| doc.get("workspace").is_some_and(|w| w.is_table_like()))
            })
            .map(Path::to_path_buf)
    });
    from_cwd.unwrap_or_else(crate::conformance::workspace_root)
}

/// The cargo that runs this task (`$CARGO`), else `cargo` from the `PATH`.
fn cargo_program() -> PathBuf {
    env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command.current_dir(dir);
    command
}

fn step(what: &str) {
    eprintln!("==> {what}");
}

fn describe(command: &Command) -> String {
    let args: Vec<_> = command.get_args().map(OsStr::to_string_lossy).collect();
    let program = Path::new(command.get_program());
    let program = program.file_name().unwrap_or(program.as_os_str());
    format!("`{} {}`", program.to_string_lossy(), args.join(" "))
}

/// Runs `command` with its output on stderr (stdout is kept for the release report).
fn run_shown(command: &mut Command) -> Result<(), String> {
    let status = command
        .stdin(Stdio::null())
        .stdout(io::stderr())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(command)))
    }
}

/// Runs `command`, showing its output only when it fails.
fn run_quiet(command: &mut Command) -> Result<(), String> {
    capture(command).map(drop)
}

/// Runs `command` and returns its standard output; on failure, the error has its
/// standard error.
pub(crate) fn capture(command: &mut Command) -> Result<String, String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))?;
    if output.status.success() {
        String::from_utf8(output.stdout)
            .map_err(|_| format!("{} printed something that is not UTF-8", describe(command)))
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "{} failed ({}): {}",
            describe(command),
            output.status,
            stderr.trim()
        ))
    }
}

/// The files the release changed, with what they held before, to put back on failure.
#[derive(Default)]
struct Undo {
    saved: Vec<(PathBuf, Option<Vec<u8>>)>,
}

impl Undo {
    /// Remembers what `path` holds now (or that it is absent), once.
    fn save(&mut self, path: &Path) -> Result<(), String> {
        if self.saved.iter().any(|(saved, _)| saved == path) {
            return Ok(());
        }
        let before = match fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        self.saved.push((path.to_path_buf(), before));
        Ok(())
    }

    fn write(&mut self, path: &Path, text: &str) -> Result<(), String> {
        self.save(path)?;
        fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    fn restore(self) -> Result<(), String> {
        for (path, before) in self.saved {
            let restored = match before {
                Some(bytes) => fs::write(&path, bytes),
                None => fs::remove_file(&path).or_else(|e| match e.kind() {
                    io::ErrorKind::NotFound => Ok(()),
                    _ => Err(e),
                }),
            };
            restored.map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(())
    }
}

/// A directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, String> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let path = env::temp_dir().join(format!("xtask-release-{}-{nanos}", std::process::id()));
        fs::create_dir(&path)
            .map_err(|e| format!("cannot create the temporary {}: {e}", path.display()))?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    fn options(version: &str) -> Options {
        Options {
            version: Version::parse(version).unwrap(),
            dry_run: false,
            skip_checks: false,
            publish: false,
        }
    }

    #[test]
    fn parses_the_version_and_the_flags_in_any_order() {
        assert_eq!(parse(&["0.2.0"]), Ok(Args::Release(options("0.2.0"))));
        let all = parse(&["--skip-checks", "1.0.0-rc.1", "--dry-run"]);
        let expected = Options {
            dry_run: true,
            skip_checks: true,
            ..options("1.0.0-rc.1")
        };
        assert_eq!(all, Ok(Args::Release(expected)));
        let publish = parse(&["0.2.0", "--publish"]);
        let expected = Options {
            publish: true,
            ..options("0.2.0")
        };
        assert_eq!(publish, Ok(Args::Release(expected)));
        assert_eq!(parse(&["0.2.0", "--help"]), Ok(Args::Help));
    }

    #[test]
    fn refuses_bad_command_lines() {
        let missing = parse(&["--dry-run"]).unwrap_err();
        assert!(missing.contains("missing"), "{missing}");
        let unknown = parse(&["0.2.0", "--force"]).unwrap_err();
        assert!(unknown.contains("unknown argument `--force`"), "{unknown}");
        let two = parse(&["0.2.0", "0.3.0"]).unwrap_err();
        assert!(two.contains("one version only"), "{two}");
        let bad = parse(&["0.2"]).unwrap_err();
        assert!(bad.contains("exactly three numbers"), "{bad}");
        let never = parse(&["0.2.0", "--dry-run", "--publish"]).unwrap_err();
        assert!(never.contains("cannot be combined"), "{never}");
    }

    #[test]
    fn undo_puts_files_back_and_removes_new_ones() {
        let temp = TempDir::new().unwrap();
        let kept = temp.path().join("kept");
        let new = temp.path().join("new");
        fs::write(&kept, "before").unwrap();
        let mut undo = Undo::default();
        undo.write(&kept, "after").unwrap();
        undo.write(&kept, "again").unwrap();
        undo.write(&new, "created").unwrap();
        assert_eq!(fs::read_to_string(&kept).unwrap(), "again");
        undo.restore().unwrap();
        assert_eq!(fs::read_to_string(&kept).unwrap(), "before");
        assert!(!new.exists());
        let path = temp.path().to_path_buf();
        drop(temp);
        assert!(!path.exists());
    }
}
