//! SigV4 verification, written from the specification (not from the signing library the
//! client uses, so that it checks the client independently): header and query (presigned)
//! signatures, clock skew and expiry.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

use crate::error::ServiceError;

/// The only algorithm.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service name in the credential scope.
pub(crate) const SERVICE: &str = "bedrock-agentcore";

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A key the emulator accepts.
///
/// ```
/// use agentcore_emulator::Credentials;
///
/// let key = Credentials {
///     access_key: "AKIDLOCAL".into(),
///     secret_key: "local-secret".into(),
///     session_token: None,
/// };
/// assert!(!format!("{key:?}").contains("local-secret"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    /// The access key id.
    pub access_key: String,
    /// The secret key.
    pub secret_key: String,
    /// The session token that must accompany it, for temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The parts of a request a signature covers, but the body.
#[derive(Clone, Copy)]
pub(crate) struct SignedRequest<'a> {
    pub(crate) method: &'a str,
    /// The path exactly as received (percent-encoded once).
    pub(crate) path: &'a str,
    /// The raw query string, if any.
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
}

/// What a verification needs to know besides the request.
pub(crate) struct Verifier<'a> {
    pub(crate) credentials: &'a [Credentials],
    pub(crate) region: &'a str,
    pub(crate) now: SystemTime,
    pub(crate) clock_skew: Duration,
    /// Host names signatures may have been made for besides the request's `Host` (an
    /// SDK signs for the AWS host even when the URL is rewritten to the emulator).
    pub(crate) signing_hosts: &'a [String],
}

/// The longest validity of a presigned URL SigV4 allows: 7 days.
pub(crate) const MAX_EXPIRES_SECS: u64 = 604_800;

/// The payload hash of a presigned request, whose payload is not signed.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The SHA-256 of `bytes`, in lower-case hex: the payload hash of a body.
pub(crate) fn payload_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// How far a header check of a signature got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeadCheck {
    /// Verified: presigned (no payload), or signed over the payload hash the client
    /// declared in `x-amz-content-sha256`, which the body must then match.
    Verified { declared_payload: Option<String> },
    /// Everything but the signature, which covers a body not read yet.
    NeedsBody,
}

/// Whether the request carries a SigV4 signature (header or query).
pub(crate) fn is_signed(request: &SignedRequest<'_>) -> bool {
    let header = request
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(ALGORITHM));
    header
        || query_pairs(request.query)
            .iter()
            .any(|(k, _)| k == "X-Amz-Signature")
}

