//! `cargo xtask interop`: the official Python clients (boto3's `bedrock-agentcore` client
//! and the `bedrock-agentcore` SDK) against the emulator in front of the conformance
//! agent, the official MCP Python SDK (`mcp`) against the `mcp_server` example, and the
//! official AG-UI types (`ag-ui-protocol`) validating the `ag_ui_agent` example, and the
//! official A2A Python SDK (`a2a-sdk`) as the client of the `a2a_agent` example. The
//! tests are `tests/interop/test_*.py` (plain unittest), run by `tests/interop/run.py`
//! with an interpreter from a virtual environment.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::conformance::workspace_root;
use crate::process::{self, Service, free_port, http_ok};
use crate::secrets::Secrets;

const USAGE: &str = "\
usage: cargo xtask interop [--python PATH] [-k PATTERN]...

Builds (release) the emulator, the conformance agent and the MCP server and AG-UI agent
examples, starts the agent on a free port and the emulator in front of it on another,
with a bearer token, an HS256 JWT secret, fake SigV4 credentials, an API key and an
OAuth2 token made for the run (given to the emulator in its environment; the last two
are its providers' for AgentCore Identity, whose workload the runtime is), the MCP
server on a third (MCP_PORT) and the AG-UI agent on a fourth (PORT), the A2A agent on a
fifth (A2A_PORT, with PORT set to another it must not read), and runs the Python suite
tests/interop/test_*.py against them. Fails if a test fails.

  --python PATH   the Python interpreter, with the packages of
                  tests/interop/requirements.txt installed
                  [default: target/interop-venv/bin/python, a virtual environment made
                  with `python3 -m venv` and filled with pip when missing or when the
                  requirements changed]
  -k PATTERN      run only the tests whose name matches (repeatable; unittest's -k)
";

/// The runtime the emulator serves.
const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/interop-agent";
const REGION: &str = "us-east-1";
/// The host the SDK signs WebSocket URLs for; the emulator accepts signatures made for it.
const SIGNING_HOST: &str = "bedrock-agentcore.us-east-1.amazonaws.com";
/// A header the emulator is told to forward (`--forward-header`).
const FORWARD_HEADER: &str = "X-Interop-Forwarded";
/// The runtime of the `identity_agent` example (the same workload as every runtime).
const IDENTITY_ARN: &str =
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/interop-identity-agent";
/// The emulator's workload identity (`--workload`): the runtime is it.
const WORKLOAD: &str = "interop-workload";
/// The emulator's API key credential provider.
const API_KEY_PROVIDER: &str = "interop-api-key";
/// The emulator's OAuth2 credential provider.
const OAUTH2_PROVIDER: &str = "interop-oauth2";

/// The whole Python run; past it the tests are stopped and the run fails.
const SUITE_DEADLINE: Duration = Duration::from_secs(300);

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Args {
    Help,
    Run {
        python: Option<PathBuf>,
        patterns: Vec<String>,
    },
}

/// Runs `cargo xtask interop` with the arguments after `interop`.
pub(crate) fn run(args: &[String]) -> ExitCode {
    let (python, patterns) = match parse_args(args) {
        Ok(Args::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Args::Run { python, patterns }) => (python, patterns),
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run_suite(python, &patterns) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut python = None;
    let mut patterns = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Args::Help);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (arg.as_str(), None),
        };
        if flag != "--python" && flag != "-k" {
            return Err(format!("unknown argument `{arg}`"));
        }
        let value = match inline {
            Some(value) => value,
            None => args.next().map_or("", String::as_str),
        };
        if value.is_empty() || value.starts_with('-') {
            let what = if flag == "-k" { "PATTERN" } else { "PATH" };
            return Err(format!("`{flag}` needs a {what}"));
        }
        if flag == "-k" {
            patterns.push(value.to_owned());
        } else if python.replace(PathBuf::from(value)).is_some() {
            return Err("`--python` given more than once".to_owned());
        }
    }
    Ok(Args::Run { python, patterns })
}

