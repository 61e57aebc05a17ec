// The shell tab: a terminal (xterm.js) on the runtime session's interactive shell
// (`/ws/shells`). Frames are binary messages, `[channel byte][payload]`: stdin out,
// stdout and stderr in, a RESIZE `{"width": W, "height": H}` out, STATUS JSON in.
"use strict";

(() => {
  const STDIN = 0x00, STDOUT = 0x01, STDERR = 0x02, STATUS = 0x03, RESIZE = 0x04, CLOSE = 0xff;
  /** A frame is at most 64 KiB, its channel byte included. */
  const MAX_PAYLOAD = 65535;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  const terminal = new Terminal({ cols: 100, rows: 24, cursorBlink: true, scrollback: 5000 });
  const fit = new FitAddon.FitAddon();
  terminal.loadAddon(fit);
  let shown = false;

  const note = (text) => ($("shell-status").textContent = text);

  const link = new Link("shell", {
    onMessage: receive,
    onClose: (event) => {
      note(`Detached (${event.code}${event.reason ? `: ${event.reason}` : ""}); connect again to reattach.`);
      $("shell-connect").disabled = false;
    },
    onNote: note,
  });

  function frame(channel, payload) {
    const bytes = new Uint8Array(payload.length + 1);
    bytes[0] = channel;
    bytes.set(payload, 1);
    return bytes;
  }

  function send(channel, payload) {
    if (link.isOpen) link.socket.send(frame(channel, payload));
  }

  function sendInput(text) {
    const bytes = encoder.encode(text);
    for (let start = 0; start < bytes.length; start += MAX_PAYLOAD) {
      send(STDIN, bytes.subarray(start, start + MAX_PAYLOAD));
    }
  }

  function sendSize() {
    send(RESIZE, encoder.encode(JSON.stringify({ width: terminal.cols, height: terminal.rows })));
  }

  function receive(data) {
    if (!(data instanceof ArrayBuffer) || data.byteLength === 0) return; // text: not a frame
    const bytes = new Uint8Array(data);
    const payload = bytes.subarray(1);
    switch (bytes[0]) {
      case STDOUT:
      case STDERR:
        terminal.write(payload);
        break;
      case STATUS:
        showStatus(payload);
        break;
      case CLOSE:
        note("The runtime is ending this shell.");
        break;
      default: // heartbeats, unknown channels: nothing to show
    }
  }

  /** A Kubernetes-style Status: attached (it names the shell), exited, or failed. */
  function showStatus(payload) {
    let status;
    try {
      status = JSON.parse(decoder.decode(payload));
    } catch {
      return;
    }
    if (status.status === "Success" && status.metadata?.shellId) {
      const again = status.metadata.reconnected ? "Reattached to" : "Attached to";
      note(`${again} shell ${status.metadata.shellId} (${link.grant.auth} URL).`);
    } else if (status.status === "Success") {
      note("The shell exited (0).");
    } else if (status.reason === "NonZeroExitCode") {
      const code = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
      note(`The shell exited (${code}).`);
    } else {
      note(`The shell failed: ${status.message ?? status.reason}`);
    }
  }

  async function connect() {
    $("shell-connect").disabled = true;
    try {
      await link.connect();
      sendSize();
      terminal.focus();
    } catch (e) {
      note(e.message);
      setStatus(e.message, "error");
      $("shell-connect").disabled = false;
    }
  }

  terminal.onData(sendInput);
  terminal.onResize(sendSize);
  $("shell-connect").addEventListener("click", connect);
  document.addEventListener("tabshown", (event) => {
    if (event.detail !== "shell") return;
    if (!shown) {
      terminal.open($("terminal"));
      shown = true;
    }
    fit.fit();
  });
  window.addEventListener("resize", () => shown && fit.fit());
})();
