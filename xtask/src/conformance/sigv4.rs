//! The `sigv4` suite: the client's signed URLs and headers (`sigv4-vectors.json`).
//!
//! The client crate does not sign yet, so every vector is skipped; this module becomes
//! the real runner once agentcore-client has SigV4 (issue #5).

use serde::Deserialize;

use super::{CaseResult, Outcome, case_name};

/// One vector; only what the report needs until the runner exists.
#[derive(Debug, Deserialize)]
pub(crate) struct Vector {
    name: Option<String>,
    kind: String,
}

/// Runs the vectors (for now: reports each as skipped).
pub(crate) fn run(vectors: Vec<Vector>) -> Vec<CaseResult> {
    let results = vectors.into_iter().enumerate().map(|(index, vector)| {
        let feature = match vector.kind.as_str() {
            "ws_sigv4_headers" => "SigV4 WebSocket headers",
            "presigned_url" => "presigned URLs",
            "ws_oauth_headers" => "OAuth WebSocket headers",
            _ => "SigV4 signing",
        };
        CaseResult {
            name: case_name(vector.name.as_deref(), Some(&vector.kind), index),
            outcome: Outcome::Skip(format!(
                "agentcore-client {feature} is not built yet (issue #5)"
            )),
        }
    });
    results.collect()
}
