//! `sse_decoder`: see `agentcore_testkit::fuzz::sse_decoder` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentcore_testkit::fuzz::sse_decoder(data));
