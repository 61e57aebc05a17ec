//! `ag_ui_request`: see `agentcore_testkit::fuzz::ag_ui_request` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentcore_testkit::fuzz::ag_ui_request(data));
