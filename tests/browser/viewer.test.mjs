// The simulator viewer in Chromium against `rumor view`: a gossip trace scrubbed to the end (every
// node informed, in the status line and in the node colours), one round back (fewer informed, as
// many as the simulator counted at that round), a node's details on a click, a re-run with a
// crash from the page appearing beside the original in the comparison, a re-run of that re-run
// keeping its crash, and a refused re-run showing the server's error. Then a swim trace with a
// crash: the crashed member failed in every live view at the end, the page's count of accurate views equal to the simulator's at every
// probe interval, and a node's member table saying so. Last, a swim run whose members join one by
// one and two of which leave, and a heartbeat run with a leave: the page's accurate views equal
// the simulator's `informed` at every interval, the leaves spreading included.
//
// usage: node --test tests/browser/viewer.test.mjs
// (RUMOR_BIN: the rumor binary; RUMOR_WEB_DIR, when set, makes `rumor view` serve a Vite build
// from disk; RUMOR_SCREENSHOT_DIR: where viewer.png, viewer-node.png and viewer-compare.png go.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  launchBrowser, rumorBin, screenshot, startView, watchPageErrors,
} from './lib.mjs';

const DEADLINE_MS = 15000;
const GOSSIP_NODES = 300;
const SWIM_NODES = 40;

