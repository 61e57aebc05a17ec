//! STATUS frames: a Kubernetes `metav1.Status` as JSON, read into what it means.

use serde::{Deserialize, Serialize};

/// What a STATUS frame says.
///
/// ```
/// use agentcore_contract::shell::ShellStatus;
///
/// let connected = ShellStatus::from_json(
///     br#"{"kind":"Status","apiVersion":"v1","metadata":{"shellId":"s1","reconnected":false},"status":"Success"}"#,
/// )?;
/// assert_eq!(
///     connected,
///     ShellStatus::Connected { shell_id: "s1".into(), reconnected: false, bytes_dropped: 0 }
/// );
///
/// let exited = ShellStatus::Exited { code: 3, signal: None };
/// assert_eq!(ShellStatus::from_json(exited.to_json().as_bytes())?, exited);
/// assert_eq!(exited.exit_code(), Some(3));
/// # Ok::<(), agentcore_contract::shell::StatusError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShellStatus {
    /// The shell is attached (`metadata.shellId`); `reconnected` when it was attached
    /// before, with the output produced meanwhile replayed (`bytes_dropped` of it did not
    /// fit the [replay buffer](super::REPLAY_BYTES)).
    Connected {
        /// The shell's id.
        shell_id: String,
        /// Whether this attached to a shell that already ran.
        reconnected: bool,
        /// Output produced while detached that was not kept (`metadata.bytesDropped`).
        bytes_dropped: u64,
    },
    /// The shell exited: `Success` (code 0), or `Failure` with reason `NonZeroExitCode`
    /// and an `ExitCode` cause; `signal` is the `Signal` cause's message (the signal's
    /// number, `"9"`, with the code 137) when a signal ended it.
    Exited {
        /// The exit code.
        code: i32,
        /// The signal that ended the shell, as the runtime names it.
        signal: Option<String>,
    },
    /// The runtime failed the shell (`InternalError` and any other reason).
    Failed {
        /// The status reason, `InternalError` for one.
        reason: String,
        /// What went wrong.
        message: String,
        /// The status code, when given.
        code: Option<u16>,
    },
}

/// Why a STATUS payload was not understood.
///
/// ```
/// use agentcore_contract::shell::ShellStatus;
///
/// assert!(ShellStatus::from_json(b"not json").is_err());
/// assert!(ShellStatus::from_json(br#"{"status":"Maybe"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed shell STATUS: {0}")]
pub struct StatusError(String);