/// Builds, prepares the interpreter, starts agent and emulator, runs the tests;
/// `Ok(false)` when a test failed.
fn run_suite(python: Option<PathBuf>, patterns: &[String]) -> Result<bool, String> {
    let root = workspace_root();
    let target = process::target_dir(&root);
    let given = python.map(given_interpreter).transpose()?;
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
        "--example",
        "mcp_server",
        "--example",
        "ag_ui_agent",
        "--example",
        "a2a_agent",
        "--example",
        "identity_agent",
        "--features",
        process::EXAMPLE_FEATURES,
    ];
    process::cargo(
        &root,
        &args,
        "the emulator, the conformance agent, the MCP server, the AG-UI, A2A and identity agents",
    )?;
    let python = match given {
        Some(python) => python,
        None => venv_interpreter(&root, &target)?,
    };

    let secrets = Secrets::new();
    let release = target.join("release");
    let exe = env::consts::EXE_SUFFIX;
    let agent_port = free_port()?;
    let agent_log = target.join("interop-agent.log");
    let mut agent = Command::new(
        release
            .join("examples")
            .join(format!("conformance_agent{exe}")),
    );
    agent.env("PORT", agent_port.to_string());
    let mut agent = Service::start("the conformance agent", agent, &root, &agent_log)?;
    agent.wait_ready(|| http_ok(agent_port, "/ping"))?;

    // The MCP server reads MCP_PORT; PORT, set for the HTTP contract, it must not read.
    let mcp_port = free_port()?;
    let mcp_log = target.join("interop-mcp-server.log");
    let mut mcp_server = Command::new(release.join("examples").join(format!("mcp_server{exe}")));
    mcp_server
        .env("MCP_PORT", mcp_port.to_string())
        .env("PORT", agent_port.to_string());
    let mut mcp_server = Service::start("the MCP server", mcp_server, &root, &mcp_log)?;
    mcp_server.wait_ready(|| http_ok(mcp_port, "/ping"))?;
    let mcp_url = format!("http://127.0.0.1:{mcp_port}/mcp");

    // The AG-UI agent is an HTTP agent: PORT.
    let ag_ui_port = free_port()?;
    let ag_ui_log = target.join("interop-ag-ui-agent.log");
    let mut ag_ui_agent = Command::new(release.join("examples").join(format!("ag_ui_agent{exe}")));
    ag_ui_agent.env("PORT", ag_ui_port.to_string());
    let mut ag_ui_agent = Service::start("the AG-UI agent", ag_ui_agent, &root, &ag_ui_log)?;
    ag_ui_agent.wait_ready(|| http_ok(ag_ui_port, "/ping"))?;
    let ag_ui_url = format!("http://127.0.0.1:{ag_ui_port}");

    // The A2A agent reads A2A_PORT; PORT, set for the HTTP contract, it must not read.
    let a2a_port = free_port()?;
    let a2a_log = target.join("interop-a2a-agent.log");
    let mut a2a_agent = Command::new(release.join("examples").join(format!("a2a_agent{exe}")));
    a2a_agent
        .env("A2A_PORT", a2a_port.to_string())
        .env("PORT", agent_port.to_string());
    let mut a2a_agent = Service::start("the A2A agent", a2a_agent, &root, &a2a_log)?;
    a2a_agent.wait_ready(|| http_ok(a2a_port, "/ping"))?;
    let a2a_url = format!("http://127.0.0.1:{a2a_port}");

    // The emulator's port first: the identity agent calls its Identity data plane.
    let port = free_port()?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let identity_port = free_port()?;
    let identity_log = target.join("interop-identity-agent.log");
    let mut identity_agent = Command::new(
        release
            .join("examples")
            .join(format!("identity_agent{exe}")),
    );
    process::without_machine_aws_settings(&mut identity_agent, &target);
    identity_agent
        .env("PORT", identity_port.to_string())
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", &secrets.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &secrets.secret_access_key)
        .env("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", &endpoint)
        .env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT");
    let mut identity_agent =
        Service::start("the identity agent", identity_agent, &root, &identity_log)?;
    identity_agent.wait_ready(|| http_ok(identity_port, "/ping"))?;
    let identity_url = format!("http://127.0.0.1:{identity_port}");

    let emulator_log = target.join("interop-emulator.log");
    let agent_url = format!("http://127.0.0.1:{agent_port}");
    let mut emulator = Command::new(release.join(format!("agentcore-emulator{exe}")));
    emulator
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--agent", &agent_url, "--arn", ARN])
        .args(["--arn", &format!("{IDENTITY_ARN}={identity_url}")])
        .args(["--signing-host", SIGNING_HOST])
        .args(["--forward-header", FORWARD_HEADER])
        .args(["--workload", WORKLOAD])
        // The secrets go in the environment, where other users' `ps` does not show them.
        .env("AGENTCORE_EMULATOR_BEARER_TOKEN", &secrets.bearer_token)
        .env("AGENTCORE_EMULATOR_JWT_SECRET", &secrets.jwt_secret)
        .env("AGENTCORE_EMULATOR_CREDENTIALS", secrets.credentials())
        .env(
            "AGENTCORE_EMULATOR_API_KEY_PROVIDERS",
            format!("{API_KEY_PROVIDER}={}", secrets.api_key),
        )
        .env(
            "AGENTCORE_EMULATOR_OAUTH2_PROVIDERS",
            format!("{OAUTH2_PROVIDER}={}", secrets.oauth2_token),
        );
    let mut emulator = Service::start("the emulator", emulator, &root, &emulator_log)?;
    emulator.wait_ready(|| TcpStream::connect(("127.0.0.1", port)).is_ok())?;

    let mut tests = Command::new(&python);
    tests
        .arg(root.join("tests").join("interop").join("run.py"))
        .args(patterns.iter().flat_map(|p| ["-k", p]));
    process::without_machine_aws_settings(&mut tests, &target);
    tests
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .env(
            "AGENTCORE_INTEROP_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )
        .env("AGENTCORE_INTEROP_PORT", port.to_string())
        .env("AGENTCORE_INTEROP_AGENT_URL", &agent_url)
        .env("AGENTCORE_INTEROP_MCP_URL", &mcp_url)
        .env("AGENTCORE_INTEROP_AG_UI_URL", &ag_ui_url)
        .env("AGENTCORE_INTEROP_A2A_URL", &a2a_url)
        .env("AGENTCORE_INTEROP_ARN", ARN)
        .env("AGENTCORE_INTEROP_IDENTITY_ARN", IDENTITY_ARN)
        .env("AGENTCORE_INTEROP_REGION", REGION)
        .env("AGENTCORE_INTEROP_SIGNING_HOST", SIGNING_HOST)
        .env("AGENTCORE_INTEROP_FORWARD_HEADER", FORWARD_HEADER)
        .env("AGENTCORE_INTEROP_BEARER_TOKEN", &secrets.bearer_token)
        .env("AGENTCORE_INTEROP_JWT_SECRET", &secrets.jwt_secret)
        .env("AGENTCORE_INTEROP_ACCESS_KEY_ID", &secrets.access_key_id)
        .env(
            "AGENTCORE_INTEROP_SECRET_ACCESS_KEY",
            &secrets.secret_access_key,
        )
        .env("AGENTCORE_INTEROP_WORKLOAD", WORKLOAD)
        .env("AGENTCORE_INTEROP_API_KEY_PROVIDER", API_KEY_PROVIDER)
        .env("AGENTCORE_INTEROP_API_KEY", &secrets.api_key)
        .env("AGENTCORE_INTEROP_OAUTH2_PROVIDER", OAUTH2_PROVIDER)
        .env("AGENTCORE_INTEROP_OAUTH2_TOKEN", &secrets.oauth2_token)
        .current_dir(&root)
        .stdin(Stdio::null());
    eprintln!(
        "running the interop suite with {} (emulator on 127.0.0.1:{port}, agent on 127.0.0.1:{agent_port})",
        python.display()
    );
    let started = Instant::now();
    let passed = process::run_with_deadline(tests, "the interop suite", SUITE_DEADLINE)?;
    eprintln!(
        "interop suite took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for service in [
        &mut emulator,
        &mut agent,
        &mut mcp_server,
        &mut ag_ui_agent,
        &mut a2a_agent,
        &mut identity_agent,
    ] {
        service.check_alive();
    }
    if !passed {
        eprintln!(
            "note: the logs are {}, {}, {}, {}, {} and {}",
            emulator_log.display(),
            agent_log.display(),
            mcp_log.display(),
            ag_ui_log.display(),
            a2a_log.display(),
            identity_log.display()
        );
    }
    Ok(passed)
}

