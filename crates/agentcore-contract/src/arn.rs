//! AgentCore runtime ARNs.

use std::fmt;
use std::str::FromStr;

use crate::region::{InvalidRegion, Partition, Region, UnknownPartition};

/// The service name in ARNs and the SigV4 signing name of the data plane.
///
/// ```
/// assert_eq!(agentcore_contract::arn::SERVICE, "bedrock-agentcore");
/// ```
pub const SERVICE: &str = "bedrock-agentcore";

/// A validated AgentCore runtime ARN:
/// `arn:{partition}:bedrock-agentcore:{region}:{account}:runtime/{id}`.
///
/// The rules: exactly six `:`-separated parts, a known partition, service
/// `bedrock-agentcore`, a well-formed region whose partition is the ARN's, a non-empty
/// account, and a resource `runtime/{id}` with a non-empty id (which may contain `/`).
///
/// ```
/// use agentcore_contract::{Partition, RuntimeArn};
///
/// let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my_agent-AbC123"
///     .parse()
///     .unwrap();
/// assert_eq!(arn.partition(), Partition::Aws);
/// assert_eq!(arn.region().as_str(), "us-west-2");
/// assert_eq!(arn.account(), "123456789012");
/// assert_eq!(arn.runtime_id(), "my_agent-AbC123");
/// assert_eq!(
///     arn.path_segment(),
///     "arn%3Aaws%3Abedrock-agentcore%3Aus-west-2%3A123456789012%3Aruntime%2Fmy_agent-AbC123"
/// );
///
/// let err = "arn:aws-cn:bedrock-agentcore:us-east-1:1:runtime/x".parse::<RuntimeArn>();
/// assert!(err.is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuntimeArn {
    arn: String,
    partition: Partition,
    region: Region,
    /// Byte range of the account within `arn`.
    account: (usize, usize),
    /// Byte offset of the runtime id within `arn`.
    runtime_id: usize,
}

/// Why a string is not a runtime ARN.
///
/// ```
/// use agentcore_contract::{InvalidArn, RuntimeArn};
///
/// let err = RuntimeArn::new("arn:aws:bedrock-agentcore:us-east-1:123:agent/x").unwrap_err();
/// assert_eq!(err, InvalidArn::Resource("agent/x".into()));
/// assert_eq!(RuntimeArn::new("arn:aws").unwrap_err(), InvalidArn::PartCount(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidArn {
    /// Not six `:`-separated parts.
    #[error("invalid runtime ARN: expected 6 ':'-separated parts, found {0}")]
    PartCount(usize),
    /// The first part is not `arn`.
    #[error("invalid runtime ARN: must start with \"arn:\"")]
    Prefix,
    /// The partition is not one of the known ones.
    #[error("invalid runtime ARN: {0}")]
    Partition(#[from] UnknownPartition),
    /// The service is not `bedrock-agentcore`.
    #[error("invalid runtime ARN: service must be \"bedrock-agentcore\", found {0:?}")]
    Service(String),
    /// The region is empty or malformed.
    #[error("invalid runtime ARN: {0}")]
    Region(#[from] InvalidRegion),
    /// The account is empty.
    #[error("invalid runtime ARN: the account is empty")]
    EmptyAccount,
    /// The resource does not start with `runtime/`.
    #[error("invalid runtime ARN: the resource must start with \"runtime/\", found {0:?}")]
    Resource(String),
    /// The runtime id after `runtime/` is empty.
    #[error("invalid runtime ARN: the runtime id is empty")]
    EmptyRuntimeId,
    /// The ARN's partition is not its region's partition.
    #[error(
        "invalid runtime ARN: partition {arn} does not match region {region}, which is in partition {expected}"
    )]
    PartitionMismatch {
        /// The partition written in the ARN.
        arn: Partition,
        /// The region written in the ARN.
        region: Region,
        /// The region's partition.
        expected: Partition,
    },
}

