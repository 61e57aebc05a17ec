// The browser test of the web-console example, run by `cargo xtask browser-test` (which
// starts the agent, the emulator and the consoles, and sets the environment below).
// Headless Chromium driven by Playwright (playwright-core, no browser download).
//
//   BROWSER_NODE_MODULES  where playwright-core is installed
//   CHROMIUM              the browser binary
//   CONSOLE_URL           a console with the credentials the emulator accepts
//   REFUSED_CONSOLE_URL   a console whose secret key the emulator does not know
//   OAUTH_CONSOLE_URL     a console with no AWS credentials, only a bearer token
//   PRESIGN_EXPIRES_SECS  how long the consoles' URLs open a socket
//   BROWSER_ARTIFACTS     where screenshots go

import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import assert from "node:assert/strict";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through cargo xtask browser-test`);
  return value;
};
const require = createRequire(path.join(env("BROWSER_NODE_MODULES"), "driver.cjs"));
const { chromium } = require("playwright-core");

const CONSOLE = env("CONSOLE_URL");
const REFUSED = env("REFUSED_CONSOLE_URL");
const OAUTH = env("OAUTH_CONSOLE_URL");
const EXPIRES_MS = Number(env("PRESIGN_EXPIRES_SECS")) * 1000;
const ARTIFACTS = env("BROWSER_ARTIFACTS");
const TIMEOUT = 10_000;

// As root in a container, on a machine whose network is closed: no sandbox, no GPU, and
// none of Chromium's own background connections (refused here, and slow to give up).
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const results = [];
async function test(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name} (${Date.now() - started} ms)\n      ${String(e.stack ?? e).replaceAll("\n", "\n      ")}`);
  }
}

/** A page on `url` that records the problems it reports and its /api/connect calls. */
async function openConsole(context, url) {
  const page = await context.newPage();
  page.problems = [];
  page.connects = 0;
  page.on("pageerror", (e) => page.problems.push(`page error: ${e.message}`));
  page.on("console", (message) => {
    // A refused WebSocket is logged by Chromium itself; a CSP violation is a bug.
    if (/Content Security Policy|Refused to/.test(message.text())) page.problems.push(message.text());
  });
  page.on("request", (request) => {
    if (request.url().endsWith("/api/connect")) page.connects += 1;
  });
  page.response = await page.goto(url);
  return page;
}

/** Sends `prompt` from the chat tab. */
async function send(page, prompt) {
  await page.fill("#prompt", prompt);
  await page.click("#send");
}

/** The log entry of the agent's echo of `prompt`, parsed. */
async function reply(page, prompt) {
  const entry = page.locator("#log .entry.in", { hasText: JSON.stringify(prompt) }).last();
  await entry.waitFor({ timeout: TIMEOUT });
  const text = await entry.locator("span").textContent();
  return JSON.parse(text);
}

/** Everything the terminal shows, row by row. */
const screen = (page) => page.locator("#terminal .xterm-rows").innerText();

/** Opens the shell tab, attaches, and runs a command whose output must appear. */
async function shellRoundTrip(page, auth) {
  await page.click("#tab-shell");
  await page.click("#shell-connect");
  await page.locator("#shell-status", { hasText: `shell web-console (${auth} URL)` }).waitFor({ timeout: TIMEOUT });
  await page.locator("#terminal .xterm-helper-textarea").focus();
  await page.keyboard.type("echo shell-$((6*7)); stty size\n");
  await page.waitForFunction(
    () => /shell-42/.test(document.querySelector("#terminal .xterm-rows")?.innerText ?? ""),
    null,
    { timeout: TIMEOUT },
  );
  // The RESIZE frame reached the PTY: `stty size` prints the terminal's rows.
  const rows = await page.locator("#terminal .xterm-rows > div").count();
  const size = (await screen(page)).match(/^(\d+) (\d+)$/m);
  assert.ok(size, `no stty size output in:\n${await screen(page)}`);
  assert.equal(Number(size[1]), rows, `stty size says ${size[0]}, the terminal has ${rows} rows`);
}

// A fresh profile each run.
const profile = mkdtempSync(path.join(tmpdir(), "web-console-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env("CHROMIUM"),
  headless: true,
  args: FLAGS,
  viewport: { width: 1100, height: 560 },
  timeout: 30_000,
});
context.setDefaultTimeout(TIMEOUT);
const started = Date.now();

const page = await openConsole(context, CONSOLE);

await test("the page is served with its security headers", async () => {
  const headers = page.response.headers();
  assert.equal(page.response.status(), 200);
  assert.match(headers["content-security-policy"], /default-src 'none'; script-src 'self'/);
  assert.match(headers["content-security-policy"], /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/);
  assert.equal(headers["x-content-type-options"], "nosniff");
  assert.equal(headers["referrer-policy"], "no-referrer");
  assert.equal(headers["x-frame-options"], "DENY");
  assert.equal(await page.locator("#status").textContent(), "Not connected.");
});

