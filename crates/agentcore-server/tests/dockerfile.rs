//! The Dockerfile, checked statically (no Docker engine here): arm64, non-root, port
//! 8080, 0.0.0.0, and an example that exists.

use std::path::Path;

fn dockerfile() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Dockerfile");
    std::fs::read_to_string(path).expect("the workspace Dockerfile")
}

/// The instructions, with continuation lines joined and comments dropped.
fn instructions(text: &str) -> Vec<String> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    joined
}

#[test]
fn every_stage_targets_linux_arm64() {
    let stages: Vec<String> = instructions(&dockerfile())
        .into_iter()
        .filter(|i| i.starts_with("FROM "))
        .collect();
    assert_eq!(stages.len(), 2);
    for stage in stages {
        assert!(stage.starts_with("FROM --platform=linux/arm64 "), "{stage}");
    }
}

#[test]
fn runs_as_a_non_root_user_on_port_8080_on_all_interfaces() {
    let all = instructions(&dockerfile());
    let last_user = all
        .iter()
        .rev()
        .find_map(|i| i.strip_prefix("USER "))
        .expect("a USER");
    assert!(!matches!(last_user.trim(), "root" | "0"), "{last_user}");
    assert!(all.iter().any(|i| i == "EXPOSE 8080"));
    let env: String = all
        .iter()
        .filter(|i| i.starts_with("ENV "))
        .cloned()
        .collect();
    assert!(
        env.contains("DOCKER_CONTAINER=1"),
        "binds 0.0.0.0 in the container"
    );
    assert!(env.contains("PORT=8080"));
    let entrypoint = all
        .iter()
        .find(|i| i.starts_with("ENTRYPOINT "))
        .expect("an ENTRYPOINT");
    assert!(entrypoint.contains("/usr/local/bin/agent"));
}

#[test]
fn builds_an_example_that_exists() {
    let text = dockerfile();
    let example = instructions(&text)
        .iter()
        .find_map(|i| i.strip_prefix("ARG EXAMPLE=").map(str::to_owned))
        .expect("ARG EXAMPLE=<name>");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{example}.rs"));
    assert!(path.exists(), "{}", path.display());
    assert!(text.contains("--example \"${EXAMPLE}\""));
    assert!(text.contains("--locked"));
}
