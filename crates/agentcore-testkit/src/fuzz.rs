//! The bodies of the fuzz targets in `fuzz/` (issue 20): one function a parser of outside
//! input, taking the fuzzer's bytes. libFuzzer calls them from `fuzz/fuzz_targets/`
//! (`cargo xtask fuzz`); the stable test `tests/fuzz_replay.rs` calls the same functions
//! on every committed seed (`fuzz/seeds/<target>/`) and every minimized crasher kept as
//! a regression (`fuzz/regressions/<target>/`).
//!
//! Each one panics only when a property breaks: a parser panicked, a round trip
//! (encode, then decode) changed the value, or a verifier accepted what it must refuse.
//! Where raw bytes would never get past a parser's first check, the bytes are read as a
//! structure ([`arbitrary::Unstructured`]): a valid signed request, then a mutation.
//!
//! ```
//! for (name, target) in agentcore_testkit::fuzz::TARGETS {
//!     target(b"");
//!     target(b"data: {\"x\": 1}\n\n");
//!     assert!(!name.is_empty());
//! }
//! ```

use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use agentcore_client::{CommandDecoder, CommandEvent, CommandStatus};
use agentcore_contract::baggage::{self, RoutingExperiment};
use agentcore_contract::shell::{Channel, Frame, Resize, ShellId, ShellStatus};
use agentcore_contract::sse::{self, SseDecoder, SseEvent};
use agentcore_contract::{Region, RuntimeArn, SessionId, forward};
use agentcore_emulator::Emulator;
use arbitrary::Unstructured;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every target, by the name of its binary in `fuzz/fuzz_targets/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("sse_decoder", sse_decoder),
    ("event_stream", event_stream),
    ("shell_frame", shell_frame),
    ("arn", arn),
    ("baggage", baggage),
    ("invocation_payload", invocation_payload),
    ("emulator_sigv4", emulator_sigv4),
    ("emulator_jwt", emulator_jwt),
    ("a2a_request", a2a_request),
    ("ag_ui_request", ag_ui_request),
];

/// The stream bytes and the ranges of its chunks, chosen by the first bytes
/// (a count, then that many chunk lengths): the boundaries of network reads..
fn split(data: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut u = Unstructured::new(data);
    let count = u.int_in_range(0..=8u8).unwrap_or(0);
    let lengths: Vec<usize> = (0..count)
        .map(|_| usize::from(u.arbitrary::<u8>().unwrap_or(1)))
        .collect();
    let stream = u.take_rest().to_vec();
    let mut ranges = Vec::new();
    let mut start = 0;
    for length in lengths {
        let end = (start + length).min(stream.len());
        ranges.push((start, end));
        start = end;
    }
    ranges.push((start, stream.len()));
    (stream, ranges)
}

/// The SSE decoder (HTML standard), fed in chunks the fuzzer picks: never panics, and
/// the events do not depend on where the chunks break. Then a round trip: a
/// `data_event` of the input's text decodes back to that text.
pub fn sse_decoder(data: &[u8]) {
    let (stream, ranges) = split(data);
    let whole = sse::decode_all(&stream);
    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    let mut failed = false;
    for (start, end) in ranges {
        if decoder.push(&stream[start..end]).is_err() {
            failed = true;
            break;
        }
        while let Some(event) = decoder.next_event() {
            events.push(event);
        }
    }
    let _ = decoder.last_event_id();
    if !failed {
        events.extend(decoder.finish());
    }
    if let (Ok(whole), false) = (&whole, failed) {
        assert_eq!(&events, whole, "the chunk boundaries changed the events");
    }
    for event in &events {
        let _ = event.event_type();
        let _ = sse::AgentErrorEvent::from_data(&event.data);
    }
    // Round trip: the encoder's event decodes to the value encoded.
    let text = String::from_utf8_lossy(&stream).into_owned();
    let encoded = sse::data_event(&text).expect("a string serializes");
    let decoded = sse::decode_all(&encoded).expect("an encoded event decodes");
    assert_eq!(decoded.len(), 1, "one event encoded, {decoded:?} decoded");
    let back: String = serde_json::from_str(&decoded[0].data).expect("the data is JSON");
    assert_eq!(back, text);
    let mut limited = SseDecoder::with_max_event_bytes(64);
    if limited.push(&stream).is_ok() {
        while limited.next_event().is_some() {}
    }
    let _ = SseEvent::new(text);
}

/// The commands' AWS event-stream decoder, fed in chunks the fuzzer picks: never
/// panics; and an encoded stream of events (the emulator's encoder) decodes to them.
pub fn event_stream(data: &[u8]) {
    let (stream, ranges) = split(data);
    let mut decoder = CommandDecoder::new();
    'feed: for (start, end) in ranges {
        decoder.push(&stream[start..end]);
        loop {
            match decoder.next_event() {
                Ok(Some(event)) => {
                    let _ = event.to_json();
                }
                Ok(None) => break,
                Err(_) => break 'feed,
            }
        }
    }
    let _ = decoder.stopped();
    let _ = decoder.finish();

    // Round trip through the encoder, on events read from the same bytes.
    let mut u = Unstructured::new(data);
    let mut events = Vec::new();
    while events.len() < 4 && !u.is_empty() {
        let event = match u.int_in_range(0..=3u8).unwrap_or(0) {
            0 => CommandEvent::Start,
            1 => CommandEvent::Delta {
                stdout: u.arbitrary().unwrap_or_default(),
                stderr: u.arbitrary().unwrap_or_default(),
            },
            2 => CommandEvent::Stop {
                exit_code: u.arbitrary().unwrap_or_default(),
                status: match u.int_in_range(0..=2u8).unwrap_or(0) {
                    0 => CommandStatus::Completed,
                    1 => CommandStatus::TimedOut,
                    _ => CommandStatus::from(u.arbitrary::<&str>().unwrap_or("X")),
                },
            },
            _ => CommandEvent::Unknown(
                json!({ "other": u.arbitrary::<String>().unwrap_or_default() }),
            ),
        };
        events.push(event);
    }
    let mut encoded = Vec::new();
    for event in &events {
        encoded.extend_from_slice(&agentcore_emulator::command::event_frame(&event.to_json()));
    }
    let mut decoder = CommandDecoder::new();
    decoder.push(&encoded);
    let mut decoded = Vec::new();
    while let Some(event) = decoder.next_event().expect("an encoded frame decodes") {
        decoded.push(event);
    }
    assert_eq!(decoded, events, "encode then decode changed the events");
}

/// Shell frames, `RESIZE` and `STATUS` JSON, shell ids: never panic; a decoded frame
/// encodes to the bytes it came from; a status and a frame survive encode → decode.
pub fn shell_frame(data: &[u8]) {
    if let Ok(frame) = Frame::decode(data) {
        assert_eq!(
            &frame.encode()[..],
            data,
            "a decoded frame re-encodes differently"
        );
        match frame.channel() {
            Channel::Status => {
                if let Ok(status) = ShellStatus::from_json(frame.payload()) {
                    let _ = status.exit_code();
                    let again = ShellStatus::from_json(status.to_json().as_bytes())
                        .expect("an encoded status decodes");
                    assert_eq!(again, status);
                }
            }
            Channel::Resize => {
                let _ = Resize::from_json(frame.payload());
            }
            _ => {}
        }
    }
    let _ = Frame::decode_bytes(Bytes::copy_from_slice(data));
    let _ = ShellStatus::from_json(data);
    let _ = Resize::from_json(data);
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(id) = ShellId::new(text)
    {
        assert_eq!(id.as_str(), text);
    }
    if let Some((&channel, payload)) = data.split_first() {
        if payload.len() <= agentcore_contract::shell::MAX_PAYLOAD_BYTES {
            let frame = Frame::new(Channel::from_byte(channel), Bytes::copy_from_slice(payload));
            let decoded = Frame::decode(&frame.encode()).expect("an encoded frame decodes");
            assert_eq!(decoded, frame);
        }
        for chunk in Frame::chunks(Channel::Stdout, Bytes::copy_from_slice(payload)) {
            assert!(chunk.payload().len() <= agentcore_contract::shell::MAX_PAYLOAD_BYTES);
            Frame::decode(&chunk.encode()).expect("a chunk decodes");
        }
    }
}

/// Runtime ARNs, regions and partitions, session ids: never panic; an accepted value
/// keeps its text and its parts name it again.
pub fn arn(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(arn) = RuntimeArn::new(text.as_ref()) {
        assert_eq!(arn.as_str(), text);
        let again = RuntimeArn::new(format!(
            "arn:{}:bedrock-agentcore:{}:{}:runtime/{}",
            arn.partition(),
            arn.region(),
            arn.account(),
            arn.runtime_id()
        ))
        .expect("an ARN rebuilt from its parts");
        assert_eq!(again, arn);
        let _ = arn.path_segment();
        for operation in ["invocations", "ws", "commands", "stopruntimesession"] {
            if let Some(op) = agentcore_contract::endpoint::RuntimeOperation::from_suffix(operation)
            {
                let _ = op.path(&arn);
            }
        }
    }
    if let Ok(region) = Region::new(text.as_ref()) {
        assert_eq!(region.as_str(), text);
        let _ = region.partition();
        let _ = agentcore_contract::endpoint::data_plane(&region);
        let _ = agentcore_contract::endpoint::control_plane(&region);
    }
    if let Ok(session) = SessionId::new(text.as_ref()) {
        assert_eq!(session.as_str(), text);
    }
    let _ = text.parse::<agentcore_contract::Partition>();
    let _ = agentcore_contract::endpoint::check_data_plane_override(&text);
    let _ = agentcore_contract::endpoint::RuntimeOperation::from_suffix(&text);
    let _ = agentcore_contract::encoding::percent_encode(&text);
}

/// W3C baggage and the header-forwarding rule: never panic.
pub fn baggage(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let entries = baggage::parse(&text);
    let _ = RoutingExperiment::from_entries(&entries);
    for line in text.split('\n') {
        let name = line.split(':').next().unwrap_or_default();
        let _ = forward::is_forwarded(name);
        let _ = forward::context_key(name);
    }
}

/// The typed payload of [`invocation_payload`]'s agent: what a handler declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    name: String,
    count: u32,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    note: Option<String>,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Small,
    Large,
}

/// One in-process agent host a thread (libFuzzer runs one), with its runtime.
struct Host {
    runtime: tokio::runtime::Runtime,
    invocations: agentcore_server::testing::TestClient,
    ag_ui: agentcore_server::testing::TestClient,
}

thread_local! {
    static HOST: RefCell<Option<Host>> = const { RefCell::new(None) };
}

fn with_host<R>(f: impl FnOnce(&Host) -> R) -> R {
    HOST.with(|host| {
        let mut host = host.borrow_mut();
        let host = host.get_or_insert_with(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            let (invocations, ag_ui) = runtime.block_on(async {
                let invocations =
                    agentcore_server::App::new().entrypoint(|order: Order| async move {
                        Ok::<_, agentcore_server::BoxError>(order)
                    });
                let ag_ui = agentcore_server::App::new().ag_ui(
                    |input: agentcore_server::ag_ui::RunAgentInput,
                     _ctx: agentcore_server::RequestContext| async move {
                        futures_util::stream::iter([Ok::<_, std::io::Error>(
                            agentcore_server::ag_ui::Event::text_start("m"),
                        )])
                        .chain(futures_util::stream::iter(
                            input
                                .last_user_text()
                                .map(|_| Ok(agentcore_server::ag_ui::Event::text_end("m"))),
                        ))
                    },
                );
                (
                    agentcore_server::testing::TestClient::new(invocations),
                    agentcore_server::testing::TestClient::new(ag_ui),
                )
            });
            Host {
                runtime,
                invocations,
                ag_ui,
            }
        });
        f(host)
    })
}

use futures_util::StreamExt as _;

/// A `POST /invocations` with the fuzzer's body (and a content type it picks), through
/// the host's decode path into a typed payload: never a 5xx; a UTF-8 body that is an `Order`
/// is answered 200 with that order; a 200 always carries an `Order`.
pub fn invocation_payload(data: &[u8]) {
    let (content_type, body) = match data.split_first() {
        Some((0, rest)) => ("text/plain", rest),
        Some((1, rest)) => ("application/json; charset=utf-8", rest),
        _ => ("application/json", data),
    };
    let request = http::Request::post("/invocations")
        .header(http::header::CONTENT_TYPE, content_type)
        .body(Bytes::copy_from_slice(body))
        .expect("a request");
    let response = with_host(|host| host.runtime.block_on(host.invocations.request(request)));
    let status = response.status();
    assert!(!status.is_server_error(), "{status}: {}", response.text());
    // serde_json skips an unknown field's string without checking its UTF-8; the host
    // checks the whole body first (400 "Invalid encoding"), as the contract says. The
    // fuzzer's first crash was this oracle's, kept in fuzz/regressions/.
    if let Ok(text) = std::str::from_utf8(body)
        && let Ok(order) = serde_json::from_str::<Order>(text)
        && content_type != "text/plain"
    {
        assert_eq!(status, 200, "{}", response.text());
        assert_eq!(response.json::<Order>(), order);
    }
    if status == 200 {
        let _: Order = serde_json::from_slice(response.bytes()).expect("a 200 answers an Order");
    }
}

/// The AG-UI agent's run input (`POST /invocations` of an `App::ag_ui`): never a 5xx,
/// and a `RunAgentInput` survives serialize → deserialize.
pub fn ag_ui_request(data: &[u8]) {
    if let Ok(input) = serde_json::from_slice::<agentcore_server::ag_ui::RunAgentInput>(data) {
        let text = serde_json::to_vec(&input).expect("an input serializes");
        let again: agentcore_server::ag_ui::RunAgentInput =
            serde_json::from_slice(&text).expect("a serialized input deserializes");
        assert_eq!(again, input);
        let _ = input.last_user_text();
    }
    let request = http::Request::post("/invocations")
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "text/event-stream")
        .body(Bytes::copy_from_slice(data))
        .expect("a request");
    let response = with_host(|host| host.runtime.block_on(host.ag_ui.request(request)));
    let status = response.status();
    assert!(!status.is_server_error(), "{status}: {}", response.text());
    if status == 200 {
        let _ = response.events();
    }
}

/// A2A's messages and stream responses (what `message/send` carries and what a client
/// reads back): never panic, and a decoded value survives serialize → deserialize.
pub fn a2a_request(data: &[u8]) {
    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(
        data: &[u8],
    ) {
        if let Ok(value) = serde_json::from_slice::<T>(data) {
            let text = serde_json::to_vec(&value).expect("serializes");
            let again: T = serde_json::from_slice(&text).expect("deserializes again");
            assert_eq!(again, value);
        }
    }
    round_trip::<agentcore_server::a2a::Message>(data);
    round_trip::<agentcore_server::a2a::Task>(data);
    round_trip::<agentcore_server::a2a::StreamResponse>(data);
    if let Ok(request) = serde_json::from_slice::<Value>(data)
        && let Some(params) = request.get("params").and_then(|p| p.get("message"))
    {
        let _ = serde_json::from_value::<agentcore_server::a2a::Message>(params.clone());
    }
}

/// The emulator's SigV4 keys, region and time, as [`emulator_sigv4`] signs with them.
const ACCESS_KEY: &str = "AKIDFUZZ";
const SECRET_KEY: &str = "fuzz-secret";
const FUZZ_REGION: &str = "us-west-2";
const FUZZ_ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/fuzz";
/// 2026-11-21T12:00:00Z: when the URL was signed.
const SIGNED_AT: u64 = 1_795_262_400;
const JWT_SECRET_FUZZ: &[u8] = b"fuzz-jwt-secret";

fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| {
        Emulator::builder()
            .credentials(ACCESS_KEY, SECRET_KEY, None)
            .jwt_hs256_secret(JWT_SECRET_FUZZ)
            .bearer_token("fixed-token")
            .build()
    })
}

/// A presigned URL for [`FUZZ_ARN`], made by the client (aws-sigv4), valid for 300 s
/// from [`SIGNED_AT`]: its path and its query pairs (raw, as sent).
fn presigned() -> &'static (String, Vec<(String, String)>) {
    static URL: OnceLock<(String, Vec<(String, String)>)> = OnceLock::new();
    URL.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let url = runtime.block_on(async {
            let client = agentcore_client::RuntimeClient::builder()
                .region(FUZZ_REGION)
                .endpoint("http://127.0.0.1:1")
                .credentials_provider(agentcore_client::Credentials::new(
                    ACCESS_KEY, SECRET_KEY, None, None, "fuzz",
                ))
                .clock(agentcore_client::StaticTimeSource::new(
                    UNIX_EPOCH + Duration::from_secs(SIGNED_AT),
                ))
                .build()
                .expect("a client");
            let session = agentcore_client::RuntimeSession::new(FUZZ_ARN.parse().expect("ARN"))
                .with_session_id(
                    "fuzz-session-0123456789abcdef0123456789"
                        .parse()
                        .expect("a session id"),
                );
            client
                .presigned_url(&session)
                .presign(agentcore_client::Presign::new(Duration::from_secs(300)))
                .send()
                .await
                .expect("a presigned URL")
                .into_string()
        });
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let path_and_query = &rest[rest.find('/').unwrap_or(rest.len())..];
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let pairs = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        (path.to_owned(), pairs)
    })
}

fn host_headers() -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::HOST,
        http::HeaderValue::from_static("127.0.0.1:1"),
    );
    headers
}

/// A query's pairs as a verifier reads them (split on `&`, empty pieces skipped, `+`
/// kept as a plus, percent-decoded), sorted as the canonical request sorts them: two
/// queries with the same pairs carry the same signed content.
fn decoded(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut all: Vec<_> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect();
    all.sort();
    all
}

fn joined(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The emulator's SigV4 verifier on a presigned URL the client signed, mutated by the
/// fuzzer (a query value replaced, a pair dropped or added, the expiry, the method, the
/// path, the clock): never panics, and accepts only a request whose signed parts are
/// the ones signed, within its validity. Then raw `Authorization` headers with the
/// known key id, to reach the header parser.
pub fn emulator_sigv4(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let (path, original) = presigned();
    let mut pairs = original.clone();
    let mut method = "GET".to_owned();
    let mut request_path = path.clone();
    let mut now = SIGNED_AT + 10;
    let mutations = u.int_in_range(0..=4u8).unwrap_or(0);
    for _ in 0..mutations {
        match u.int_in_range(0..=6u8).unwrap_or(0) {
            0 if !pairs.is_empty() => {
                let index = u.choose_index(pairs.len()).unwrap_or(0);
                pairs[index].1 = u.arbitrary::<String>().unwrap_or_default();
            }
            1 if !pairs.is_empty() => {
                let index = u.choose_index(pairs.len()).unwrap_or(0);
                pairs.remove(index);
            }
            2 => {
                let key = u.arbitrary::<String>().unwrap_or_default();
                let value = u.arbitrary::<String>().unwrap_or_default();
                pairs.push((key, value));
            }
            3 => {
                // The presigned-URL expiry, any number a client may send.
                let expires = u.arbitrary::<u64>().unwrap_or(u64::MAX);
                for pair in pairs.iter_mut().filter(|(k, _)| k == "X-Amz-Expires") {
                    pair.1 = expires.to_string();
                }
            }
            4 => method = u.arbitrary::<String>().unwrap_or_default(),
            5 => request_path = u.arbitrary::<String>().unwrap_or_default(),
            _ => now = u.arbitrary::<u64>().unwrap_or(0) % (SIGNED_AT * 2),
        }
    }
    let query = joined(&pairs);
    let at = UNIX_EPOCH + Duration::from_secs(now);
    let result = emulator().check_credentials(
        &method,
        &request_path,
        Some(&query),
        &host_headers(),
        b"",
        FUZZ_REGION,
        at,
    );
    if result.is_ok() {
        assert_eq!(method, "GET", "a changed method was accepted");
        assert_eq!(&request_path, path, "a changed path was accepted");
        assert_eq!(
            decoded(&query),
            decoded(&joined(original)),
            "a changed signed query was accepted: {query}"
        );
        assert!(
            (SIGNED_AT.saturating_sub(300)..=SIGNED_AT + 300).contains(&now),
            "accepted at {now}, signed at {SIGNED_AT} for 300 s"
        );
    }

    // A raw header signature with the known key: the header parser and the scope checks.
    let rest = u.take_rest();
    let text = String::from_utf8_lossy(rest);
    let (date, authorization) = text.split_once('\n').unwrap_or(("20261121T120000Z", &text));
    let mut headers = host_headers();
    let value = format!("AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{authorization}");
    if let (Ok(header), Ok(date)) = (
        http::HeaderValue::from_str(&value),
        http::HeaderValue::from_str(date),
    ) {
        headers.insert(http::header::AUTHORIZATION, header);
        headers.insert("x-amz-date", date);
        let result = emulator().check_credentials(
            "POST",
            "/runtimes/x/invocations",
            None,
            &headers,
            rest,
            FUZZ_REGION,
            UNIX_EPOCH + Duration::from_secs(SIGNED_AT),
        );
        assert!(
            result.is_err(),
            "a made-up signature was accepted: {value:?}"
        );
    }
}

/// The emulator's bearer check (fixed tokens, HS256 JWTs) on arbitrary tokens: never
/// panics; a made-up token is refused; a JWT signed with the secret is accepted exactly
/// when its `exp` is later than now and its `nbf`, if any, not later.
pub fn emulator_jwt(data: &[u8]) {
    let now = UNIX_EPOCH + Duration::from_secs(SIGNED_AT);
    let text = String::from_utf8_lossy(data);
    let check = |token: &str| {
        let mut headers = http::HeaderMap::new();
        let value = http::HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
        headers.insert(http::header::AUTHORIZATION, value);
        Some(
            emulator()
                .check_credentials("POST", "/x", None, &headers, b"", FUZZ_REGION, now)
                .is_ok(),
        )
    };
    if check(&text) == Some(true) {
        // Only the fixed token, or a JWT with the right signature (which the fuzzer
        // cannot forge), may pass.
        let token = text.trim();
        assert!(
            token == "fixed-token" || token.split('.').count() == 3,
            "accepted {token:?}"
        );
    }
    // Claims the fuzzer picks, signed with the secret: accepted iff exp/nbf allow.
    let mut u = Unstructured::new(data);
    let mut claims = serde_json::Map::new();
    let secs = SIGNED_AT;
    match u.int_in_range(0..=3u8).unwrap_or(0) {
        0 => {}
        1 => {
            claims.insert("exp".into(), json!(u.arbitrary::<u64>().unwrap_or(0)));
        }
        2 => {
            claims.insert("exp".into(), json!(u.arbitrary::<i64>().unwrap_or(0)));
        }
        _ => {
            claims.insert("exp".into(), json!(u.arbitrary::<f64>().unwrap_or(0.0)));
        }
    }
    if u.arbitrary::<bool>().unwrap_or(false) {
        claims.insert("nbf".into(), json!(u.arbitrary::<u64>().unwrap_or(0)));
    }
    if u.arbitrary::<bool>().unwrap_or(false) {
        claims.insert(
            "sub".into(),
            json!(u.arbitrary::<String>().unwrap_or_default()),
        );
    }
    let claims = Value::Object(claims);
    let token = agentcore_emulator::sign_hs256(&claims, JWT_SECRET_FUZZ);
    let expected = claims["exp"].as_u64().is_some_and(|exp| exp > secs)
        && claims["nbf"].as_u64().is_none_or(|nbf| nbf <= secs);
    assert_eq!(check(&token), Some(expected), "claims {claims}");
    // The same token with its signature changed is refused.
    let (input, signature) = token.rsplit_once('.').expect("three parts");
    let first = if signature.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{input}.{first}{}", &signature[1..]);
    assert_eq!(
        check(&forged),
        Some(false),
        "a forged signature was accepted"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sigv4 target's start is a request the emulator accepts: otherwise "a mutated
    /// request is refused" would hold for nothing.
    #[test]
    fn the_unmutated_presigned_url_is_accepted() {
        let (path, pairs) = presigned();
        let query = joined(pairs);
        let at = UNIX_EPOCH + Duration::from_secs(SIGNED_AT + 10);
        let result = emulator().check_credentials(
            "GET",
            path,
            Some(&query),
            &host_headers(),
            b"",
            FUZZ_REGION,
            at,
        );
        assert!(result.is_ok(), "{path}?{query}: {result:?}");
        // And the fixed token passes the bearer check the jwt target relies on.
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer fixed-token"),
        );
        assert!(
            emulator()
                .check_credentials("POST", "/x", None, &headers, b"", FUZZ_REGION, at)
                .is_ok()
        );
    }

    /// The panic probing found before the fuzzer existed: an `X-Amz-Expires` that
    /// overflows the clock. Mutation 3 of `emulator_sigv4` reaches it; refused, no panic.
    #[test]
    fn an_expiry_past_the_clock_is_refused() {
        let (path, pairs) = presigned();
        let mut pairs = pairs.clone();
        for pair in pairs.iter_mut().filter(|(k, _)| k == "X-Amz-Expires") {
            pair.1 = u64::MAX.to_string();
        }
        let at = UNIX_EPOCH + Duration::from_secs(SIGNED_AT + 10);
        let refused = emulator()
            .check_credentials(
                "GET",
                path,
                Some(&joined(&pairs)),
                &host_headers(),
                b"",
                FUZZ_REGION,
                at,
            )
            .unwrap_err();
        assert_eq!(refused.status, 403, "{}", refused.message);
    }
}
