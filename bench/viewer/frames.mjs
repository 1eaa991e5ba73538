// The viewer's smoothness, measured in Debian's headless Chromium: for each of three traces
// recorded with `rumor sim` (a 1,000-node gossip push-pull run, a 1,000-node swim run with a
// crash, a 100,000-node gossip push-pull run) it starts `rumor view TRACE`, opens the page and
// measures the time to load the run, the JS heap after load, and per frame while the run plays:
// the script time of the viewer's frame function (from window.__viewer.stats, the page's own
// count) and the interval between requestAnimationFrame callbacks. Each trace is measured --runs
// times (a fresh server and browser each time, the traces interleaved); the table gives the median
// over the runs of each run's median and p95. Run by hand, not under ctest (bench/viewer/README.md).
//
// usage: node bench/viewer/frames.mjs [--rumor build-rel/src/cli/rumor] [--runs 5] [--play 5]
//            [--out FILE.jsonl] [--web-dir DIR] [--trace-dir DIR] [--only NAME,...]
//
//   --rumor      the rumor binary (default build-rel/src/cli/rumor); it records the traces and
//                serves them
//   --runs       measurements of each trace (default 5)
//   --play       seconds of playback measured per run (default 5)
//   --out        also write JSON lines there: one per measurement ("kind": "run"), one per
//                trace with the medians ("kind": "summary")
//   --web-dir    serve the page from this Vite build instead of the binary's embedded web/dist
//                (sets RUMOR_WEB_DIR for `rumor view`; default: RUMOR_WEB_DIR if set)
//   --trace-dir  record the traces there and keep them, reusing any already there (default: a
//                temporary directory, removed at the end)
//   --only       measure only these traces (gossip-1k, swim-1k, gossip-100k)
//
// Needs tests/browser/node_modules (cd tests/browser && npm ci) and /usr/bin/chromium
// (RUMOR_CHROMIUM overrides it); the browser flags are the browser tests' (tests/browser/lib.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchBrowser, repoRoot, startView } from '../../tests/browser/lib.mjs';

const LOAD_TIMEOUT_MS = 300000;

// The traces: `rumor sim` arguments, and where playback starts (ms of virtual time) given the
// page's app state (tEnd, roundMs): the last --play rounds of a gossip run (the update's spread,
// the busiest rounds), and 2 s before the crash in the swim run (probes, then the crash, the
// suspicion and the failed verdicts spreading).
const TRACES = [
  {
    name: 'gossip-1k',
    args: ['--nodes', '1000', '--mode', 'push-pull', '--seed', '1'],
    start: (app, playS) => Math.max(0, app.tEnd - playS * app.roundMs),
  },
  {
    name: 'swim-1k',
    args: ['--protocol', 'swim', '--nodes', '1000', '--duration', '60s', '--crash', '1',
      '--crash-at', '20', '--seed', '1'],
    start: () => 18000,
  },
  {
    name: 'gossip-100k',
    args: ['--nodes', '100000', '--mode', 'push-pull', '--seed', '1'],
    start: (app, playS) => Math.max(0, app.tEnd - playS * app.roundMs),
  },
];

function parseArgs(argv) {
  const o = { rumor: join(repoRoot, 'build-rel', 'src', 'cli', 'rumor'), runs: 5, play: 5, out: null,
    webDir: process.env.RUMOR_WEB_DIR || null, traceDir: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--rumor') o.rumor = resolve(val());
    else if (a === '--runs') o.runs = Number(val());
    else if (a === '--play') o.play = Number(val());
    else if (a === '--out') o.out = resolve(val());
    else if (a === '--web-dir') o.webDir = resolve(val());
    else if (a === '--trace-dir') o.traceDir = resolve(val());
    else if (a === '--only') o.only = val().split(',');
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/viewer/frames.mjs [--rumor BIN] [--runs N] [--play S] '
        + '[--out FILE] [--web-dir DIR] [--trace-dir DIR] [--only NAME,...]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer');
  if (!(o.play > 0)) throw new Error('--play must be a positive number of seconds');
  if (!existsSync(o.rumor)) throw new Error(`no rumor binary at ${o.rumor} (ninja -C build-rel rumor)`);
  if (o.webDir && !existsSync(join(o.webDir, 'viewer.html'))) {
    throw new Error(`no viewer.html in ${o.webDir}`);
  }
  if (o.only) {
    for (const n of o.only) {
      if (!TRACES.some((t) => t.name === n)) throw new Error(`--only: no trace named ${n}`);
    }
  }
  return o;
}

// p in [0, 1], nearest rank; null for no values.
function quantile(values, p) {
  if (!values.length) return null;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}
const median = (v) => quantile(v, 0.5);
const load1 = () => Number(loadavg()[0].toFixed(2));

