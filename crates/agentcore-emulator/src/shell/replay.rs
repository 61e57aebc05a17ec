//! The replay buffer: a shell's output while no client is attached, the newest bytes
//! kept up to a limit, the older ones dropped and counted.

use std::collections::VecDeque;

use bytes::Bytes;

/// Output kept for the next client: at most `limit` bytes, the newest.
#[derive(Debug)]
pub(crate) struct Replay {
    limit: usize,
    kept: VecDeque<u8>,
    dropped: u64,
}

impl Replay {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            kept: VecDeque::new(),
            dropped: 0,
        }
    }

    /// Keeps `bytes`, dropping the oldest beyond the limit.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        if bytes.len() >= self.limit {
            self.dropped += (self.kept.len() + bytes.len() - self.limit) as u64;
            self.kept.clear();
            self.kept.extend(&bytes[bytes.len() - self.limit..]);
            return;
        }
        let over = (self.kept.len() + bytes.len()).saturating_sub(self.limit);
        self.kept.drain(..over);
        self.dropped += over as u64;
        self.kept.extend(bytes);
    }

    /// What was kept and how many bytes were dropped since the last take; empties it.
    pub(crate) fn take(&mut self) -> (Bytes, u64) {
        let kept: Vec<u8> = self.kept.drain(..).collect();
        self.kept.shrink_to_fit();
        (Bytes::from(kept), std::mem::take(&mut self.dropped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_bytes_and_counts_the_rest() {
        let mut replay = Replay::new(8);
        replay.push(b"abc");
        replay.push(b"defgh");
        assert_eq!(replay.take(), (Bytes::from_static(b"abcdefgh"), 0));
        assert_eq!(replay.take(), (Bytes::new(), 0));

        replay.push(b"0123456");
        replay.push(b"789");
        assert_eq!(replay.take(), (Bytes::from_static(b"23456789"), 2));

        // One push over the limit on its own.
        replay.push(b"xy");
        replay.push(b"0123456789ab");
        assert_eq!(replay.take(), (Bytes::from_static(b"456789ab"), 6));

        let mut none = Replay::new(0);
        none.push(b"abc");
        assert_eq!(none.take(), (Bytes::new(), 3));
    }
}
