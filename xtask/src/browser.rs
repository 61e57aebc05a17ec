//! `cargo xtask browser-test`: the `web-console` example in a real browser. Debian's
//! Chromium, driven headless by Playwright (`playwright-core` from the npm registry,
//! pinned in `tests/browser/package-lock.json`), opens the page served by the example in
//! front of the emulator and the conformance agent; the driver is
//! `tests/browser/web_console.mjs`.

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::conformance::workspace_root;
use crate::process::{self, Service, free_port, http_ok, log_tail, run_with_deadline};
use crate::secrets::{MIXED, Random, Secrets};

const USAGE: &str = "\
usage: cargo xtask browser-test [--chromium PATH]

Builds (release) the emulator, the conformance agent and the web-console example; starts
the agent, the emulator in front of it (SigV4 credentials and a bearer token made for the
run) and three consoles: one with the credentials (presigned URLs valid 2 s), one with a
wrong secret key (every socket refused), one with only the bearer token (OAuth shells;
no chat). Then tests/browser/web_console.mjs drives headless Chromium through them with
Playwright: a prompt and the agent's reply in #log, an expired URL replaced by a fresh
one, the shell tab (presigned and OAuth), refusals shown on the page, /api/connect's
origin and method checks. The screenshot is target/browser-test/web_console.png.

  --chromium PATH   the Chromium (or Chrome) binary [default: /usr/bin/chromium;
                    Debian: apt-get install -y chromium]

playwright-core is installed into target/browser-node with `npm ci` when missing or when
tests/browser/package-lock.json changed (Playwright's own browser download is not used).
";

/// The runtime the emulator serves.
const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/browser-agent";
const REGION: &str = "us-east-1";
/// Debian's Chromium.
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
/// How long the consoles' presigned URLs open a socket: short, so that the driver can
/// wait one out.
const PRESIGN_EXPIRES_SECS: u64 = 2;
/// The whole browser run; past it the driver is stopped and the run fails.
const DRIVER_DEADLINE: Duration = Duration::from_secs(120);
/// What the emulator logs when it refuses an expired presigned URL.
const EXPIRED_REFUSAL: &str = "Request has expired";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Args {
    Help,
    Run { chromium: PathBuf },
}

/// Runs `cargo xtask browser-test` with the arguments after `browser-test`.
pub(crate) fn run(args: &[String]) -> ExitCode {
    let chromium = match parse_args(args) {
        Ok(Args::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Args::Run { chromium }) => chromium,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run_browser(&chromium) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut chromium = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Args::Help);
        }
        let value = match arg.split_once('=') {
            Some(("--chromium", value)) => value,
            None if arg == "--chromium" => args.next().map_or("", String::as_str),
            _ => return Err(format!("unknown argument `{arg}`")),
        };
        if value.is_empty() || value.starts_with('-') {
            return Err("`--chromium` needs a PATH".to_owned());
        }
        if chromium.replace(PathBuf::from(value)).is_some() {
            return Err("`--chromium` given more than once".to_owned());
        }
    }
    let chromium = chromium.unwrap_or_else(|| PathBuf::from(DEFAULT_CHROMIUM));
    Ok(Args::Run { chromium })
}

