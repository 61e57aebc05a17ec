//! The client side of an in-process WebSocket.

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::DuplexStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite;

use crate::error::BoxError;
use agentcore_contract::ws::Message;

use agentcore_contract::ws::wire;

/// The client side of an in-process WebSocket.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{App, testing::TestClient};
///
/// // Without a WebSocket handler, upgrades are refused.
/// let client = TestClient::new(App::new());
/// assert!(client.websocket(&[]).await.is_err());
/// # }
/// ```
#[derive(Debug)]
pub struct TestWebSocket {
    stream: WebSocketStream<DuplexStream>,
}

impl TestWebSocket {
    pub(crate) fn new(stream: WebSocketStream<DuplexStream>) -> Self {
        Self { stream }
    }

    /// Sends a message.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient, ws::Message};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     let mut socket = upgrade.accept().await?;
    ///     let n = socket.recv().await?.map_or(0, |m| m.len());
    ///     socket.send_json(&n).await
    /// });
    /// let client = TestClient::new(app); // keep it: dropping it stops the app
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// ws.send(Message::binary(vec![0u8; 3])).await.unwrap();
    /// assert_eq!(ws.recv_json::<usize>().await, Ok(3));
    /// # }
    /// ```
    pub async fn send(&mut self, message: Message) -> Result<(), BoxError> {
        Ok(self.stream.send(wire::to_tungstenite(message)).await?)
    }

    /// Sends a value as a JSON text message.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use serde_json::{Value, json};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     let mut socket = upgrade.accept().await?;
    ///     let value: Option<Value> = socket.recv_json().await?;
    ///     socket.send_json(&json!({ "echo": value })).await
    /// });
    /// let client = TestClient::new(app); // keep it: dropping it stops the app
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// ws.send_json(&json!([1, 2])).await.unwrap();
    /// assert_eq!(ws.recv_json::<Value>().await, Ok(json!({ "echo": [1, 2] })));
    /// # }
    /// ```
    pub async fn send_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BoxError> {
        self.send(Message::text(serde_json::to_string(value)?))
            .await
    }

    /// The next text or binary message, or `Err(code)` with the server's close code
    /// (`None` when the stream ended without one).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient, ws::Message};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     upgrade.accept().await?.send_text("bye").await // then the handler ends
    /// });
    /// let client = TestClient::new(app); // keep it: dropping it stops the app
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// assert_eq!(ws.recv().await, Ok(Message::text("bye")));
    /// assert_eq!(ws.recv().await, Err(Some(1000))); // closed normally
    /// # }
    /// ```
    pub async fn recv(&mut self) -> Result<Message, Option<u16>> {
        while let Some(message) = self.stream.next().await {
            match message {
                Ok(tungstenite::Message::Close(frame)) => {
                    // Read on, so that our reply to the close is sent.
                    while self.stream.next().await.is_some() {}
                    return Err(frame.map(|f| f.code.into()));
                }
                Ok(message @ (tungstenite::Message::Text(_) | tungstenite::Message::Binary(_))) => {
                    return wire::from_tungstenite(message).ok_or(None);
                }
                Ok(_) => continue,
                Err(_) => return Err(None),
            }
        }
        Err(None)
    }

    /// The next message parsed as JSON, or `Err(code)` as [`TestWebSocket::recv`].
    ///
    /// # Panics
    /// When the message is not that JSON.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     upgrade.accept().await?.send_json(&[1, 2, 3]).await
    /// });
    /// let client = TestClient::new(app); // keep it: dropping it stops the app
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// assert_eq!(ws.recv_json::<Vec<u8>>().await, Ok(vec![1, 2, 3]));
    /// # }
    /// ```
    pub async fn recv_json<T: DeserializeOwned>(&mut self) -> Result<T, Option<u16>> {
        let message = self.recv().await?;
        let parsed = serde_json::from_slice(&message.into_data());
        Ok(parsed.unwrap_or_else(|err| panic!("the message is not the expected JSON: {err}")))
    }

    /// Closes normally (1000).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient, ws::WebSocketError};
    ///
    /// let app = App::new().websocket(|upgrade, _| async move {
    ///     let mut socket = upgrade.accept().await?;
    ///     while socket.recv().await?.is_some() {} // until the client closes
    ///     Ok::<_, WebSocketError>(())
    /// });
    /// let client = TestClient::new(app); // keep it: dropping it stops the app
    /// let mut ws = client.websocket(&[]).await.unwrap();
    /// ws.close().await.unwrap();
    /// assert_eq!(ws.recv().await, Err(None)); // closed: no more messages, no code
    /// # }
    /// ```
    pub async fn close(&mut self) -> Result<(), BoxError> {
        Ok(self.stream.close(None).await?)
    }
}
