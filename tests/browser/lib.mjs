// Shared by the browser tests: start Debian's chromium through playwright-core, kept off the
// network, with a fresh profile; free ports; waiting for a URL to answer; screenshots.
//
// Environment: RUMOR_BIN (the rumor binary; default build/src/cli/rumor beside this repo),
// RUMOR_CHROMIUM (default /usr/bin/chromium), RUMOR_SCREENSHOT_DIR (when set, each test saves
// its screenshots there; tools/screenshots.sh points it at docs/screenshots).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const rumorBin = process.env.RUMOR_BIN || join(repoRoot, 'build', 'src', 'cli', 'rumor');

// The flags that keep Chromium off this machine's closed network and quiet in a container.
const CHROMIUM_FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

// Launches chromium with a new, empty profile; returns { browser, close } where close() also
// removes the profile.
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'rumor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.RUMOR_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 900 },
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

// A TCP port that was free a moment ago on 127.0.0.1.
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// Polls `url` until it answers 200 or `timeoutMs` passes (then throws, naming the URL).
export async function waitForHttp(url, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = String(e.cause?.code || e.message);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

// Saves a full-page screenshot as NAME.png when RUMOR_SCREENSHOT_DIR is set.
export async function screenshot(page, name) {
  const dir = process.env.RUMOR_SCREENSHOT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

// Fails the page's test on any uncaught error or console error the page reports.
export function watchPageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

// Starts `BIN view TRACE --listen 127.0.0.1:0` and resolves with {url, stop} once it prints its
// "rumor view: TRACE (N runs) at URL" line; rejects if it exits first or prints nothing within
// `timeoutMs`. `env` adds to the environment (e.g. RUMOR_WEB_DIR).
export function startView(trace, { bin = rumorBin, env = {}, timeoutMs = 60000 } = {}) {
  const proc = spawn(bin, ['view', trace, '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((ok) => proc.once('exit', ok));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => {
      stop();
      fail(new Error(`rumor view printed no URL within ${timeoutMs} ms: ${out}${err}`));
    }, timeoutMs);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/\S+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ url: m[1], stop });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`rumor view exited ${code}: ${err}`));
    });
  });
}