await test("a prompt reaches the agent and its reply is in #log", async () => {
  await send(page, "hello from Chromium");
  const echo = await reply(page, "hello from Chromium");
  assert.deepEqual(echo.echo, { prompt: "hello from Chromium" });
  assert.equal(echo.session_id.length, 36, "a session id made by the backend");
  await send(page, "and again, same socket");
  await reply(page, "and again, same socket");
  assert.equal(page.connects, 1, "one URL for one socket");
  assert.equal(await page.locator("#status").getAttribute("data-state"), "ok");
});

await test("an expired URL is replaced by a fresh one", async () => {
  const before = await reply(page, "hello from Chromium");
  await page.click("#disconnect");
  await page.locator("#log .entry.note", { hasText: "closed (1000" }).waitFor();
  // Past the URL's expiry (X-Amz-Date has whole seconds): the saved URL is refused now.
  await page.waitForTimeout(EXPIRES_MS + 1500);
  await send(page, "after the expiry");
  const after = await reply(page, "after the expiry");
  await page.locator("#log .entry.note", { hasText: "has expired" }).waitFor();
  assert.equal(page.connects, 2, "exactly one fresh URL");
  assert.equal(after.session_id, before.session_id, "the same runtime session");
  assert.equal(await page.locator("#status").getAttribute("data-state"), "ok");
  await page.screenshot({ path: path.join(ARTIFACTS, "web_console.png") });
});

await test("the shell tab runs a command (presigned URL, RESIZE applied)", async () => {
  await shellRoundTrip(page, "presigned");
  await page.screenshot({ path: path.join(ARTIFACTS, "web_console_shell.png") });
});

await test("a refused connection is shown to the user", async () => {
  const refused = await openConsole(context, REFUSED);
  await send(refused, "nobody hears this");
  const error = refused.locator("#log .entry.error", { hasText: "refused" });
  await error.waitFor();
  assert.match(await error.textContent(), /chat connection was refused \(close 1006\), with a fresh URL/);
  assert.equal(await refused.locator("#status").getAttribute("data-state"), "error");
  assert.equal(await refused.locator("#log .entry.in").count(), 0);
  assert.equal(refused.connects, 1);
  await refused.screenshot({ path: path.join(ARTIFACTS, "web_console_refused.png") });
  assert.deepEqual(refused.problems, []);
  await refused.close();
});

await test("an OAuth shell (bearer subprotocol); no chat without credentials, said on the page", async () => {
  const oauth = await openConsole(context, OAUTH);
  await send(oauth, "no credentials here");
  const error = oauth.locator("#log .entry.error", { hasText: "/api/connect answered 502" });
  await error.waitFor();
  assert.equal(await oauth.locator("#status").getAttribute("data-state"), "error");
  await shellRoundTrip(oauth, "oauth");
  assert.deepEqual(oauth.problems, []);
  await oauth.close();
});

await test("/api/connect answers its own origin only, POST and JSON only", async () => {
  const origin = new URL(CONSOLE).origin;
  const api = new URL("/api/connect", CONSOLE);
  const post = (headers, body = "{}") => fetch(api, { method: "POST", headers, body });
  const json = { "content-type": "application/json" };
  const ok = await post({ ...json, origin });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("cache-control"), "no-store");
  const grant = await ok.json();
  assert.match(grant.url, /^ws:\/\/127\.0\.0\.1:\d+\/runtimes\/.+\/ws\?.*X-Amz-Signature=/);
  assert.equal(grant.auth, "presigned");
  assert.equal(grant.expiresInSecs, EXPIRES_MS / 1000);
  assert.equal((await post({ ...json, origin: "http://evil.example" })).status, 403);
  assert.equal((await post(json)).status, 403, "no Origin: not from a page of ours");
  assert.equal((await post({ origin, "content-type": "text/plain" })).status, 415);
  assert.equal((await post({ ...json, origin }, "x".repeat(5000))).status, 413);
  assert.equal((await post({ ...json, origin }, '{"sessionId":"short"}')).status, 400);
  assert.equal((await post({ ...json, origin }, '{"target":"exec"}')).status, 400);
  const get = await fetch(api);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  assert.equal((await fetch(new URL("/nothing", CONSOLE))).status, 404);
});

await test("no page error and no CSP violation", async () => {
  assert.deepEqual(page.problems, []);
});

await context.close();
rmSync(profile, { recursive: true, force: true });
const failed = results.filter((r) => !r.ok).length;
console.log(
  `\n${results.length - failed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s` +
    ` (screenshot ${path.join(ARTIFACTS, "web_console.png")})`,
);
process.exit(failed ? 1 : 0);
