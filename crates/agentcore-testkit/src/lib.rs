//! The fixtures the workspace's tests share: one [conformance agent](agent) on a real
//! socket, a [`World`] that puts the emulator in front of it with known secrets, and
//! clients set up for both; and a bare [MCP server](mcp) for the MCP runtime tests.
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

pub mod a2a;
mod agent;
pub mod fuzz;
pub mod mcp;
mod world;

pub use agent::{Agent, agent};
pub use world::{
    ACCESS_KEY, API_KEY, API_KEY_PROVIDER, ARN, BEARER_TOKEN, JWT_SECRET, OAUTH2_PROVIDER,
    OAUTH2_TOKEN, QUALIFIER, REGION, SECRET_KEY, SESSION_TOKEN, TEMP_ACCESS_KEY, TEMP_SECRET_KEY,
    WORKLOAD, World, session, session_with_id, temporary_credentials, with_identity,
};

/// A TCP port on 127.0.0.1 that was free a moment ago, for a process that must bind
/// it itself (an agent started with `PORT`, a binary under test).
///
/// It is picked below the kernel's ephemeral range (`ip_local_port_range`), where the
/// outgoing connections of every other test cannot take it between this check and the
/// bind; port 0's answer, from inside that range, raced them.
pub fn free_port() -> u16 {
    let (low, _) = ephemeral_range();
    let floor = 10_000u16.min(low.saturating_sub(1000));
    let mut seed = std::collections::hash_map::RandomState::new();
    for _ in 0..200 {
        let candidate = floor + (next_random(&mut seed) % u64::from(low - floor)) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", candidate)).is_ok() {
            return candidate;
        }
    }
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}

/// The kernel's ephemeral port range (Linux's default when it cannot be read).
fn ephemeral_range() -> (u16, u16) {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok();
    let parsed = range.and_then(|text| {
        let mut parts = text.split_whitespace().map(str::parse::<u16>);
        Some((parts.next()?.ok()?, parts.next()?.ok()?))
    });
    match parsed {
        Some((low, high)) if low > 11_000 => (low, high),
        _ => (32_768, 60_999),
    }
}

/// A fresh pseudo-random number (std's randomly keyed hasher; nothing cryptographic).
fn next_random(state: &mut std::collections::hash_map::RandomState) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = state.build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let value = hasher.finish();
    *state = std::collections::hash_map::RandomState::new();
    value
}
