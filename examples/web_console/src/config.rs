//! The settings, from the environment.

use std::time::Duration;

use agentcore_client::contract::{RuntimeArn, endpoint};

/// The default `PORT`.
const DEFAULT_PORT: u16 = 3000;
/// The default `PRESIGN_EXPIRES_SECS`: long enough to open a socket, short enough that a
/// URL copied out of the page is soon worthless.
const DEFAULT_EXPIRES_SECS: u64 = 60;
/// The longest expiry of a presigned URL the data plane accepts.
const MAX_EXPIRES_SECS: u64 = 300;

/// What the console serves and how it signs.
#[derive(Clone)]
pub(crate) struct Config {
    /// `PORT`: where it listens, on 127.0.0.1.
    pub(crate) port: u16,
    /// `AGENT_ARN`: the runtime the page talks to.
    pub(crate) arn: RuntimeArn,
    /// `AGENTCORE_ENDPOINT`: the data plane (the emulator locally); else the ARN's region's.
    pub(crate) endpoint: Option<String>,
    /// `PRESIGN_EXPIRES_SECS`: how long a minted URL opens a socket (1 to 300 s).
    pub(crate) expires: Duration,
    /// `AGENTCORE_BEARER_TOKEN`: for OAuth shells, when there are no AWS credentials to
    /// presign with. The token then reaches the page.
    pub(crate) bearer_token: Option<String>,
    /// `PUBLIC_ORIGIN`: the origin pages are served from, the only one `/api/connect`
    /// answers (default `http://127.0.0.1:PORT` and `http://localhost:PORT`).
    pub(crate) origins: Vec<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("port", &self.port)
            .field("arn", &self.arn.as_str())
            .field("endpoint", &self.endpoint)
            .field("expires", &self.expires)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .field("origins", &self.origins)
            .finish()
    }
}

impl Config {
    /// Reads the settings from the process environment.
    pub(crate) fn from_env() -> Result<Config, String> {
        Config::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the settings from `var` (a variable's non-empty value, if set).
    fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let port = match var("PORT") {
            Some(port) => port
                .parse()
                .map_err(|_| format!("PORT={port}: not a port"))?,
            None => DEFAULT_PORT,
        };
        let arn = var("AGENT_ARN").ok_or("AGENT_ARN is not set: the runtime to talk to")?;
        let arn: RuntimeArn = arn.parse().map_err(|e| format!("AGENT_ARN: {e}"))?;
        let expires = match var("PRESIGN_EXPIRES_SECS") {
            Some(secs) => match secs.parse::<u64>() {
                Ok(n @ 1..=MAX_EXPIRES_SECS) => n,
                _ => {
                    return Err(format!(
                        "PRESIGN_EXPIRES_SECS={secs}: 1 to {MAX_EXPIRES_SECS} seconds"
                    ));
                }
            },
            None => DEFAULT_EXPIRES_SECS,
        };
        let origins = match var("PUBLIC_ORIGIN") {
            Some(origin) => vec![origin.trim_end_matches('/').to_owned()],
            None => vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ],
        };
        Ok(Config {
            port,
            arn,
            endpoint: var("AGENTCORE_ENDPOINT"),
            expires: Duration::from_secs(expires),
            bearer_token: var("AGENTCORE_BEARER_TOKEN"),
            origins,
        })
    }

    /// The origin of the data plane's WebSockets, for the page's `connect-src`:
    /// `ws://host:port` of an `http://` endpoint, `wss://` of the others.
    pub(crate) fn websocket_origin(&self) -> String {
        let https = endpoint::data_plane(self.arn.region());
        let url = self.endpoint.as_deref().unwrap_or(&https);
        let (scheme, rest) = match url.split_once("://") {
            Some(("http", rest)) => ("ws", rest),
            Some((_, rest)) => ("wss", rest),
            None => ("wss", url),
        };
        let host = rest.split('/').next().unwrap_or(rest);
        format!("{scheme}://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/console";

    fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_need_only_the_arn() {
        let config = config(&[("AGENT_ARN", ARN)]).unwrap();
        assert_eq!(config.port, 3000);
        assert_eq!(config.expires, Duration::from_secs(60));
        assert_eq!(
            config.origins,
            ["http://127.0.0.1:3000", "http://localhost:3000"]
        );
        assert_eq!(
            config.websocket_origin(),
            "wss://bedrock-agentcore.eu-west-1.amazonaws.com"
        );
        assert!(config.bearer_token.is_none());
    }

    #[test]
    fn every_setting() {
        let config = config(&[
            ("AGENT_ARN", ARN),
            ("PORT", "8123"),
            ("AGENTCORE_ENDPOINT", "http://127.0.0.1:9090/"),
            ("PRESIGN_EXPIRES_SECS", "300"),
            ("AGENTCORE_BEARER_TOKEN", "secret-token"),
            ("PUBLIC_ORIGIN", "https://console.example.com/"),
        ])
        .unwrap();
        assert_eq!(config.port, 8123);
        assert_eq!(config.expires, Duration::from_secs(300));
        assert_eq!(config.websocket_origin(), "ws://127.0.0.1:9090");
        assert_eq!(config.origins, ["https://console.example.com"]);
        assert!(!format!("{config:?}").contains("secret-token"));
    }

    #[test]
    fn refusals() {
        assert!(config(&[]).unwrap_err().contains("AGENT_ARN"));
        assert!(config(&[("AGENT_ARN", "nope")]).is_err());
        for bad in ["0", "301", "-1", "soon"] {
            let err = config(&[("AGENT_ARN", ARN), ("PRESIGN_EXPIRES_SECS", bad)]).unwrap_err();
            assert!(err.contains("1 to 300"), "{bad}: {err}");
        }
        assert!(config(&[("AGENT_ARN", ARN), ("PORT", "http")]).is_err());
    }
}
