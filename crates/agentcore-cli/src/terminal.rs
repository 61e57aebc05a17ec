//! The terminal on stdin: whether this process may use it, its size, and modes that a
//! guard puts back on every way out (return, error, panic).

use std::io;

use rustix::termios::{
    LocalModes, OptionalActions, SpecialCodeIndex, Termios, tcgetattr, tcgetpgrp, tcgetwinsize,
    tcsetattr,
};

/// The size of the terminal on stdout, (columns, rows), when it is one.
pub(crate) fn size() -> Option<(u16, u16)> {
    let size = tcgetwinsize(io::stdout()).ok()?;
    (size.ws_col > 0 && size.ws_row > 0).then_some((size.ws_col, size.ws_row))
}

/// Whether stdin is a terminal that this process group has in the foreground (a
/// background job must not touch it: changing its mode or reading it stops the job).
pub(crate) fn foreground_terminal() -> bool {
    tcgetpgrp(io::stdin()).is_ok_and(|group| group == rustix::process::getpgrp())
}

/// The terminal's mode before it was changed; restored on drop.
pub(crate) struct RawMode {
    original: Termios,
}

impl RawMode {
    /// Keys without Enter, for `dev`: turns off ICANON (keys arrive one by one), ECHO,
    /// ISIG (Ctrl-C is a key) and IEXTEN (so is Ctrl-V, Ctrl-O) on stdin. Output
    /// processing stays on, so the agent's lines still begin at the left margin.
    pub(crate) fn keys() -> io::Result<Self> {
        Self::set(|mode| {
            mode.local_modes.remove(
                LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG | LocalModes::IEXTEN,
            );
            mode.special_codes[SpecialCodeIndex::VMIN] = 1;
            mode.special_codes[SpecialCodeIndex::VTIME] = 0;
        })
    }

    /// A raw terminal, for `shell`: every byte typed goes to the remote shell as it is
    /// (`cfmakeraw`: no line editing, echo, signals, flow control or output
    /// processing; the remote PTY does all of that).
    pub(crate) fn full() -> io::Result<Self> {
        Self::set(Termios::make_raw)
    }

    fn set(change: impl FnOnce(&mut Termios)) -> io::Result<Self> {
        let stdin = io::stdin();
        let original = tcgetattr(&stdin)?;
        let mut mode = original.clone();
        change(&mut mode);
        tcsetattr(&stdin, OptionalActions::Now, &mode)?;
        Ok(Self { original })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // On every way out: return, error, panic.
        let _ = tcsetattr(io::stdin(), OptionalActions::Now, &self.original);
    }
}
