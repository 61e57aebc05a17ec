//! Decoding throughput, from response bytes to typed items on one core: SSE events
//! carrying 1 KiB of JSON data (the contract's decoder, then the agent-error check), and
//! AWS event-stream frames each carrying a 1 KiB `contentDelta` (CRC-checked frames
//! through `aws-smithy-eventstream`, then the chunk's JSON into a `CommandEvent`). Bytes
//! are fed in 16 KiB pieces, as a socket would deliver them.
//!
//! `cargo bench -p agentcore-client --bench decoding -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use agentcore_client::contract::sse::{SseDecoder, data_event};
use agentcore_client::{CommandDecoder, CommandEvent, check_agent_error};
use agentcore_emulator::command::event_frame;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

const EVENTS: usize = 1024;
const PIECE: usize = 16 * 1024;

/// About 1 KiB of text (mixed content, a few escapes).
fn text() -> String {
    let line = "The quick brown fox jumps over the lazy dog, \"quoted\" and tab\t. ";
    line.repeat(16)[..1000].to_owned()
}

fn sse_body() -> Vec<u8> {
    let mut body = Vec::new();
    for i in 0..EVENTS {
        body.extend(data_event(&json!({"i": i, "text": text()})).unwrap());
    }
    body
}

fn eventstream_body() -> Vec<u8> {
    // The frames the emulator writes, exactly as it encodes them.
    (0..EVENTS)
        .flat_map(|_| event_frame(&json!({"contentDelta": {"stdout": text()}})))
        .collect()
}

fn decoding(c: &mut Criterion) {
    let sse = sse_body();
    let mut group = c.benchmark_group("decoding");
    group.throughput(Throughput::Bytes(sse.len() as u64));
    group.bench_function("sse_1KiB_json_events", |b| {
        b.iter(|| {
            let mut decoder = SseDecoder::new();
            let mut count = 0;
            for piece in sse.chunks(PIECE) {
                decoder.push(piece).unwrap();
                while let Some(event) = decoder.next_event() {
                    check_agent_error(&event).unwrap();
                    count += black_box(event).data.len();
                }
            }
            count
        })
    });

    let frames = eventstream_body();
    group.throughput(Throughput::Bytes(frames.len() as u64));
    group.bench_function("eventstream_1KiB_content_delta", |b| {
        b.iter(|| {
            let mut decoder = CommandDecoder::new();
            let mut count = 0;
            for piece in frames.chunks(PIECE) {
                decoder.push(piece);
                while let Some(event) = decoder.next_event().unwrap() {
                    if let CommandEvent::Delta {
                        stdout: Some(out), ..
                    } = black_box(event)
                    {
                        count += out.len();
                    }
                }
            }
            assert_eq!(count, EVENTS * 1000);
            count
        })
    });
    group.finish();
}

criterion_group!(benches, decoding);
criterion_main!(benches);
