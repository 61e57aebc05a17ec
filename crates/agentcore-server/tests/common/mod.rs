//! A test server on 127.0.0.1:0 and a real HTTP/1.1 client.
#![allow(dead_code, unreachable_pub)]

pub mod child;

use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;

use std::net::SocketAddr;

use agentcore_server::App;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub struct TestServer {
    pub addr: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
    task: Option<tokio::task::JoinHandle<Result<(), agentcore_server::ServeError>>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "not JSON ({err}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    /// The data of each `data: <json>\n\n` event, checking the exact framing.
    pub fn sse(&self) -> Vec<Value> {
        let text = self.text();
        assert!(
            text.ends_with("\n\n") || text.is_empty(),
            "unterminated: {text:?}"
        );
        text.split_terminator("\n\n")
            .map(|event| {
                let data = event
                    .strip_prefix("data: ")
                    .unwrap_or_else(|| panic!("bad event {event:?}"));
                assert!(!data.contains('\n'), "multi-line event {event:?}");
                serde_json::from_str(data).unwrap()
            })
            .collect()
    }
}

impl TestServer {
    pub async fn start(app: App) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(app.serve(listener));
        let client = Client::builder(TokioExecutor::new()).build_http();
        Self {
            addr,
            client,
            task: Some(task),
        }
    }

    /// A client of a server the test serves itself (e.g. to stop it).
    pub fn at(addr: SocketAddr) -> Self {
        let client = Client::builder(TokioExecutor::new()).build_http();
        Self {
            addr,
            client,
            task: None,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .client
            .request(request.body(Full::new(body.into())).unwrap())
            .await
            .expect("request failed");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("body failed").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn invoke(&self, body: impl Into<Bytes>) -> Reply {
        self.request(
            Method::POST,
            "/invocations",
            &[("content-type", "application/json")],
            body,
        )
        .await
    }

    pub async fn invoke_with(&self, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        self.request(Method::POST, "/invocations", headers, body)
            .await
    }

    pub async fn ping(&self) -> Value {
        let reply = self.request(Method::GET, "/ping", &[], Bytes::new()).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.json()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Sends `request` (a whole HTTP/1.1 request, `connection: close`) on a plain std socket
/// and reads the answer to its end, within 10 s; needs no async runtime.
pub fn blocking_exchange(
    addr: impl std::net::ToSocketAddrs,
    request: &str,
) -> std::io::Result<String> {
    let mut socket = std::net::TcpStream::connect(addr)?;
    socket.set_read_timeout(Some(Duration::from_secs(10)))?;
    socket.write_all(request.as_bytes())?;
    let mut response = String::new();
    socket.read_to_string(&mut response)?;
    Ok(response)
}

/// A `GET` with [`blocking_exchange`].
pub fn blocking_get(addr: impl std::net::ToSocketAddrs, path: &str) -> std::io::Result<String> {
    blocking_exchange(
        addr,
        &format!("GET {path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n"),
    )
}

/// A raw WebSocket handshake on a std socket (10 s read timeout); the socket once the
/// server switched protocols, so that a test sees the exact frames.
pub fn raw_websocket(addr: impl std::net::ToSocketAddrs) -> std::net::TcpStream {
    let mut socket = std::net::TcpStream::connect(addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
        .write_all(
            b"GET /ws HTTP/1.1\r\nhost: t\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
              sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        .unwrap();
    let mut reader = BufReader::new(socket);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 101"), "{line}");
    while line != "\r\n" {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    assert!(
        reader.buffer().is_empty(),
        "frames arrived with the handshake"
    );
    reader.into_inner()
}

/// A log writer that keeps what it is given, for tests of the log lines.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Every line written, each a JSON object.
    pub fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
            })
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}
