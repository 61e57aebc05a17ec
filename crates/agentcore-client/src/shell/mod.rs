//! Interactive shells (`/ws/shells`): the handshakes of the three auth modes, and an
//! open [`Shell`] that reconnects.

mod builder;
mod connector;
mod handshake;
mod reconnect;
mod session;

pub use builder::{OpenShell, OpenShellBuilder, SHELL_PING_INTERVAL, SHELL_PONG_TIMEOUT};
pub use reconnect::ReconnectPolicy;
pub use session::{SHELL_CLOSE_TIMEOUT, Shell, ShellEvent, ShellInput};
