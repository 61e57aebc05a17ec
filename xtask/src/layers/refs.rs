//! What one file references: every path into the crate, resolved to the module that
//! holds its target.
//!
//! A path is `crate::...` (or `$crate::...`), `super::...`, `self::...`, or starts with a
//! child module of the current one (`socket::WebSocket` in `ws`), in a `use` item or
//! inline in code. It resolves to its longest prefix that is a module file
//! (`crate::ws::socket::WebSocket` is `ws::socket` when `src/ws/socket.rs` exists, else
//! `ws`). Inline `mod name { ... }` blocks are tracked for `super` and `self`: in
//! `mod tests` of `ws.rs`, `super::*` is `ws` itself. `mod x;` declarations, `pub(in
//! crate::x)` visibilities and `use<..>` bounds reference nothing.

use super::lex::{Tok, Token};
use super::modules::{Modules, ROOT};
use super::use_tree;

/// What a path points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A module of the crate (maybe the file's own).
    Module(String),
    /// An item (or `*`) of the crate root that is no module: `crate::Body`.
    RootItem(String),
}

/// One reference and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub(crate) target: Target,
    pub(crate) line: usize,
}

/// The references in the tokens of the file that defines `module`.
pub(crate) fn references(tokens: &[Token], module: &str, modules: &Modules) -> Vec<Reference> {
    let file_module: Vec<String> = segments(module);
    // The inline modules the walk is in, each with the brace depth of its body.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut out = Vec::new();
    let tok = |i: usize| tokens.get(i).map(|t| &t.tok);
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        let here = || {
            let mut path = file_module.clone();
            path.extend(inline.iter().map(|(name, _)| name.clone()));
            path
        };
        match &token.tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(word) if word == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) = (tok(i + 1), tok(i + 2)) {
                    depth += 1;
                    inline.push((name.clone(), depth));
                    i += 3;
                    continue;
                }
            }
            Tok::Ident(word) if word == "use" && tok(i + 1) != Some(&Tok::Punct('<')) => {
                let (paths, next) = use_tree::parse(tokens, i + 1);
                let here = here();
                out.extend(paths.iter().filter_map(|path| {
                    let target = resolve(&here, &path.segments, modules)?;
                    Some(Reference {
                        target,
                        line: path.line,
                    })
                }));
                i = next;
                continue;
            }
            Tok::Ident(first) if tok(i + 1) == Some(&Tok::PathSep) && starts_path(tokens, i) => {
                let mut path = vec![first.clone()];
                let mut next = i + 1;
                while let (Some(Tok::PathSep), Some(Tok::Ident(segment))) =
                    (tok(next), tok(next + 1))
                {
                    path.push(segment.clone());
                    next += 2;
                }
                let is_macro = tok(next) == Some(&Tok::Punct('!'));
                match resolve(&here(), &path, modules) {
                    // `#[macro_export]` macros live at the root.
                    Some(Target::RootItem(_)) if is_macro => {}
                    Some(target) => out.push(Reference {
                        target,
                        line: token.line,
                    }),
                    None => {}
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether the identifier at `i` starts a path: not after `::` or `.` (`x.method::<T>`),
/// nor the path of a `pub(in path)` visibility.
fn starts_path(tokens: &[Token], i: usize) -> bool {
    let before = |back: usize| i.checked_sub(back).map(|j| &tokens[j].tok);
    let visibility = before(1) == Some(&Tok::Ident("in".to_owned()))
        && before(2) == Some(&Tok::Punct('('))
        && before(3) == Some(&Tok::Ident("pub".to_owned()));
    !visibility && !matches!(before(1), Some(Tok::PathSep | Tok::Punct('.')))
}

/// Resolves `path`, written in module `here` (inline modules included), to a module of
/// the crate or a root item; `None` for paths out of the crate.
pub(crate) fn resolve(here: &[String], path: &[String], modules: &Modules) -> Option<Target> {
    let (first, rest) = path.split_first()?;
    let mut resolved: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => here.split_last()?.1.to_vec(),
        child => {
            let mut child_path = here.to_vec();
            child_path.push(child.to_owned());
            if !modules.contains_key(&child_path.join("::")) {
                return None;
            }
            child_path
        }
    };
    for segment in rest {
        match segment.as_str() {
            "self" => {}
            "super" => {
                resolved.pop()?;
            }
            _ => resolved.push(segment.clone()),
        }
    }
    let module_len = (0..=resolved.len())
        .rev()
        .find(|&n| modules.contains_key(&resolved[..n].join("::")))?;
    if module_len == 0 {
        return resolved.first().map(|item| Target::RootItem(item.clone()));
    }
    Some(Target::Module(resolved[..module_len].join("::")))
}

/// `ws::socket` as `["ws", "socket"]`; the root as no segments.
fn segments(module: &str) -> Vec<String> {
    if module == ROOT {
        return Vec::new();
    }
    module.split("::").map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::lex::tokens;
    use super::*;

    fn modules(paths: &[&str]) -> Modules {
        std::iter::once(ROOT)
            .chain(paths.iter().copied())
            .map(|p| (p.to_owned(), PathBuf::new()))
            .collect()
    }

    /// The references of `source` in `module`, as `name@line` (`*name` for root items).
    fn refs(module: &str, source: &str, crate_modules: &[&str]) -> Vec<String> {
        references(&tokens(source), module, &modules(crate_modules))
            .into_iter()
            .map(|r| match r.target {
                Target::Module(m) => format!("{m}@{}", r.line),
                Target::RootItem(item) => format!("*{item}@{}", r.line),
            })
            .collect()
    }

    const TREE: &[&str] = &["log", "ws", "ws::socket", "ws::message", "app"];

    #[test]
    fn grouped_use_resolves_each_leaf() {
        let found = refs("app", "use crate::{Body, log, ws::{self, Message}};", TREE);
        assert_eq!(found, ["*Body@1", "log@1", "ws@1", "ws@1"]);
    }

    #[test]
    fn longest_module_prefix_wins() {
        let source = "use crate::ws::socket::WebSocket;\nuse crate::ws::Frame::Text;";
        assert_eq!(refs("app", source, TREE), ["ws::socket@1", "ws@2"]);
        assert_eq!(
            refs("app", "use crate::ws::socket::WebSocket;", &["ws"]),
            ["ws@1"]
        );
    }

    #[test]
    fn inline_paths_in_code() {
        let source = "fn f() {\n    crate::ws::config(1);\n    let x: crate::log::Level;\n    \
                      std::crate_like::x();\n    x.log::<u8>();\n}";
        assert_eq!(refs("app", source, TREE), ["ws@2", "log@3"]);
    }

    #[test]
    fn super_self_and_child_modules() {
        let source = "use super::message::Message;\nuse self::helpers::f;\nfn g() { super::super::log::x() }";
        assert_eq!(
            refs("ws::socket", source, TREE),
            ["ws::message@1", "ws::socket@2", "log@3"]
        );
        let source =
            "mod socket;\npub use socket::WebSocket;\nuse message::*;\nfn f() { socket::x() }";
        assert_eq!(
            refs("ws", source, TREE),
            ["ws::socket@2", "ws::message@3", "ws::socket@4"]
        );
        // `log` is no child of `app`: a path from some other crate.
        assert_eq!(refs("app", "use log::info;", TREE), Vec::<String>::new());
        assert_eq!(refs("app", "use super::Body;", TREE), ["*Body@1"]);
    }

    #[test]
    fn inline_modules_shift_super_and_self() {
        let source = "\
#[cfg(test)]
mod tests {
    use super::*;
    use self::inner::x;
    mod inner { use super::super::Y; }
    fn f() { super::super::log::x(); }
}
use super::log;";
        assert_eq!(
            refs("app", source, TREE),
            ["app@3", "app@4", "app@5", "log@6", "log@8"]
        );
    }

    #[test]
    fn declarations_visibilities_and_bounds_are_no_references() {
        let source = "mod log;\npub(in crate::ws) fn f() -> impl Sized + use<> {}\n\
                      pub(crate) fn g() { for x in crate::ws::all() {} }\ncrate::root_macro!();";
        assert_eq!(refs("app", source, TREE), ["ws@3"]);
    }

    #[test]
    fn root_globs_and_paths_out_of_the_crate() {
        let here = segments("app");
        let modules = modules(TREE);
        let path = |p: &str| p.split("::").map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            resolve(&here, &path("crate::*"), &modules),
            Some(Target::RootItem("*".into()))
        );
        assert_eq!(resolve(&[], &path("super::x"), &modules), None);
        assert_eq!(resolve(&here, &path("std::fmt"), &modules), None);
        let absolute = ["::".to_owned(), "ws".to_owned()];
        assert_eq!(resolve(&here, &absolute, &modules), None);
    }
}
