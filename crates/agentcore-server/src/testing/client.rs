//! The in-process client and its buffered responses.

use std::convert::Infallible;

use agentcore_contract::headers::SESSION_ID;
use agentcore_contract::sse::{SseDecoder, SseEvent};
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::DuplexStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::app::App;
use crate::error::BoxError;
use crate::routes::Dispatch;
use crate::testing::socket::TestWebSocket;

/// How many bytes each in-memory connection buffers in each direction.
const DUPLEX_BUFFER_BYTES: usize = 64 * 1024;

/// Calls an [`App`] in-process. Build it inside a tokio runtime: handlers run on it.
/// Lifespan hooks do not run.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{App, testing::TestClient};
///
/// let client = TestClient::new(App::new());
/// let other = client.clone(); // clones share the app
/// assert_eq!(other.ping().await.status(), 200);
/// # }
/// ```
#[derive(Clone)]
pub struct TestClient {
    dispatch: Dispatch,
}

impl std::fmt::Debug for TestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestClient").finish_non_exhaustive()
    }
}

/// A buffered response.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{App, testing::TestClient};
///
/// let response = TestClient::new(App::new()).ping().await;
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// The status.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// // No entrypoint: invocations fail with 500.
    /// let response = TestClient::new(App::new()).invoke(&serde_json::json!({})).await;
    /// assert_eq!(response.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    /// # }
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let response = TestClient::new(App::new()).ping().await;
    /// assert_eq!(response.headers()[http::header::CONTENT_TYPE], "application/json");
    /// # }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let app = App::new().entrypoint(|_: serde_json::Value| async { Ok::<_, String>(vec![1, 2]) });
    /// let response = TestClient::new(app).invoke(&()).await;
    /// assert_eq!(&response.bytes()[..], b"[1,2]");
    /// # }
    /// ```
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (lossy UTF-8).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let app = App::new().entrypoint(|_: serde_json::Value| async { Ok::<_, String>("hi") });
    /// let response = TestClient::new(app).invoke(&()).await;
    /// assert_eq!(response.text(), "\"hi\"");
    /// # }
    /// ```
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    /// When the body is not that JSON: this is a test helper.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use serde_json::{Value, json};
    ///
    /// let app = App::new().entrypoint(|p: Value| async move { Ok::<_, String>(json!({ "got": p })) });
    /// let response = TestClient::new(app).invoke(&json!(7)).await;
    /// assert_eq!(response.json::<Value>(), json!({ "got": 7 }));
    /// # }
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!("the body is not the expected JSON ({err}): {}", self.text())
        })
    }

    /// The Server-Sent Events of the body, decoded as the HTML standard says.
    ///
    /// # Panics
    /// When an event exceeds the decoder's limit.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use futures_util::stream;
    ///
    /// let app = App::new().entrypoint(|_: serde_json::Value| async {
    ///     Ok::<_, String>(stream::iter(["a", "b"]))
    /// });
    /// let events = TestClient::new(app).invoke(&()).await.events();
    /// assert_eq!(events.iter().map(|e| e.data.as_str()).collect::<Vec<_>>(), ["\"a\"", "\"b\""]);
    /// # }
    /// ```
    pub fn events(&self) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new();
        decoder
            .push(&self.body)
            .unwrap_or_else(|err| panic!("undecodable SSE: {err}"));
        decoder.finish()
    }

    /// The data of each event, parsed as JSON.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use futures_util::stream;
    ///
    /// let app = App::new().entrypoint(|_: serde_json::Value| async {
    ///     Ok::<_, String>(stream::iter([1, 2, 3]))
    /// });
    /// let response = TestClient::new(app).invoke(&()).await;
    /// assert_eq!(response.event_data::<u32>(), [1, 2, 3]);
    /// # }
    /// ```
    pub fn event_data<T: DeserializeOwned>(&self) -> Vec<T> {
        self.events()
            .iter()
            .map(|event| {
                serde_json::from_str(&event.data).unwrap_or_else(|err| {
                    panic!(
                        "event data is not the expected JSON ({err}): {}",
                        event.data
                    )
                })
            })
            .collect()
    }
}

impl TestClient {
    /// Serves `app` in-process.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let client = TestClient::new(App::new());
    /// assert_eq!(client.ping().await.status(), 200);
    /// # }
    /// ```
    pub fn new(app: App) -> Self {
        let parts = app.into_parts(
            tokio::runtime::Handle::current(),
            std::net::Ipv4Addr::LOCALHOST.into(),
        );
        Self {
            dispatch: Dispatch::new(parts.state, parts.layers),
        }
    }

