//! `shell_frame`: see `agentcore_testkit::fuzz::shell_frame` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentcore_testkit::fuzz::shell_frame(data));
