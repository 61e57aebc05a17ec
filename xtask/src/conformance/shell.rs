//! The `shell` suite: interactive shells (`shell-vectors.json`): the client's SigV4,
//! presigned and OAuth handshakes for `/ws/shells`, and the contract's frame codec.
//!
//! Handshakes are compared as in the `sigv4` suite (URLs byte for byte, headers by name
//! and exact value), except that the WebSocket upgrade headers are not part of a shell
//! vector. Frames are compared byte for byte, in base64.

use std::time::Duration;

use agentcore_client::contract::shell::{Channel, Frame, Resize, ShellId};
use agentcore_client::contract::{RuntimeArn, SessionId};
use agentcore_client::{Presign, RuntimeSession};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::sigv4::{VectorCredentials, compare_headers, compare_url, describe, vector_client};
use super::{CaseResult, Outcome, case_name};

/// Headers a shell vector does not list: the upgrade headers and the client's own.
const NOT_COMPARED: &[&str] = &[
    "sec-websocket-key",
    "sec-websocket-version",
    "upgrade",
    "connection",
    "user-agent",
];

/// One vector, as the README describes it.
#[derive(Debug, Deserialize)]
pub(crate) struct Vector {
    name: Option<String>,
    kind: String,
    time: Option<String>,
    region: Option<String>,
    credentials: Option<VectorCredentials>,
    runtime_arn: Option<String>,
    session_id: Option<String>,
    qualifier: Option<String>,
    shell_id: Option<String>,
    expires: Option<u64>,
    bearer_token: Option<String>,
    input: Option<String>,
    width: Option<u16>,
    height: Option<u16>,
    frame_b64: Option<String>,
    expected: Expected,
}

#[derive(Debug, Deserialize)]
struct Expected {
    url: Option<String>,
    headers: Option<Map<String, Value>>,
    subprotocols: Option<Vec<String>>,
    frame_b64: Option<String>,
    channel: Option<String>,
    raw_channel: Option<u8>,
    payload_b64: Option<String>,
}

/// Runs every vector.
pub(crate) fn run(vectors: Vec<Vector>) -> Vec<CaseResult> {
    let runtime = tokio::runtime::Builder::new_current_thread().build();
    let results = vectors.into_iter().enumerate().map(|(index, vector)| {
        let checked = match &runtime {
            Ok(runtime) => runtime.block_on(check(&vector)),
            Err(e) => Err(format!("cannot start a tokio runtime: {e}")),
        };
        CaseResult {
            name: case_name(vector.name.as_deref(), Some(&vector.kind), index),
            outcome: checked.map_or_else(Outcome::Fail, |()| Outcome::Pass),
        }
    });
    results.collect()
}

async fn check(vector: &Vector) -> Result<(), String> {
    let expected = &vector.expected;
    match vector.kind.as_str() {
        "shell_sigv4_headers" => {
            let (client, session, shell_id) = handshake_parts(vector)?;
            let request = client
                .shell_sigv4_headers(&session, &shell_id)
                .await
                .map_err(describe)?;
            compare_url(
                expected.url.as_deref().ok_or("no expected url")?,
                request.url(),
            )?;
            let headers = expected.headers.as_ref().ok_or("no expected headers")?;
            compare_headers(headers, request.headers(), NOT_COMPARED)
        }
        "shell_presigned_url" => {
            let (client, session, shell_id) = handshake_parts(vector)?;
            let expires = Duration::from_secs(vector.expires.ok_or("no expires")?);
            let url = client
                .shell_presigned_url(&session, &shell_id, &Presign::new(expires))
                .await
                .map_err(describe)?;
            compare_url(
                expected.url.as_deref().ok_or("no expected url")?,
                url.as_str(),
            )
        }
        "shell_oauth" => {
            let (client, session, shell_id) = handshake_parts(vector)?;
            let token = vector.bearer_token.as_deref().ok_or("no bearer_token")?;
            let request = client
                .shell_oauth(&session, &shell_id, token)
                .map_err(describe)?;
            compare_url(
                expected.url.as_deref().ok_or("no expected url")?,
                request.url(),
            )?;
            let wanted = expected.subprotocols.as_ref().ok_or("no subprotocols")?;
            let offered = request.subprotocols();
            if offered != *wanted {
                return Err(format!(
                    "subprotocols: expected {wanted:?}, got {offered:?}"
                ));
            }
            Ok(())
        }
        "shell_encode_stdin" => {
            let input = vector.input.as_deref().ok_or("no input")?;
            let frames: Vec<Frame> =
                Frame::chunks(Channel::Stdin, input.as_bytes().to_vec()).collect();
            let [frame] = frames.as_slice() else {
                return Err(format!("the input took {} frames, not one", frames.len()));
            };
            compare_frame(expected, frame)
        }
        "shell_encode_resize" => {
            let width = vector.width.ok_or("no width")?;
            let height = vector.height.ok_or("no height")?;
            compare_frame(expected, &Frame::resize(Resize { width, height }))
        }
        "shell_encode_heartbeat" => compare_frame(expected, &Frame::heartbeat()),
        "shell_decode" => {
            let bytes = decode_b64(vector.frame_b64.as_deref().ok_or("no frame_b64")?)?;
            let frame = Frame::decode(&bytes).map_err(|e| e.to_string())?;
            let got = (
                frame.channel().name(),
                frame.channel().byte(),
                STANDARD.encode(frame.payload()),
            );
            let wanted = (
                expected.channel.as_deref().ok_or("no expected channel")?,
                expected.raw_channel.ok_or("no expected raw_channel")?,
                expected
                    .payload_b64
                    .clone()
                    .ok_or("no expected payload_b64")?,
            );
            if (got.0, got.1, got.2.as_str()) == (wanted.0, wanted.1, wanted.2.as_str()) {
                Ok(())
            } else {
                Err(format!("decoded {got:?}, expected {wanted:?}"))
            }
        }
        kind => Err(format!("unknown kind {kind:?}")),
    }
}

/// The vector's client (region, credentials, fixed time), session and shell id.
fn handshake_parts(
    vector: &Vector,
) -> Result<(agentcore_client::RuntimeClient, RuntimeSession, ShellId), String> {
    let region = vector.region.as_deref().ok_or("no region")?;
    let client = vector_client(region, vector.time.as_deref(), vector.credentials.as_ref())?;
    let arn: RuntimeArn = vector
        .runtime_arn
        .as_deref()
        .ok_or("no runtime_arn")?
        .parse()
        .map_err(|e| format!("{e}"))?;
    let session_id: SessionId = vector
        .session_id
        .as_deref()
        .ok_or("no session_id")?
        .parse()
        .map_err(|e| format!("{e}"))?;
    let mut session = RuntimeSession::new(arn).with_session_id(session_id);
    if let Some(qualifier) = &vector.qualifier {
        session = session.with_qualifier(qualifier);
    }
    let shell_id = vector
        .shell_id
        .as_deref()
        .ok_or("no shell_id")?
        .parse()
        .map_err(|e| format!("{e}"))?;
    Ok((client, session, shell_id))
}

fn compare_frame(expected: &Expected, frame: &Frame) -> Result<(), String> {
    let wanted = expected
        .frame_b64
        .as_deref()
        .ok_or("no expected frame_b64")?;
    let got = STANDARD.encode(frame.encode());
    if got == wanted {
        Ok(())
    } else {
        Err(format!("frame: expected {wanted}, got {got}"))
    }
}

fn decode_b64(text: &str) -> Result<Vec<u8>, String> {
    STANDARD
        .decode(text)
        .map_err(|e| format!("bad base64 {text:?}: {e}"))
}
