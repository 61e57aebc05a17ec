//! Keys without Enter: while `dev` runs, a terminal on stdin is put in a mode with no
//! line editing, echo or signal keys, and a guard puts it back on every way out (return,
//! error, panic). Output processing stays on, so the agent's lines still begin at the
//! left margin.

use std::io::{self, Read};

use rustix::termios::{
    LocalModes, OptionalActions, SpecialCodeIndex, Termios, tcgetattr, tcgetpgrp, tcsetattr,
};
use tokio::sync::mpsc;

/// A key `dev` acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// Ctrl-C: stop (it arrives as a byte here, not as SIGINT).
    Interrupt,
    /// Ctrl-R: restart the agent.
    Restart,
}

impl Key {
    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x03 => Some(Self::Interrupt),
            0x12 => Some(Self::Restart),
            _ => None,
        }
    }
}

/// Whether stdin is a terminal that this process group has in the foreground (a
/// background job must not touch it: changing its mode or reading it stops the job).
pub(crate) fn foreground_terminal() -> bool {
    tcgetpgrp(io::stdin()).is_ok_and(|group| group == rustix::process::getpgrp())
}

/// The terminal's mode before `dev` changed it; restored on drop.
pub(crate) struct RawMode {
    original: Termios,
}

impl RawMode {
    /// Turns off ICANON (keys arrive one by one), ECHO, ISIG (Ctrl-C is a key) and
    /// IEXTEN (so is Ctrl-V, Ctrl-O) on stdin.
    pub(crate) fn enable() -> io::Result<Self> {
        let stdin = io::stdin();
        let original = tcgetattr(&stdin)?;
        let mut keys = original.clone();
        keys.local_modes
            .remove(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG | LocalModes::IEXTEN);
        keys.special_codes[SpecialCodeIndex::VMIN] = 1;
        keys.special_codes[SpecialCodeIndex::VTIME] = 0;
        tcsetattr(&stdin, OptionalActions::Now, &keys)?;
        Ok(Self { original })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = tcsetattr(io::stdin(), OptionalActions::Now, &self.original);
    }
}

/// The keys typed on stdin, read by a thread of their own (a blocking read that never
/// holds the runtime up at exit); the channel closes at end of input.
pub(crate) fn keys() -> io::Result<mpsc::UnboundedReceiver<Key>> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let reader = move || {
        let mut stdin = io::stdin().lock();
        let mut buf = [0u8; 64];
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            for key in buf[..n].iter().copied().filter_map(Key::from_byte) {
                if sender.send(key).is_err() {
                    return;
                }
            }
        }
    };
    std::thread::Builder::new()
        .name("agentcore-dev-keys".to_owned())
        .spawn(reader)?;
    Ok(receiver)
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn control_keys() {
        assert_eq!(Key::from_byte(0x03), Some(Key::Interrupt));
        assert_eq!(Key::from_byte(0x12), Some(Key::Restart));
        assert_eq!(Key::from_byte(b'r'), None);
    }
}
