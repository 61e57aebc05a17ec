//! The client's operations without a network: validation, endpoints, signing regions,
//! presigned queries and what `Debug` shows.

use std::time::{Duration, UNIX_EPOCH};

use agentcore_client::contract::{InvalidArn, Partition, RuntimeArn, SessionId};
use agentcore_client::{
    Auth, Credentials, Error, Presign, RuntimeClient, RuntimeSession, StaticTimeSource,
};

const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-runtime-abc";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLXdlc3QtMiJHMEUCIQD+token";

fn client() -> RuntimeClient {
    RuntimeClient::builder()
        .region("us-west-2")
        .credentials_provider(Credentials::new(
            "ASIAEXAMPLE",
            SECRET,
            Some(TOKEN.into()),
            None,
            "t",
        ))
        .clock(StaticTimeSource::new(
            UNIX_EPOCH + Duration::from_secs(1_795_264_496),
        ))
        .build()
        .unwrap()
}

fn session(arn: &str) -> RuntimeSession {
    RuntimeSession::new(arn.parse().unwrap())
}

fn arn_error(arn: &str) -> InvalidArn {
    match Error::from(arn.parse::<RuntimeArn>().unwrap_err()) {
        Error::InvalidArn(e) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn shared_across_tasks() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn sendable<T: Send + 'static>() {}
    shareable::<RuntimeClient>();
    shareable::<RuntimeSession>();
    sendable::<agentcore_client::WebSocket>();
    sendable::<Error>();
}

#[test]
fn malformed_arns_each_rule() {
    let cases = [
        (
            "arn:aws:bedrock-agentcore:us-west-2:1",
            "6 ':'-separated parts",
        ),
        (
            "arn:aws:bedrock-agentcore:us-west-2:1:runtime/a:b",
            "6 ':'-separated parts",
        ),
        (
            "urn:aws:bedrock-agentcore:us-west-2:1:runtime/a",
            "must start with",
        ),
        (
            "arn:aws-mars:bedrock-agentcore:us-west-2:1:runtime/a",
            "partition",
        ),
        ("arn:aws:bedrock:us-west-2:1:runtime/a", "service must be"),
        ("arn:aws:bedrock-agentcore::1:runtime/a", "invalid region"),
        (
            "arn:aws:bedrock-agentcore:us-west-2.evil.com:1:runtime/a",
            "invalid region",
        ),
        (
            "arn:aws:bedrock-agentcore:us-west-2::runtime/a",
            "account is empty",
        ),
        (
            "arn:aws:bedrock-agentcore:us-west-2:1:agent/a",
            "must start with \"runtime/\"",
        ),
        (
            "arn:aws:bedrock-agentcore:us-west-2:1:runtime/",
            "runtime id is empty",
        ),
        (
            "arn:aws-cn:bedrock-agentcore:us-west-2:1:runtime/a",
            "does not match region",
        ),
    ];
    for (arn, message) in cases {
        let error = arn_error(arn);
        assert!(error.to_string().contains(message), "{arn}: {error}");
    }
    assert!(matches!(
        arn_error("arn:aws:bedrock-agentcore:us-west-2::runtime/a"),
        InvalidArn::EmptyAccount
    ));
}

#[test]
fn bad_regions_are_refused_by_the_builder() {
    for bad in [
        "",
        "US-WEST-2",
        "us-west",
        "us-west-2 ",
        "us-west-2.example.com",
        "us_west-2",
    ] {
        let result = RuntimeClient::builder().region(bad).build();
        assert!(matches!(result, Err(Error::InvalidRegion(_))), "{bad:?}");
    }
    assert!(
        RuntimeClient::builder()
            .region("xx-newplace-9")
            .build()
            .is_ok()
    );
}

#[test]
fn every_partition_host() {
    let regions = [
        ("aws", "ap-southeast-2", "amazonaws.com"),
        ("aws-cn", "cn-north-1", "amazonaws.com.cn"),
        ("aws-us-gov", "us-gov-west-1", "amazonaws.com"),
        ("aws-iso", "us-iso-east-1", "c2s.ic.gov"),
        ("aws-iso-b", "us-isob-east-1", "sc2s.sgov.gov"),
        ("aws-iso-e", "eu-isoe-west-1", "cloud.adc-e.uk"),
        ("aws-iso-f", "us-isof-south-1", "csp.hci.ic.gov"),
        ("aws-eusc", "eusc-de-east-1", "amazonaws.eu"),
    ];
    assert_eq!(regions.len(), Partition::ALL.len());
    let client = client();
    for (partition, region, suffix) in regions {
        let arn = format!("arn:{partition}:bedrock-agentcore:{region}:1:runtime/a");
        let request = client.oauth_headers(&session(&arn), "t").unwrap();
        let host = format!("bedrock-agentcore.{region}.{suffix}");
        assert!(
            request
                .url()
                .starts_with(&format!("wss://{host}/runtimes/arn%3A{partition}%3A"))
        );
        assert_eq!(request.headers()["host"], host.as_str());
    }
}

#[tokio::test]
async fn requests_are_signed_for_the_arn_region() {
    // The client says us-west-2; the ARN says eu-central-1.
    let arn = "arn:aws:bedrock-agentcore:eu-central-1:1:runtime/a";
    let request = client().sigv4_headers(&session(arn)).await.unwrap();
    let authorization = request.headers()["authorization"].to_str().unwrap();
    assert!(authorization.contains("/20261121/eu-central-1/bedrock-agentcore/aws4_request"));
    assert!(authorization.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"));
    assert_eq!(
        request.headers()["host"],
        "bedrock-agentcore.eu-central-1.amazonaws.com"
    );
    assert_eq!(request.headers()["x-amz-security-token"], TOKEN);
}

#[tokio::test]
async fn presigned_expiry_0_300_301() {
    let client = client();
    let session = session(ARN);
    for (secs, ok) in [(0, false), (1, true), (300, true), (301, false)] {
        let result = client
            .presigned_url(&session)
            .presign(Presign::new(Duration::from_secs(secs)).clone())
            .send()
            .await;
        match result {
            Ok(url) => {
                assert!(ok, "{secs}");
                assert!(url.as_str().contains(&format!("&X-Amz-Expires={secs}&")));
            }
            Err(Error::InvalidExpiry(d)) => assert!(!ok && d == Duration::from_secs(secs)),
            Err(e) => panic!("{secs}: {e}"),
        }
    }
}

#[tokio::test]
async fn presigned_query_order_and_encoding() {
    let session = session(ARN)
        .with_session_id("session with spaces/and+plus=0123456789".parse().unwrap())
        .with_qualifier("prod live");
    let presign = Presign::new(Duration::from_secs(60))
        .param("z", "1")
        .param("a b", "é/~");
    let url = client()
        .presigned_url(&session)
        .presign(presign.clone())
        .send()
        .await
        .unwrap();
    let query = url.as_str().split_once('?').unwrap().1;
    let names: Vec<&str> = query
        .split('&')
        .map(|p| p.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "qualifier",
            "z",
            "a%20b",
            "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id",
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Security-Token",
            "X-Amz-Signature",
        ]
    );
    assert!(query.starts_with(
        "qualifier=prod%20live&z=1&a%20b=%C3%A9%2F~&X-Amzn-Bedrock-AgentCore-Runtime-Session-Id=session%20with%20spaces%2Fand%2Bplus%3D0123456789&"
    ));
    assert!(query.contains("&X-Amz-SignedHeaders=host&"));

    let reserved = Presign::new(Duration::from_secs(60)).param("X-Amz-Date", "x");
    let result = client()
        .presigned_url(&session)
        .presign(reserved.clone())
        .send()
        .await;
    assert!(matches!(result, Err(Error::ReservedQueryParameter(name)) if name == "X-Amz-Date"));
}

#[test]
fn empty_bearer_token() {
    let result = client().oauth_headers(&session(ARN), "");
    assert!(matches!(result, Err(Error::EmptyBearerToken)));
    let result = client().oauth_headers(&session(ARN), "bad\ntoken");
    assert!(matches!(
        result,
        Err(Error::InvalidHeaderValue("authorization"))
    ));
}

#[test]
fn session_ids() {
    for (len, ok) in [
        (0, false),
        (32, false),
        (33, true),
        (256, true),
        (257, false),
    ] {
        let parsed = "s".repeat(len).parse::<SessionId>().map_err(Error::from);
        assert_eq!(parsed.is_ok(), ok, "{len}");
        if !ok {
            assert!(matches!(parsed, Err(Error::InvalidSessionId(_))));
        }
    }
    let generated = session(ARN);
    let id = generated.session_id().as_str();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
    assert_ne!(session(ARN).session_id(), generated.session_id());
}

#[tokio::test]
async fn sigv4_needs_credentials_oauth_does_not() {
    let client = RuntimeClient::builder().build().unwrap();
    let result = client.sigv4_headers(&session(ARN)).await;
    assert!(matches!(result, Err(Error::NoCredentials)));
    let result = client
        .presigned_url(&session(ARN))
        .expires(Duration::from_secs(9))
        .send()
        .await;
    assert!(matches!(result, Err(Error::NoCredentials)));
    assert!(client.oauth_headers(&session(ARN), "t").is_ok());
}

#[tokio::test]
async fn endpoint_override_for_local_emulators() {
    let client = RuntimeClient::builder()
        .credentials_provider(Credentials::new("AKID", SECRET, None, None, "t"))
        .endpoint("http://127.0.0.1:9999/")
        .build()
        .unwrap();
    let request = client.sigv4_headers(&session(ARN)).await.unwrap();
    assert!(
        request
            .url()
            .starts_with("ws://127.0.0.1:9999/runtimes/arn%3Aaws%3A")
    );
    assert_eq!(request.headers()["host"], "127.0.0.1:9999");
}

#[tokio::test]
async fn nothing_secret_in_debug_output() {
    let client = client();
    let session = session(ARN);
    let sigv4 = client.sigv4_headers(&session).await.unwrap();
    let signature = sigv4.headers()["authorization"]
        .to_str()
        .unwrap()
        .rsplit('=')
        .next()
        .unwrap()
        .to_owned();
    let oauth = client.oauth_headers(&session, "bearer-secret-jwt").unwrap();
    let presigned = client
        .presigned_url(&session)
        .presign(Presign::new(Duration::from_secs(60)).clone())
        .send()
        .await
        .unwrap();
    let presigned_signature = presigned.as_str().rsplit('=').next().unwrap().to_owned();
    let auth = Auth::Bearer("bearer-secret-jwt".into());
    let builder = RuntimeClient::builder().credentials_provider(Credentials::new(
        "AKID",
        SECRET,
        Some(TOKEN.into()),
        None,
        "t",
    ));

    let debug = format!("{client:?} {sigv4:?} {oauth:?} {presigned:?} {auth:?} {builder:?}");
    for secret in [
        SECRET,
        TOKEN,
        "bearer-secret-jwt",
        &signature,
        &presigned_signature,
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    // The request Debug still says which headers there are.
    assert!(debug.contains("x-amz-date"), "{debug}");
}
