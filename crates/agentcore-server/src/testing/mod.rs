//! An in-process client for your own tests: the app served over an in-memory connection
//! (real HTTP/1.1 and WebSocket framing, no socket, no port), like axum's `oneshot` or
//! Starlette's `TestClient`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use agentcore_server::{App, testing::TestClient};
//! use serde_json::{Value, json};
//!
//! let app = App::new().entrypoint(|payload: Value| async move {
//!     Ok::<_, agentcore_server::BoxError>(json!({ "echo": payload }))
//! });
//! let client = TestClient::new(app);
//! let response = client.invoke(&json!({ "hi": 1 })).await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.json::<Value>(), json!({ "echo": { "hi": 1 } }));
//! assert_eq!(client.ping().await.json::<Value>()["status"], "Healthy");
//! # }
//! ```

mod client;
mod socket;

pub use client::{TestClient, TestResponse};
pub use socket::TestWebSocket;
