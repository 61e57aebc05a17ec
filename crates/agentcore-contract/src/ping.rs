//! The agent's health as `/ping` reports it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The status an agent reports on `GET /ping`.
///
/// `HealthyBusy` keeps an idle session alive; the platform reaps sessions that stay
/// `Healthy` and idle longer than `idleRuntimeSessionTimeout`.
///
/// ```
/// use agentcore_contract::PingStatus;
///
/// let status: PingStatus = "HealthyBusy".parse().unwrap();
/// assert_eq!(status, PingStatus::HealthyBusy);
/// assert_eq!(status.to_string(), "HealthyBusy");
/// assert_eq!(serde_json::to_string(&PingStatus::Healthy).unwrap(), r#""Healthy""#);
/// assert!("healthy".parse::<PingStatus>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum PingStatus {
    /// Ready for work, nothing running in the background.
    #[default]
    Healthy,
    /// Ready, with background work running: keep the session alive.
    HealthyBusy,
}

impl PingStatus {
    /// The wire spelling: `Healthy` or `HealthyBusy`.
    ///
    /// ```
    /// # use agentcore_contract::PingStatus;
    /// assert_eq!(PingStatus::Healthy.as_str(), "Healthy");
    /// assert_eq!(PingStatus::HealthyBusy.as_str(), "HealthyBusy");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "Healthy",
            Self::HealthyBusy => "HealthyBusy",
        }
    }
}

impl fmt::Display for PingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a ping status (the spelling is exact and case-sensitive).
///
/// ```
/// use agentcore_contract::{InvalidPingStatus, PingStatus};
///
/// let err = "healthy".parse::<PingStatus>().unwrap_err();
/// assert_eq!(err, InvalidPingStatus("healthy".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ping status {0:?}: expected \"Healthy\" or \"HealthyBusy\"")]
pub struct InvalidPingStatus(pub String);

impl FromStr for PingStatus {
    type Err = InvalidPingStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Healthy" => Ok(Self::Healthy),
            "HealthyBusy" => Ok(Self::HealthyBusy),
            other => Err(InvalidPingStatus(other.to_owned())),
        }
    }
}
