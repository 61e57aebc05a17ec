//! A crate's module tree, from its files: `src/lib.rs` is the root (`src/main.rs` when
//! there is no `lib.rs`), `src/a.rs` or `src/a/mod.rs` is `a`, `src/a/b.rs` is `a::b`.
//! `src/bin/` holds other crates and is skipped.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The root module's path.
pub(crate) const ROOT: &str = "";

/// Module paths (`ws::socket`, [`ROOT`] for the root) and their files, relative to the
/// crate directory (`src/ws/socket.rs`).
pub(crate) type Modules = BTreeMap<String, PathBuf>;

/// Finds every module file under `<crate_dir>/src`.
pub(crate) fn discover(crate_dir: &Path) -> Result<Modules, String> {
    let src = crate_dir.join("src");
    let mut files = Vec::new();
    collect(&src, &mut files)?;
    let has_lib = files.iter().any(|f| f.as_os_str() == "lib.rs");
    let mut modules = Modules::new();
    for file in files {
        let Some(path) = module_path(&file, has_lib) else {
            continue;
        };
        let file = Path::new("src").join(file);
        if let Some(other) = modules.insert(path.clone(), file.clone()) {
            return Err(format!(
                "{} and {} both define module `{path}`",
                other.display(),
                file.display()
            ));
        }
    }
    if !modules.contains_key(ROOT) {
        return Err(format!("{} has no lib.rs or main.rs", src.display()));
    }
    Ok(modules)
}

/// Every `.rs` file under `dir`, relative to `dir`, sorted.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let entries = fs::read_dir(dir.join(&rel))
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            let rel = rel.join(entry.file_name());
            if entry.path().is_dir() {
                stack.push(rel);
            } else if rel.extension().is_some_and(|ext| ext == "rs") {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(())
}

/// The module a file (relative to `src/`) defines; `None` for files of other crates.
fn module_path(file: &Path, has_lib: bool) -> Option<String> {
    let mut segments: Vec<String> = file
        .with_extension("")
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    match segments.as_slice() {
        [root] if root == "lib" => return Some(ROOT.to_owned()),
        [root] if root == "main" => return (!has_lib).then(|| ROOT.to_owned()),
        [bin, _, ..] if bin == "bin" => return None,
        _ => {}
    }
    if segments.last().is_some_and(|s| s == "mod") {
        segments.pop();
    }
    Some(segments.join("::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_map_to_module_paths() {
        let path = |f: &str| module_path(Path::new(f), true);
        assert_eq!(path("lib.rs").as_deref(), Some(ROOT));
        assert_eq!(path("error.rs").as_deref(), Some("error"));
        assert_eq!(path("ws/mod.rs").as_deref(), Some("ws"));
        assert_eq!(path("ws/socket.rs").as_deref(), Some("ws::socket"));
        assert_eq!(path("a/b/mod.rs").as_deref(), Some("a::b"));
        assert_eq!(path("main.rs"), None);
        assert_eq!(path("bin/tool.rs"), None);
        assert_eq!(path("bin.rs").as_deref(), Some("bin"));
        assert_eq!(
            module_path(Path::new("main.rs"), false).as_deref(),
            Some(ROOT)
        );
    }
}
