//! AWS regions and partitions, as the AgentCore data plane resolves them.
//!
//! A region is well formed when it matches `\A[a-z]{2,4}(-[a-z]+)+-\d+\Z` (ASCII only, so
//! nothing else can ever reach a host name). Its partition is the first row of the table
//! below whose pattern it matches; a well-formed region that matches no row is taken as
//! `aws`, as the reference SDK does.
//!
//! | partition | region pattern | DNS suffix |
//! |---|---|---|
//! | `aws` | `(us\|eu\|ap\|sa\|ca\|me\|af\|il\|mx)-\w+-\d+` | `amazonaws.com` |
//! | `aws-cn` | `cn-\w+-\d+` | `amazonaws.com.cn` |
//! | `aws-us-gov` | `us-gov-\w+-\d+` | `amazonaws.com` |
//! | `aws-iso` | `us-iso-\w+-\d+` | `c2s.ic.gov` |
//! | `aws-iso-b` | `us-isob-\w+-\d+` | `sc2s.sgov.gov` |
//! | `aws-iso-e` | `eu-isoe-\w+-\d+` | `cloud.adc-e.uk` |
//! | `aws-iso-f` | `us-isof-\w+-\d+` | `csp.hci.ic.gov` |
//! | `aws-eusc` | `eusc-de-\w+-\d+` | `amazonaws.eu` |

use std::fmt;
use std::str::FromStr;

/// A well-formed AWS region name such as `us-west-2`.
///
/// ```
/// use agentcore_contract::{Partition, Region};
///
/// let region: Region = "eusc-de-east-1".parse().unwrap();
/// assert_eq!(region.partition(), Partition::AwsEusc);
/// assert_eq!(region.partition().dns_suffix(), "amazonaws.eu");
///
/// // Well formed but unknown: taken as `aws`, as the reference does.
/// let future: Region = "zz-newplace-7".parse().unwrap();
/// assert_eq!(future.partition(), Partition::Aws);
///
/// assert!("us-east-1.evil.com".parse::<Region>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);

/// A string that is not a well-formed region name.
///
/// ```
/// use agentcore_contract::{InvalidRegion, Region};
///
/// assert_eq!(Region::new("Us-East-1").unwrap_err(), InvalidRegion("Us-East-1".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid region {0:?}: expected lower-case letters and digits like \"us-west-2\"")]
pub struct InvalidRegion(pub String);

impl Region {
    /// Validates `region` and wraps it.
    ///
    /// ```
    /// # use agentcore_contract::Region;
    /// assert!(Region::new("us-gov-west-1").is_ok());
    /// assert!(Region::new("US-EAST-1").is_err());
    /// ```
    pub fn new(region: impl Into<String>) -> Result<Self, InvalidRegion> {
        let region = region.into();
        if is_well_formed(&region) {
            Ok(Self(region))
        } else {
            Err(InvalidRegion(region))
        }
    }

    /// The region name.
    ///
    /// ```
    /// # use agentcore_contract::Region;
    /// let region: Region = "ap-southeast-2".parse().unwrap();
    /// assert_eq!(region.as_str(), "ap-southeast-2");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The partition this region belongs to.
    ///
    /// ```
    /// # use agentcore_contract::{Partition, Region};
    /// assert_eq!(Region::new("us-gov-west-1").unwrap().partition(), Partition::AwsUsGov);
    /// assert_eq!(Region::new("cn-northwest-1").unwrap().partition(), Partition::AwsCn);
    /// ```
    pub fn partition(&self) -> Partition {
        let parts: Vec<&str> = self.0.split('-').collect();
        PARTITION_ROWS
            .iter()
            .find(|(prefixes, _)| row_matches(prefixes, &parts))
            .map_or(Partition::Aws, |(_, partition)| *partition)
    }
}