/// Checks the tools, builds, installs the driver's package, starts everything and runs
/// the driver; `Ok(false)` when a test failed.
fn run_browser(chromium: &Path) -> Result<bool, String> {
    let started = Instant::now();
    let root = workspace_root();
    let target = process::target_dir(&root);
    let artifacts = target.join("browser-test");
    if !chromium.is_file() {
        return Err(format!(
            "no Chromium at {}: install it (Debian: `apt-get install -y chromium`) or pass \
             --chromium PATH",
            chromium.display()
        ));
    }
    let node = node_version()?;
    let args = [
        "build",
        "--release",
        "-p",
        "agentcore-emulator",
        "--bin",
        "agentcore-emulator",
        "-p",
        "agentcore-server",
        "--example",
        "conformance_agent",
        "-p",
        "web-console",
        "--bin",
        "web-console",
        // Those `cargo xtask interop` builds the server with: after it (as in CI), the
        // same artifacts serve and only the console is compiled.
        "--features",
        process::EXAMPLE_FEATURES,
    ];
    process::cargo(
        &root,
        &args,
        "the emulator, the conformance agent, the web console",
    )?;
    let node_modules = install_driver(&root, &target)?;
    fs::create_dir_all(&artifacts)
        .map_err(|e| format!("cannot create {}: {e}", artifacts.display()))?;

    let secrets = Secrets::new();
    let release = target.join("release");
    let exe = std::env::consts::EXE_SUFFIX;
    let agent_port = free_port()?;
    let mut agent = Command::new(
        release
            .join("examples")
            .join(format!("conformance_agent{exe}")),
    );
    agent.env("PORT", agent_port.to_string());
    let agent_log = artifacts.join("agent.log");
    let mut agent = Service::start("the conformance agent", agent, &root, &agent_log)?;
    agent.wait_ready(|| http_ok(agent_port, "/ping"))?;

    let emulator_port = free_port()?;
    let endpoint = format!("http://127.0.0.1:{emulator_port}");
    // The sessions' directories of the last run, left behind when the emulator was killed.
    let work_dir = artifacts.join("sessions");
    let _ = fs::remove_dir_all(&work_dir);
    let mut emulator = Command::new(release.join(format!("agentcore-emulator{exe}")));
    emulator
        .args(["--listen", &format!("127.0.0.1:{emulator_port}")])
        .args(["--agent", &format!("http://127.0.0.1:{agent_port}")])
        .args(["--arn", ARN, "--shell-command", "/bin/sh"])
        .arg("--work-dir")
        .arg(&work_dir)
        .env("AGENTCORE_EMULATOR_BEARER_TOKEN", &secrets.bearer_token)
        .env("AGENTCORE_EMULATOR_CREDENTIALS", secrets.credentials());
    let emulator_log = artifacts.join("emulator.log");
    let mut emulator = Service::start("the emulator", emulator, &root, &emulator_log)?;
    emulator.wait_ready(|| TcpStream::connect(("127.0.0.1", emulator_port)).is_ok())?;

    // The three consoles: the credentials the emulator accepts; a secret key it does not
    // know; no AWS credentials at all, only the bearer token.
    let wrong_key = Random::new().text(MIXED, 40);
    let consoles = [
        ("console", Some(secrets.secret_access_key.as_str()), None),
        ("refused-console", Some(wrong_key.as_str()), None),
        ("oauth-console", None, Some(secrets.bearer_token.as_str())),
    ];
    let mut services = Vec::new();
    let mut urls = Vec::new();
    for (name, secret_key, bearer) in consoles {
        let port = free_port()?;
        let mut console = Command::new(release.join(format!("web-console{exe}")));
        process::without_machine_aws_settings(&mut console, &target);
        console
            .env("PORT", port.to_string())
            .env("AGENT_ARN", ARN)
            .env("AGENTCORE_ENDPOINT", &endpoint)
            .env("AWS_REGION", REGION)
            .env("PRESIGN_EXPIRES_SECS", PRESIGN_EXPIRES_SECS.to_string());
        if let Some(secret_key) = secret_key {
            console
                .env("AWS_ACCESS_KEY_ID", &secrets.access_key_id)
                .env("AWS_SECRET_ACCESS_KEY", secret_key);
        }
        if let Some(token) = bearer {
            console.env("AGENTCORE_BEARER_TOKEN", token);
        }
        let log = artifacts.join(format!("{name}.log"));
        let mut service = Service::start(name, console, &root, &log)?;
        service.wait_ready(|| http_ok(port, "/"))?;
        services.push(service);
        urls.push(format!("http://127.0.0.1:{port}/"));
    }

    let mut driver = Command::new("node");
    driver
        .arg(root.join("tests").join("browser").join("web_console.mjs"))
        .env("BROWSER_NODE_MODULES", &node_modules)
        .env("CHROMIUM", chromium)
        .env("CONSOLE_URL", &urls[0])
        .env("REFUSED_CONSOLE_URL", &urls[1])
        .env("OAUTH_CONSOLE_URL", &urls[2])
        .env("PRESIGN_EXPIRES_SECS", PRESIGN_EXPIRES_SECS.to_string())
        .env("BROWSER_ARTIFACTS", &artifacts)
        .current_dir(&root)
        .stdin(Stdio::null());
    eprintln!(
        "driving {} with Playwright (node {node}): consoles {}, emulator {endpoint}",
        chromium.display(),
        urls.join(" ")
    );
    let mut passed = run_with_deadline(driver, "the browser test", DRIVER_DEADLINE)?;
    // The page's recovery must have met a real expiry: the emulator said so.
    let emulator_said = fs::read_to_string(&emulator_log).unwrap_or_default();
    if passed && !emulator_said.contains(EXPIRED_REFUSAL) {
        eprintln!(
            "FAIL the emulator never refused an expired URL ({EXPIRED_REFUSAL:?} is not in \
             {}):\n{}",
            emulator_log.display(),
            log_tail(&emulator_log)
        );
        passed = false;
    }
    for service in [&mut agent, &mut emulator].into_iter().chain(&mut services) {
        service.check_alive();
    }
    if passed {
        eprintln!(
            "browser test passed in {:.1} s; screenshot {}",
            started.elapsed().as_secs_f64(),
            artifacts.join("web_console.png").display()
        );
    } else {
        eprintln!(
            "note: the logs and screenshots are in {}",
            artifacts.display()
        );
    }
    Ok(passed)
}

