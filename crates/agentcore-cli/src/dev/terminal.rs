//! The keys `dev` acts on, read one by one from a terminal in
//! [`RawMode::keys`](crate::terminal::RawMode::keys).

use std::io::{self, Read};

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
