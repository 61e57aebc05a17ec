//! The workspace as `cargo metadata` describes it, and the manifest edits of a lockstep
//! version bump.
//!
//! Released crates are the workspace members that may be published (xtask, with
//! `publish = false`, is not one). The bump sets each one's version — in its manifest,
//! or `[workspace.package]` when it inherits it — and the `version` requirement of every
//! `path` dependency on one of them, wherever declared: `[workspace.dependencies]`,
//! `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` and their
//! `[target.'cfg(..)'.*]` forms, as inline tables, tables or dotted keys, renamed or not.
//! Edits go through `toml_edit`, so comments and layout stay as they were.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use toml_edit::{DocumentMut, Item, TableLike, Value};

use super::capture;

/// The workspace's members, from `cargo metadata --no-deps`.
#[derive(Debug)]
pub(crate) struct Workspace {
    /// The root manifest, `<root>/Cargo.toml`.
    pub(crate) root_manifest: PathBuf,
    /// Where `cargo package` puts its `.crate` files, under `package/`.
    pub(crate) target_dir: PathBuf,
    pub(crate) members: Vec<Member>,
}

/// One workspace member.
#[derive(Debug)]
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) manifest: PathBuf,
    /// May be published (no `publish = false`): its version moves with the release.
    pub(crate) released: bool,
    /// The members it depends on through a `path` dependency, and whether only as a
    /// dev-dependency.
    pub(crate) path_deps: Vec<(String, bool)>,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    manifest_path: PathBuf,
    publish: Option<Vec<String>>,
    dependencies: Vec<Dependency>,
}

#[derive(Deserialize)]
struct Dependency {
    name: String,
    kind: Option<String>,
    path: Option<PathBuf>,
}

impl Workspace {
    /// Runs `cargo metadata --format-version 1 --no-deps` in `root`.
    pub(crate) fn load(cargo: &Path, root: &Path) -> Result<Workspace, String> {
        let json = capture(
            Command::new(cargo)
                .args(["metadata", "--format-version", "1", "--no-deps"])
                .current_dir(root),
        )?;
        let metadata: Metadata = serde_json::from_str(&json)
            .map_err(|e| format!("cannot read the output of `cargo metadata`: {e}"))?;
        let names: BTreeSet<&str> = metadata.packages.iter().map(|p| p.name.as_str()).collect();
        let members = metadata
            .packages
            .iter()
            .map(|package| Member {
                name: package.name.clone(),
                version: package.version.clone(),
                manifest: package.manifest_path.clone(),
                released: package.publish.as_ref().is_none_or(|to| !to.is_empty()),
                path_deps: package
                    .dependencies
                    .iter()
                    .filter(|dep| dep.path.is_some() && names.contains(dep.name.as_str()))
                    .map(|dep| (dep.name.clone(), dep.kind.as_deref() == Some("dev")))
                    .collect(),
            })
            .collect();
        Ok(Workspace {
            root_manifest: metadata.workspace_root.join("Cargo.toml"),
            target_dir: metadata.target_directory,
            members,
        })
    }

    /// The members that are released, in name order.
    pub(crate) fn released(&self) -> Vec<&Member> {
        let mut released: Vec<&Member> = self.members.iter().filter(|m| m.released).collect();
        released.sort_by(|a, b| a.name.cmp(&b.name));
        released
    }

    /// The members that are not released (`publish = false`).
    pub(crate) fn unreleased(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| !m.released)
    }

    /// The released crates in an order where each comes after the released crates it
    /// depends on (dev-dependencies included, unless they make a cycle), ties by name.
    pub(crate) fn publish_order(&self) -> Result<Vec<String>, String> {
        topological(&self.released(), true).or_else(|_| topological(&self.released(), false))
    }
}

fn topological(crates: &[&Member], with_dev: bool) -> Result<Vec<String>, String> {
    let names: BTreeSet<&str> = crates.iter().map(|m| m.name.as_str()).collect();
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = crates
        .iter()
        .map(|m| {
            let deps = m
                .path_deps
                .iter()
                .filter(|(dep, dev)| (with_dev || !dev) && dep != &m.name)
                .map(|(dep, _)| dep.as_str())
                .filter(|dep| names.contains(dep))
                .collect();
            (m.name.as_str(), deps)
        })
        .collect();
    let mut order = Vec::new();
    while let Some(next) = waiting
        .iter()
        .find(|(_, deps)| deps.is_empty())
        .map(|(name, _)| *name)
    {
        waiting.remove(next);
        for deps in waiting.values_mut() {
            deps.remove(next);
        }
        order.push(next.to_owned());
    }
    if waiting.is_empty() {
        Ok(order)
    } else {
        let stuck: Vec<&str> = waiting.keys().copied().collect();
        Err(format!(
            "the released crates depend on each other in a cycle: {}",
            stuck.join(", ")
        ))
    }
}

