//! The paths one `use` item imports, groups expanded:
//! `use crate::{Body, ws::{self, Message}};` imports `crate::Body`, `crate::ws::self` and
//! `crate::ws::Message`. A glob ends in `*`, a leading `::` is kept as a `::` segment;
//! renames (`as x`) are dropped.

use super::lex::{Tok, Token};

/// One imported path and the line of its last segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UsePath {
    pub(crate) segments: Vec<String>,
    pub(crate) line: usize,
}

/// Parses the use tree that starts at `tokens[start]` (just after `use`); returns its
/// paths and the position after the closing `;`.
pub(crate) fn parse(tokens: &[Token], start: usize) -> (Vec<UsePath>, usize) {
    let mut parser = Parser {
        tokens,
        pos: start,
        out: Vec::new(),
    };
    parser.tree(Vec::new());
    let mut end = parser.pos;
    while tokens.get(end).is_some_and(|t| t.tok != Tok::Punct(';')) {
        end += 1;
    }
    (parser.out, end + 1)
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    out: Vec<UsePath>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    /// Moves past the next token when it is `tok`.
    fn eat(&mut self, tok: &Tok) -> bool {
        let found = self.peek().is_some_and(|t| t.tok == *tok);
        self.pos += usize::from(found);
        found
    }

    /// One tree under `prefix`: `a::b`, `a::*`, `a::{tree, ...}`, `a as b`. Stops,
    /// without consuming it, at a token that cannot continue the tree.
    fn tree(&mut self, mut prefix: Vec<String>) {
        if prefix.is_empty() {
            self.eat(&Tok::Punct('$')); // `$crate` in a macro
            if self.eat(&Tok::PathSep) {
                prefix.push("::".to_owned());
            }
        }
        loop {
            let Some(token) = self.peek().cloned() else {
                return;
            };
            match token.tok {
                Tok::Ident(segment) => {
                    self.pos += 1;
                    prefix.push(segment);
                    if self.eat(&Tok::PathSep) {
                        continue;
                    }
                    if self.eat(&Tok::Ident("as".to_owned())) {
                        self.pos += 1; // the new name, or `_`
                    }
                    self.push(prefix, token.line);
                }
                Tok::Punct('*') => {
                    self.pos += 1;
                    prefix.push("*".to_owned());
                    self.push(prefix, token.line);
                }
                Tok::Punct('{') => {
                    self.pos += 1;
                    self.group(&prefix);
                }
                _ => {}
            }
            return;
        }
    }

    /// The trees of a `{...}` group, after its `{`, up to and including its `}`.
    fn group(&mut self, prefix: &[String]) {
        while !self.eat(&Tok::Punct('}')) {
            self.tree(prefix.to_vec());
            let closes = self.peek().is_some_and(|t| t.tok == Tok::Punct('}'));
            if !self.eat(&Tok::Punct(',')) && !closes {
                return; // malformed: the caller skips to `;`
            }
        }
    }

    fn push(&mut self, segments: Vec<String>, line: usize) {
        self.out.push(UsePath { segments, line });
    }
}

#[cfg(test)]
mod tests {
    use super::super::lex::tokens;
    use super::*;

    /// The paths of the `use` item in `source` (which starts with `use`), as `a::b`.
    fn paths(source: &str) -> Vec<String> {
        let tokens = tokens(source);
        let (paths, end) = parse(&tokens, 1);
        assert_eq!(end, tokens.len(), "not all of {source:?} was read");
        paths.into_iter().map(|p| p.segments.join("::")).collect()
    }

    #[test]
    fn grouped_uses_are_expanded() {
        assert_eq!(
            paths("use crate::{Body, log, ws::{self, Message}};"),
            [
                "crate::Body",
                "crate::log",
                "crate::ws::self",
                "crate::ws::Message"
            ]
        );
        assert_eq!(
            paths("use {crate::a::{b::{c, d as e}, f::*}, std::fmt,};"),
            [
                "crate::a::b::c",
                "crate::a::b::d",
                "crate::a::f::*",
                "std::fmt"
            ]
        );
    }

    #[test]
    fn simple_globs_renames_and_absolute_paths() {
        assert_eq!(paths("use super::*;"), ["super::*"]);
        assert_eq!(paths("use socket::WebSocket as Ws;"), ["socket::WebSocket"]);
        assert_eq!(paths("use std::fmt::Write as _;"), ["std::fmt::Write"]);
        assert_eq!(paths("use ::http::Method;"), ["::::http::Method"]);
        assert_eq!(paths("use $crate::log;"), ["crate::log"]);
    }

    #[test]
    fn lines_are_the_leaf_segments() {
        let tokens = tokens("use crate::{\n    a,\n    b::c,\n};");
        let lines: Vec<usize> = parse(&tokens, 1).0.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn malformed_trees_stop_at_the_semicolon() {
        let tokens = tokens("use crate::{a b}; use x;");
        let (paths, end) = parse(&tokens, 1);
        assert_eq!(paths.len(), 1);
        assert_eq!(tokens[end].tok, Tok::Ident("use".to_owned()));
    }
}
