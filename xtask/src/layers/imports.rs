//! A crate's actual imports between its modules, read from every file under `src/`.
//! Edges from a module to itself and from the root (which only declares and
//! re-exports) are left out; imports of root items (`crate::Body`) are kept apart.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use super::graph::Graph;
use super::lex;
use super::modules::{self, ROOT};
use super::refs::{self, Target};

/// A file (relative to the crate directory) and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    pub(crate) file: PathBuf,
    pub(crate) line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// The modules of a crate and their imports of one another.
#[derive(Debug)]
pub(crate) struct Imports {
    /// Every module but the root, and its file.
    pub(crate) modules: BTreeMap<String, PathBuf>,
    /// Each module's imports of other modules (every module is a key), and where the
    /// first of each is.
    pub(crate) edges: BTreeMap<String, BTreeMap<String, Location>>,
    /// `(module, root item)` for each import of a root item, and where the first is.
    pub(crate) root_imports: BTreeMap<(String, String), Location>,
}

impl Imports {
    /// Reads the crate in `crate_dir`.
    pub(crate) fn read(crate_dir: &Path) -> Result<Imports, String> {
        let all = modules::discover(crate_dir)?;
        let mut imports = Imports {
            modules: all.clone(),
            edges: BTreeMap::new(),
            root_imports: BTreeMap::new(),
        };
        imports.modules.remove(ROOT);
        for (module, file) in &imports.modules {
            let path = crate_dir.join(file);
            let source = fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let edges = imports.edges.entry(module.clone()).or_default();
            for reference in refs::references(&lex::tokens(&source), module, &all) {
                let at = Location {
                    file: file.clone(),
                    line: reference.line,
                };
                match reference.target {
                    Target::Module(to) if to == *module => {}
                    Target::Module(to) => {
                        edges.entry(to).or_insert(at);
                    }
                    Target::RootItem(item) => {
                        imports
                            .root_imports
                            .entry((module.clone(), item))
                            .or_insert(at);
                    }
                }
            }
        }
        Ok(imports)
    }

    /// The imports as a graph over every module.
    pub(crate) fn graph(&self) -> Graph {
        self.edges
            .iter()
            .map(|(from, to)| (from.clone(), to.keys().cloned().collect()))
            .collect()
    }

    /// How many module-to-module imports there are.
    pub(crate) fn edge_count(&self) -> usize {
        self.edges.values().map(BTreeMap::len).sum()
    }

    /// Where `from` first imports `to`.
    pub(crate) fn location(&self, from: &str, to: &str) -> Option<&Location> {
        self.edges.get(from)?.get(to)
    }
}