/// A manifest the bump rewrites.
#[derive(Debug)]
pub(crate) struct ManifestEdit {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    /// What changed, one line each (`workspace.package.version: 0.1.0 -> 0.2.0`).
    pub(crate) changes: Vec<String>,
}

/// The edits that bump every released crate to `new` (manifests that do not change are
/// left out).
pub(crate) fn plan_bump(ws: &Workspace, new: &str) -> Result<Vec<ManifestEdit>, String> {
    let released_names: BTreeSet<String> = ws.released().iter().map(|m| m.name.clone()).collect();
    let mut manifests: BTreeMap<&Path, bool> = BTreeMap::new();
    for member in &ws.members {
        *manifests.entry(&member.manifest).or_default() |= member.released;
    }
    manifests.entry(&ws.root_manifest).or_default();

    let read = |path: &Path| {
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let mut inherits = false;
    for (path, released) in &manifests {
        if *released {
            inherits |= inherits_version(&parse(path, &read(path)?)?);
        }
    }
    let mut edits = Vec::new();
    for (path, released) in manifests {
        let text = read(path)?;
        let edit = Edit {
            own_version: released,
            workspace_version: inherits && path == ws.root_manifest,
            released: &released_names,
            new,
        };
        let (edited, changes) = edit
            .apply(&text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if edited != text {
            edits.push(ManifestEdit {
                path: path.to_path_buf(),
                text: edited,
                changes,
            });
        }
    }
    Ok(edits)
}

fn parse(path: &Path, text: &str) -> Result<DocumentMut, String> {
    text.parse()
        .map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

/// Whether `package.version` is `{ workspace = true }` (or `version.workspace = true`).
fn inherits_version(doc: &DocumentMut) -> bool {
    doc.get("package")
        .and_then(|package| package.get("version"))
        .and_then(Item::as_table_like)
        .and_then(|version| version.get("workspace"))
        .and_then(Item::as_bool)
        == Some(true)
}

/// The version edits of one manifest.
struct Edit<'a> {
    /// Set the literal `package.version` (a released crate's manifest).
    own_version: bool,
    /// Set `workspace.package.version` (a released crate inherits it).
    workspace_version: bool,
    /// The crates whose `path` dependencies get the new version requirement.
    released: &'a BTreeSet<String>,
    new: &'a str,
}

impl Edit<'_> {
    fn apply(&self, text: &str) -> Result<(String, Vec<String>), String> {
        let mut doc: DocumentMut = text.parse().map_err(|e| format!("cannot parse: {e}"))?;
        let mut changes = Vec::new();
        if self.own_version && !inherits_version(&doc) {
            let version = doc
                .get_mut("package")
                .and_then(Item::as_table_like_mut)
                .and_then(|package| package.get_mut("version"))
                .ok_or("a released crate's `[package]` needs a `version`")?;
            set_string(version, self.new, "package.version", &mut changes)?;
        }
        if self.workspace_version {
            let version = doc
                .get_mut("workspace")
                .and_then(|workspace| workspace.get_mut("package"))
                .and_then(Item::as_table_like_mut)
                .and_then(|package| package.get_mut("version"))
                .ok_or(
                    "the crates inherit `version.workspace = true` but `[workspace.package]` \
                     has no `version`",
                )?;
            set_string(version, self.new, "workspace.package.version", &mut changes)?;
        }

        const KINDS: [&str; 5] = [
            "dependencies",
            "dev-dependencies",
            "build-dependencies",
            "dev_dependencies",
            "build_dependencies",
        ];
        if let Some(deps) = doc
            .get_mut("workspace")
            .and_then(|workspace| workspace.get_mut("dependencies"))
            .and_then(Item::as_table_like_mut)
        {
            self.bump_dependencies(deps, "workspace.dependencies", &mut changes)?;
        }
        for kind in KINDS {
            if let Some(deps) = doc.get_mut(kind).and_then(Item::as_table_like_mut) {
                self.bump_dependencies(deps, kind, &mut changes)?;
            }
        }
        if let Some(targets) = doc.get_mut("target").and_then(Item::as_table_like_mut) {
            for (cfg, target) in targets.iter_mut() {
                let Some(target) = target.as_table_like_mut() else {
                    continue;
                };
                for kind in KINDS {
                    if let Some(deps) = target.get_mut(kind).and_then(Item::as_table_like_mut) {
                        let table = format!("target.'{}'.{kind}", cfg.get());
                        self.bump_dependencies(deps, &table, &mut changes)?;
                    }
                }
            }
        }
        Ok((doc.to_string(), changes))
    }

    /// Sets the `version` of each `path` dependency on a released crate in `deps`.
    fn bump_dependencies(
        &self,
        deps: &mut dyn TableLike,
        table: &str,
        changes: &mut Vec<String>,
    ) -> Result<(), String> {
        for (key, dep) in deps.iter_mut() {
            let Some(dep) = dep.as_table_like_mut() else {
                continue; // `name = "1.0"`: a registry dependency.
            };
            let name = dep
                .get("package")
                .and_then(Item::as_str)
                .unwrap_or(key.get());
            if !self.released.contains(name) || !dep.contains_key("path") {
                continue;
            }
            let what = format!("{table}.{}.version", key.get());
            if let Some(version) = dep.get_mut("version") {
                let old = version
                    .as_str()
                    .ok_or_else(|| format!("`{what}` is not a string"))?;
                let new = requirement(old, self.new);
                set_string(version, &new, &what, changes)?;
            }
        }
        Ok(())
    }
}

/// The requirement `old` (`0.1.0`, `=0.1.0`, `^0.1`, `~0.1.0`, `>=0.1`) moved to
/// `version`, its operator kept; anything more complex becomes `version` itself.
fn requirement(old: &str, version: &str) -> String {
    let old = old.trim();
    let operator = [">=", "=", "^", "~"]
        .into_iter()
        .find(|op| old.starts_with(op))
        .unwrap_or("");
    let rest = old[operator.len()..].trim_start();
    let simple = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if simple {
        format!("{operator}{version}")
    } else {
        version.to_owned()
    }
}

/// Replaces the string value of `item` by `new`, keeping its surrounding whitespace and
/// comments.
fn set_string(
    item: &mut Item,
    new: &str,
    what: &str,
    changes: &mut Vec<String>,
) -> Result<(), String> {
    let value = item
        .as_value_mut()
        .ok_or_else(|| format!("`{what}` is not a string"))?;
    let old = value
        .as_str()
        .ok_or_else(|| format!("`{what}` is not a string"))?
        .to_owned();
    if old != new {
        let decor = value.decor().clone();
        *value = Value::from(new);
        *value.decor_mut() = decor;
        changes.push(format!("{what}: {old} -> {new}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn released() -> BTreeSet<String> {
        ["agentcore-contract", "agentcore-server", "agentcore-client"]
            .map(String::from)
            .into()
    }

    fn apply(text: &str, own_version: bool, workspace_version: bool) -> (String, Vec<String>) {
        let released = released();
        let edit = Edit {
            own_version,
            workspace_version,
            released: &released,
            new: "0.2.0",
        };
        edit.apply(text).unwrap()
    }

    #[test]
    fn bumps_the_workspace_version_and_path_dependencies_keeping_the_layout() {
        let root = r#"[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.1.0" # lockstep
edition = "2024"

[workspace.dependencies]
agentcore-contract = { path = "crates/agentcore-contract", version = "0.1.0" }
agentcore-server = { path = "crates/agentcore-server", version = "=0.1.0" }
# a comment that stays
serde = { version = "0.1.0" }
other = { path = "crates/other", version = "0.1.0" }
bytes = "1.10"
"#;
        let (after, changes) = apply(root, false, true);
        assert_eq!(
            after,
            root.replace(r#"version = "0.1.0" #"#, r#"version = "0.2.0" #"#)
                .replace(
                    r#"agentcore-contract", version = "0.1.0""#,
                    r#"agentcore-contract", version = "0.2.0""#
                )
                .replace(r#"version = "=0.1.0""#, r#"version = "=0.2.0""#)
        );
        assert_eq!(
            changes,
            [
                "workspace.package.version: 0.1.0 -> 0.2.0",
                "workspace.dependencies.agentcore-contract.version: 0.1.0 -> 0.2.0",
                "workspace.dependencies.agentcore-server.version: =0.1.0 -> =0.2.0",
            ]
        );
    }

    #[test]
    fn bumps_a_members_own_version_and_every_dependency_form() {
        let member = r#"[package]
name = "agentcore-emulator"
version = "0.1.0"

[dependencies]
agentcore-contract.workspace = true
contract2 = { package = "agentcore-contract", path = "../agentcore-contract", version = "^0.1" }

[dev-dependencies.agentcore-server]
path = "../agentcore-server"
version = "0.1.0"

[target.'cfg(unix)'.build-dependencies]
agentcore-client.path = "../agentcore-client"
agentcore-client.version = "0.1.0"

[target.'cfg(unix)'.dependencies]
agentcore-client = { path = "../agentcore-client" }
agentcore-contract = "0.1.0"
"#;
        let (after, changes) = apply(member, true, false);
        assert_eq!(
            changes,
            [
                "package.version: 0.1.0 -> 0.2.0",
                "dependencies.contract2.version: ^0.1 -> ^0.2.0",
                "dev-dependencies.agentcore-server.version: 0.1.0 -> 0.2.0",
                "target.'cfg(unix)'.build-dependencies.agentcore-client.version: 0.1.0 -> 0.2.0",
            ]
        );
        assert_eq!(after.matches("0.2.0").count(), 4, "{after}");
        // A registry dependency (no `path`) keeps its requirement.
        assert!(
            after.ends_with("agentcore-contract = \"0.1.0\"\n"),
            "{after}"
        );
    }

    #[test]
    fn leaves_inherited_and_unreleased_versions_alone() {
        let xtask = r#"[package]
name = "xtask"
version = "0.0.0"
publish = false

[dependencies]
agentcore-client.workspace = true
"#;
        assert_eq!(apply(xtask, false, false), (xtask.to_owned(), vec![]));
        let inheriting = "[package]\nname = \"a\"\nversion.workspace = true\n";
        assert_eq!(apply(inheriting, true, false).0, inheriting);
        let released = released();
        let edit = Edit {
            own_version: true,
            workspace_version: false,
            released: &released,
            new: "0.2.0",
        };
        let missing = edit.apply("[package]\nname = \"a\"\n").unwrap_err();
        assert!(missing.contains("needs a `version`"), "{missing}");
    }

    #[test]
    fn keeps_the_requirement_operator() {
        assert_eq!(requirement("0.1.0", "0.2.0"), "0.2.0");
        assert_eq!(requirement("=0.1.0", "0.2.0"), "=0.2.0");
        assert_eq!(requirement("~0.1", "0.2.0"), "~0.2.0");
        assert_eq!(requirement(">=0.1", "0.2.0"), ">=0.2.0");
        assert_eq!(requirement(">=0.1, <0.2", "0.2.0"), "0.2.0");
        assert_eq!(requirement("0.1.0-rc.1", "0.2.0"), "0.2.0");
    }

    fn member(name: &str, deps: &[(&str, bool)]) -> Member {
        Member {
            name: name.to_owned(),
            version: "0.1.0".to_owned(),
            manifest: PathBuf::from(name),
            released: true,
            path_deps: deps.iter().map(|(d, dev)| (d.to_string(), *dev)).collect(),
        }
    }

    #[test]
    fn publishes_dependencies_first() {
        let ws = Workspace {
            root_manifest: PathBuf::from("Cargo.toml"),
            target_dir: PathBuf::from("target"),
            members: vec![
                member("client", &[("contract", false), ("server", true)]),
                member("contract", &[]),
                member("emulator", &[("contract", false), ("server", true)]),
                member("server", &[("contract", false)]),
            ],
        };
        let order = ws.publish_order().unwrap();
        assert_eq!(order, ["contract", "server", "client", "emulator"]);

        // A dev-dependency cycle is ignored; a normal one is an error.
        let ws = Workspace {
            members: vec![member("a", &[("b", true)]), member("b", &[("a", false)])],
            ..ws
        };
        assert_eq!(ws.publish_order().unwrap(), ["a", "b"]);
        let ws = Workspace {
            members: vec![member("a", &[("b", false)]), member("b", &[("a", false)])],
            ..ws
        };
        assert!(ws.publish_order().unwrap_err().contains("cycle"));
    }
}
