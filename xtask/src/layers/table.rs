//! The layers table of a crate in `docs/ARCHITECTURE.md`: the first table after the
//! heading that names the crate and the word `layers` (`### agentcore-server: layers`),
//! rows bottom layer first:
//!
//! ```text
//! | module | may import |
//! |---|---|
//! | `error` | — |
//! | `ws::socket` | `ws::message`, `error` |
//! ```
//!
//! Backticks are optional; `—`, `-` or an empty cell mean no imports. Further columns
//! (a description) are allowed and ignored.

use super::graph::Graph;

/// One row: a module, what it may import, and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) module: String,
    pub(crate) allows: Vec<String>,
    pub(crate) line: usize,
}

/// Finds and reads the layers table of `crate_name` in `doc`.
pub(crate) fn find(doc: &str, crate_name: &str) -> Result<Vec<Row>, String> {
    let lines: Vec<(usize, &str)> = outside_code_blocks(doc);
    let headings: Vec<usize> = (0..lines.len())
        .filter(|&i| is_layers_heading(lines[i].1, crate_name))
        .collect();
    let &[heading] = headings.as_slice() else {
        let lines: Vec<String> = headings.iter().map(|&i| lines[i].0.to_string()).collect();
        return Err(match lines.as_slice() {
            [] => format!("no heading names `{crate_name}` and `layers`"),
            _ => format!(
                "{} headings name `{crate_name}` and `layers` (lines {})",
                lines.len(),
                lines.join(", ")
            ),
        });
    };
    let (heading_line, _) = lines[heading];
    let section = lines[heading + 1..]
        .iter()
        .take_while(|(_, text)| !is_heading(text));
    let table: Vec<(usize, &str)> = section
        .skip_while(|(_, text)| !text.trim_start().starts_with('|'))
        .take_while(|(_, text)| text.trim_start().starts_with('|'))
        .copied()
        .collect();
    let [(header_line, header), (_, separator), rows @ ..] = table.as_slice() else {
        return Err(format!(
            "the section at line {heading_line} has no `| module | may import |` table"
        ));
    };
    let header = cells(header);
    let named = |i: usize, name: &str| header.get(i).is_some_and(|c| c.eq_ignore_ascii_case(name));
    if !named(0, "module") || !named(1, "may import") {
        return Err(format!(
            "line {header_line}: the table's header must be `| module | may import |`"
        ));
    }
    if !cells(separator).iter().all(|c| is_rule(c)) {
        return Err(format!(
            "line {}: the header needs a `|---|---|` line under it",
            header_line + 1
        ));
    }
    rows.iter().map(|&(line, text)| row(line, text)).collect()
}

/// The table for `order` (lowest first), each row allowing what `graph` says.
pub(crate) fn render(crate_name: &str, order: &[String], graph: &Graph) -> String {
    let mut out = format!("### {crate_name}: layers\n\n| module | may import |\n|---|---|\n");
    for module in order {
        let allows: Vec<String> = graph
            .get(module)
            .into_iter()
            .flatten()
            .map(|m| format!("`{m}`"))
            .collect();
        let allows = if allows.is_empty() {
            "—".to_owned()
        } else {
            allows.join(", ")
        };
        out.push_str(&format!("| `{module}` | {allows} |\n"));
    }
    out
}

fn row(line: usize, text: &str) -> Result<Row, String> {
    let cells = cells(text);
    let [module, allows, ..] = cells.as_slice() else {
        return Err(format!(
            "line {line}: a row needs two cells, a module and what it may import"
        ));
    };
    let module = unquote(module);
    if module.is_empty() {
        return Err(format!("line {line}: the row names no module"));
    }
    let allows: Vec<String> = match *allows {
        "" | "—" | "–" | "-" => Vec::new(),
        list => list.split(',').map(unquote).collect(),
    };
    if allows.iter().any(String::is_empty) {
        return Err(format!(
            "line {line}: `{module}` may import a module with no name"
        ));
    }
    Ok(Row {
        module,
        allows,
        line,
    })
}

