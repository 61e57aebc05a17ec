//! A crate's imports against its layers table: every module has a row and every row a
//! module; every import is one its row allows; the allowed graph has no cycle and every
//! allowed import points to a row above (a lower layer); nothing is imported through
//! the crate root.

use std::collections::BTreeMap;

use super::graph::{self, Graph};
use super::imports::Imports;
use super::table::Row;

/// Every way `imports` break the table `rows`, in that order; empty when none.
pub(crate) fn problems(imports: &Imports, rows: &[Row]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut position: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let module = row.module.as_str();
        if let Some(&first) = position.get(module) {
            let first = rows[first].line;
            problems.push(format!(
                "`{module}` has a second row (lines {first} and {})",
                row.line
            ));
        } else {
            position.insert(module, i);
        }
    }

    for (module, file) in &imports.modules {
        if !position.contains_key(module.as_str()) {
            let file = file.display();
            problems.push(format!("`{module}` ({file}) has no row in the table"));
        }
    }
    for row in rows {
        if !imports.modules.contains_key(&row.module) {
            let (module, line) = (&row.module, row.line);
            problems.push(format!(
                "the row `{module}` (line {line}) names no module of the crate"
            ));
        }
        for allowed in &row.allows {
            if !position.contains_key(allowed.as_str()) {
                let (module, line) = (&row.module, row.line);
                problems.push(format!(
                    "`{module}`'s row (line {line}) allows `{allowed}`, which has no row"
                ));
            }
        }
    }

    for (from, edges) in &imports.edges {
        let Some(&at) = position.get(from.as_str()) else {
            continue; // reported above
        };
        for (to, location) in edges {
            if !rows[at].allows.contains(to) {
                problems.push(format!(
                    "`{from}` imports `{to}`, which its row does not allow ({location})"
                ));
            }
        }
    }

    problems.extend(order_problems(rows, &position));

    for ((module, item), location) in &imports.root_imports {
        problems.push(format!(
            "`{module}` imports `crate::{item}` through the crate root; import it from its \
             module ({location})"
        ));
    }
    problems
}

/// The allowed graph's cycles; when it has none, allowed imports of rows not above.
fn order_problems(rows: &[Row], position: &BTreeMap<&str, usize>) -> Vec<String> {
    let allowed: Graph = rows
        .iter()
        .map(|row| (row.module.clone(), row.allows.iter().cloned().collect()))
        .collect();
    let cycles = graph::cycles(&allowed);
    if !cycles.is_empty() {
        return cycles
            .iter()
            .map(|cycle| {
                let path = show_cycle(&cycle.path);
                format!("the table allows an import cycle: {path}")
            })
            .collect();
    }
    let mut problems = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        for allowed in &row.allows {
            if position.get(allowed.as_str()).is_some_and(|&j| j > i) {
                let (module, line) = (&row.module, row.line);
                problems.push(format!(
                    "`{module}`'s row (line {line}) allows `{allowed}`, which is listed below \
                     it; rows go bottom layer first"
                ));
            }
        }
    }
    problems
}

/// `` `a` -> `b` -> `a` ``.
pub(crate) fn show_cycle(cycle: &[String]) -> String {
    cycle
        .iter()
        .chain(cycle.first())
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(" -> ")
}
