//! The baseline: a minimal bare-hyper server (hyper 1 http1 on tokio, `TCP_NODELAY`)
//! doing the same work as `bench_agent` on one runtime, with no isolation.
//!
//! Run as `xtask bench --baseline-server`; listens on `127.0.0.1:$PORT`, honours
//! `TOKIO_WORKER_THREADS`.

use std::convert::Infallible;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt, stream};
use http::header::{CACHE_CONTROL, CONNECTION, CONTENT_TYPE, SEC_WEBSOCKET_ACCEPT, UPGRADE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Either, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::SESSION_HEADER;

type Body = Either<Full<Bytes>, UnsyncBoxBody<Bytes, Infallible>>;

/// The body of `/ping`, as the agent answers it.
#[derive(Serialize)]
struct Ping {
    status: &'static str,
    time_of_last_update: u64,
}

/// One streamed event, as the agent streams it.
#[derive(Serialize)]
struct Event {
    i: u64,
    text: String,
}

/// Runs the baseline server until killed.
pub(crate) fn run() -> ExitCode {
    let port = std::env::var("PORT")
        .ok()
        .and_then(|port| port.trim().parse::<u16>().ok())
        .unwrap_or(8080);
    // A multi-thread runtime, like `#[tokio::main]`: `TOKIO_WORKER_THREADS` sets its size.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        // The accept loop runs on a worker, as every connection does.
        tokio::spawn(accept_loop(listener))
            .await
            .map_err(std::io::Error::other)?
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: baseline server on port {port}: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn accept_loop(listener: TcpListener) -> std::io::Result<()> {
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(request, started));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

async fn handle(request: Request<Incoming>, started: u64) -> Result<Response<Body>, Infallible> {
    Ok(match (request.method(), request.uri().path()) {
        (&Method::GET, "/ping") => {
            let ping = Ping {
                status: "Healthy",
                time_of_last_update: started,
            };
            json_response(StatusCode::OK, &ping)
        }
        (&Method::POST, "/invocations") => invocations(request).await,
        (&Method::GET, "/ws") => websocket(request),
        _ => json_response(StatusCode::NOT_FOUND, &json!({ "error": "Not Found" })),
    })
}

async fn invocations(request: Request<Incoming>) -> Response<Body> {
    let session = request
        .headers()
        .get(SESSION_HEADER)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let payload = match request.into_body().collect().await {
        Ok(collected) => serde_json::from_slice::<Value>(&collected.to_bytes()),
        Err(e) => {
            return json_response(StatusCode::BAD_REQUEST, &json!({ "error": e.to_string() }));
        }
    };
    let payload = match payload {
        Ok(payload) => payload,
        Err(e) => {
            return json_response(StatusCode::BAD_REQUEST, &json!({ "error": e.to_string() }));
        }
    };
    match payload["stream"].as_u64().zip(payload["size"].as_u64()) {
        Some((count, size)) => sse(count, size),
        None => json_response(
            StatusCode::OK,
            &json!({ "echo": payload, "session": session }),
        ),
    }
}

/// `count` events, one body frame each, serialized as they are polled.
fn sse(count: u64, size: u64) -> Response<Body> {
    let text = "x".repeat(usize::try_from(size).unwrap_or(0));
    let events = stream::iter(0..count).map(move |i| {
        let mut event = b"data: ".to_vec();
        let item = Event {
            i,
            text: text.clone(),
        };
        // Serializing a plain struct cannot fail.
        let _ = serde_json::to_writer(&mut event, &item);
        event.extend_from_slice(b"\n\n");
        Ok::<_, Infallible>(Frame::data(Bytes::from(event)))
    });
    let mut response = Response::new(Either::Right(StreamBody::new(events).boxed_unsync()));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Accepts the upgrade and echoes every text or binary message on a task of its own.
fn websocket(mut request: Request<Incoming>) -> Response<Body> {
    let Some(key) = request.headers().get("sec-websocket-key") else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "not a WebSocket" }),
        );
    };
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let mut socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        while let Some(Ok(message)) = socket.next().await {
            if message.is_close() {
                break;
            }
            let echoed = message.is_text() || message.is_binary();
            if echoed && socket.send(message).await.is_err() {
                return;
            }
        }
        // Completes the closing handshake.
        while let Some(Ok(_)) = socket.next().await {}
    });
    let mut response = Response::new(Either::Left(Full::new(Bytes::new())));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&accept) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
    }
    response
}

fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Body> {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Either::Left(Full::new(Bytes::from(bytes))));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
