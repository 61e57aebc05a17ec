//! Exit codes: distinct for each kind of failure, so scripts can tell them apart.

use std::process::ExitCode;

use agentcore_client::Error;

/// The process's exit status for a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// Something else went wrong.
    Failure = 1,
    /// Bad arguments or input (clap uses 2 for its own usage errors too).
    Usage = 2,
    /// The credentials or token were refused (401/403).
    AuthRefused = 3,
    /// No such runtime, endpoint or session (404).
    NotFound = 4,
    /// Throttled (429) or over a quota (402).
    Throttled = 5,
    /// The service could not be reached, or did not answer in time.
    Transport = 6,
    /// The agent or the service failed (5xx, 424, an agent error event, an MCP tool
    /// error).
    Service = 7,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        ExitCode::from(code as u8)
    }
}

/// A one-line message and the exit code that goes with it.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: Code,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            code: Code::Usage,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        let code = if err.is_timeout() || err.is_transport() {
            Code::Transport
        } else if err.is_service() {
            match err.status() {
                Some(401 | 403) => Code::AuthRefused,
                Some(404) => Code::NotFound,
                Some(402 | 429) => Code::Throttled,
                Some(400) => Code::Usage,
                _ => Code::Service,
            }
        } else {
            match err {
                Error::NoCredentials | Error::Credentials(_) => Code::AuthRefused,
                Error::Agent { .. } | Error::Decode(_) | Error::IncompleteCommand => Code::Service,
                // An unknown tool or method, arguments the tool refuses: the caller's.
                Error::JsonRpc {
                    code: -32602 | -32601,
                    ..
                } => Code::Usage,
                Error::JsonRpc { .. } | Error::Mcp(_) => Code::Service,
                Error::InvalidArn(_)
                | Error::InvalidSessionId(_)
                | Error::InvalidShellId(_)
                | Error::InvalidRegion(_)
                | Error::InvalidEndpoint { .. }
                | Error::InvalidEndpointOverride(_)
                | Error::InvalidExpiry(_)
                | Error::ReservedQueryParameter(_)
                | Error::EmptyBearerToken
                | Error::InvalidHeaderValue(_)
                | Error::InvalidOption(_)
                | Error::PresignedNotSupported => Code::Usage,
                _ => Code::Failure,
            }
        };
        // Error's Display never includes secrets.
        Self {
            code,
            message: err.to_string(),
        }
    }
}