/// `node --version`, or how to install Node.js.
fn node_version() -> Result<String, String> {
    let output = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!("cannot run node ({e}): install Node.js 20 or later with npm (Debian: `apt-get install -y nodejs npm`)")
        })?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `target/browser-node/node_modules` with the pinned `playwright-core`, installed with
/// `npm ci` from `tests/browser/package{,-lock}.json` when missing or when the lock file
/// changed since (a copy of it is kept there).
fn install_driver(root: &Path, target: &Path) -> Result<PathBuf, String> {
    let source = root.join("tests").join("browser");
    let prefix = target.join("browser-node");
    let node_modules = prefix.join("node_modules");
    let read = |path: &Path| {
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let lock = read(&source.join("package-lock.json"))?;
    let installed = node_modules.join("playwright-core").join("package.json");
    let stamp = prefix.join("package-lock.json");
    if installed.is_file() && fs::read_to_string(&stamp).ok().as_deref() == Some(lock.as_str()) {
        return Ok(node_modules);
    }
    fs::create_dir_all(&prefix).map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
    let manifest = read(&source.join("package.json"))?;
    let write = |path: PathBuf, text: &str| {
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(prefix.join("package.json"), &manifest)?;
    write(stamp, &lock)?;
    eprintln!(
        "installing playwright-core ({}) into {}",
        source.join("package-lock.json").display(),
        prefix.display()
    );
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(&prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| {
            format!("cannot run npm ({e}): install it (Debian: `apt-get install -y npm`)")
        })?;
    if !status.success() || !installed.is_file() {
        let _ = fs::remove_file(prefix.join("package-lock.json"));
        return Err(format!(
            "`npm ci` in {} failed ({status}); see npm's output above",
            prefix.display()
        ));
    }
    Ok(node_modules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn debian_chromium_by_default() {
        let expected = Args::Run {
            chromium: PathBuf::from("/usr/bin/chromium"),
        };
        assert_eq!(parse(&[]), Ok(expected));
    }

    #[test]
    fn another_chromium() {
        for args in [
            &["--chromium", "/opt/chrome/chrome"][..],
            &["--chromium=/opt/chrome/chrome"],
        ] {
            let expected = Args::Run {
                chromium: PathBuf::from("/opt/chrome/chrome"),
            };
            assert_eq!(parse(args), Ok(expected), "{args:?}");
        }
        assert_eq!(parse(&["--chromium", "c", "--help"]), Ok(Args::Help));
    }

    #[test]
    fn usage_errors() {
        assert!(
            parse(&["--headed"])
                .unwrap_err()
                .contains("unknown argument")
        );
        assert!(
            parse(&["interop"])
                .unwrap_err()
                .contains("unknown argument")
        );
        assert!(parse(&["--chromium"]).unwrap_err().contains("needs a PATH"));
        assert!(
            parse(&["--chromium="])
                .unwrap_err()
                .contains("needs a PATH")
        );
        assert!(
            parse(&["--chromium", "--help"])
                .unwrap_err()
                .contains("needs a PATH")
        );
        let twice = parse(&["--chromium", "a", "--chromium=b"]).unwrap_err();
        assert!(twice.contains("more than once"), "{twice}");
    }

    #[test]
    fn the_driver_and_its_pinned_package_are_in_place() {
        let dir = workspace_root().join("tests").join("browser");
        assert!(dir.join("web_console.mjs").is_file());
        let lock = fs::read_to_string(dir.join("package-lock.json")).unwrap();
        let manifest = fs::read_to_string(dir.join("package.json")).unwrap();
        assert!(lock.contains("\"node_modules/playwright-core\""));
        // An exact version, not a range.
        assert!(manifest.contains("\"playwright-core\": \"1."), "{manifest}");
    }
}
