#![doc = include_str!("../README.md")]

// Each module imports only from the layers below it: docs/ARCHITECTURE.md lists them,
// and `cargo xtask layers` checks the code against that list.
#[cfg(feature = "a2a")]
pub mod a2a;
mod accept;
mod activity;
#[cfg(feature = "ag-ui")]
pub mod ag_ui;
mod app;
mod body;
mod config;
mod connection;
mod context;
mod debug;
mod error;
pub mod handler;
mod health;
pub mod log;
#[cfg(feature = "mcp")]
pub mod mcp;
pub mod middleware;
pub mod offload;
#[cfg(feature = "otel")]
pub mod otel;
mod placement;
mod rejection;
mod request_body;
pub mod response;
mod routes;
mod serve;
mod shutdown;
mod slots;
pub mod sse;
mod state;
pub mod testing;
mod tracker;
pub mod ws;

pub use agentcore_contract::PingStatus;
pub use app::App;
pub use body::Body;
pub use config::{
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HEALTH_CONNECTIONS,
    DEFAULT_MAX_PENDING_CONNECTIONS, DEFAULT_PORT, DEFAULT_SERVER_THREADS,
    DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use context::{RequestContext, spawn_blocking};
pub use error::{BoxError, HttpError};
pub use handler::{Entrypoint, blocking};
pub use health::{Health, Job, JobStatus, Ping, TaskGuard, TaskId};
pub use response::IntoInvocationResponse;
pub use serve::{DRAIN_CUT_EXIT_CODE, ServeError};
pub use sse::Sse;
pub use ws::{WebSocket, WebSocketUpgrade};

/// The contract crate, re-exported for headers, ARNs and SSE helpers.
pub use agentcore_contract as contract;

/// The guides' examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/WRITING_AN_AGENT.md")]
#[doc = include_str!("../../../docs/DEPLOY.md")]
struct Guides;