    /// `POST /invocations` with `payload` as JSON.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use serde_json::{Value, json};
    ///
    /// let app = App::new().entrypoint(|p: Value| async move { Ok::<_, String>(p) });
    /// let response = TestClient::new(app).invoke(&json!({ "prompt": "hi" })).await;
    /// assert_eq!(response.json::<Value>()["prompt"], "hi");
    /// # }
    /// ```
    pub async fn invoke<T: Serialize + ?Sized>(&self, payload: &T) -> TestResponse {
        self.invoke_with_session(payload, None).await
    }

    /// `POST /invocations` with `payload` as JSON and a session id header.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, RequestContext, testing::TestClient};
    /// use serde_json::Value;
    ///
    /// let app = App::new().entrypoint(|_: Value, ctx: RequestContext| async move {
    ///     Ok::<_, String>(ctx.session_id)
    /// });
    /// let response = TestClient::new(app).invoke_with_session(&(), Some("s-1")).await;
    /// assert_eq!(response.json::<Option<String>>().as_deref(), Some("s-1"));
    /// # }
    /// ```
    pub async fn invoke_with_session<T: Serialize + ?Sized>(
        &self,
        payload: &T,
        session_id: Option<&str>,
    ) -> TestResponse {
        let body = serde_json::to_vec(payload)
            .unwrap_or_else(|err| panic!("unserializable payload: {err}"));
        let mut request =
            Request::post("/invocations").header(http::header::CONTENT_TYPE, "application/json");
        if let Some(session_id) = session_id {
            request = request.header(SESSION_ID, session_id);
        }
        self.request(request.body(Bytes::from(body)).unwrap_or_default())
            .await
    }

    /// `GET /ping`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, PingStatus, testing::TestClient};
    /// use serde_json::Value;
    ///
    /// let app = App::new().ping(|| PingStatus::HealthyBusy);
    /// let response = TestClient::new(app).ping().await;
    /// assert_eq!(response.json::<Value>()["status"], "HealthyBusy");
    /// # }
    /// ```
    pub async fn ping(&self) -> TestResponse {
        let request = Request::builder()
            .method(Method::GET)
            .uri("/ping")
            .body(Bytes::new());
        self.request(request.unwrap_or_default()).await
    }

    /// Sends any request (its URI is a path such as `/invocations`).
    ///
    /// # Panics
    /// When the in-memory connection fails (a bug in the server, worth a failing test).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    /// use bytes::Bytes;
    ///
    /// let client = TestClient::new(App::new());
    /// let response = client.request(http::Request::get("/nowhere").body(Bytes::new()).unwrap()).await;
    /// assert_eq!(response.status(), 404);
    /// # }
    /// ```
    pub async fn request(&self, request: Request<Bytes>) -> TestResponse {
        let io = self.connect();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .unwrap_or_else(|err| panic!("in-memory handshake failed: {err}"));
        tokio::spawn(connection);
        let (mut parts, body) = request.into_parts();
        parts
            .headers
            .entry(http::header::HOST)
            .or_insert(http::HeaderValue::from_static("test"));
        let response: Response<_> = sender
            .send_request(Request::from_parts(parts, Full::new(body)))
            .await
            .unwrap_or_else(|err| panic!("in-memory request failed: {err}"));
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .unwrap_or_else(|err| panic!("in-memory response body failed: {err}"))
            .to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// Opens `/ws` with these extra headers (e.g. the session id).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::{App, testing::TestClient};
    ///
    /// let app = App::new().websocket(|upgrade, ctx| async move {
    ///     let mut socket = upgrade.accept().await?;
    ///     socket.send_json(&ctx.session_id).await
    /// });
    /// let client = TestClient::new(app);
    /// let headers = [("x-amzn-bedrock-agentcore-runtime-session-id", "s-1")];
    /// let mut ws = client.websocket(&headers).await.unwrap();
    /// assert_eq!(ws.recv_json::<String>().await, Ok("s-1".to_owned()));
    /// # }
    /// ```
    pub async fn websocket(&self, headers: &[(&str, &str)]) -> Result<TestWebSocket, BoxError> {
        let mut request = "ws://test/ws".into_client_request()?;
        for (name, value) in headers {
            request.headers_mut().insert(
                http::HeaderName::from_bytes(name.as_bytes())?,
                value.parse()?,
            );
        }
        let (stream, _response) = tokio_tungstenite::client_async(request, self.connect()).await?;
        Ok(TestWebSocket::new(stream))
    }

    /// A new in-memory connection, its server half served by the app.
    fn connect(&self) -> DuplexStream {
        let (client, server) = tokio::io::duplex(DUPLEX_BUFFER_BYTES);
        let dispatch = self.dispatch.clone();
        let service = service_fn(move |request: Request<hyper::body::Incoming>| {
            let dispatch = dispatch.clone();
            async move { Ok::<_, Infallible>(dispatch.call(request).await) }
        });
        tokio::spawn(async move {
            let builder = auto::Builder::new(TokioExecutor::new());
            let _ = builder
                .serve_connection_with_upgrades(TokioIo::new(server), service)
                .await;
        });
        client
    }
}
