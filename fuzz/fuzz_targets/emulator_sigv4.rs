//! `emulator_sigv4`: see `agentcore_testkit::fuzz::emulator_sigv4` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentcore_testkit::fuzz::emulator_sigv4(data));
