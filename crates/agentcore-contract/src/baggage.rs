//! W3C `baggage` headers, and the routing experiment AgentCore Gateway names in them.

use percent_encoding::percent_decode_str;

/// Baggage key naming the ARN of a gateway routing experiment.
///
/// ```
/// # use agentcore_contract::baggage::ROUTING_EXPERIMENT_ARN;
/// assert_eq!(ROUTING_EXPERIMENT_ARN, "aws.agentcore.gateway.routing_experiment_arn");
/// ```
pub const ROUTING_EXPERIMENT_ARN: &str = "aws.agentcore.gateway.routing_experiment_arn";
/// Baggage key naming the routing experiment's variant.
///
/// ```
/// # use agentcore_contract::baggage::ROUTING_EXPERIMENT_VARIANT_NAME;
/// assert_eq!(ROUTING_EXPERIMENT_VARIANT_NAME, "aws.agentcore.gateway.routing_experiment_variant_name");
/// ```
pub const ROUTING_EXPERIMENT_VARIANT_NAME: &str =
    "aws.agentcore.gateway.routing_experiment_variant_name";

/// Parses one `baggage` header value: comma-separated `key=value[;properties]` members,
/// keys and values percent-decoded, properties dropped, malformed members skipped.
///
/// ```
/// use agentcore_contract::baggage::parse;
///
/// let entries = parse("userId=alice, team=a%20b;prop=1, broken");
/// assert_eq!(entries, vec![
///     ("userId".to_string(), "alice".to_string()),
///     ("team".to_string(), "a b".to_string()),
/// ]);
/// ```
pub fn parse(value: &str) -> Vec<(String, String)> {
    value
        .split(',')
        .filter_map(|member| {
            let pair = member.split(';').next().unwrap_or_default();
            let (key, value) = pair.split_once('=')?;
            let key = key.trim();
            if key.is_empty() {
                return None;
            }
            Some((decode(key), decode(value.trim())))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The gateway routing experiment a request belongs to, from its baggage.
///
/// ```
/// use agentcore_contract::baggage::{RoutingExperiment, parse};
///
/// let entries = parse(
///     "aws.agentcore.gateway.routing_experiment_arn=arn%3Aaws%3Ax,\
///      aws.agentcore.gateway.routing_experiment_variant_name=B",
/// );
/// let experiment = RoutingExperiment::from_entries(&entries).unwrap();
/// assert_eq!(experiment.arn.as_deref(), Some("arn:aws:x"));
/// assert_eq!(experiment.variant_name.as_deref(), Some("B"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RoutingExperiment {
    /// The experiment's ARN.
    pub arn: Option<String>,
    /// The variant the request was routed to.
    pub variant_name: Option<String>,
}

impl RoutingExperiment {
    /// Finds the routing experiment in baggage entries (the last value of a key wins);
    /// `None` when neither key is present.
    ///
    /// ```
    /// use agentcore_contract::baggage::{RoutingExperiment, parse};
    ///
    /// let entries = parse("aws.agentcore.gateway.routing_experiment_variant_name=A");
    /// let experiment = RoutingExperiment::from_entries(&entries).unwrap();
    /// assert_eq!(experiment.variant_name.as_deref(), Some("A"));
    /// assert_eq!(experiment.arn, None);
    /// assert_eq!(RoutingExperiment::from_entries(&parse("userId=alice")), None);
    /// ```
    pub fn from_entries(entries: &[(String, String)]) -> Option<Self> {
        let find = |name: &str| {
            entries
                .iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        let experiment = Self {
            arn: find(ROUTING_EXPERIMENT_ARN),
            variant_name: find(ROUTING_EXPERIMENT_VARIANT_NAME),
        };
        (experiment.arn.is_some() || experiment.variant_name.is_some()).then_some(experiment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_with_whitespace_properties_and_junk() {
        let entries = parse(" a = 1 ;p;q=2 ,, =x, b=%E2%9C%93, c=, d=%ZZ");
        assert_eq!(
            entries,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "✓".into()),
                ("c".into(), "".into()),
                ("d".into(), "%ZZ".into()),
            ]
        );
    }

    #[test]
    fn no_experiment_without_its_keys() {
        assert_eq!(RoutingExperiment::from_entries(&parse("a=1")), None);
        let only_variant = RoutingExperiment::from_entries(&parse(
            "aws.agentcore.gateway.routing_experiment_variant_name=A",
        ))
        .unwrap();
        assert_eq!(only_variant.arn, None);
    }
}