impl RuntimeArn {
    /// Parses and validates an ARN (same as [`str::parse`]).
    ///
    /// ```
    /// # use agentcore_contract::RuntimeArn;
    /// let arn = RuntimeArn::new("arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a").unwrap();
    /// assert_eq!(arn.runtime_id(), "a");
    /// assert!(RuntimeArn::new("arn:aws:bedrock-agentcore:us-east-1::runtime/a").is_err());
    /// ```
    pub fn new(arn: impl Into<String>) -> Result<Self, InvalidArn> {
        let arn = arn.into();
        let parts: Vec<&str> = arn.split(':').collect();
        let [prefix, partition, service, region, account, resource] = parts[..] else {
            return Err(InvalidArn::PartCount(parts.len()));
        };
        if prefix != "arn" {
            return Err(InvalidArn::Prefix);
        }
        let partition: Partition = partition.parse()?;
        if service != SERVICE {
            return Err(InvalidArn::Service(service.to_owned()));
        }
        let region = Region::new(region)?;
        if account.is_empty() {
            return Err(InvalidArn::EmptyAccount);
        }
        let Some(id) = resource.strip_prefix("runtime/") else {
            return Err(InvalidArn::Resource(resource.to_owned()));
        };
        if id.is_empty() {
            return Err(InvalidArn::EmptyRuntimeId);
        }
        if region.partition() != partition {
            return Err(InvalidArn::PartitionMismatch {
                arn: partition,
                expected: region.partition(),
                region,
            });
        }
        let account_start = arn.len() - resource.len() - 1 - account.len();
        let runtime_id = arn.len() - id.len();
        Ok(Self {
            partition,
            region,
            account: (account_start, account_start + account.len()),
            runtime_id,
            arn,
        })
    }

    /// The whole ARN.
    ///
    /// ```
    /// # use agentcore_contract::RuntimeArn;
    /// let text = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a";
    /// assert_eq!(RuntimeArn::new(text).unwrap().as_str(), text);
    /// ```
    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// The ARN's partition (always the region's partition).
    ///
    /// ```
    /// # use agentcore_contract::{Partition, RuntimeArn};
    /// let arn: RuntimeArn = "arn:aws-cn:bedrock-agentcore:cn-north-1:1:runtime/a".parse().unwrap();
    /// assert_eq!(arn.partition(), Partition::AwsCn);
    /// ```
    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The ARN's region: the region to sign requests for.
    ///
    /// ```
    /// # use agentcore_contract::RuntimeArn;
    /// let arn: RuntimeArn = "arn:aws:bedrock-agentcore:eu-west-1:1:runtime/a".parse().unwrap();
    /// assert_eq!(arn.region().as_str(), "eu-west-1");
    /// ```
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The account id.
    ///
    /// ```
    /// # use agentcore_contract::RuntimeArn;
    /// let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a".parse().unwrap();
    /// assert_eq!(arn.account(), "123456789012");
    /// ```
    pub fn account(&self) -> &str {
        &self.arn[self.account.0..self.account.1]
    }

    /// The runtime id (everything after `runtime/`; may contain `/`).
    ///
    /// ```
    /// # use agentcore_contract::RuntimeArn;
    /// let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:1:runtime/team/agent".parse().unwrap();
    /// assert_eq!(arn.runtime_id(), "team/agent");
    /// ```
    pub fn runtime_id(&self) -> &str {
        &self.arn[self.runtime_id..]
    }

    /// The ARN as one URL path segment: percent-encoded keeping only the unreserved
    /// characters `A-Z a-z 0-9 - _ . ~` (so `:` is `%3A` and `/` is `%2F`).
    ///
    /// ```
    /// # use agentcore_contract::RuntimeArn;
    /// let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:1:runtime/a/b".parse().unwrap();
    /// assert_eq!(arn.path_segment(), "arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A1%3Aruntime%2Fa%2Fb");
    /// ```
    pub fn path_segment(&self) -> String {
        crate::encoding::percent_encode(&self.arn).into_owned()
    }
}

