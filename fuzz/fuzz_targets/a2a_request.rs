//! `a2a_request`: see `agentcore_testkit::fuzz::a2a_request` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentcore_testkit::fuzz::a2a_request(data));
