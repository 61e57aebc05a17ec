//! Data-plane and control-plane endpoints, and the paths of the runtime operations.

use crate::arn::RuntimeArn;
use crate::region::Region;

/// The environment variable the reference SDK reads to override the data-plane endpoint.
///
/// ```
/// # use agentcore_contract::endpoint::DATA_PLANE_ENDPOINT_ENV;
/// assert_eq!(DATA_PLANE_ENDPOINT_ENV, "BEDROCK_AGENTCORE_DP_ENDPOINT");
/// ```
pub const DATA_PLANE_ENDPOINT_ENV: &str = "BEDROCK_AGENTCORE_DP_ENDPOINT";

/// Host suffixes the reference accepts for [`DATA_PLANE_ENDPOINT_ENV`].
///
/// ```
/// # use agentcore_contract::endpoint::ALLOWED_OVERRIDE_HOST_SUFFIXES;
/// assert!(ALLOWED_OVERRIDE_HOST_SUFFIXES.contains(&".amazonaws.com.cn"));
/// assert!(ALLOWED_OVERRIDE_HOST_SUFFIXES.iter().all(|s| s.starts_with('.')));
/// ```
pub const ALLOWED_OVERRIDE_HOST_SUFFIXES: [&str; 3] =
    [".amazonaws.com", ".amazonaws.com.cn", ".api.aws"];

/// The data-plane endpoint of a region: `https://bedrock-agentcore.{region}.{dnsSuffix}`.
///
/// ```
/// use agentcore_contract::{Region, endpoint};
///
/// let region: Region = "cn-north-1".parse().unwrap();
/// assert_eq!(
///     endpoint::data_plane(&region),
///     "https://bedrock-agentcore.cn-north-1.amazonaws.com.cn"
/// );
/// ```
pub fn data_plane(region: &Region) -> String {
    format!(
        "https://bedrock-agentcore.{region}.{}",
        region.partition().dns_suffix()
    )
}

/// The control-plane endpoint of a region:
/// `https://bedrock-agentcore-control.{region}.{dnsSuffix}`.
///
/// ```
/// use agentcore_contract::{Region, endpoint};
///
/// let region: Region = "us-west-2".parse().unwrap();
/// assert_eq!(
///     endpoint::control_plane(&region),
///     "https://bedrock-agentcore-control.us-west-2.amazonaws.com"
/// );
/// ```
pub fn control_plane(region: &Region) -> String {
    format!(
        "https://bedrock-agentcore-control.{region}.{}",
        region.partition().dns_suffix()
    )
}

/// An endpoint override that the reference would not accept.
///
/// ```
/// use agentcore_contract::endpoint::check_data_plane_override;
///
/// let err = check_data_plane_override("http://localhost:8080").unwrap_err();
/// assert_eq!(err.url, "http://localhost:8080");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "endpoint override {url:?} refused: expected an https URL whose host ends in .amazonaws.com, .amazonaws.com.cn or .api.aws"
)]
pub struct InvalidEndpointOverride {
    /// The refused value.
    pub url: String,
}

/// Checks a [`DATA_PLANE_ENDPOINT_ENV`] value as the reference does: an `https://` URL
/// whose host ends in `.amazonaws.com`, `.amazonaws.com.cn` or `.api.aws`.
///
/// ```
/// use agentcore_contract::endpoint::check_data_plane_override;
///
/// assert!(check_data_plane_override("https://bedrock-agentcore.us-east-1.amazonaws.com").is_ok());
/// assert!(check_data_plane_override("https://vpce-1.bedrock-agentcore.us-east-1.vpce.amazonaws.com/").is_ok());
/// assert!(check_data_plane_override("https://amazonaws.com.evil.example").is_err());
/// assert!(check_data_plane_override("http://bedrock-agentcore.us-east-1.amazonaws.com").is_err());
/// ```
pub fn check_data_plane_override(url: &str) -> Result<(), InvalidEndpointOverride> {
    let refuse = || InvalidEndpointOverride {
        url: url.to_owned(),
    };
    let rest = url.strip_prefix("https://").ok_or_else(refuse)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(refuse());
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        Some(_) => return Err(refuse()),
        None => authority,
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    let valid_chars = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if valid_chars
        && ALLOWED_OVERRIDE_HOST_SUFFIXES
            .iter()
            .any(|suffix| host.len() > suffix.len() && host.ends_with(suffix))
    {
        Ok(())
    } else {
        Err(refuse())
    }
}

/// The data-plane operations on a runtime, each with its own path.
///
/// ```
/// use agentcore_contract::endpoint::RuntimeOperation;
///
/// assert_eq!(RuntimeOperation::Invocations.suffix(), "invocations");
/// assert_ne!(RuntimeOperation::WebSocket, RuntimeOperation::Commands);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuntimeOperation {
    /// `InvokeAgentRuntime`: `POST /runtimes/{arn}/invocations`.
    Invocations,
    /// The WebSocket: `GET /runtimes/{arn}/ws`.
    WebSocket,
    /// `InvokeAgentRuntimeCommand`: `POST /runtimes/{arn}/commands`.
    Commands,
    /// `StopRuntimeSession`: `POST /runtimes/{arn}/stopruntimesession`.
    StopRuntimeSession,
    /// An A2A runtime's agent card:
    /// `GET /runtimes/{arn}/invocations/.well-known/agent-card.json`.
    AgentCard,
    /// `InvokeAgentRuntimeCommandShell`, an interactive shell: `GET /runtimes/{arn}/ws/shells`.
    Shells,
}

