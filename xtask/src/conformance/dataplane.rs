//! The `dataplane` suite: the client against a stand-in data plane
//! (`dataplane-cases.json`).
//!
//! The client crate has no operations yet, so every case is skipped; this module becomes
//! the real runner once agentcore-client calls the data plane (issue #6).

use serde::Deserialize;

use super::{CaseResult, Outcome, case_name};

/// One case; only what the report needs until the runner exists.
#[derive(Debug, Deserialize)]
pub(crate) struct Case {
    name: Option<String>,
    operation: String,
}

/// Runs the cases (for now: reports each as skipped).
pub(crate) fn run(cases: Vec<Case>) -> Vec<CaseResult> {
    let results = cases.into_iter().enumerate().map(|(index, case)| {
        let operation = &case.operation;
        CaseResult {
            name: case_name(case.name.as_deref(), Some(operation), index),
            outcome: Outcome::Skip(format!(
                "agentcore-client {operation} is not built yet (issue #6)"
            )),
        }
    });
    results.collect()
}
