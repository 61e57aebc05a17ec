//! Feature `otel`: every operation sends the current OpenTelemetry context's trace
//! headers (through the global propagator), unless the call set its own.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use agentcore_client::{RuntimeClient, RuntimeSession};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-runtime-abc";
const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/// A context whose span is the caller's (remote), with a baggage entry.
fn caller() -> Context {
    let span = SpanContext::new(
        TraceId::from_hex("0af7651916cd43dd8448eb211c80319c").unwrap(),
        SpanId::from_hex("b7ad6b7169203331").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    Context::new()
        .with_remote_span_context(span)
        .with_baggage([KeyValue::new("tenant", "acme")])
}

fn install_propagator() {
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
}

/// One HTTP request accepted on 127.0.0.1:0 and answered `{}`; its head, lower-cased.
fn one_request(listener: TcpListener) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = Vec::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            head.push(line);
        }
        let mut body = vec![0; length];
        std::io::Read::read_exact(&mut reader, &mut body).unwrap();
        let mut stream = stream;
        stream
            .write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\
                  connection: close\r\n\r\n{}",
            )
            .unwrap();
        head
    })
}

#[tokio::test]
async fn operations_and_handshakes_carry_the_current_trace() {
    install_propagator();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let client = RuntimeClient::builder()
        .region("us-west-2")
        .endpoint(endpoint)
        .bearer_token("t")
        .build()
        .unwrap();
    let session = RuntimeSession::new(ARN.parse().unwrap());

    // No current span: nothing added.
    let request = client.oauth_headers(&session, "t").unwrap();
    assert!(request.headers().get("traceparent").is_none());

    let _attached = caller().attach();
    let request = client.oauth_headers(&session, "t").unwrap();
    assert_eq!(request.headers()["traceparent"], TRACEPARENT);
    assert_eq!(request.headers()["baggage"], "tenant=acme");

    // An invocation: the current trace, except what the call set itself.
    let head = one_request(listener);
    client
        .invoke(&session)
        .trace_header("baggage", "mine=1")
        .json(&serde_json::json!({ "n": 1 }))
        .unwrap()
        .send()
        .await
        .unwrap();
    let head = head.join().unwrap();
    assert!(
        head.contains(&format!("traceparent: {TRACEPARENT}")),
        "{head:#?}"
    );
    assert!(head.contains(&"baggage: mine=1".to_owned()), "{head:#?}");
    assert_eq!(head.iter().filter(|l| l.starts_with("baggage:")).count(), 1);
}
