//! Interactive shells, `GET /runtimes/{arn}/ws/shells?shellId=..`: a shell on a real PTY
//! in the session's directory, spoken to in the frames of
//! [`agentcore_contract::shell`].
//!
//! Right after the upgrade the client gets a `Connected` STATUS, then the output the
//! shell produced while no client was attached (at most
//! [`DEFAULT_SHELL_REPLAY_BYTES`](crate::DEFAULT_SHELL_REPLAY_BYTES), the older bytes
//! counted in `bytesDropped`), then live output. A client that goes away without a CLOSE
//! frame leaves the shell running; the next connection with the same session and shell
//! id attaches to it again (`reconnected: true`), and one attaching while another is
//! attached closes the other with [`CLOSE_KICKED`](agentcore_contract::shell::CLOSE_KICKED).
//!
//! Limits and timings, each named here or in the builder:
//!
//! - a frame is at most [`agentcore_contract::shell::MAX_FRAME_BYTES`];
//!   a larger message closes the connection with 1009 (nothing larger is buffered);
//! - [`MAX_TEXT_MESSAGES`] text messages in a row close it with 1003;
//! - a session runs at most
//!   [`DEFAULT_MAX_SHELLS_PER_SESSION`](crate::DEFAULT_MAX_SHELLS_PER_SESSION) shells;
//! - a shell being ended gets SIGHUP, then SIGKILL after [`KILL_GRACE`];
//! - every queue between the PTY and the WebSocket is bounded: a client that reads slowly
//!   stops the reading of the PTY (the shell then blocks on its output), and a detached
//!   shell's output goes to the replay buffer, which drops its oldest bytes.

mod process;
mod pump;
mod registry;
mod replay;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use agentcore_contract::shell::{MAX_FRAME_BYTES, SHELL_ID_HEADER, SHELL_ID_PARAM, ShellId};
use http::{HeaderMap, HeaderValue, Response};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

pub use crate::auth::{BEARER_SUBPROTOCOL, MAX_SUBPROTOCOL_TOKEN_CHARS};
use crate::body::Body;
use crate::error::ServiceError;
pub(crate) use registry::{ShellKey, Shells};

/// How many text messages in a row a client may send (they are ignored) before the
/// connection is closed with 1003, as the service does.
///
/// ```
/// assert_eq!(agentcore_emulator::shell::MAX_TEXT_MESSAGES, 5);
/// ```
pub const MAX_TEXT_MESSAGES: usize = 5;

/// How long a shell being ended (a client's CLOSE frame, a stopped session) has between
/// SIGHUP to its process group and SIGKILL.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_emulator::shell::KILL_GRACE, Duration::from_secs(1));
/// ```
pub const KILL_GRACE: Duration = Duration::from_secs(1);

/// How long a shell's PTY is still read after the shell exited, when something it
/// started keeps the terminal open; then the exit status is sent.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(agentcore_emulator::shell::EXIT_DRAIN, Duration::from_millis(200));
/// ```
pub const EXIT_DRAIN: Duration = Duration::from_millis(200);

/// The size of a new shell's terminal until the client's first RESIZE: 80 × 24.
///
/// ```
/// use agentcore_contract::shell::Resize;
/// assert_eq!(agentcore_emulator::shell::INITIAL_SIZE, Resize { width: 80, height: 24 });
/// ```
pub const INITIAL_SIZE: agentcore_contract::shell::Resize = agentcore_contract::shell::Resize {
    width: 80,
    height: 24,
};

/// The `TERM` of every shell, as the service sets it: the client's terminal (xterm.js,
/// a terminal emulator) is what the shell draws on, so the emulator's own `TERM` is not
/// passed on. A shell command such as `env TERM=vt100 /bin/sh` sets another.
///
/// ```
/// assert_eq!(agentcore_emulator::shell::SHELL_TERM, "xterm-256color");
/// ```
pub const SHELL_TERM: &str = "xterm-256color";

/// How long a closing handshake may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// The shell id of the request, validated.
///
/// # Errors
/// 400 without one (clients always send one); 424 `RuntimeClientError` for an invalid
/// one, as the service answers.
pub(crate) fn shell_id(query: &[(String, String)]) -> Result<ShellId, ServiceError> {
    let id = query
        .iter()
        .find(|(name, _)| name == SHELL_ID_PARAM)
        .map(|(_, id)| id.as_str())
        .ok_or_else(|| {
            ServiceError::validation(format!("the {SHELL_ID_PARAM} query parameter is required"))
        })?;
    ShellId::new(id).map_err(|err| ServiceError::runtime_client(err.to_string()))
}

/// Opens (or reattaches to) the shell `key` names, started in `directory` when new, and
/// answers the handshake; the connection is served once upgraded.
///
/// # Errors
/// 400 for a request that is not a WebSocket handshake; those of [`Shells::open`].
pub(crate) fn connect(
    shells: &Arc<Shells>,
    key: ShellKey,
    directory: &Path,
    headers: &HeaderMap,
    on_upgrade: OnUpgrade,
    select_bearer_subprotocol: bool,
) -> Result<Response<Body>, ServiceError> {
    let websocket_key = crate::upgrade::websocket_key(headers)?;
    let opened = shells.open(key.clone(), directory)?;
    let mut response = crate::upgrade::switching_protocols(websocket_key);
    if let Ok(id) = HeaderValue::from_str(key.shell.as_str()) {
        response.headers_mut().insert(SHELL_ID_HEADER, id);
    }
    if select_bearer_subprotocol {
        response.headers_mut().insert(
            http::header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(BEARER_SUBPROTOCOL),
        );
    }
    let shells = Arc::clone(shells);
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            // The client left before the upgrade: the shell stays, as a detached one.
            return;
        };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES));
        let ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        let attachment = pump::Attachment {
            key,
            serial: opened.serial,
            handle: opened.handle,
            reconnected: opened.reconnected,
        };
        pump::serve(ws, &shells, attachment).await;
    });
    Ok(response)
}