/// The reason of an exit with a code other than 0.
const NON_ZERO_EXIT: &str = "NonZeroExitCode";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    metadata: Metadata,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    details: Option<Details>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shell_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reconnected: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bytes_dropped: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Details {
    #[serde(default)]
    causes: Vec<Cause>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Cause {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
}

impl ShellStatus {
    /// Reads a STATUS payload.
    ///
    /// # Errors
    /// [`StatusError`] when it is not JSON, has no `status`, or says `Failure` with a
    /// `NonZeroExitCode` whose `ExitCode` cause is not a number.
    pub fn from_json(payload: &[u8]) -> Result<Self, StatusError> {
        let wire: Wire = serde_json::from_slice(payload).map_err(|e| StatusError(e.to_string()))?;
        let message = wire.message.clone().unwrap_or_default();
        match (wire.status.as_str(), wire.metadata.shell_id) {
            ("Success", Some(shell_id)) => Ok(Self::Connected {
                shell_id,
                reconnected: wire.metadata.reconnected.unwrap_or(false),
                bytes_dropped: wire.metadata.bytes_dropped.unwrap_or(0),
            }),
            ("Success", None) => Ok(Self::Exited {
                code: 0,
                signal: None,
            }),
            ("Failure", _) if wire.reason.as_deref() == Some(NON_ZERO_EXIT) => {
                let causes = wire.details.map(|d| d.causes).unwrap_or_default();
                let cause = |reason: &str| {
                    causes
                        .iter()
                        .find(|c| c.reason == reason)
                        .map(|c| c.message.clone())
                };
                let code = cause("ExitCode").ok_or_else(|| {
                    StatusError("NonZeroExitCode without an ExitCode cause".into())
                })?;
                let code = code
                    .trim()
                    .parse()
                    .map_err(|_| StatusError(format!("exit code {code:?} is not a number")))?;
                Ok(Self::Exited {
                    code,
                    signal: cause("Signal"),
                })
            }
            ("Failure", _) => Ok(Self::Failed {
                reason: wire.reason.unwrap_or_else(|| "Unknown".to_owned()),
                message,
                code: wire.code,
            }),
            (other, _) => Err(StatusError(format!("unknown status {other:?}"))),
        }
    }

    /// The payload the runtime sends for this status.
    ///
    /// ```
    /// use agentcore_contract::shell::ShellStatus;
    ///
    /// let json = ShellStatus::Exited { code: 3, signal: None }.to_json();
    /// assert!(json.contains(r#""reason":"NonZeroExitCode""#), "{json}");
    /// assert!(json.contains(r#"{"reason":"ExitCode","message":"3"}"#), "{json}");
    /// ```
    pub fn to_json(&self) -> String {
        let mut wire = Wire {
            kind: "Status".to_owned(),
            api_version: "v1".to_owned(),
            ..Wire::default()
        };
        match self {
            Self::Connected {
                shell_id,
                reconnected,
                bytes_dropped,
            } => {
                wire.status = "Success".to_owned();
                wire.metadata.shell_id = Some(shell_id.clone());
                wire.metadata.reconnected = Some(*reconnected);
                // Sent only when some output was dropped, as the runtime does.
                wire.metadata.bytes_dropped = Some(*bytes_dropped).filter(|n| *n > 0);
            }
            Self::Exited {
                code: 0,
                signal: None,
            } => wire.status = "Success".to_owned(),
            Self::Exited { code, signal } => {
                wire.status = "Failure".to_owned();
                wire.reason = Some(NON_ZERO_EXIT.to_owned());
                wire.message = Some(format!("command terminated with exit code {code}"));
                let mut causes = vec![Cause {
                    reason: "ExitCode".to_owned(),
                    message: code.to_string(),
                }];
                if let Some(signal) = signal {
                    causes.push(Cause {
                        reason: "Signal".to_owned(),
                        message: signal.clone(),
                    });
                }
                wire.details = Some(Details { causes });
            }
            Self::Failed {
                reason,
                message,
                code,
            } => {
                wire.status = "Failure".to_owned();
                wire.reason = Some(reason.clone());
                wire.message = Some(message.clone());
                wire.code = *code;
            }
        }
        serde_json::to_string(&wire).expect("a status serializes")
    }

    /// The exit code, for an [`Exited`](Self::Exited) status.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Self::Exited { code, .. } => Some(*code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips() {
        for status in [
            ShellStatus::Connected {
                shell_id: "s1".into(),
                reconnected: true,
                bytes_dropped: 0,
            },
            ShellStatus::Connected {
                shell_id: "s2".into(),
                reconnected: true,
                bytes_dropped: 4096,
            },
            ShellStatus::Exited {
                code: 0,
                signal: None,
            },
            ShellStatus::Exited {
                code: 137,
                signal: Some("9".into()),
            },
            ShellStatus::Failed {
                reason: "InternalError".into(),
                message: "the PTY failed".into(),
                code: Some(500),
            },
        ] {
            assert_eq!(
                ShellStatus::from_json(status.to_json().as_bytes()),
                Ok(status.clone())
            );
        }
    }

    #[test]
    fn the_reference_failure_shape() {
        let payload = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NonZeroExitCode","message":"command terminated with exit code 3","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}"#;
        assert_eq!(
            ShellStatus::from_json(payload),
            Ok(ShellStatus::Exited {
                code: 3,
                signal: None
            })
        );
        let without_code = br#"{"status":"Failure","reason":"NonZeroExitCode"}"#;
        assert!(ShellStatus::from_json(without_code).is_err());
        let other = br#"{"status":"Failure","reason":"Evicted","message":"gone"}"#;
        assert_eq!(
            ShellStatus::from_json(other),
            Ok(ShellStatus::Failed {
                reason: "Evicted".into(),
                message: "gone".into(),
                code: None
            })
        );
    }
}