let dir;
let browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rumor-viewer-test-'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function sim(args, trace) {
  const r = spawnSync(rumorBin, ['sim', ...args, '--trace', trace], { encoding: 'utf8' });
  assert.ok(r.status === 0, `rumor sim ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}


// The page's own record of what it drew last (data attributes of the canvas).
const drawn = (page) => page.$eval('[data-testid="cluster-graph"]', (c) => ({
  informed: Number(c.dataset.informed), live: Number(c.dataset.live), pos: Number(c.dataset.pos),
  length: Number(c.dataset.length), classes: JSON.parse(c.dataset.classes || '{}'),
  mode: c.dataset.mode,
}));

const statusLine = (page) => page.textContent('[data-testid="informed-count"]');

async function openViewer(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid="cluster-graph"]');
    return Number(c.dataset.length) > 0 && document.querySelector('[data-testid="loading"]').hidden;
  }, null, { timeout: DEADLINE_MS });
}

async function scrubTo(page, where) {
  await page.$eval('[data-testid="scrubber"]', (s, w) => {
    s.value = w === 'end' ? s.max : String(w);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, where);
  await page.waitForFunction((w) => {
    const c = document.querySelector('[data-testid="cluster-graph"]');
    return w === 'end' ? c.dataset.pos === c.dataset.length : c.dataset.pos === String(w);
  }, where, { timeout: DEADLINE_MS });
}

// Waits one animation frame, so the data attributes describe the state just set.
const nextFrame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

// Pixels of a canvas within 12 of an RGB colour.
function pixelsNear(page, selector, rgb) {
  return page.evaluate(([sel, colour]) => {
    const c = document.querySelector(sel);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let near = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - colour[0]) < 12 && Math.abs(d[i + 1] - colour[1]) < 12
        && Math.abs(d[i + 2] - colour[2]) < 12) near++;
    }
    return near;
  }, [selector, rgb]);
}

const INFORMED_RGB = [0x2f, 0x6f, 0xdf];
const UNKNOWN_RGB = [0xc9, 0xce, 0xd4];

async function clickNode(page, node) {
  const p = await page.evaluate((n) => window.__viewer.graph.screenPos(n), node);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction((n) => document.querySelector('[data-testid="node-details"]').dataset.node === String(n),
    node, { timeout: DEADLINE_MS });
}

// Clicks "Re-run and compare" and waits until the comparison table has `rows` runs.
async function rerun(page, rows) {
  await page.click('[data-testid="rerun"]');
  await page.waitForFunction(() => /Added run|Refused/.test(document.querySelector('[data-testid="rerun-status"]').textContent),
    null, { timeout: 30000 });
  const status = await page.textContent('[data-testid="rerun-status"]');
  assert.match(status, /Added run/);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="compare-table"] tbody tr').length === n,
    rows, { timeout: DEADLINE_MS });
}

test('gossip: scrub, step, node details, re-run with a crash and compare', async () => {
  const trace = join(dir, 'gossip.jsonl');
  sim(['--nodes', String(GOSSIP_NODES), '--mode', 'push-pull', '--seed', '3'], trace);
  const server = await startView(trace);
  const page = await browser.context.newPage();
  const errors = watchPageErrors(page);
  try {
    await openViewer(page, server.url);
    const runs = await (await fetch(`${server.url}api/runs`)).json();
    assert.equal(runs.runs.length, 1);
    const rounds = runs.runs[0].rounds;

    // The start: only... nobody informed before the origin writes.
    let d = await drawn(page);
    assert.equal(d.pos, 0);
    assert.equal(d.mode, 'gossip');

    // Scrub to the end: everyone informed, in the status line and in the colours.
    await scrubTo(page, 'end');
    await nextFrame(page);
    assert.equal(await statusLine(page), `${GOSSIP_NODES} / ${GOSSIP_NODES} informed`);
    d = await drawn(page);
    assert.deepEqual(d.classes, { informed: GOSSIP_NODES });
    // (a node is some 5x5 pixels; edges blend, so count only clear majorities)
    const blueAtEnd = await pixelsNear(page, '[data-testid="cluster-graph"]', INFORMED_RGB);
    const greyAtEnd = await pixelsNear(page, '[data-testid="cluster-graph"]', UNKNOWN_RGB);
    assert.ok(blueAtEnd > GOSSIP_NODES * 4, `${blueAtEnd} informed-blue pixels`);
    assert.ok(greyAtEnd < GOSSIP_NODES / 4, `${greyAtEnd} not-informed-grey pixels`);

    // One round back: fewer informed, exactly as the simulator counted at the round before.
    await page.click('[data-testid="step-round-back"]');
    await nextFrame(page);
    d = await drawn(page);
    const before = rounds[rounds.length - 2].informed;
    assert.ok(before < GOSSIP_NODES, `round ${rounds.length - 1} already had everyone`);
    assert.equal(d.informed, before);
    assert.equal(d.classes.informed, before);
    assert.equal(d.classes.unknown, GOSSIP_NODES - before);
    assert.equal(await statusLine(page), `${before} / ${GOSSIP_NODES} informed`);
    const greyBefore = await pixelsNear(page, '[data-testid="cluster-graph"]', UNKNOWN_RGB);
    assert.ok(greyBefore > greyAtEnd + (GOSSIP_NODES - before) * 4,
      `${greyBefore} grey pixels for ${GOSSIP_NODES - before} nodes not informed`);
    // ... and forward again
    await page.click('[data-testid="step-round-forward"]');
    await nextFrame(page);
    assert.equal((await drawn(page)).informed, GOSSIP_NODES);
    await page.click('[data-testid="step-round-back"]');
    await page.click('[data-testid="step-back"]');
    await page.click('[data-testid="step-forward"]');
    await nextFrame(page);
    assert.equal((await drawn(page)).informed, before);

    // Mid-spread with messages in flight, for the picture.
    await page.selectOption('[data-testid="scrub-mode"]', 'time');
    const midRound = rounds.find((r) => r.informed > GOSSIP_NODES / 4) || rounds[2];
    await page.$eval('[data-testid="scrubber"]', (s, v) => {
      s.value = String(v);
      s.dispatchEvent(new Event('input', { bubbles: true }));
    }, Math.round(midRound.t + 300)); // ms: messages of the next round in flight
    await nextFrame(page);
    d = await drawn(page);
    assert.ok(d.informed > 0 && d.informed < GOSSIP_NODES, `mid-spread: ${d.informed} informed`);
    assert.ok(Number(await page.$eval('[data-testid="cluster-graph"]', (c) => c.dataset.inflight)) > 0,
      'no message in flight mid-round');
    await screenshot(page, 'viewer');

    // A node's details: informed at this moment, whom it learned from, its messages.
    const node = await page.evaluate(() => {
      const inf = window.__viewer.tl.state.informed;
      for (let i = 10; i < inf.length; i++) if (inf[i]) return i;
      return null;
    });
    assert.notEqual(node, null);
    await clickNode(page, node);
    const details = page.locator('[data-testid="node-details"]');
    const text = await details.textContent();
    assert.match(text, new RegExp(`node ${node}`));
    assert.match(text, /informed/);
    assert.match(text, /Learned\s*\d+\.\d+\s*from node \d+/);
    assert.match(text, /Sent/);
    assert.match(text, /Received/);
    assert.ok(await details.locator('table').count() >= 1, 'no message table in the details');
    await screenshot(page, 'viewer-node');

    // Re-run with that node crashed at round 2 (the crash node comes from the click).
    assert.equal(await page.inputValue('[data-testid="crash-node"]'), String(node));
    await page.fill('[data-testid="crash-at"]', '2');
    await page.click('[data-testid="crash-add"]');
    assert.match(await page.textContent('[data-testid="plan"]'), new RegExp(`node ${node} at 2`));
    await rerun(page, 2);
    const after = await (await fetch(`${server.url}api/runs`)).json();
    assert.equal(after.runs.length, 2);
    const rows = page.locator('[data-testid="compare-table"] tbody tr');
    assert.match(await rows.nth(1).textContent(), new RegExp(`crash ${node}@2`));
    assert.ok(await page.locator('[data-testid="compare-plot"] canvas').count() >= 1);
    // the plot's legend names both runs
    const legend = await page.textContent('[data-testid="compare-plot"]');
    assert.match(legend, /#0/);
    assert.match(legend, /#1/);

    // The same without the crash, in push mode (a preset): a third curve, slower.
    await page.click('[data-testid="plan"] button');
    assert.equal(await page.locator('[data-testid="plan"] li').count(), 0);
    await page.click('[data-testid="chaos"] button[data-preset="--mode push"]');
    assert.match(await page.textContent('[data-testid="rerun-args"]'), /--mode push(?!-)/);
    await rerun(page, 3);
    assert.match(await rows.nth(2).textContent(), /--mode push/);
    const summary = await rows.evaluateAll((trs) => trs.map((tr) => tr.children[2].textContent.trim()));
    assert.ok(Number.parseInt(summary[2], 10) > Number.parseInt(summary[0], 10),
      `push (${summary[2]} rounds) should take longer than push-pull (${summary[0]})`);
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await screenshot(page, 'viewer-compare');
    await page.evaluate(() => window.scrollTo(0, 0));

    // A partition: nodes 0-9 cut off from the rest for rounds 1 to 3.
    await page.fill('[data-testid="overrides"]', '');
    await page.fill('[data-testid="part-a"]', '0-9');
    await page.fill('[data-testid="part-start"]', '1');
    await page.fill('[data-testid="part-heal"]', '3');
    await page.click('[data-testid="part-add"]');
    assert.match(await page.textContent('[data-testid="plan"]'), /0-9 \| 10-299 from 1 to 3/);
    await rerun(page, 4);
    assert.match(await rows.nth(3).textContent(), /partition 0-9 \| 10-299 @1-3/);
    await page.click('[data-testid="plan"] button');

    // A re-run of the re-run with the crash (#1): its plan starts with that crash, and a
    // partition added to it gives a run with both, in its header and in the table.
    await page.selectOption('[data-testid="run-select"]', '1');
    await page.waitForFunction(() => window.__viewer.loadedId === 1, null, { timeout: DEADLINE_MS });
    assert.match(await page.textContent('[data-testid="plan"]'), new RegExp(`node ${node} at 2`));
    await page.fill('[data-testid="part-a"]', '0-9');
    await page.fill('[data-testid="part-start"]', '1');
    await page.fill('[data-testid="part-heal"]', '3');
    await page.click('[data-testid="part-add"]');
    await rerun(page, 5);
    const derived = (await (await fetch(`${server.url}api/runs`)).json()).runs[4].header;
    assert.deepEqual(derived.faults.crashes, [{ node, at: 2 }]);
    assert.equal(derived.faults.partitions.length, 1);
    assert.match(await rows.nth(4).textContent(), new RegExp(`crash ${node}@2; partition 0-9 \\| 10-299 @1-3`));
    await page.click('[data-testid="plan"] button');
    await page.click('[data-testid="plan"] button');

    // A re-run the server refuses shows its error text.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.fill('[data-testid="overrides"]', '--mode bogus');
    await page.click('[data-testid="rerun"]');
    await page.waitForFunction(() => /Refused/.test(document.querySelector('[data-testid="rerun-status"]').textContent),
      null, { timeout: DEADLINE_MS });
    assert.match(await page.textContent('[data-testid="rerun-status"]'), /400.*--mode/);
    // The browser logs the 400 itself; anything else is an error of the page.
    const real = errors.filter((e) => !/status of 400/.test(e));
    assert.deepEqual(real, []);
  } finally {
    await page.close();
    await server.stop();
  }
});

test('swim: a crashed member ends failed in every live view', async () => {
  const trace = join(dir, 'swim.jsonl');
  sim(['--protocol', 'swim', '--nodes', String(SWIM_NODES), '--crash', '5@5', '--duration', '40s',
    '--seed', '2'], trace);
  const server = await startView(trace);
  const page = await browser.context.newPage();
  const errors = watchPageErrors(page);
  try {
    await openViewer(page, server.url);
    await scrubTo(page, 'end');
    await nextFrame(page);
    const d = await drawn(page);
    // colour by what each node believes about the first crashed node (5): failed everywhere
    assert.equal(d.mode, 'subject');
    assert.equal(await page.inputValue('[data-testid="subject"]'), '5');
    assert.equal(d.live, SWIM_NODES - 1);
    assert.equal(d.classes.failed, SWIM_NODES);  // every live view, and the subject itself
    assert.equal(await statusLine(page), `${SWIM_NODES - 1} / ${SWIM_NODES - 1} accurate views`);

    // The page rebuilds the simulator's own count: at the end of every probe interval its
    // accurate views equal the trace's `informed`.
    const mismatches = await page.evaluate(() => {
      const { tl } = window.__viewer;
      const st = tl.store;
      const out = [];
      const keep = tl.pos;
      for (const i of st.roundIndex) {
        tl.seek(i + 1);
        if (tl.state.accurate !== st.d[i]) out.push(`interval ${st.c[i]}: ${tl.state.accurate} != ${st.d[i]}`);
      }
      tl.seek(keep);
      return out;
    });
    assert.deepEqual(mismatches, []);

    await clickNode(page, 12);
    const table = page.locator('[data-testid="member-table"]');
    assert.equal(await table.locator('tbody tr').count(), SWIM_NODES - 1);
    const row5 = table.locator('tbody tr', { hasText: /^5\s*failed/ });
    assert.equal(await row5.count(), 1);

    // During the suspicion, for the picture: node 12's suspect list names the crashed member.
    await page.selectOption('[data-testid="scrub-mode"]', 'time');
    await page.$eval('[data-testid="scrubber"]', (sl) => {
      sl.value = '8800';
      sl.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await nextFrame(page);
    const mid = await drawn(page);
    assert.ok(mid.classes.suspect > 0, `nobody suspects node 5 at 8.8 s: ${JSON.stringify(mid.classes)}`);
    assert.match(await page.textContent('[data-testid="node-details"]'), /Suspects\s*member/);
    await screenshot(page, 'viewer-swim');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.stop();
  }
});

// The page's accurate views at the end of every interval, against the trace's `informed`.
async function accurateMismatches(page) {
  return page.evaluate(() => {
    const { tl } = window.__viewer;
    const st = tl.store;
    const out = [];
    for (const i of st.roundIndex) {
      tl.seek(i + 1);
      if (tl.state.accurate !== st.d[i]) out.push(`interval ${st.c[i]}: ${tl.state.accurate} != ${st.d[i]}`);
    }
    return out;
  });
}

test('swim join and heartbeat with leaves: accurate views equal informed while the leaves spread', async () => {
  const runs = [
    ['swim-leave.jsonl', ['--protocol', 'swim', '--nodes', '30', '--start', 'join', '--leave', '3@5',
      '--leave', '12@9', '--loss', '0.05', '--duration', '30s', '--seed', '4']],
    ['heartbeat-leave.jsonl', ['--protocol', 'heartbeat', '--nodes', '30', '--leave', '7@20',
      '--timing', 'async', '--max-rounds', '50', '--seed', '4']],
  ];
  for (const [name, args] of runs) {
    const trace = join(dir, name);
    sim(args, trace);
    const server = await startView(trace);
    const page = await browser.context.newPage();
    const errors = watchPageErrors(page);
    try {
      await openViewer(page, server.url);
      await scrubTo(page, 'end');
      assert.deepEqual(await accurateMismatches(page), [], name);
      assert.deepEqual(errors, [], name);
    } finally {
      await page.close();
      await server.stop();
    }
  }
});