impl FromStr for RuntimeArn {
    type Err = InvalidArn;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for RuntimeArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl AsRef<str> for RuntimeArn {
    fn as_ref(&self) -> &str {
        &self.arn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-1";

    fn err(s: &str) -> InvalidArn {
        s.parse::<RuntimeArn>().unwrap_err()
    }

    #[test]
    fn accessors() {
        let arn: RuntimeArn = "arn:aws-us-gov:bedrock-agentcore:us-gov-west-1:42:runtime/a/b.c"
            .parse()
            .unwrap();
        assert_eq!(arn.partition(), Partition::AwsUsGov);
        assert_eq!(arn.region().as_str(), "us-gov-west-1");
        assert_eq!(arn.account(), "42");
        assert_eq!(arn.runtime_id(), "a/b.c");
        assert_eq!(arn.to_string(), arn.as_str());
    }

    #[test]
    fn every_partition_parses_with_its_region() {
        for (partition, region) in [
            ("aws", "eu-central-1"),
            ("aws-cn", "cn-northwest-1"),
            ("aws-us-gov", "us-gov-east-1"),
            ("aws-iso", "us-iso-east-1"),
            ("aws-iso-b", "us-isob-east-1"),
            ("aws-iso-e", "eu-isoe-west-1"),
            ("aws-iso-f", "us-isof-south-1"),
            ("aws-eusc", "eusc-de-east-1"),
            ("aws", "zz-newregion-9"),
        ] {
            let arn = format!("arn:{partition}:bedrock-agentcore:{region}:1:runtime/x");
            let parsed: RuntimeArn = arn.parse().unwrap();
            assert_eq!(parsed.partition().id(), partition);
        }
    }

    #[test]
    fn each_rule_has_its_error() {
        assert_eq!(
            err("arn:aws:bedrock-agentcore:us-east-1:1"),
            InvalidArn::PartCount(5)
        );
        assert_eq!(err(&format!("{GOOD}:x")), InvalidArn::PartCount(7));
        assert_eq!(err(""), InvalidArn::PartCount(1));
        assert_eq!(
            err("ARN:aws:bedrock-agentcore:us-east-1:1:runtime/x"),
            InvalidArn::Prefix
        );
        assert!(matches!(
            err("arn:aws-mars:bedrock-agentcore:us-east-1:1:runtime/x"),
            InvalidArn::Partition(_)
        ));
        assert!(matches!(
            err("arn::bedrock-agentcore:us-east-1:1:runtime/x"),
            InvalidArn::Partition(_)
        ));
        assert_eq!(
            err("arn:aws:bedrock:us-east-1:1:runtime/x"),
            InvalidArn::Service("bedrock".into())
        );
        assert!(matches!(
            err("arn:aws:bedrock-agentcore::1:runtime/x"),
            InvalidArn::Region(_)
        ));
        assert!(matches!(
            err("arn:aws:bedrock-agentcore:us-east-1.evil.com:1:runtime/x"),
            InvalidArn::Region(_)
        ));
        assert_eq!(
            err("arn:aws:bedrock-agentcore:us-east-1::runtime/x"),
            InvalidArn::EmptyAccount
        );
        assert_eq!(
            err("arn:aws:bedrock-agentcore:us-east-1:1:gateway/x"),
            InvalidArn::Resource("gateway/x".into())
        );
        assert_eq!(
            err("arn:aws:bedrock-agentcore:us-east-1:1:runtime"),
            InvalidArn::Resource("runtime".into())
        );
        assert_eq!(
            err("arn:aws:bedrock-agentcore:us-east-1:1:runtime/"),
            InvalidArn::EmptyRuntimeId
        );
        assert!(matches!(
            err("arn:aws:bedrock-agentcore:cn-north-1:1:runtime/x"),
            InvalidArn::PartitionMismatch { .. }
        ));
        assert!(matches!(
            err("arn:aws-cn:bedrock-agentcore:us-east-1:1:runtime/x"),
            InvalidArn::PartitionMismatch { .. }
        ));
    }

    #[test]
    fn path_segment_keeps_only_unreserved() {
        let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:1:runtime/a b~c+d/é"
            .parse()
            .unwrap();
        assert_eq!(
            arn.path_segment(),
            "arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A1%3Aruntime%2Fa%20b~c%2Bd%2F%C3%A9"
        );
    }
}