/// The lines (1-based numbers) of `doc`, but those inside ``` fences.
fn outside_code_blocks(doc: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (i, text) in doc.lines().enumerate() {
        if text.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push((i + 1, text));
        }
    }
    lines
}

fn is_heading(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with('#') && text.trim_start_matches('#').starts_with([' ', '\t'])
}

fn is_layers_heading(text: &str, crate_name: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .collect();
    is_heading(text)
        && words.contains(&crate_name)
        && words.iter().any(|w| w.eq_ignore_ascii_case("layers"))
}

/// The cells of a table line, trimmed, without the outer pipes.
fn cells(text: &str) -> Vec<&str> {
    let text = text.trim();
    let text = text.strip_prefix('|').unwrap_or(text);
    let text = text.strip_suffix('|').unwrap_or(text);
    text.split('|').map(str::trim).collect()
}

/// `---`, `:--`, `:-:` or `--:`.
fn is_rule(cell: &str) -> bool {
    let dashes = cell.trim_start_matches(':').trim_end_matches(':');
    !dashes.is_empty() && dashes.chars().all(|c| c == '-')
}

fn unquote(cell: &str) -> String {
    cell.trim().trim_matches('`').trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
# Architecture

## demo: one request

```
### demo: layers (in a code block, not a heading)
```

### demo: layers

Rows go bottom layer first.

| module | may import | what |
|---|:--|---|
| `error` | — | errors |
| body | `error` |
| `ws::socket` | `ws::message`, error | the socket |

### other: layers

| module | may import |
|---|---|
| `x` | — |
";

    #[test]
    fn reads_the_crates_table() {
        let rows = find(DOC, "demo").unwrap();
        let row = |module: &str, allows: &[&str], line| Row {
            module: module.to_owned(),
            allows: allows.iter().map(|a| a.to_string()).collect(),
            line,
        };
        assert_eq!(
            rows,
            [
                row("error", &[], 15),
                row("body", &["error"], 16),
                row("ws::socket", &["ws::message", "error"], 17)
            ]
        );
        assert_eq!(find(DOC, "other").unwrap(), [row("x", &[], 23)]);
    }

    #[test]
    fn malformed_tables_are_errors() {
        let err = |doc: &str| find(doc, "demo").unwrap_err();
        assert!(err("## demo\n").contains("no heading names `demo` and `layers`"));
        assert!(err("## demo layers\n## demo: layers\n").contains("2 headings"));
        assert!(
            err("## demo layers\ntext\n## next\n| module | may import |\n|---|---|\n")
                .contains("no `| module | may import |` table")
        );
        assert!(err("## demo layers\n| name | uses |\n|---|---|\n").contains("header must be"));
        assert!(
            err("## demo layers\n| module | may import |\n| `a` | — |\n").contains("`|---|---|`")
        );
        assert!(
            err("## demo layers\n| module | may import |\n|---|---|\n| `a` |\n")
                .contains("line 4: a row needs two cells")
        );
        assert!(
            err("## demo layers\n| module | may import |\n|---|---|\n| `a` | `b`, |\n")
                .contains("no name")
        );
    }

    #[test]
    fn rendered_tables_read_back() {
        let graph: Graph = [
            ("error", vec![]),
            ("ws", vec!["error", "body"]),
            ("body", vec!["error"]),
        ]
        .into_iter()
        .map(|(m, to)| (m.to_owned(), to.into_iter().map(str::to_owned).collect()))
        .collect();
        let order = ["error", "body", "ws"].map(str::to_owned);
        let text = render("demo", &order, &graph);
        assert_eq!(
            text,
            "### demo: layers\n\n| module | may import |\n|---|---|\n| `error` | — |\n\
             | `body` | `error` |\n| `ws` | `body`, `error` |\n"
        );
        let rows = find(&text, "demo").unwrap();
        let modules: Vec<&str> = rows.iter().map(|r| r.module.as_str()).collect();
        assert_eq!(modules, ["error", "body", "ws"]);
        assert_eq!(rows[2].allows, ["body", "error"]);
    }
}
