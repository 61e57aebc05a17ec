//! Rust source as the tokens the layer check reads: identifiers, `::` and single
//! punctuation, each with its line. Comments (`//`, `///`, `//!`, nested `/* */`) are
//! dropped, and string, char and number literals become [`Tok::Literal`], so neither
//! intra-doc links nor text inside strings read as paths.

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An identifier or keyword (raw identifiers without their `r#`).
    Ident(String),
    /// `::`.
    PathSep,
    /// Any other punctuation character.
    Punct(char),
    /// A string, char, byte or number literal, its contents dropped.
    Literal,
}

/// A token and the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) line: usize,
}

/// Splits `source` into tokens, dropping comments, whitespace and lifetimes.
pub(crate) fn tokens(source: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        chars: source.chars().collect(),
        pos: 0,
        line: 1,
        out: Vec::new(),
    };
    lexer.run();
    lexer.out
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    out: Vec<Token>,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    /// Moves past one character, counting lines.
    fn bump(&mut self) {
        if self.peek(0) == Some('\n') {
            self.line += 1;
        }
        self.pos += 1;
    }

    fn push(&mut self, tok: Tok, line: usize) {
        self.out.push(Token { tok, line });
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            let line = self.line;
            match c {
                '/' if self.peek(1) == Some('/') => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                '/' if self.peek(1) == Some('*') => self.block_comment(),
                '"' => {
                    self.quoted('"');
                    self.push(Tok::Literal, line);
                }
                '\'' => self.quote_or_lifetime(line),
                ':' if self.peek(1) == Some(':') => {
                    self.pos += 2;
                    self.push(Tok::PathSep, line);
                }
                c if c.is_ascii_digit() => {
                    self.number();
                    self.push(Tok::Literal, line);
                }
                c if is_ident_start(c) => self.word(line),
                c if c.is_whitespace() => self.bump(),
                c => {
                    self.bump();
                    self.push(Tok::Punct(c), line);
                }
            }
        }
    }

    /// `/* ... */`, nested ones included.
    fn block_comment(&mut self) {
        self.pos += 2;
        let mut depth = 1;
        while depth > 0 && self.peek(0).is_some() {
            if self.peek(0) == Some('/') && self.peek(1) == Some('*') {
                depth += 1;
                self.pos += 2;
            } else if self.peek(0) == Some('*') && self.peek(1) == Some('/') {
                depth -= 1;
                self.pos += 2;
            } else {
                self.bump();
            }
        }
    }

    /// From an opening `quote` to its closing one, backslash escapes skipped.
    fn quoted(&mut self, quote: char) {
        self.bump();
        while let Some(c) = self.peek(0) {
            self.bump();
            if c == '\\' {
                self.bump();
            } else if c == quote {
                return;
            }
        }
    }

    /// A raw string from its first `#` or `"`: `r#"..."#` ends at `"` and as many `#`.
    fn raw_string(&mut self) {
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            hashes += 1;
            self.pos += 1;
        }
        self.bump(); // the opening `"`
        while let Some(c) = self.peek(0) {
            self.bump();
            if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                self.pos += hashes;
                return;
            }
        }
    }

    /// `'x'` and `'\n'` are chars; `'a` and `'static` are lifetimes or labels, dropped.
    fn quote_or_lifetime(&mut self, line: usize) {
        if self.peek(1) == Some('\\') || self.peek(2) == Some('\'') {
            self.quoted('\'');
            self.push(Tok::Literal, line);
        } else {
            self.pos += 1;
            while self.peek(0).is_some_and(is_ident_continue) {
                self.pos += 1;
            }
        }
    }

    /// Digits, suffixes, hex and exponents: all alphanumeric, plus a `.` before a digit.
    fn number(&mut self) {
        while let Some(c) = self.peek(0) {
            let fraction = c == '.' && self.peek(1).is_some_and(|c| c.is_ascii_digit());
            if !(is_ident_continue(c) || fraction) {
                break;
            }
            self.pos += 1;
        }
    }

    /// An identifier, or the prefix of a byte, C or raw string (`b"`, `br#"`, `c"`,
    /// `r"`), a byte char (`b'x'`) or a raw identifier (`r#type`).
    fn word(&mut self, line: usize) {
        let start = self.pos;
        while self.peek(0).is_some_and(is_ident_continue) {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        let next = self.peek(0);
        match (word.as_str(), next) {
            ("r", Some('#')) if self.peek(1).is_some_and(is_ident_start) => {
                self.pos += 1;
                self.word(line);
            }
            ("r" | "br" | "cr", Some('"' | '#')) => {
                self.raw_string();
                self.push(Tok::Literal, line);
            }
            ("b" | "c", Some('"')) => {
                self.quoted('"');
                self.push(Tok::Literal, line);
            }
            ("b", Some('\'')) => {
                self.quoted('\'');
                self.push(Tok::Literal, line);
            }
            _ => self.push(Tok::Ident(word), line),
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens as text: identifiers, `::`, punctuation and `<lit>`.
    fn text(source: &str) -> Vec<String> {
        tokens(source)
            .into_iter()
            .map(|t| match t.tok {
                Tok::Ident(s) => s,
                Tok::PathSep => "::".into(),
                Tok::Punct(c) => c.to_string(),
                Tok::Literal => "<lit>".into(),
            })
            .collect()
    }

    #[test]
    fn paths_and_punctuation() {
        assert_eq!(
            text("use crate::{a, b::c};"),
            [
                "use", "crate", "::", "{", "a", ",", "b", "::", "c", "}", ";"
            ]
        );
        assert_eq!(text("x: u8"), ["x", ":", "u8"]);
    }

    #[test]
    fn comments_are_dropped() {
        let source = "\
//! See [`crate::App::run`].
/// [`crate::ws::config`]
// crate::x
/* crate::y /* nested crate::z */ still comment crate::w */
a /**/ b";
        assert_eq!(text(source), ["a", "b"]);
    }

    #[test]
    fn strings_and_chars_are_literals() {
        assert_eq!(
            text(r#"f("crate::a \" crate::b")"#),
            ["f", "(", "<lit>", ")"]
        );
        assert_eq!(
            text(r###"r#"crate::a "quoted" "# br##"crate::b"## b"crate::c" c"d""###),
            ["<lit>", "<lit>", "<lit>", "<lit>"]
        );
        assert_eq!(
            text(r"['{', '\'', '\u{7d}', b'x', '}']"),
            [
                "[", "<lit>", ",", "<lit>", ",", "<lit>", ",", "<lit>", ",", "<lit>", "]"
            ]
        );
        assert_eq!(text("\"// not a comment\" x"), ["<lit>", "x"]);
    }

    #[test]
    fn lifetimes_raw_identifiers_and_numbers() {
        assert_eq!(
            text("fn f<'a>(x: &'static str) -> r#type { 'outer: loop {} }"),
            [
                "fn", "f", "<", ">", "(", "x", ":", "&", "str", ")", "-", ">", "type", "{", ":",
                "loop", "{", "}", "}"
            ]
        );
        assert_eq!(
            text("1.5e3 0x1fu8 t.0"),
            ["<lit>", "<lit>", "t", ".", "<lit>"]
        );
    }

    #[test]
    fn lines_are_counted_through_comments_and_strings() {
        let source = "a\n/* one\ntwo */ b\n\"x\ny\" c\n// d\ne";
        let lines: Vec<(String, usize)> = tokens(source)
            .into_iter()
            .filter_map(|t| match t.tok {
                Tok::Ident(s) => Some((s, t.line)),
                _ => None,
            })
            .collect();
        let expected = [("a", 1), ("b", 3), ("c", 5), ("e", 7)];
        assert_eq!(lines, expected.map(|(s, l)| (s.to_owned(), l)));
    }
}