impl Verifier<'_> {
    /// Checks what the head of `request` allows before its body is read: everything for a
    /// presigned URL or a declared payload hash, everything but the signature otherwise.
    pub(crate) fn check_head(
        &self,
        request: &SignedRequest<'_>,
    ) -> Result<HeadCheck, ServiceError> {
        let admitted = self.admit(request)?;
        if admitted.presigned {
            // The payload is not part of a presigned URL's signature.
            let empty = payload_hash(b"");
            self.check_signature(request, &admitted, &[UNSIGNED_PAYLOAD, &empty])?;
            return Ok(HeadCheck::Verified {
                declared_payload: None,
            });
        }
        match header_text(request.headers, "x-amz-content-sha256") {
            Some(declared) => {
                self.check_signature(request, &admitted, &[declared])?;
                let declared = (declared != UNSIGNED_PAYLOAD).then(|| declared.to_owned());
                Ok(HeadCheck::Verified {
                    declared_payload: declared,
                })
            }
            None => Ok(HeadCheck::NeedsBody),
        }
    }

    /// Verifies the signature of `request` over a body with this SHA-256 (hex).
    pub(crate) fn verify(
        &self,
        request: &SignedRequest<'_>,
        payload: &str,
    ) -> Result<(), ServiceError> {
        let admitted = self.admit(request)?;
        self.check_signature(request, &admitted, &[payload])
    }

    /// Whom, when, the scope and the token: what needs no signature to refuse.
    fn admit<'k>(&'k self, request: &SignedRequest<'_>) -> Result<Admitted<'k>, ServiceError> {
        let query = query_pairs(request.query);
        let presigned = query.iter().any(|(k, _)| k == "X-Amz-Signature");
        let auth = signature_fields(request, &query, presigned)?;
        let key = self
            .credentials
            .iter()
            .find(|c| c.access_key == auth.access_key)
            .ok_or_else(|| {
                ServiceError::unauthorized("The security token included in the request is invalid.")
            })?;
        let (scope_date, region, service) = auth.scope()?;
        if region != self.region || service != SERVICE {
            return Err(ServiceError::access_denied(format!(
                "Credential should be scoped to a valid region and service: expected {}/{SERVICE}, got {region}/{service}",
                self.region
            )));
        }
        let signed_at = parse_amz_date(&auth.amz_date)
            .ok_or_else(|| ServiceError::access_denied("X-Amz-Date is not a valid date"))?;
        if !auth.amz_date.starts_with(scope_date) {
            return Err(ServiceError::access_denied(
                "the credential scope date is not the request date",
            ));
        }
        self.check_time(signed_at, auth.expires)?;
        if let Some(token) = &key.session_token {
            let sent = if presigned {
                query
                    .iter()
                    .find(|(k, _)| k == "X-Amz-Security-Token")
                    .map(|(_, v)| v.clone())
            } else {
                header_text(request.headers, "x-amz-security-token").map(str::to_owned)
            };
            if sent.as_deref() != Some(token) {
                return Err(ServiceError::unauthorized(
                    "The security token included in the request is invalid.",
                ));
            }
        }
        if !auth.signed_headers.iter().any(|h| h == "host") {
            return Err(ServiceError::access_denied(
                "the host header must be signed",
            ));
        }
        Ok(Admitted {
            auth,
            key,
            query,
            presigned,
        })
    }

    /// Compares the signature with those of the request for each payload hash and each
    /// host it may have been signed for.
    fn check_signature(
        &self,
        request: &SignedRequest<'_>,
        admitted: &Admitted<'_>,
        payloads: &[&str],
    ) -> Result<(), ServiceError> {
        let Admitted {
            auth,
            key,
            query,
            presigned,
        } = admitted;
        let (scope_date, region, _) = auth.scope()?;
        let hosts =
            std::iter::once(None).chain(self.signing_hosts.iter().map(|h| Some(h.as_str())));
        for host in hosts {
            for payload in payloads {
                let canonical = canonical_request(
                    request,
                    &auth.signed_headers,
                    query,
                    *presigned,
                    host,
                    payload,
                )?;
                let string_to_sign = format!(
                    "{ALGORITHM}\n{}\n{}\n{}",
                    auth.amz_date,
                    auth.credential_scope(),
                    hex(&Sha256::digest(canonical.as_bytes()))
                );
                let expected = hex(&signature(
                    &key.secret_key,
                    scope_date,
                    region,
                    &string_to_sign,
                ));
                if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
                    return Ok(());
                }
            }
        }
        Err(ServiceError::access_denied(
            "The request signature we calculated does not match the signature you provided.",
        ))
    }

    fn check_time(&self, signed_at: SystemTime, expires: Option<u64>) -> Result<(), ServiceError> {
        match expires {
            Some(expires) => {
                // Checked: a client's number must not overflow the clock.
                let until = signed_at
                    .checked_add(Duration::from_secs(expires))
                    .ok_or_else(|| ServiceError::access_denied("X-Amz-Expires is out of range"))?;
                if self.now > until {
                    return Err(ServiceError::access_denied("Request has expired"));
                }
                let not_before = self.now.checked_add(self.clock_skew).unwrap_or(self.now);
                if signed_at > not_before {
                    return Err(ServiceError::access_denied("Request is not yet valid"));
                }
            }
            None => {
                let skew = match self.now.duration_since(signed_at) {
                    Ok(behind) => behind,
                    Err(ahead) => ahead.duration(),
                };
                if skew > self.clock_skew {
                    return Err(ServiceError::access_denied(
                        "Signature expired: the request time is too far from the server time",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A request whose credentials, time and scope passed.
struct Admitted<'k> {
    auth: Auth,
    key: &'k Credentials,
    query: Vec<(String, String)>,
    presigned: bool,
}

/// The signature fields, from the header or the query.
struct Auth {
    access_key: String,
    credential: String,
    signed_headers: Vec<String>,
    signature: String,
    amz_date: String,
    expires: Option<u64>,
}

impl Auth {
    /// `(date, region, service)` of the credential scope.
    fn scope(&self) -> Result<(&str, &str, &str), ServiceError> {
        let parts: Vec<&str> = self.credential.split('/').collect();
        match parts[..] {
            [_, date, region, service, "aws4_request"] => Ok((date, region, service)),
            _ => Err(ServiceError::access_denied("malformed credential scope")),
        }
    }

    fn credential_scope(&self) -> String {
        self.credential
            .split_once('/')
            .map(|(_, scope)| scope.to_owned())
            .unwrap_or_default()
    }
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn from_header(headers: &HeaderMap) -> Result<Auth, ServiceError> {
    let value = header_text(headers, "authorization")
        .ok_or_else(|| ServiceError::unauthorized("Missing Authentication Token"))?;
    let rest = value
        .strip_prefix(ALGORITHM)
        .ok_or_else(|| ServiceError::unauthorized("unsupported authorization scheme"))?;
    let mut fields = BTreeMap::new();
    for part in rest.split(',') {
        if let Some((name, value)) = part.trim().split_once('=') {
            fields.insert(name.trim(), value.trim());
        }
    }
    let field = |name: &str| {
        fields.get(name).map(|v| (*v).to_owned()).ok_or_else(|| {
            ServiceError::access_denied(format!("Authorization header requires '{name}'"))
        })
    };
    let credential = field("Credential")?;
    let amz_date = header_text(headers, "x-amz-date")
        .ok_or_else(|| {
            ServiceError::access_denied("Authorization header requires the X-Amz-Date header")
        })?
        .to_owned();
    Ok(Auth {
        access_key: credential.split('/').next().unwrap_or_default().to_owned(),
        signed_headers: field("SignedHeaders")?
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: field("Signature")?,
        credential,
        amz_date,
        expires: None,
    })
}

fn from_query(query: &[(String, String)]) -> Result<Auth, ServiceError> {
    let field = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| ServiceError::access_denied(format!("presigned URL requires '{name}'")))
    };
    if field("X-Amz-Algorithm")? != ALGORITHM {
        return Err(ServiceError::access_denied("unsupported X-Amz-Algorithm"));
    }
    let expires: u64 = field("X-Amz-Expires")?
        .parse()
        .map_err(|_| ServiceError::access_denied("X-Amz-Expires is not a number"))?;
    if expires > MAX_EXPIRES_SECS {
        return Err(ServiceError::access_denied(format!(
            "X-Amz-Expires must be at most {MAX_EXPIRES_SECS} seconds (7 days), got {expires}"
        )));
    }
    let credential = field("X-Amz-Credential")?;
    Ok(Auth {
        access_key: credential.split('/').next().unwrap_or_default().to_owned(),
        signed_headers: field("X-Amz-SignedHeaders")?
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: field("X-Amz-Signature")?,
        credential,
        amz_date: field("X-Amz-Date")?,
        expires: Some(expires),
    })
}

/// The signature fields of a request: from its query when presigned, else its header.
fn signature_fields(
    request: &SignedRequest<'_>,
    query: &[(String, String)],
    presigned: bool,
) -> Result<Auth, ServiceError> {
    if presigned {
        from_query(query)
    } else {
        from_header(request.headers)
    }
}

/// The region the credential scope of a signed request names, unchecked (the Identity
/// operations are signed for whichever region the caller's endpoint is in); `None` when
/// the request carries no readable signature.
pub(crate) fn scope_region(request: &SignedRequest<'_>) -> Option<String> {
    let query = query_pairs(request.query);
    let presigned = query.iter().any(|(k, _)| k == "X-Amz-Signature");
    let auth = signature_fields(request, &query, presigned).ok()?;
    auth.scope().ok().map(|(_, region, _)| region.to_owned())
}

/// The query's name/value pairs, percent-decoded, in order.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', "%2B"))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (decode(name), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

fn canonical_request(
    request: &SignedRequest<'_>,
    signed_headers: &[String],
    query: &[(String, String)],
    presigned: bool,
    host: Option<&str>,
    payload: &str,
) -> Result<String, ServiceError> {
    // The URI: each segment of the path as received, encoded once more.
    let uri = request
        .path
        .split('/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    let mut params: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !(presigned && k == "X-Amz-Signature"))
        .map(|(k, v)| (encode(k), encode(v)))
        .collect();
    params.sort();
    let query = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers = String::new();
    for name in signed_headers {
        if let (Some(host), "host") = (host, name.as_str()) {
            headers.push_str(&format!("host:{host}\n"));
            continue;
        }
        let values: Vec<String> = request
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| collapse_spaces(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if values.is_empty() {
            return Err(ServiceError::access_denied(format!(
                "signed header '{name}' is missing"
            )));
        }
        headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    Ok(format!(
        "{}\n{uri}\n{query}\n{headers}\n{}\n{payload}",
        request.method,
        signed_headers.join(";")
    ))
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn signature(secret: &str, date: &str, region: &str, string_to_sign: &str) -> Vec<u8> {
    let key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let key = hmac(&key, region.as_bytes());
    let key = hmac(&key, SERVICE.as_bytes());
    let key = hmac(&key, b"aws4_request");
    hmac(&key, string_to_sign.as_bytes())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `20261121T123456Z` → the time.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| value.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// (year, month, day) to days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse() {
        let t = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_440_938_160
        );
        assert!(parse_amz_date("20150830T123600").is_none());
        assert!(parse_amz_date("20151330T123600Z").is_none());
    }

    #[test]
    fn signing_key_matches_the_aws_documentation_example() {
        // From the AWS General Reference, "Examples of how to derive a signing key":
        // secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
        let key = hmac(b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", b"20120215");
        let key = hmac(&key, b"us-east-1");
        let key = hmac(&key, b"iam");
        let key = hmac(&key, b"aws4_request");
        assert_eq!(
            hex(&key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    /// The reference's recorded vectors (botocore) must verify, and fail when altered.
    #[test]
    fn the_shared_sigv4_vectors_verify() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/conformance/sigv4-vectors.json"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            return; // The shared folder is not next to this checkout.
        };
        let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut checked = 0;
        for vector in vectors.as_array().unwrap() {
            let kind = vector["kind"].as_str().unwrap();
            if kind == "ws_oauth_headers" {
                continue;
            }
            let url = vector["expected"]["url"].as_str().unwrap();
            let rest = url.strip_prefix("wss://").unwrap();
            let (host, path_query) = rest.split_once('/').unwrap();
            let path_query = format!("/{path_query}");
            let (path, query) = match path_query.split_once('?') {
                Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
                None => (path_query.clone(), None),
            };
            let mut headers = HeaderMap::new();
            headers.insert("host", host.parse().unwrap());
            if let Some(map) = vector["expected"]["headers"].as_object() {
                for (name, value) in map {
                    let name =
                        http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).unwrap();
                    headers.insert(name, value.as_str().unwrap().parse().unwrap());
                }
            }
            let creds = &vector["credentials"];
            let credentials = [Credentials {
                access_key: creds["access_key"].as_str().unwrap().into(),
                secret_key: creds["secret_key"].as_str().unwrap().into(),
                session_token: creds["session_token"].as_str().map(str::to_owned),
            }];
            let time =
                parse_amz_date(&vector["time"].as_str().unwrap().replace(['-', ':'], "")).unwrap();
            let region = vector["region"].as_str().unwrap();
            let verifier = Verifier {
                credentials: &credentials,
                region,
                now: time,
                clock_skew: Duration::from_secs(300),
                signing_hosts: &[],
            };
            let request = SignedRequest {
                method: "GET",
                path: &path,
                query: query.as_deref(),
                headers: &headers,
            };
            assert!(is_signed(&request));
            let empty = payload_hash(b"");
            let head = verifier.check_head(&request);
            match head {
                Ok(HeadCheck::Verified { .. }) => {}
                Ok(HeadCheck::NeedsBody) => verifier
                    .verify(&request, &empty)
                    .unwrap_or_else(|e| panic!("{kind} {url}: {e}")),
                Err(e) => panic!("{kind} {url}: {e}"),
            }

            // Signed for the AWS host: accepted behind a rewritten host only when that
            // host is a configured signing host.
            let mut moved = headers.clone();
            moved.insert("host", "127.0.0.1:9090".parse().unwrap());
            let rewritten = SignedRequest {
                headers: &moved,
                ..request
            };
            assert!(verifier.verify(&rewritten, &empty).is_err());
            let aws_host = [host.to_owned()];
            let with_host = Verifier {
                signing_hosts: &aws_host,
                ..verifier
            };
            with_host
                .verify(&rewritten, &empty)
                .unwrap_or_else(|e| panic!("{kind} {url} via the signing host: {e}"));

            // Tampering is caught: another path, or a later time for presigned URLs.
            let other = path.replace("/ws", "/invocations");
            let tampered = SignedRequest {
                path: &other,
                ..request
            };
            assert!(verifier.verify(&tampered, &empty).is_err());
            let late = Verifier {
                now: time + Duration::from_secs(3600),
                ..verifier
            };
            assert!(late.verify(&request, &empty).is_err());
            checked += 1;
        }
        assert!(checked >= 10, "only {checked} vectors");
    }

    #[test]
    fn presigned_expiry_is_bounded_and_never_overflows() {
        let credentials = [Credentials {
            access_key: "AKID".into(),
            secret_key: "secret".into(),
            session_token: None,
        }];
        let now = parse_amz_date("20261201T000000Z").unwrap();
        let verifier = Verifier {
            credentials: &credentials,
            region: "us-east-1",
            now,
            clock_skew: Duration::from_secs(300),
            signing_hosts: &[],
        };
        let headers = HeaderMap::new();
        for (expires, refusal) in [
            ("18446744073709551615", "at most 604800"),
            ("604801", "at most 604800"),
        ] {
            let query = format!(
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261201%2Fus-east-1%2Fbedrock-agentcore%2Faws4_request&X-Amz-Date=20261201T000000Z&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
            );
            let request = SignedRequest {
                method: "GET",
                path: "/runtimes/x/ws",
                query: Some(&query),
                headers: &headers,
            };
            let err = verifier.check_head(&request).unwrap_err();
            assert!(err.message.contains(refusal), "{expires}: {err}");
        }
        // Within the bound, a far date cannot overflow either.
        assert!(verifier.check_time(now, Some(MAX_EXPIRES_SECS)).is_ok());
        let far = UNIX_EPOCH + Duration::from_secs(1 << 40);
        assert!(verifier.check_time(far, Some(MAX_EXPIRES_SECS)).is_err());
    }

    #[test]
    fn the_scope_region_comes_from_the_header_or_the_query() {
        let empty = HeaderMap::new();
        let unsigned = SignedRequest {
            method: "POST",
            path: "/identities/api-key",
            query: None,
            headers: &empty,
        };
        assert_eq!(scope_region(&unsigned), None);
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20261201/eu-central-1/bedrock-agentcore/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
                .parse()
                .unwrap(),
        );
        headers.insert("x-amz-date", "20261201T000000Z".parse().unwrap());
        let signed = SignedRequest {
            headers: &headers,
            ..unsigned
        };
        assert_eq!(scope_region(&signed).as_deref(), Some("eu-central-1"));
        let presigned = SignedRequest {
            query: Some(
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261201%2Fap-south-1%2Fbedrock-agentcore%2Faws4_request&X-Amz-Date=20261201T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
            ),
            ..unsigned
        };
        assert_eq!(scope_region(&presigned).as_deref(), Some("ap-south-1"));
    }

    #[test]
    fn query_pairs_decode_and_keep_order() {
        let pairs = query_pairs(Some("b=2&a=x%20y&c&X-Amz-Credential=AK%2F2026"));
        assert_eq!(
            pairs,
            vec![
                ("b".into(), "2".into()),
                ("a".into(), "x y".into()),
                ("c".into(), String::new()),
                ("X-Amz-Credential".into(), "AK/2026".into()),
            ]
        );
    }
}
