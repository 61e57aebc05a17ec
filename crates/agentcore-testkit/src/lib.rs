//! The fixtures the workspace's tests share: one [conformance agent](agent) on a real
//! socket, a [`World`] that puts the emulator in front of it with known secrets, and
//! clients set up for both.
//!
//! Not released (`publish = false`): the client, emulator and CLI tests use it as a
//! path-only dev-dependency, which `cargo package` strips.
//!
//! ```no_run
//! # async fn demo() {
//! let world = agentcore_testkit::World::start().await;
//! let answer = world
//!     .client()
//!     .invoke(&agentcore_testkit::session())
//!     .payload(serde_json::json!({"q": 1}))
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(answer.json::<serde_json::Value>().unwrap()["echo"]["q"], 1);
//! # }
//! ```

mod agent;
mod world;

pub use agent::{Agent, agent};
pub use world::{
    ACCESS_KEY, ARN, BEARER_TOKEN, JWT_SECRET, QUALIFIER, REGION, SECRET_KEY, SESSION_TOKEN,
    TEMP_ACCESS_KEY, TEMP_SECRET_KEY, World, session, session_with_id, temporary_credentials,
};

/// A TCP port on 127.0.0.1 that was free a moment ago, for a process that must bind
/// it itself (an agent started with `PORT`, a binary under test).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}
