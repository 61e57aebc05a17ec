//! Signing throughput: presigned URLs and SigV4 WebSocket header sets beside a bare
//! `aws_sigv4::http_request::sign` of the same `GET` (the floor of what signing costs),
//! headers against `bare_sign_headers` and presigned URLs against `bare_sign_query`.
//!
//! `cargo bench -p agentcore-client --bench signing -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentcore_client::contract::RuntimeArn;
use agentcore_client::{Credentials, Presign, RuntimeClient, RuntimeSession, StaticTimeSource};
use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningParams,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt;

const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-runtime-abc";
const URL: &str = "https://bedrock-agentcore.us-west-2.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-west-2%3A123456789012%3Aruntime%2Fmy-runtime-abc/ws";

fn credentials() -> Credentials {
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    Credentials::new("AKIDEXAMPLE", secret, None, None, "bench")
}

fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_264_496)
}

/// aws-sigv4 alone: the identity built once (as a credentials cache would), then per call
/// what any signer must redo (the parameters carry the signing time), the request and its
/// signature.
fn bare_sign(c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let identity: Identity = credentials().into();
    for (name, location, url) in [
        (
            "bare_sign_headers",
            SignatureLocation::Headers,
            URL.to_owned(),
        ),
        (
            "bare_sign_query",
            SignatureLocation::QueryParams,
            format!(
                "{URL}?X-Amzn-Bedrock-AgentCore-Runtime-Session-Id={}",
                "a".repeat(40)
            ),
        ),
    ] {
        let mut settings = SigningSettings::default();
        settings.signature_location = location;
        settings.expires_in = Some(Duration::from_secs(300));
        settings.percent_encoding_mode = PercentEncodingMode::Double;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.excluded_headers = None;
        c.bench_function(name, |b| {
            b.iter(|| {
                let params: SigningParams<'_> = v4::SigningParams::builder()
                    .identity(&identity)
                    .region("us-west-2")
                    .name("bedrock-agentcore")
                    .time(time())
                    .settings(settings.clone())
                    .build()
                    .unwrap()
                    .into();
                let body = SignableBody::Bytes(&[]);
                let request =
                    SignableRequest::new("GET", url.as_str(), std::iter::empty(), body).unwrap();
                black_box(sign(request, &params).unwrap())
            })
        });
    }
}

fn signing(c: &mut Criterion) {
    let client = RuntimeClient::builder()
        .credentials_provider(credentials())
        .clock(StaticTimeSource::new(time()))
        .build()
        .unwrap();
    let arn: RuntimeArn = ARN.parse().unwrap();
    let session = RuntimeSession::new(arn.clone());
    let presign = Presign::new(Duration::from_secs(300));
    // Ready at once with static credentials: no runtime needed.
    let sigv4_headers =
        |session: &RuntimeSession| client.sigv4_headers(session).now_or_never().unwrap();
    let presigned_url = |session: &RuntimeSession| {
        client
            .presigned_url(session)
            .presign(presign.clone())
            .send()
            .now_or_never()
            .unwrap()
    };

    let mut group = c.benchmark_group("signing");
    bare_sign(&mut group);
    group.bench_function("sigv4_headers", |b| {
        b.iter(|| black_box(sigv4_headers(&session).unwrap()))
    });
    group.bench_function("presigned_url", |b| {
        b.iter(|| black_box(presigned_url(&session).unwrap()))
    });
    // A backend minting one URL per new conversation also pays for the session: a
    // UUIDv4 and the ARN's percent-encoded path.
    group.bench_function("presigned_url_new_session", |b| {
        b.iter(|| black_box(presigned_url(&RuntimeSession::new(arn.clone())).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
