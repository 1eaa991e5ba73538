// The agent's dashboard in Chromium against a real three-agent cluster on loopback: every member
// alive in the table, the ring and the stats plots drawn, a member's details on a click (on the
// ring and in the table), then one agent killed with SIGKILL and its row turning failed, with the
// failure in the timeline, without reloading the page.
//
// usage: node --test tests/browser/dashboard.test.mjs
// (RUMOR_BIN: the rumor binary; RUMOR_WEB_DIR, when set, passes to the agents so they serve a
// Vite build from disk; RUMOR_SCREENSHOT_DIR: where dashboard.png and dashboard-failed.png go.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  freePort, launchBrowser, rumorBin, screenshot, waitForHttp, watchPageErrors,
} from './lib.mjs';

// Detecting a kill -9 among three members can take a full Lifeguard suspicion (profile
// "local": a few seconds, up to ~18 s when no other member confirms it).
const FAILURE_DEADLINE_MS = 40000;
const DEADLINE_MS = 15000;

function startAgent(dir, name, join_) {
  return Promise.all([freePort(), freePort(), freePort()]).then(([port, http, rpc]) => {
    const log = join(dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const args = ['agent', '--node', name, '--bind', `127.0.0.1:${port}`,
      '--http', `127.0.0.1:${http}`, '--rpc', `127.0.0.1:${rpc}`, '--profile', 'local',
      '--tag', `role=${name === 'a' ? 'seed' : 'worker'}`];
    if (join_) args.push('--join', join_);
    const proc = spawn(rumorBin, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const agent = { name, proc, addr: `127.0.0.1:${port}`, url: `http://127.0.0.1:${http}`, log };
    agent.exited = new Promise((ok) => {
      proc.once('exit', ok);
      proc.once('error', (e) => { // no such binary: say which
        console.error(`cannot run ${rumorBin}: ${e.message} (set RUMOR_BIN)`);
        ok();
      });
    });
    return agent;
  });
}

async function json(url) {
  const r = await fetch(url);
  return r.ok ? r.json() : null;
}

async function until(what, fn, timeoutMs = DEADLINE_MS) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`
    + ` (last: ${JSON.stringify(last)})`);
}

// How many pixels of a canvas are not transparent, and how many are near an RGB colour.
function canvasPixels(page, selector, rgb) {
  return page.evaluate(([sel, colour]) => {
    const c = document.querySelector(sel);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    let near = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      drawn++;
      if (colour && d[i + 3] > 128 && Math.abs(d[i] - colour[0]) < 40
        && Math.abs(d[i + 1] - colour[1]) < 40 && Math.abs(d[i + 2] - colour[2]) < 40) near++;
    }
    return { drawn, near };
  }, [selector, rgb]);
}

const ALIVE_RGB = [0x2e, 0x9b, 0x57];
const FAILED_RGB = [0xd6, 0x45, 0x41];

const rowStatuses = (page) => page.$$eval('[data-testid="member-row"]',
  (rows) => Object.fromEntries(rows.map((r) => [r.dataset.name, r.dataset.status])));

test('dashboard: members, ring, plots, details, a failure live', { timeout: 90000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rumor-dashboard-'));
  const agents = [];
  let browser = null;
  let ok = false;
  try {
    const a = await startAgent(dir, 'a');
    agents.push(a);
    await waitForHttp(`${a.url}/v1/health`);

    // The page opens on a lone agent; b and c join while it watches.
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${a.url}/`);
    await page.waitForFunction(() => document.querySelector('[data-testid="node-name"]')
      ?.textContent === 'a', null, { timeout: DEADLINE_MS });
    await page.waitForSelector('[data-testid="stream-state"][data-state="connected"]',
      { timeout: DEADLINE_MS });
    await page.waitForSelector('[data-testid="member-row"][data-name="a"][data-status="alive"]',
      { timeout: DEADLINE_MS });
    await page.evaluate(() => { window.__sameDocument = true; });
    for (const name of ['b', 'c']) {
      const x = await startAgent(dir, name, a.addr);
      agents.push(x);
      await waitForHttp(`${x.url}/v1/health`);
    }
    const [, b, c] = agents;

    // Every member alive in the table, from the event stream (no reload).
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="member-row"]')];
      return rows.length === 3 && rows.every((r) => r.dataset.status === 'alive');
    }, null, { timeout: DEADLINE_MS });
    assert.deepEqual(await rowStatuses(page), { a: 'alive', b: 'alive', c: 'alive' });
    assert.equal(await page.textContent('[data-testid="cluster-size"]'), '3 members');
    const timeline = '[data-testid="event-timeline"] [data-testid="event-row"]';
    for (const name of ['b', 'c']) {
      await page.waitForSelector(`${timeline}[data-type="member-join"][data-name="${name}"]`,
        { timeout: 5000 });
    }

    // A user event and a query sent from b land in a's timeline.
    const post = (agent, path, body) => fetch(`${agent.url}${path}`, { method: 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post(b, '/v1/event', { name: 'deploy', payload: 'v1.4.2' })).status, 200);
    const query = post(b, '/v1/query', { name: 'uptime', timeout_ms: 500 });
    await page.waitForSelector(`${timeline}[data-type="user"][data-name="deploy"]`,
      { timeout: 5000 });
    await page.waitForSelector(`${timeline}[data-type="query"][data-name="uptime"]`,
      { timeout: 5000 });
    assert.equal((await query).status, 200);

    // The ring: three members, drawn in the alive colour.
    await page.waitForSelector('[data-testid="cluster-ring"][data-count="3"]');
    const ring = await canvasPixels(page, '[data-testid="cluster-ring"]', ALIVE_RGB);
    assert.ok(ring.drawn > 1000 && ring.near > 100, `ring not drawn: ${JSON.stringify(ring)}`);

    // The stats plots: a few samples in, lines on the canvas.
    await page.waitForFunction(() => Number(document.querySelector(
      '[data-testid="stats-plot"][data-plot="messages"]')?.dataset.points) >= 3, null,
    { timeout: DEADLINE_MS });
    const plots = await page.$$eval('[data-testid="stats-plot"]', (xs) => xs.map((x) => ({
      id: x.dataset.plot, points: Number(x.dataset.points), noData: x.classList.contains('no-data'),
    })));
    assert.equal(plots.length, 6);
    for (const p of plots) {
      assert.ok(p.points >= 3, `${p.id}: ${p.points} samples`);
      assert.ok(!p.noData, `${p.id}: no data from /v1/stats`);
    }
    // Messages in and out are often equal: either line will do.
    const blue = await canvasPixels(page, '[data-plot="messages"] canvas', [0x2f, 0x6f, 0xdf]);
    const green = await canvasPixels(page, '[data-plot="messages"] canvas', ALIVE_RGB);
    assert.ok(blue.near + green.near > 20,
      `messages plot has no line: ${JSON.stringify([blue, green])}`);

    // A click on b's dot (found in the quadtree) opens b's details, coordinate included; the
    // page asks for the coordinate only once a has one (a 404 would be a console error).
    await until('a to hold coordinates for b and c', async () =>
      (await fetch(`${a.url}/v1/coordinate?node=b`)).ok
        && (await fetch(`${a.url}/v1/coordinate?node=c`)).ok);
    const dotB = await page.evaluate(() => window.rumorDashboard.ringPoint('b'));
    assert.ok(dotB, 'b is not on the ring');
    await page.mouse.click(dotB.x, dotB.y);
    const details = '[data-testid="member-details"]';
    await page.waitForSelector(`${details}[data-name="b"]`, { timeout: 5000 });
    await page.waitForFunction((addr) => {
      const d = document.querySelector('[data-testid="member-details"]');
      return d.textContent.includes(addr) && /Coordinate\[/.test(d.textContent);
    }, b.addr, { timeout: 5000 });
    const text = await page.textContent(details);
    assert.match(text, /alive/);
    assert.match(text, /role\s*worker/);

    // A click on c's row selects c instead.
    await page.click('[data-testid="member-row"][data-name="c"]');
    await page.waitForSelector(`${details}[data-name="c"]`, { timeout: 5000 });
    await page.waitForSelector('[data-testid="member-row"][data-name="c"].selected');
    if (process.env.RUMOR_SCREENSHOT_DIR) {
      // For the docs: some history in the plots first.
      await page.waitForFunction(() => Number(document.querySelector(
        '[data-plot="messages"]').dataset.points) >= 15, null, { timeout: 30000 });
    }
    await screenshot(page, 'dashboard');

    // Kill c: its row turns failed and the timeline shows the failure, all without a reload.
    const killedAt = Date.now();
    c.proc.kill('SIGKILL');
    await c.exited;
    await page.waitForSelector('[data-testid="member-row"][data-name="c"][data-status="failed"]',
      { timeout: FAILURE_DEADLINE_MS });
    const detectS = ((Date.now() - killedAt) / 1000).toFixed(1);
    await page.waitForSelector(`${timeline}[data-type="member-failed"][data-name="c"]`,
      { timeout: 5000 });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page reloaded');
    const after = await rowStatuses(page);
    assert.deepEqual(after, { a: 'alive', b: 'alive', c: 'failed' });
    await page.waitForSelector(`${details}[data-name="c"] .pill.status-failed`, { timeout: 5000 });
    const red = await canvasPixels(page, '[data-testid="cluster-ring"]', FAILED_RGB);
    assert.ok(red.near > 50, `no failed member on the ring: ${JSON.stringify(red)}`);
    await page.waitForTimeout(600); // let the failure's pulse show in the screenshot
    await screenshot(page, 'dashboard-failed');
    console.log(`c seen failed on the page ${detectS} s after SIGKILL`);

    assert.deepEqual(errors, [], 'the page reported errors');
    ok = true;
  } finally {
    for (const x of agents) {
      if (x.proc.exitCode === null && x.proc.signalCode === null) x.proc.kill('SIGKILL');
    }
    await Promise.all(agents.map((x) => x.exited));
    if (browser) await browser.close();
    if (!ok) {
      for (const x of agents) {
        const tail = readFileSync(x.log, 'utf8').split('\n').slice(-15).join('\n');
        console.error(`--- ${x.name}'s log (last lines) ---\n${tail}`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
