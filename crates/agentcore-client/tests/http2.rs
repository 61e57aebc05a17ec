//! HTTP/2 to the data plane, as the service speaks it: TLS with ALPN against a local
//! rustls front that offers only `h2` and forwards each request, over HTTP/1.1, to the
//! emulator (which checks SigV4 against the host the client signed) in front of the
//! testkit's agent.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use agentcore_client::{Auth, Error, RuntimeClient};
use agentcore_testkit::{BEARER_TOKEN, World};
use bytes::Bytes;
use futures_util::StreamExt;
use http::{Request, Response, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

/// The front: its address, the DER of its self-signed certificate for `localhost`, and
/// the HTTP versions of the requests it received.
struct Front {
    addr: SocketAddr,
    certificate: Vec<u8>,
    versions: Arc<Mutex<Vec<Version>>>,
}

impl Front {
    async fn start(emulator: String) -> Self {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let certificate = certified.cert.der().to_vec();
        let key = PrivateKeyDer::try_from(certified.signing_key.serialize_der()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certificate.clone().into()], key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let versions = Arc::new(Mutex::new(Vec::new()));
        let upstream: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let seen = Arc::clone(&versions);
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, upstream, seen) = (acceptor.clone(), upstream.clone(), seen.clone());
                let emulator = emulator.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return; // a client that does not trust the certificate
                    };
                    let service = hyper::service::service_fn(move |request| {
                        seen.lock().unwrap().push(request.version());
                        forward(request, upstream.clone(), emulator.clone())
                    });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Front {
            addr,
            certificate,
            versions,
        }
    }

    fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    fn versions(&self) -> Vec<Version> {
        self.versions.lock().unwrap().clone()
    }
}

/// Forwards `request` to the emulator over HTTP/1.1, its `Host` the authority the client
/// addressed (and signed); the answer streams back as it comes.
async fn forward(
    request: Request<Incoming>,
    upstream: Client<HttpConnector, Full<Bytes>>,
    emulator: String,
) -> Result<Response<Incoming>, hyper_util::client::legacy::Error> {
    let (parts, body) = request.into_parts();
    let host = parts.uri.authority().unwrap().to_string();
    let target = parts.uri.path_and_query().unwrap().as_str();
    let mut outbound = Request::builder()
        .method(parts.method)
        .uri(format!("{emulator}{target}"));
    for (name, value) in &parts.headers {
        outbound = outbound.header(name, value);
    }
    let body = body.collect().await.unwrap().to_bytes();
    let outbound = outbound.header("host", host).body(Full::new(body)).unwrap();
    upstream.request(outbound).await
}

fn client(front: &Front, world: &World) -> RuntimeClient {
    world
        .client_builder()
        .endpoint(front.url())
        .add_root_certificate(front.certificate.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn invocations_and_streams_go_over_http2_with_both_auth_modes() {
    let world = World::start().await;
    let front = Front::start(world.url()).await;
    let client = client(&front, &world);
    for auth in [Auth::SigV4, Auth::Bearer(BEARER_TOKEN.into())] {
        let session = agentcore_testkit::session();
        let answer = client
            .invoke(&session)
            .auth(auth.clone())
            .payload(json!({"over": "h2"}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{auth:?}: {e:?}"));
        let body: Value = answer.json().unwrap();
        assert_eq!(body["echo"], json!({"over": "h2"}), "{auth:?}");
        assert_eq!(body["session"], session.session_id().as_str());

        let mut events = client
            .invoke_stream(&session)
            .auth(auth.clone())
            .payload(json!({"stream": 3, "interval_ms": 10}))
            .send()
            .await
            .unwrap();
        let mut data = Vec::new();
        while let Some(event) = events.next().await {
            data.push(event.unwrap().data);
        }
        assert_eq!(data, [r#"{"i":0}"#, r#"{"i":1}"#, r#"{"i":2}"#], "{auth:?}");

        client
            .stop_runtime_session(&session)
            .auth(auth.clone())
            .send()
            .await
            .unwrap();
    }
    let versions = front.versions();
    assert_eq!(versions.len(), 6, "{versions:?}");
    assert!(
        versions.iter().all(|v| *v == Version::HTTP_2),
        "{versions:?}"
    );
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_transport_error() {
    let world = World::start().await;
    let front = Front::start(world.url()).await;
    let untrusting = world
        .client_builder()
        .endpoint(front.url())
        .build()
        .unwrap();
    let refused = untrusting
        .invoke(&agentcore_testkit::session())
        .payload(json!({}))
        .send()
        .await
        .unwrap_err();
    assert!(refused.is_transport(), "{refused:?}");
    assert!(matches!(refused, Error::Transport(_)));
    assert!(front.versions().is_empty());
}
