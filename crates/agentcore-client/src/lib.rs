//! Call Amazon Bedrock AgentCore Runtime agents from Rust.
//!
//! This first part is what a backend needs to let a browser or a service talk to an
//! agent over WebSocket:
//!
//! - [`RuntimeClient`]: built from the standard AWS configuration
//!   ([`RuntimeClient::from_env`]) or from explicit parts ([`RuntimeClient::builder`]);
//! - [`RuntimeSession`]: the runtime ARN, the session id (the caller's or a new UUIDv4)
//!   and the optional qualifier;
//! - [`RuntimeClient::sigv4_headers`] and [`RuntimeClient::oauth_headers`]: the URL and
//!   headers of the WebSocket handshake ([`WebSocketRequest`]);
//! - [`RuntimeClient::presigned_url`]: a presigned `wss://` URL ([`PresignedUrl`]);
//! - [`RuntimeClient::connect`]: an open [`WebSocket`] with each of the three [`Auth`]
//!   modes.
//!
//! Every operation is one request builder ([`OperationBuilder`]) ending in
//! `.send().await`, as in aws-sdk-rust: the target (an ARN or a [`RuntimeSession`]), the
//! session id, qualifier, auth (SigV4 by default, or a bearer token per call or per
//! client), user id, trace and custom headers and timeout are its methods. The HTTP
//! operations of the data plane (a presigned URL is for WebSockets only):
//!
//! - [`RuntimeClient::invoke`] ([`InvokeResponse`]: bytes, text, JSON or collected SSE
//!   events) and [`RuntimeClient::invoke_stream`] ([`EventStream`] of SSE events as they
//!   arrive, an agent error event ending it with [`Error::Agent`]);
//! - [`RuntimeClient::execute_command`]: `.send()` for a [`CommandOutput`], `.stream()`
//!   for a [`CommandStream`] of [`CommandEvent`]s decoded from AWS event-stream frames by
//!   `aws-smithy-eventstream`;
//! - [`RuntimeClient::stop_runtime_session`], retried with jittered backoff
//!   ([`RetryPolicy`]).
//!
//! With the `mcp` feature, `RuntimeClient::mcp` calls MCP servers hosted on the
//! runtime: an [rmcp](https://docs.rs/rmcp) client transport over invocations
//! (`client.mcp(&arn).connect().await?` gives an rmcp client: `list_tools`, `call_tool`).
//!
//! They share one pooled hyper-util client (rustls, HTTP/1.1 and HTTP/2) with connect and
//! read timeouts; dropping a future or a stream cancels its request. Defaults are those
//! of CONTRACT.md §2 (qualifier `DEFAULT`, `Accept` per operation, generated session ids
//! and client tokens).
//!
//! Signing is `aws-sigv4`'s, for the region of the runtime ARN. Secrets (secret keys,
//! session tokens, bearer tokens, signatures, presigned queries) never appear in `Debug`
//! output. `tungstenite` logs the raw handshake at `trace` level, headers included: keep
//! that target below `trace` in production.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! use agentcore_client::{Credentials, RuntimeClient, RuntimeSession, StaticTimeSource};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), agentcore_client::Error> {
//! let client = RuntimeClient::builder()
//!     .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example"))
//!     .clock(StaticTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_795_000_000)))
//!     .build()?;
//! let session = RuntimeSession::new(
//!     "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-agent-abc".parse()?,
//! );
//!
//! let request = client.sigv4_headers(&session).await?;
//! assert_eq!(request.headers()["host"], "bedrock-agentcore.us-west-2.amazonaws.com");
//! assert_eq!(request.headers()["x-amz-date"], "20261118T110640Z");
//! assert_eq!(
//!     request.headers()["x-amzn-bedrock-agentcore-runtime-session-id"],
//!     session.session_id().as_str()
//! );
//! # Ok(()) }
//! ```

#[cfg(feature = "a2a")]
mod a2a;
mod agent_card;
mod client;
mod command;
mod commands;
mod credentials;
mod endpoint;
mod error;
mod handshake;
mod head;
#[cfg(feature = "identity")]
pub mod identity;
mod invoke;
#[cfg(feature = "mcp")]
mod mcp;
mod operation;
mod presign;
mod request;
mod session;
mod shell;
mod sign;
mod stop;
mod tls;
mod transport;
mod ws;

pub use agentcore_contract as contract;
pub use agentcore_contract::ws::{CloseFrame, Message};
pub use aws_credential_types::Credentials;
pub use aws_smithy_async::time::{StaticTimeSource, TimeSource};
/// The official Rust MCP SDK, at the version [`RuntimeClient::mcp`] speaks (feature
/// `mcp`).
#[cfg(feature = "mcp")]
pub use rmcp;

#[cfg(feature = "a2a")]
pub use a2a::{A2aBuilder, A2aCall, A2aStream, a2a_text_message};
pub use client::{RuntimeClient, RuntimeClientBuilder, load_sdk_config};
pub use command::{CommandDecoder, CommandEvent, CommandStatus};
pub use commands::{CommandOutput, CommandStream};
pub use error::Error;
pub use handshake::WebSocketRequest;
pub use head::ResponseHead;
pub use invoke::{EventStream, InvokeResponse, check_agent_error};
#[cfg(feature = "mcp")]
pub use mcp::{ConnectMcp, McpBuilder, McpClient, McpHttpClient, McpTransport};
pub use operation::{
    AgentCardBuilder, CallTarget, CommandBuilder, ConnectBuilder, InvokeBuilder,
    InvokeStreamBuilder, OperationBuilder, PresignedUrlBuilder, StopSessionBuilder, kind,
};
pub use presign::{Presign, PresignedUrl};
pub use request::Payload;
pub use session::RuntimeSession;
pub use shell::{
    OpenShell, OpenShellBuilder, ReconnectPolicy, SHELL_CLOSE_TIMEOUT, SHELL_PING_INTERVAL,
    SHELL_PONG_TIMEOUT, Shell, ShellEvent, ShellInput,
};
pub use transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_READ_TIMEOUT,
    MAX_ERROR_BODY_BYTES, RetryPolicy,
};
pub use ws::{Auth, WebSocket};

/// The guide's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/CALLING_AGENTS.md")]
struct Guide;

/// The Identity guide's examples, compiled as doctests.
#[cfg(all(doctest, feature = "identity"))]
#[doc = include_str!("../../../docs/IDENTITY.md")]
struct IdentityGuide;
