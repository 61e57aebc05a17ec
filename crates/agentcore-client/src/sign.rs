//! SigV4 through `aws-sigv4`: the settings the data plane's WebSocket expects, and the
//! query encoding shared by every URL this crate builds.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use agentcore_contract::Region;
use agentcore_contract::arn::SERVICE;
use agentcore_contract::encoding::percent_encode as encode;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SignatureLocation, SigningInstructions, SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

/// Appends `name=value` to `query`, both encoded, after a `&` unless `query` is empty.
pub(crate) fn push_param(query: &mut String, name: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(&encode(name));
    query.push('=');
    query.push_str(&encode(value));
}

/// Where the signature goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Placement {
    /// `Authorization` and `X-Amz-Date` headers (plus `X-Amz-Security-Token`).
    Headers,
    /// `X-Amz-*` query parameters, valid for `expires`.
    Query { expires: Duration },
}

/// The settings shared by every signature: the canonical URI is the path encoded once
/// more (`%3A` becomes `%253A`) and is not normalized, no checksum header, the session
/// token signed. Requests hold only the headers meant to be signed, so none is excluded.
fn base_settings() -> &'static SigningSettings {
    static SETTINGS: OnceLock<SigningSettings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Double;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
        settings.session_token_mode = SessionTokenMode::Include;
        settings.excluded_headers = None;
        settings
    })
}

/// Signs `GET url` (the `https://` form, already percent-encoded) for the
/// `bedrock-agentcore` service in `region` at `time` with `identity` (AWS credentials),
/// with only `host` in the request and the SHA-256 of the empty payload.
pub(crate) fn sign_get(
    identity: &Identity,
    region: &Region,
    time: SystemTime,
    url: &str,
    placement: Placement,
) -> Result<SigningInstructions, crate::error::Error> {
    let request = Signable {
        method: "GET",
        url,
        headers: &[],
        body: &[],
    };
    sign_request(identity, region, time, &request, placement)
}

/// A request to sign: `url` is the `https://` (or `http://`) form with the path and
/// query already percent-encoded; `headers` are the ones to sign besides those the signer
/// adds (`x-amz-date`, `x-amz-security-token`); the payload hash is the SHA-256 of `body`.
pub(crate) struct Signable<'a> {
    pub(crate) method: &'a str,
    pub(crate) url: &'a str,
    pub(crate) headers: &'a [(&'a str, &'a str)],
    pub(crate) body: &'a [u8],
}

/// Signs `request` for the `bedrock-agentcore` service in `region` at `time`.
pub(crate) fn sign_request(
    identity: &Identity,
    region: &Region,
    time: SystemTime,
    request: &Signable<'_>,
    placement: Placement,
) -> Result<SigningInstructions, crate::error::Error> {
    let mut settings = base_settings().clone();
    match placement {
        Placement::Headers => settings.signature_location = SignatureLocation::Headers,
        Placement::Query { expires } => {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(expires);
        }
    }
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(region.as_str())
        .name(SERVICE)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| crate::error::Error::Signing(e.into()))?
        .into();
    let request = SignableRequest::new(
        request.method,
        request.url,
        request.headers.iter().copied(),
        SignableBody::Bytes(request.body),
    )
    .map_err(|e| crate::error::Error::Signing(e.into()))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| crate::error::Error::Signing(e.into()))?
        .into_parts();
    Ok(instructions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_only_unreserved() {
        let mut query = String::new();
        push_param(&mut query, "a b", "+c/d=é~-_.");
        push_param(&mut query, "x", "");
        assert_eq!(query, "a%20b=%2Bc%2Fd%3D%C3%A9~-_.&x=");
    }
}