impl RuntimeOperation {
    /// The path of the operation after the ARN.
    ///
    /// ```
    /// # use agentcore_contract::endpoint::RuntimeOperation;
    /// assert_eq!(RuntimeOperation::WebSocket.suffix(), "ws");
    /// assert_eq!(RuntimeOperation::StopRuntimeSession.suffix(), "stopruntimesession");
    /// assert_eq!(RuntimeOperation::AgentCard.suffix(), "invocations/.well-known/agent-card.json");
    /// assert_eq!(RuntimeOperation::Shells.suffix(), "ws/shells");
    /// ```
    pub const fn suffix(self) -> &'static str {
        match self {
            Self::Invocations => "invocations",
            Self::WebSocket => "ws",
            Self::Commands => "commands",
            Self::StopRuntimeSession => "stopruntimesession",
            Self::AgentCard => "invocations/.well-known/agent-card.json",
            Self::Shells => "ws/shells",
        }
    }

    /// The HTTP method of the operation.
    ///
    /// ```
    /// # use agentcore_contract::endpoint::RuntimeOperation;
    /// assert_eq!(RuntimeOperation::Invocations.method(), "POST");
    /// assert_eq!(RuntimeOperation::AgentCard.method(), "GET");
    /// ```
    pub const fn method(self) -> &'static str {
        match self {
            Self::WebSocket | Self::AgentCard | Self::Shells => "GET",
            Self::Invocations | Self::Commands | Self::StopRuntimeSession => "POST",
        }
    }

    /// The operation a path after the ARN names, if any.
    ///
    /// ```
    /// # use agentcore_contract::endpoint::RuntimeOperation;
    /// assert_eq!(RuntimeOperation::from_suffix("commands"), Some(RuntimeOperation::Commands));
    /// assert_eq!(
    ///     RuntimeOperation::from_suffix("invocations/.well-known/agent-card.json"),
    ///     Some(RuntimeOperation::AgentCard)
    /// );
    /// assert_eq!(RuntimeOperation::from_suffix("nope"), None);
    /// ```
    pub fn from_suffix(suffix: &str) -> Option<Self> {
        [
            Self::Invocations,
            Self::WebSocket,
            Self::Commands,
            Self::StopRuntimeSession,
            Self::AgentCard,
            Self::Shells,
        ]
        .into_iter()
        .find(|operation| operation.suffix() == suffix)
    }

    /// The request path on the wire, with the ARN percent-encoded once.
    ///
    /// ```
    /// use agentcore_contract::{RuntimeArn, endpoint::RuntimeOperation};
    ///
    /// let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:1:runtime/a".parse().unwrap();
    /// assert_eq!(
    ///     RuntimeOperation::WebSocket.path(&arn),
    ///     "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A1%3Aruntime%2Fa/ws"
    /// );
    /// ```
    pub fn path(self, arn: &RuntimeArn) -> String {
        format!("/runtimes/{}/{}", arn.path_segment(), self.suffix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::Partition;

    #[test]
    fn every_partition_host() {
        let expected = [
            (
                "us-east-1",
                "https://bedrock-agentcore.us-east-1.amazonaws.com",
            ),
            (
                "cn-north-1",
                "https://bedrock-agentcore.cn-north-1.amazonaws.com.cn",
            ),
            (
                "us-gov-west-1",
                "https://bedrock-agentcore.us-gov-west-1.amazonaws.com",
            ),
            (
                "us-iso-east-1",
                "https://bedrock-agentcore.us-iso-east-1.c2s.ic.gov",
            ),
            (
                "us-isob-east-1",
                "https://bedrock-agentcore.us-isob-east-1.sc2s.sgov.gov",
            ),
            (
                "eu-isoe-west-1",
                "https://bedrock-agentcore.eu-isoe-west-1.cloud.adc-e.uk",
            ),
            (
                "us-isof-south-1",
                "https://bedrock-agentcore.us-isof-south-1.csp.hci.ic.gov",
            ),
            (
                "eusc-de-east-1",
                "https://bedrock-agentcore.eusc-de-east-1.amazonaws.eu",
            ),
        ];
        for (region, url) in expected {
            assert_eq!(data_plane(&region.parse().unwrap()), url);
        }
        assert_eq!(expected.len(), Partition::ALL.len());
    }

    #[test]
    fn override_checks() {
        for ok in [
            "https://bedrock-agentcore.us-east-1.amazonaws.com",
            "https://x.amazonaws.com:443/",
            "https://bedrock-agentcore.cn-north-1.amazonaws.com.cn",
            "https://bedrock-agentcore.us-east-1.api.aws",
            "https://BEDROCK-AGENTCORE.US-EAST-1.AMAZONAWS.COM",
        ] {
            assert!(check_data_plane_override(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "amazonaws.com",
            "https://amazonaws.com",
            "https://.amazonaws.com",
            "https://evil.com/.amazonaws.com",
            "https://evil.com?.amazonaws.com",
            "https://x.amazonaws.com@evil.com",
            "https://evil.com#.amazonaws.com",
            "https://x.amazonaws.com.evil.com",
            "https://x.amazonaws.com:abc",
            "http://x.amazonaws.com",
            "https://x_y.amazonaws.com",
        ] {
            assert!(check_data_plane_override(bad).is_err(), "{bad}");
        }
    }
}
