//! `invocation_payload`: see `agentcore_testkit::fuzz::invocation_payload` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentcore_testkit::fuzz::invocation_payload(data));
