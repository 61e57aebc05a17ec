//! `event_stream`: see `agentcore_testkit::fuzz::event_stream` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentcore_testkit::fuzz::event_stream(data));