/// A `--python` interpreter: a bare name is looked up on PATH, a path is made absolute
/// (the tests run in the workspace root).
fn given_interpreter(python: PathBuf) -> Result<PathBuf, String> {
    if python.components().count() == 1 && !python.is_absolute() {
        return Ok(python);
    }
    if !python.exists() {
        return Err(format!("--python {}: no such file", python.display()));
    }
    std::path::absolute(&python).map_err(|e| format!("--python {}: {e}", python.display()))
}

/// The interpreter of `target/interop-venv`, made with `python3 -m venv` when missing and
/// filled from `tests/interop/requirements.txt` when new or when the requirements changed
/// since the last install (a copy of them is kept in the venv).
fn venv_interpreter(root: &Path, target: &Path) -> Result<PathBuf, String> {
    let venv = target.join("interop-venv");
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    let requirements = root.join("tests").join("interop").join("requirements.txt");
    let wanted = fs::read_to_string(&requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    let stamp = venv.join("interop-requirements.txt");
    if !python.exists() {
        let base = env::var_os("PYTHON3").unwrap_or_else(|| OsString::from("python3"));
        eprintln!(
            "creating the virtual environment: {} -m venv {}",
            base.to_string_lossy(),
            venv.display()
        );
        let status = Command::new(&base)
            .args(["-m", "venv"])
            .arg(&venv)
            .stdin(Stdio::null())
            .status()
            .map_err(|e| {
                format!(
                    "cannot run {}: {e}; install Python 3 with venv, or pass --python",
                    base.to_string_lossy()
                )
            })?;
        if !status.success() || !python.exists() {
            return Err(format!(
                "`{} -m venv {}` failed ({status})",
                base.to_string_lossy(),
                venv.display()
            ));
        }
    }
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    eprintln!(
        "installing {} into {}",
        requirements.display(),
        venv.display()
    );
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--require-virtualenv", "-r"])
        .arg(&requirements)
        .stdin(Stdio::null())
        .stdout(Stdio::from(io::stderr()))
        .status()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !status.success() {
        return Err(format!(
            "pip install -r {} failed ({status}); see pip's output above",
            requirements.display()
        ));
    }
    fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn no_flags_means_the_venv_and_every_test() {
        let expected = Args::Run {
            python: None,
            patterns: vec![],
        };
        assert_eq!(parse(&[]), Ok(expected));
    }

    #[test]
    fn python_and_patterns() {
        let expected = Args::Run {
            python: Some(PathBuf::from("/usr/bin/python3")),
            patterns: vec!["websocket".to_owned(), "auth".to_owned()],
        };
        assert_eq!(
            parse(&[
                "-k",
                "websocket",
                "--python",
                "/usr/bin/python3",
                "-k",
                "auth"
            ]),
            Ok(expected)
        );
        let inline = parse(&["--python=py"]).unwrap();
        let Args::Run { python, .. } = inline else {
            panic!("{inline:?}")
        };
        assert_eq!(python, Some(PathBuf::from("py")));
        assert_eq!(parse(&["-k", "x", "-h"]), Ok(Args::Help));
    }

    #[test]
    fn usage_errors() {
        assert!(
            parse(&["--bogus"])
                .unwrap_err()
                .contains("unknown argument")
        );
        assert!(
            parse(&["conformance"])
                .unwrap_err()
                .contains("unknown argument")
        );
        assert!(parse(&["--python"]).unwrap_err().contains("needs a PATH"));
        assert!(parse(&["--python="]).unwrap_err().contains("needs a PATH"));
        assert!(
            parse(&["-k", "--python", "p"])
                .unwrap_err()
                .contains("needs a PATTERN")
        );
        let twice = parse(&["--python", "a", "--python=b"]).unwrap_err();
        assert!(twice.contains("more than once"), "{twice}");
    }

    #[test]
    fn the_suite_and_its_requirements_are_in_place() {
        let dir = workspace_root().join("tests").join("interop");
        assert!(dir.join("run.py").is_file());
        let requirements = fs::read_to_string(dir.join("requirements.txt")).unwrap();
        for pinned in [
            "bedrock-agentcore==",
            "boto3==",
            "botocore==",
            "mcp==",
            "a2a-sdk==",
            "websockets==",
        ] {
            assert!(requirements.contains(pinned), "{pinned} is not pinned");
        }
    }
}
