//! Call Amazon Bedrock AgentCore Runtime agents from Rust.
//!
//! This crate is being built: SigV4-signed and presigned WebSocket connections, OAuth
//! bearer tokens and HTTP invocations arrive with the next releases. Today it re-exports
//! the shared wire vocabulary of [`agentcore_contract`], which already gives a backend
//! what it needs to validate runtime ARNs and session ids and to find data-plane
//! endpoints.
//!
//! ```
//! use agentcore_client::contract::RuntimeArn;
//!
//! let arn: RuntimeArn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my-agent-abc"
//!     .parse()
//!     .unwrap();
//! assert_eq!(arn.region().as_str(), "us-east-1");
//! ```

pub use agentcore_contract as contract;
