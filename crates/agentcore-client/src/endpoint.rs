//! Where a request goes: the scheme and the authority of the data plane.

use agentcore_contract::endpoint::{
    DATA_PLANE_ENDPOINT_ENV, RuntimeOperation, check_data_plane_override, data_plane,
};
use agentcore_contract::{Region, RuntimeArn};
use aws_types::service_config::ServiceConfigKey;
use http::Uri;

use crate::error::Error;

/// The service id of the AWS SDKs' configuration (`AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`).
const SERVICE_ID: &str = "Bedrock AgentCore";

/// A parsed endpoint: TLS or not, and the authority with any default port removed (so it
/// is exactly the `Host` header that SigV4 signs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    secure: bool,
    authority: String,
}

impl Endpoint {
    /// Parses an `http`, `https`, `ws` or `wss` URL with a host and an empty (or `/`) path.
    pub(crate) fn parse(url: &str) -> Result<Self, Error> {
        let refuse = |reason| Error::InvalidEndpoint {
            url: url.to_owned(),
            reason,
        };
        let uri: Uri = url.parse().map_err(|_| refuse("not a URL"))?;
        let secure = match uri.scheme_str() {
            Some("https" | "wss") => true,
            Some("http" | "ws") => false,
            _ => return Err(refuse("the scheme must be http, https, ws or wss")),
        };
        let authority = uri.authority().ok_or_else(|| refuse("no host"))?;
        if authority.as_str().contains('@') {
            return Err(refuse("user information is not allowed"));
        }
        if authority.host().is_empty() {
            return Err(refuse("no host"));
        }
        if !matches!(
            uri.path_and_query().map(|p| p.as_str()),
            None | Some("" | "/")
        ) {
            return Err(refuse("a path or query is not allowed"));
        }
        let default_port = if secure { 443 } else { 80 };
        let authority = match authority.port_u16() {
            Some(port) if port == default_port => authority.host(),
            _ => authority.as_str(),
        };
        Ok(Self {
            secure,
            authority: authority.to_ascii_lowercase(),
        })
    }

    /// The data-plane endpoint of `region` (its partition's DNS suffix). A valid region
    /// holds only lower-case letters, digits and `-`, so the host needs no checking.
    pub(crate) fn for_region(region: &Region) -> Self {
        let url = data_plane(region);
        let authority = url.strip_prefix("https://").unwrap_or(&url);
        Self {
            secure: true,
            authority: authority.to_owned(),
        }
    }

    /// The reference's override, `BEDROCK_AGENTCORE_DP_ENDPOINT`, when set and not empty.
    pub(crate) fn from_env() -> Result<Option<Self>, Error> {
        match std::env::var(DATA_PLANE_ENDPOINT_ENV) {
            Ok(url) if !url.is_empty() => Self::checked_override(&url).map(Some),
            _ => Ok(None),
        }
    }

    /// The endpoint the AWS SDKs' configuration names for this service:
    /// `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE` (or a `services` section's
    /// `bedrock_agentcore` `endpoint_url` in the profile), else `AWS_ENDPOINT_URL` (or the
    /// profile's `endpoint_url`); none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is set.
    /// Trusted as given, as the SDKs trust it.
    pub(crate) fn configured(config: &aws_config::SdkConfig) -> Result<Option<Self>, Error> {
        let key = ServiceConfigKey::builder()
            .service_id(SERVICE_ID)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .map_err(|e| Error::InvalidOption(e.to_string()))?;
        let url = config
            .service_config()
            .and_then(|loader| loader.load_config(key))
            .or_else(|| config.endpoint_url().map(str::to_owned));
        url.filter(|url| !url.is_empty())
            .map(|url| Self::parse(&url))
            .transpose()
    }

    /// An override value, accepted as the reference accepts it: `https` on an AWS host.
    fn checked_override(url: &str) -> Result<Self, Error> {
        check_data_plane_override(url)?;
        Self::parse(url)
    }

    /// The `Host` header value.
    pub(crate) fn host(&self) -> &str {
        &self.authority
    }

    /// The WebSocket URL (`wss://` or `ws://`) of `path` (see [`ws_path`]) and `query`.
    pub(crate) fn ws_url(&self, path: &str, query: &str) -> String {
        self.url(if self.secure { "wss://" } else { "ws://" }, path, query)
    }

    /// The same URL in the `https://` (or `http://`) form that SigV4 signs.
    pub(crate) fn signing_url(&self, path: &str, query: &str) -> String {
        self.url(
            if self.secure { "https://" } else { "http://" },
            path,
            query,
        )
    }

    fn url(&self, scheme: &str, path: &str, query: &str) -> String {
        let len = scheme.len() + self.authority.len() + path.len() + 1 + query.len();
        let mut url = String::with_capacity(len);
        for part in [scheme, &self.authority, path] {
            url.push_str(part);
        }
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url
    }
}

/// The WebSocket path of `arn`: `/runtimes/{arn, percent-encoded}/ws`.
pub(crate) fn ws_path(arn: &RuntimeArn) -> String {
    RuntimeOperation::WebSocket.path(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Endpoint {
        Endpoint::parse(url).unwrap()
    }

    #[test]
    fn schemes_and_default_ports() {
        assert_eq!(
            parse("wss://Example.com:443/"),
            parse("https://example.com")
        );
        assert_eq!(parse("ws://localhost:80"), parse("http://localhost"));
        let local = parse("ws://127.0.0.1:8080");
        assert_eq!(local.host(), "127.0.0.1:8080");
        let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:1:runtime/a"
            .parse()
            .unwrap();
        let path = ws_path(&arn);
        assert_eq!(
            local.ws_url(&path, "qualifier=DEFAULT"),
            "ws://127.0.0.1:8080/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A1%3Aruntime%2Fa/ws?qualifier=DEFAULT"
        );
        assert!(
            local
                .signing_url(&path, "")
                .starts_with("http://127.0.0.1:8080/runtimes/")
        );
        assert_eq!(parse("https://[::1]:9000").host(), "[::1]:9000");
    }

    #[test]
    fn region_endpoints_are_the_contract_ones() {
        for region in [
            "us-east-1",
            "cn-north-1",
            "us-isob-east-1",
            "eusc-de-east-1",
        ] {
            let region: Region = region.parse().unwrap();
            assert_eq!(Endpoint::for_region(&region), parse(&data_plane(&region)));
        }
    }

    #[test]
    fn env_override_is_checked() {
        let vpce = "https://vpce-1.bedrock-agentcore.us-east-1.vpce.amazonaws.com";
        assert_eq!(
            Endpoint::checked_override(vpce).unwrap().host(),
            &vpce["https://".len()..]
        );
        for bad in [
            "http://x.amazonaws.com",
            "https://evil.example",
            "ws://127.0.0.1:1",
        ] {
            assert!(matches!(
                Endpoint::checked_override(bad),
                Err(Error::InvalidEndpointOverride(_))
            ));
        }
    }

    #[test]
    fn refused_endpoints() {
        for bad in [
            "",
            "localhost:8080",
            "ftp://example.com",
            "https://",
            "https://user@example.com",
            "https://example.com/prefix",
            "https://example.com/?x=1",
        ] {
            assert!(
                matches!(Endpoint::parse(bad), Err(Error::InvalidEndpoint { .. })),
                "{bad:?} accepted"
            );
        }
    }
}
