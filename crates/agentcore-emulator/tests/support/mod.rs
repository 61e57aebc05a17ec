//! What the emulator's integration tests share: SigV4 signing as the reference SDKs sign,
//! with the signer the client uses (the emulator verifies independently, from the
//! specification).

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableRequest, SignatureLocation,
    SigningInstructions, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;

/// Signs `request` for service `bedrock-agentcore` in `region` at `time` with
/// `(access key, secret key, session token)`: the path encoded twice and not normalized,
/// no payload-hash header, the session token signed; in the headers or, presigned, in the
/// query (valid for 60 s).
pub(crate) fn sign(
    request: SignableRequest<'_>,
    placement: SignatureLocation,
    credentials: (&str, &str, Option<&str>),
    region: &str,
    time: SystemTime,
) -> SigningInstructions {
    let (access, secret, token) = credentials;
    let identity = aws_credential_types::Credentials::new(
        access,
        secret,
        token.map(str::to_owned),
        None,
        "emulator-test",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Double;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    settings.session_token_mode = SessionTokenMode::Include;
    settings.signature_location = placement;
    if placement == SignatureLocation::QueryParams {
        settings.expires_in = Some(Duration::from_secs(60));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("bedrock-agentcore")
        .time(time)
        .settings(settings)
        .build()
        .expect("signing parameters")
        .into();
    aws_sigv4::http_request::sign(request, &params)
        .expect("a signable request")
        .into_parts()
        .0
}
