//! Debug actions: `{"_agent_core_app_action": ...}` payloads, answered only by apps built
//! with [`crate::App::debug`].

use agentcore_contract::PingStatus;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use crate::body::Body;
use crate::health::Health;
use crate::response::{error_json, json_value};

pub(crate) fn handle(action: &Value, health: &Health) -> Response<Body> {
    let forced = |status: &str| json_value(StatusCode::OK, &json!({ "forced_status": status }));
    match action.as_str() {
        Some("ping_status") => json_value(StatusCode::OK, &health.ping()),
        Some("job_status") => json_value(StatusCode::OK, &health.jobs()),
        Some("force_healthy") => {
            health.force(PingStatus::Healthy);
            forced(PingStatus::Healthy.as_str())
        }
        Some("force_busy") => {
            health.force(PingStatus::HealthyBusy);
            forced(PingStatus::HealthyBusy.as_str())
        }
        Some("clear_forced_status") => {
            health.clear_forced();
            forced("Cleared")
        }
        Some(other) => unknown(other),
        None => unknown(&action.to_string()),
    }
}

fn unknown(action: &str) -> Response<Body> {
    error_json(
        StatusCode::BAD_REQUEST,
        &format!("Unknown action: {action}"),
    )
}
