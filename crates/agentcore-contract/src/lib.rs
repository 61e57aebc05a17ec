//! The Amazon Bedrock AgentCore Runtime wire vocabulary, shared by
//! `agentcore-server` (the agent host) and `agentcore-client` (the caller).
//!
//! Pure data and functions: no I/O, no async. Every name of the contract lives here once:
//!
//! - [`headers`]: header names and media types;
//! - [`PingStatus`]: what `/ping` reports;
//! - [`Region`], [`Partition`], [`RuntimeArn`] and the [`endpoint`] helpers: where a call goes;
//! - [`SessionId`]: the validated session id;
//! - [`encoding`]: percent-encoding for paths and SigV4 queries;
//! - [`forward`]: which request headers reach agent code;
//! - [`baggage`]: W3C baggage and the gateway routing experiment;
//! - [`sse`]: the agent's Server-Sent Events encoding and a streaming decoder;
//! - [`shell`]: interactive shells: shell ids, frames and STATUS messages;
//! - [`identity`]: AgentCore Identity's data plane: operations, bodies, field rules.
//!
//! ```
//! use agentcore_contract::{RuntimeArn, endpoint};
//!
//! let arn: RuntimeArn = "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/agent-x"
//!     .parse()?;
//! assert_eq!(
//!     endpoint::data_plane(arn.region()),
//!     "https://bedrock-agentcore.eu-west-1.amazonaws.com"
//! );
//! # Ok::<(), agentcore_contract::InvalidArn>(())
//! ```

pub mod arn;
pub mod baggage;
pub mod encoding;
pub mod endpoint;
pub mod forward;
pub mod headers;
pub mod identity;
pub mod ping;
pub mod region;
pub mod session;
pub mod shell;
pub mod sse;
pub mod ws;

pub use arn::{InvalidArn, RuntimeArn};
pub use ping::{InvalidPingStatus, PingStatus};
pub use region::{InvalidRegion, Partition, Region, UnknownPartition};
pub use session::{InvalidSessionId, SessionId};

/// The README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct Readme;