function record(opts, trace, file) {
  if (existsSync(file) && statSync(file).size > 0) return;
  const r = spawnSync(opts.rumor, ['sim', ...trace.args, '--trace', file],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rumor sim ${trace.args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

// `rumor view FILE` served with the benchmark's binary and page folder.
function view(opts, file) {
  return startView(file, { bin: opts.rumor, env: opts.webDir ? { RUMOR_WEB_DIR: opts.webDir } : {} });
}

// One measurement: a fresh browser on a fresh server.
async function measure(opts, trace, file) {
  const server = await view(opts, file);
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await browser.context.newCDPSession(page);

    // Load: from navigation (performance.now() is measured from it) until the loading box is
    // hidden and the canvas has drawn the run (data-length > 0), polled every animation frame.
    await page.goto(server.url, { waitUntil: 'commit' });
    const ready = await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid="cluster-graph"]');
      const box = document.querySelector('[data-testid="loading"]');
      const note = document.querySelector('[data-testid="aggregate-note"]');
      if (note && !note.hidden) return { aggregate: true, text: note.textContent.trim() };
      return c && box && box.hidden && Number(c.dataset.length) > 0
        ? { loadMs: performance.now(), streamMs: window.__viewer.loadMs ?? null,
            domMs: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? null,
            events: Number(c.dataset.length), nodes: Number(c.dataset.nodes) }
        : false;
    }, null, { timeout: LOAD_TIMEOUT_MS, polling: 'raf' }).then((h) => h.jsonValue());
    if (ready.aggregate) {
      throw new Error(`${trace.name}: the page shows the aggregate view only: ${ready.text}`);
    }

    // The JS heap after load, after a full GC: V8's heap plus ArrayBuffer backing stores (the
    // event store's typed arrays live there) where this Chromium reports them.
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const heapMiB = heap.usedSize / 2 ** 20;
    const backingMiB = heap.backingStorageSize !== undefined ? heap.backingStorageSize / 2 ** 20 : null;

    // Seek to where playback starts (scrubbing by time), then record every viewer frame while
    // it plays: requestAnimationFrame is wrapped so each callback that ran the viewer's frame
    // (its stats.frames moved) leaves [rAF timestamp, stats.jsMs delta, stats.drawMs delta,
    // the callback's own duration].
    const startMs = await page.evaluate(`(${trace.start.toString()})(window.__viewer, ${opts.play})`);
    await page.selectOption('[data-testid="scrub-mode"]', 'time');
    const seekMs = await page.$eval('[data-testid="scrubber"]', (s, v) => {
      s.value = String(Math.round(v));
      const t0 = performance.now();
      s.dispatchEvent(new Event('input', { bubbles: true }));
      return performance.now() - t0;
    }, startMs);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.evaluate(() => {
      const frames = [];
      window.__bench = { frames };
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (cb) => raf((ts) => {
        const s = window.__viewer.stats;
        const f0 = s.frames;
        const js0 = s.jsMs;
        const draw0 = s.drawMs;
        const t0 = performance.now();
        cb(ts);
        const own = performance.now() - t0;
        if (s.frames !== f0) {
          frames.push([ts, s.jsMs !== undefined ? s.jsMs - (js0 ?? 0) : null,
            s.drawMs - draw0, own]);
        }
      });
    });
    const posBefore = await page.evaluate(() => window.__viewer.tl.pos);
    await page.click('[data-testid="play"]');
    await page.waitForTimeout(opts.play * 1000);
    const played = await page.evaluate(() => {
      const app = window.__viewer;
      const wasPlaying = app.playing;
      if (app.playing) document.querySelector('[data-testid="play"]').click();
      return { frames: window.__bench.frames, wasPlaying, pos: app.tl.pos, time: app.tl.time };
    });
    const fr = played.frames;
    const pageStats = fr.length && fr.every((f) => f[1] !== null);
    const script = fr.map((f) => (pageStats ? f[1] : f[3]));
    const draw = fr.map((f) => f[2]);
    const intervals = [];
    for (let i = 1; i < fr.length; i++) intervals.push(fr[i][0] - fr[i - 1][0]);
    const version = await cdp.send('Browser.getVersion');
    if (errors.length) throw new Error(`${trace.name}: page errors: ${errors.join('; ')}`);
    return {
      trace: trace.name, args: trace.args, events: ready.events, nodes: ready.nodes,
      load_ms: ready.loadMs, dom_ms: ready.domMs, stream_ms: ready.streamMs,
      heap_mib: heapMiB, backing_mib: backingMiB,
      seek_ms: seekMs, play_from_ms: startMs, play_to_ms: played.time,
      events_played: played.pos - posBefore, ended_early: !played.wasPlaying,
      frames: fr.length, script_source: pageStats ? '__viewer.stats.jsMs' : 'rAF callback',
      script_median_ms: median(script), script_p95_ms: quantile(script, 0.95),
      script_max_ms: fr.length ? Math.max(...script) : null,
      draw_median_ms: median(draw), draw_p95_ms: quantile(draw, 0.95),
      interval_median_ms: median(intervals), interval_p95_ms: quantile(intervals, 0.95),
      interval_max_ms: intervals.length ? Math.max(...intervals) : null,
      fps: intervals.length ? 1000 * intervals.length / (fr[fr.length - 1][0] - fr[0][0]) : null,
      browser: version.product,
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

const SUMMARY_KEYS = ['load_ms', 'dom_ms', 'stream_ms', 'heap_mib', 'backing_mib', 'seek_ms', 'frames',
  'script_median_ms', 'script_p95_ms', 'draw_median_ms', 'draw_p95_ms', 'interval_median_ms',
  'interval_p95_ms', 'fps'];

function summarize(name, rows) {
  const s = { kind: 'summary', trace: name, runs: rows.length, events: rows[0].events,
    nodes: rows[0].nodes, args: rows[0].args };
  for (const k of SUMMARY_KEYS) {
    const v = rows.map((r) => r[k]).filter((x) => x !== null && x !== undefined);
    s[k] = v.length ? median(v) : null;
  }
  s.script_source = rows[0].script_source;
  return s;
}

const f1 = (v) => (v === null || v === undefined ? '-' : v.toFixed(1));
const f2 = (v) => (v === null || v === undefined ? '-' : v.toFixed(2));

function table(summaries) {
  const lines = [
    '| trace | nodes | events | load s (streaming) | JS heap MiB (+ buffers) '
      + '| frame script ms median / p95 | rAF interval ms median / p95 | frames/s |',
    '|---|---:|---:|---|---|---|---|---:|',
  ];
  for (const s of summaries) {
    const heap = s.backing_mib !== null ? `${f1(s.heap_mib)} (+ ${f1(s.backing_mib)})` : f1(s.heap_mib);
    const cells = [s.trace, s.nodes.toLocaleString('en-US'), s.events.toLocaleString('en-US'),
      `${f2(s.load_ms / 1000)} (${f2(s.stream_ms / 1000)})`, heap,
      `${f2(s.script_median_ms)} / ${f2(s.script_p95_ms)}`,
      `${f1(s.interval_median_ms)} / ${f1(s.interval_p95_ms)}`, f1(s.fps)];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function gitState() {
  const rev = spawnSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  const dirty = spawnSync('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'src', 'web'],
    { encoding: 'utf8' });
  return { commit: rev.stdout.trim() || null, uncommitted_src_or_web: Boolean(dirty.stdout.trim()) };
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`frames.mjs: ${e.message} (--help for usage)`);
    process.exit(2);
  }
  const traces = TRACES.filter((t) => !opts.only || opts.only.includes(t.name));
  const dir = opts.traceDir || mkdtempSync(join(tmpdir(), 'rumor-viewer-bench-'));
  mkdirSync(dir, { recursive: true });
  const started = new Date().toISOString();
  const git = gitState();
  const loadBefore = load1();
  const lines = [];
  const rows = new Map(traces.map((t) => [t.name, []]));
  try {
    for (const t of traces) {
      const file = join(dir, `${t.name}.jsonl`);
      console.error(`recording ${t.name}: rumor sim ${t.args.join(' ')}`);
      record(opts, t, file);
    }
    for (let run = 1; run <= opts.runs; run++) {
      for (const t of traces) {
        const before = load1();
        const r = await measure(opts, t, join(dir, `${t.name}.jsonl`));
        const row = { kind: 'run', run, ...r, load1_before: before, load1_after: load1() };
        rows.get(t.name).push(row);
        lines.push(row);
        console.error(`run ${run} ${t.name}: load ${f2(r.load_ms / 1000)} s, heap ${f1(r.heap_mib)} MiB, `
          + `${r.frames} frames, script ${f2(r.script_median_ms)} / ${f2(r.script_p95_ms)} ms, `
          + `interval ${f1(r.interval_median_ms)} / ${f1(r.interval_p95_ms)} ms, `
          + `load avg ${before} -> ${row.load1_after}`
          + `${r.ended_early ? ' (the run ended before the playing time was up)' : ''}`);
      }
    }
  } finally {
    if (!opts.traceDir) rmSync(dir, { recursive: true, force: true });
  }
  const summaries = traces.map((t) => summarize(t.name, rows.get(t.name)));
  const env = { kind: 'env', started, finished: new Date().toISOString(), load1_before: loadBefore,
    load1_after: load1(), runs: opts.runs, play_s: opts.play, rumor: opts.rumor,
    web_dir: opts.webDir, ...git, browser: lines[0]?.browser ?? null };
  console.log(table(summaries));
  console.log(`\n${opts.runs} run(s) per trace, ${opts.play} s of playback each `
    + 'at 1 round (or interval) per second; '
    + `medians over the runs of each run's median and p95. 1-minute load average ${env.load1_before} before, `
    + `${env.load1_after} after. ${env.browser}; `
    + `page from ${opts.webDir || 'the binary (embedded web/dist)'}.`);
  if (opts.out) {
    writeFileSync(opts.out, [env, ...lines, ...summaries].map((l) => JSON.stringify(l)).join('\n') + '\n');
  }
}

main().catch((e) => {
  console.error(`frames.mjs: ${e.stack || e.message}`);
  process.exit(1);
});