/// `\A[a-z]{2,4}(-[a-z]+)+-\d+\Z`
fn is_well_formed(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    (2..=4).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !middle.is_empty()
        && middle
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// Each row: the fixed leading segments (any of the listed alternatives for the first,
/// then exact ones), followed by exactly one `\w+` segment and the digits.
type Row = (&'static [&'static [&'static str]], Partition);

const PARTITION_ROWS: &[Row] = &[
    (
        &[&["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"]],
        Partition::Aws,
    ),
    (&[&["cn"]], Partition::AwsCn),
    (&[&["us"], &["gov"]], Partition::AwsUsGov),
    (&[&["us"], &["iso"]], Partition::AwsIso),
    (&[&["us"], &["isob"]], Partition::AwsIsoB),
    (&[&["eu"], &["isoe"]], Partition::AwsIsoE),
    (&[&["us"], &["isof"]], Partition::AwsIsoF),
    (&[&["eusc"], &["de"]], Partition::AwsEusc),
];

fn row_matches(prefixes: &[&[&str]], parts: &[&str]) -> bool {
    // prefixes, one `\w+` segment, one `\d+` segment (already checked by well-formedness).
    parts.len() == prefixes.len() + 2
        && prefixes
            .iter()
            .zip(parts)
            .all(|(alternatives, part)| alternatives.contains(part))
}

impl FromStr for Region {
    type Err = InvalidRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Region {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An AWS partition: a group of regions with its own DNS suffix and ARN prefix.
///
/// ```
/// use agentcore_contract::Partition;
///
/// let p: Partition = "aws-cn".parse().unwrap();
/// assert_eq!(p.dns_suffix(), "amazonaws.com.cn");
/// assert_eq!(p.to_string(), "aws-cn");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Partition {
    /// `aws`: the commercial regions.
    Aws,
    /// `aws-cn`: China.
    AwsCn,
    /// `aws-us-gov`: AWS GovCloud (US).
    AwsUsGov,
    /// `aws-iso`.
    AwsIso,
    /// `aws-iso-b`.
    AwsIsoB,
    /// `aws-iso-e`.
    AwsIsoE,
    /// `aws-iso-f`.
    AwsIsoF,
    /// `aws-eusc`: the AWS European Sovereign Cloud.
    AwsEusc,
}

impl Partition {
    /// Every partition, in the order of the table.
    ///
    /// ```
    /// # use agentcore_contract::Partition;
    /// assert_eq!(Partition::ALL.len(), 8);
    /// assert_eq!(Partition::ALL[0], Partition::Aws);
    /// ```
    pub const ALL: [Partition; 8] = [
        Self::Aws,
        Self::AwsCn,
        Self::AwsUsGov,
        Self::AwsIso,
        Self::AwsIsoB,
        Self::AwsIsoE,
        Self::AwsIsoF,
        Self::AwsEusc,
    ];

    /// The partition id as it appears in ARNs (`aws`, `aws-cn`, ...).
    ///
    /// ```
    /// # use agentcore_contract::Partition;
    /// assert_eq!(Partition::AwsUsGov.id(), "aws-us-gov");
    /// assert_eq!("aws-iso-b".parse::<Partition>().unwrap().id(), "aws-iso-b");
    /// ```
    pub const fn id(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::AwsCn => "aws-cn",
            Self::AwsUsGov => "aws-us-gov",
            Self::AwsIso => "aws-iso",
            Self::AwsIsoB => "aws-iso-b",
            Self::AwsIsoE => "aws-iso-e",
            Self::AwsIsoF => "aws-iso-f",
            Self::AwsEusc => "aws-eusc",
        }
    }

    /// The DNS suffix of the partition's service endpoints.
    ///
    /// ```
    /// # use agentcore_contract::Partition;
    /// assert_eq!(Partition::Aws.dns_suffix(), "amazonaws.com");
    /// assert_eq!(Partition::AwsCn.dns_suffix(), "amazonaws.com.cn");
    /// ```
    pub const fn dns_suffix(self) -> &'static str {
        match self {
            Self::Aws | Self::AwsUsGov => "amazonaws.com",
            Self::AwsCn => "amazonaws.com.cn",
            Self::AwsIso => "c2s.ic.gov",
            Self::AwsIsoB => "sc2s.sgov.gov",
            Self::AwsIsoE => "cloud.adc-e.uk",
            Self::AwsIsoF => "csp.hci.ic.gov",
            Self::AwsEusc => "amazonaws.eu",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A string that names no known partition.
///
/// ```
/// use agentcore_contract::{Partition, UnknownPartition};
///
/// assert_eq!("aws-mars".parse::<Partition>().unwrap_err(), UnknownPartition("aws-mars".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown partition {0:?}")]
pub struct UnknownPartition(pub String);

impl FromStr for Partition {
    type Err = UnknownPartition;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.id() == s)
            .ok_or_else(|| UnknownPartition(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(region: &str) -> Partition {
        Region::new(region).unwrap().partition()
    }

    #[test]
    fn every_partition_row() {
        assert_eq!(partition("us-east-1"), Partition::Aws);
        assert_eq!(partition("mx-central-1"), Partition::Aws);
        assert_eq!(partition("il-central-1"), Partition::Aws);
        assert_eq!(partition("cn-north-1"), Partition::AwsCn);
        assert_eq!(partition("us-gov-west-1"), Partition::AwsUsGov);
        assert_eq!(partition("us-iso-east-1"), Partition::AwsIso);
        assert_eq!(partition("us-isob-east-1"), Partition::AwsIsoB);
        assert_eq!(partition("eu-isoe-west-1"), Partition::AwsIsoE);
        assert_eq!(partition("us-isof-south-1"), Partition::AwsIsoF);
        assert_eq!(partition("eusc-de-east-1"), Partition::AwsEusc);
    }

    #[test]
    fn unknown_well_formed_regions_fall_back_to_aws() {
        assert_eq!(partition("xx-east-1"), Partition::Aws);
        assert_eq!(partition("us-gov-east-west-1"), Partition::Aws);
        assert_eq!(partition("cn-a-b-1"), Partition::Aws);
        assert_eq!(partition("eusc-fr-east-1"), Partition::Aws);
    }

    #[test]
    fn malformed_regions_are_refused() {
        for bad in [
            "",
            "us",
            "us-east",
            "us-1",
            "u-east-1",
            "usaaa-east-1",
            "US-east-1",
            "us-East-1",
            "us--east-1",
            "us-east-",
            "us-east-1a",
            "us-east-1 ",
            " us-east-1",
            "us-east-1\n",
            "us-east-1.example.com",
            "us-east-1/x",
            "us_east-1",
            "us-east-١",
            "us-eäst-1",
            "us-east-1-",
        ] {
            assert!(Region::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn partition_ids_round_trip() {
        for p in Partition::ALL {
            assert_eq!(p.id().parse::<Partition>().unwrap(), p);
        }
        assert!("aws-mars".parse::<Partition>().is_err());
    }
}
