// The console's chat tab, and the connection logic both tabs share. Plain JavaScript,
// no build step. The page never holds an AWS credential: it asks this site's backend
// (`POST /api/connect`) for a short-lived URL and opens the WebSocket to AgentCore itself.
"use strict";

const $ = (id) => document.getElementById(id);

/** The runtime session both tabs share; the backend makes one on the first grant. */
const session = { id: null };

/** Shows the connection state in `#status` (`state`: ok, warn or error). */
function setStatus(text, state = "ok") {
  const status = $("status");
  status.textContent = text;
  status.dataset.state = state;
}

/** Appends one entry to `#log` (`kind`: in, out, note or error), as text, never markup. */
function logEntry(kind, text) {
  const entry = document.createElement("li");
  entry.className = `entry ${kind}`;
  const time = document.createElement("time");
  time.textContent = new Date().toLocaleTimeString();
  const body = document.createElement("span");
  body.textContent = text;
  entry.append(time, body);
  const log = $("log");
  log.append(entry);
  log.scrollTop = log.scrollHeight;
}

/**
 * Asks the backend for a URL: `{url, protocols, auth, sessionId, expiresInSecs}`.
 * `target` is `chat` or `shell`.
 */
async function requestGrant(target, extra = {}) {
  let response;
  try {
    response = await fetch("/api/connect", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ target, sessionId: session.id ?? undefined, ...extra }),
    });
  } catch (e) {
    throw new Error(`/api/connect could not be reached: ${e.message}`);
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(`/api/connect answered ${response.status}: ${body.error ?? response.statusText}`);
  }
  session.id = body.sessionId;
  return { ...body, receivedAt: Date.now() };
}

/** Opens a WebSocket; settles at `open`, or rejects with the close code of a refused handshake. */
function openSocket(grant) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(grant.url, grant.protocols ?? []);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      socket.onclose = null;
      resolve(socket);
    };
    // A browser says nothing about why (an expired URL and a bad signature are both
    // 1006): `error` always comes with `close`, where this settles.
    socket.onclose = (event) => reject(Object.assign(new Error("refused"), { code: event.code }));
  });
}

/**
 * One WebSocket to a target, opened on demand. It reuses its last URL; when that is
 * refused (expired, most likely: the service's clock decides, not the page's), it asks
 * for a fresh one and tries once more. A fresh URL refused is an error for the user.
 */
class Link {
  constructor(target, { extra = {}, onMessage, onClose, onNote }) {
    Object.assign(this, { target, extra, onMessage, onClose, onNote });
    this.grant = null;
    this.socket = null;
    this.pending = null;
  }

  get isOpen() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** The open socket, connecting first if needed (one attempt at a time). */
  connect() {
    if (this.isOpen) return Promise.resolve(this.socket);
    this.pending ??= this.dial().finally(() => (this.pending = null));
    return this.pending;
  }

  async dial() {
    if (this.grant) {
      try {
        return this.attach(await openSocket(this.grant));
      } catch (refused) {
        const age = Math.round((Date.now() - this.grant.receivedAt) / 1000);
        const expired = this.grant.expiresInSecs !== undefined && age >= this.grant.expiresInSecs;
        this.onNote(
          expired
            ? `The saved ${this.target} URL has expired (${age} s old, valid ${this.grant.expiresInSecs} s): fetching a fresh one.`
            : `The saved ${this.target} URL was refused (close ${refused.code}): fetching a fresh one.`,
        );
      }
    }
    this.grant = await requestGrant(this.target, this.extra);
    try {
      return this.attach(await openSocket(this.grant));
    } catch (refused) {
      this.grant = null;
      throw new Error(
        `The ${this.target} connection was refused (close ${refused.code}), with a fresh URL: ` +
          "the runtime or its credentials are not accepted.",
      );
    }
  }

  attach(socket) {
    this.socket = socket;
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => {
      if (this.socket === socket) this.socket = null;
      this.onClose(event);
    };
    return socket;
  }

  /** Closes the socket (the URL is kept for the next connect). */
  close() {
    this.socket?.close(1000, "closed by the user");
  }
}

// The chat: `{"prompt": ...}` out, every message in appended to the log.
const chat = new Link("chat", {
  onMessage: (data) => logEntry("in", typeof data === "string" ? data : `(${data.byteLength} bytes)`),
  onClose: (event) => {
    logEntry("note", `The chat socket closed (${event.code}${event.reason ? `: ${event.reason}` : ""}).`);
    setStatus("Disconnected; the next message reconnects.", "warn");
  },
  onNote: (text) => {
    logEntry("note", text);
    setStatus(text, "warn");
  },
});

async function sendPrompt() {
  const prompt = $("prompt").value.trim();
  if (!prompt) return;
  $("send").disabled = true;
  try {
    const socket = await chat.connect();
    setStatus(`Connected to the agent (session ${session.id}).`);
    socket.send(JSON.stringify({ prompt }));
    logEntry("out", prompt);
    $("prompt").value = "";
  } catch (e) {
    logEntry("error", e.message);
    setStatus(e.message, "error");
  } finally {
    $("send").disabled = false;
    $("prompt").focus();
  }
}

$("prompt-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sendPrompt();
});
$("disconnect").addEventListener("click", () => chat.close());

// Tabs.
for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("[role=tab]")) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      $(other.getAttribute("aria-controls")).hidden = !selected;
    }
    document.dispatchEvent(new CustomEvent("tabshown", { detail: tab.getAttribute("aria-controls") }));
  });
}
