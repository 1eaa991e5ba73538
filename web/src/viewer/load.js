// Showing a run: picks the first run at start (init), and loadRun streams a run's events
// (GET /api/runs/ID/events) into a columnar store with a progress bar, then sets the timing,
// colouring and controls for it; a run too large to load in detail (or refused with 413) is
// shown as its curve only, with a note saying why.
import { $, app, esc, fmtInt, requestFrame } from './app.js';
import { planFromHeader } from './args.js';
import { renderChaos } from './chaos.js';
import { graph } from './cluster.js';
import { protocolOf, runTitle } from './compare.js';
import { colourOf, renderCompare } from './compare-view.js';
import { NodeIndexCache } from './details.js';
import { Timeline } from './model.js';
import { readJsonLines } from './ndjson.js';
import { renderDetails } from './node-panel.js';
import { drawOverview } from './overview.js';
import { pause, setTimelineEnabled } from './playback.js';
import { ComparePlot } from './plot.js';
import { refreshRuns, runById } from './runs.js';
import { EventStore } from './store.js';

// Reads the runs and shows the one the URL names (?run=ID), else the first run in detail;
// the comparison starts with the runs of the same command line (up to 4), else the first 4.
export async function init() {
  try {
    await refreshRuns();
  } catch (e) {
    showFatal(`Could not read the runs from the server: ${e.message}`);
    return;
  }
  const runs = app.index.runs;
  if (!runs.length) {
    showFatal('The server holds no runs.');
    return;
  }
  const want = Number(new URLSearchParams(location.search).get('run'));
  const first = runs.find((r) => r.id === want) || runs.find((r) => r.detail) || runs[0];
  const sameCmd = runs.filter((r) => JSON.stringify(r.header?.args) === JSON.stringify(first.header?.args));
  app.compareIds = new Set((sameCmd.length > 1 ? sameCmd : runs).slice(0, 4).map((r) => r.id));
  app.compareIds.add(first.id);
  $('run-select').value = String(first.id);
  renderCompare();
  await loadRun(first.id);
}

function showFatal(text) {
  const note = $('aggregate-note');
  note.hidden = false;
  note.innerHTML = `<div class="note-box"><strong>Nothing to show</strong><p>${esc(text)}</p></div>`;
}

export async function loadRun(id) {
  const run = runById(id);
  if (!run) return;
  pause();
  app.loadAbort?.abort();
  app.run = run;
  app.selected = null;
  app.plan = planFromHeader(run.header); // a re-run's faults stay in the plan of its re-runs
  app.compareIds.add(id);
  const h = run.header || {};
  app.protocol = protocolOf(h);
  renderFacts();
  renderChaos();
  renderCompare();
  renderDetails(true);
  $('aggregate-note').hidden = true;
  if (!run.detail) {
    showAggregate(run);
    return;
  }
  setTimelineEnabled(false);
  document.querySelector('.view-controls').hidden = false;
  app.tl = null; // nothing acts on the previous run while this one loads
  app.store = null;
  const store = new EventStore((run.events || 0) + 1);
  const tl = new Timeline(store, { nodes: h.nodes });
  const ctl = new AbortController();
  app.loadAbort = ctl;
  const box = $('loading');
  box.hidden = false;
  $('loading-text').textContent = `Loading run #${id}: ${fmtInt(run.events || 0)} events`;
  $('loading-bar').style.width = '0%';
  $('loading-sub').textContent = '';
  const t0 = performance.now();
  try {
    await streamEvents(run, tl, ctl.signal);
  } catch (e) {
    if (e.name === 'AbortError') return;
    box.hidden = true;
    if (e.status === 413) {
      showAggregate(run, e.message);
      return;
    }
    showFatal(`Could not load run #${id}: ${e.message}`);
    return;
  }
  if (app.loadAbort !== ctl) return;
  box.hidden = true;
  app.loadMs = performance.now() - t0;
  showRun(run, store, tl);
}

// Fetches the run's trace lines into the timeline, moving the progress bar as they arrive;
// throws the server's error (with its status) or the AbortError of `signal`.
async function streamEvents(run, tl, signal) {
  const r = await fetch(`api/runs/${run.id}/events`, { signal });
  if (!r.ok) {
    let msg = `${r.status} ${r.statusText}`;
    try {
      msg = (await r.json()).error || msg;
    } catch { /* keep the status */ }
    throw Object.assign(new Error(msg), { status: r.status });
  }
  let lastPaint = 0;
  await readJsonLines(r, {
    signal,
    onEvent: (e) => tl.ingest(e),
    onProgress: ({ lines, bytes }) => {
      const now = performance.now();
      if (now - lastPaint < 60) return;
      lastPaint = now;
      const frac = run.events ? Math.min(1, lines / run.events) : 0;
      $('loading-bar').style.width = `${(frac * 100).toFixed(1)}%`;
      $('loading-sub').textContent = `${fmtInt(lines)} lines · ${(bytes / 1e6).toFixed(1)} MB`;
    },
  });
}

// Makes the loaded run the one shown, at its start.
function showRun(run, store, tl) {
  const h = run.header || {};
  app.store = store;
  app.tl = tl;
  app.loadedId = run.id;
  app.nodeIdx = new NodeIndexCache(store);
  if (!store.header) store.header = h;
  if (!tl.state) tl.reset();
  setTiming(store, h);
  setColouring(store, tl);
  labelSpeeds();
  graph.setNodes(tl.state.n);
  tl.seek(0);
  setTimelineEnabled(true);
  renderChaos();
  drawOverview();
  renderDetails(true);
  requestFrame();
}

// Round length and the flight time of messages without an arrival time.
function setTiming(store, h) {
  const ri = store.roundIndex;
  let roundMs = h.probe_interval_ms || h.interval_ms || 1000;
  if (ri.length > 2) {
    const diffs = [];
    for (let k = 1; k < Math.min(ri.length, 50); k++) diffs.push(store.t[ri[k]] - store.t[ri[k - 1]]);
    diffs.sort((a, b) => a - b);
    roundMs = diffs[diffs.length >> 1] || roundMs;
  }
  app.roundMs = roundMs;
  // Messages without an arrival time fly for 0.6 of a round on screen; those with one for their
  // real flight, stretched to at least 0.3 of a round (a LAN hop is 1% of a probe interval and
  // would not be seen at a watchable speed). States still change at their true times.
  app.flight = Math.max(1, roundMs * 0.6);
  app.minFlight = Math.max(1, roundMs * 0.3);
  app.tEnd = store.length ? store.t[store.length - 1] : 0;
}

// The subject: the first crashed node, else none (colour by accurate view).
function setColouring(store, tl) {
  const membership = app.protocol !== 'gossip';
  app.subject = membership && store.crashes.length ? store.crashes[0].node : null;
  app.colourBy = membership ? (app.subject !== null ? 'subject' : 'accurate') : 'gossip';
  $('colour-by-wrap').hidden = !membership;
  $('subject-wrap').hidden = !membership;
  $('colour-by').value = app.colourBy === 'gossip' ? 'subject' : app.colourBy;
  $('subject').value = app.subject ?? '';
  $('subject').max = String(Math.max(0, tl.state.n - 1));
}

// The speed choices in the run's unit: rounds, or probe intervals for swim.
function labelSpeeds() {
  $('speed').querySelectorAll('option').forEach((o) => {
    o.textContent = `${o.value === '0.25' ? '¼' : o.value === '0.5' ? '½' : o.value} ${app.protocol === 'swim' ? 'interval' : 'round'}${Number(o.value) > 1 ? 's' : ''}/s`;
  });
}

function showAggregate(run, why) {
  app.store = null;
  app.tl = null;
  app.loadedId = null;
  graph.setNodes(0);
  setTimelineEnabled(false);
  document.querySelector('.view-controls').hidden = true;
  const max = app.index?.max_detail_events;
  const note = $('aggregate-note');
  note.hidden = false;
  note.innerHTML = `<div class="note-box"><strong>Aggregate view only</strong>
    <p>Run #${run.id} has ${fmtInt(run.events || 0)} events${max ? `, more than the ${fmtInt(max)} this viewer loads in detail` : ''}${why ? ` (${esc(why)})` : ''}.
    Stepping through every message of a run this size would not fit in a browser tab, so it is shown as its
    informed-fraction curve only, from the per-round counts the simulator recorded (here, and in <a href="#compare">Compare runs</a> below).</p>
    <p class="muted">To watch individual nodes and messages, record a smaller run (up to a few thousand nodes).</p>
    <div class="aggregate-plot" data-testid="aggregate-plot"></div></div>`;
  const ap = new ComparePlot(note.querySelector('.aggregate-plot'), { height: 240 });
  ap.set([run], colourOf, runTitle);
  $('informed-count').textContent = aggregateStatus(run);
  $('details-body').innerHTML = '<p class="empty">This run is shown in aggregate only: there are no per-node events to inspect.</p>';
  $('clock').textContent = '';
  $('legend').replaceChildren();
  graph.draw({ classOf: new Uint8Array(0), down: new Uint8Array(0) });
}

function aggregateStatus(run) {
  const last = run.rounds?.[run.rounds.length - 1];
  const n = run.header?.nodes ?? 0;
  if (!last) return '—';
  return protocolOf(run.header) === 'gossip'
    ? `${fmtInt(last.informed)} / ${fmtInt(n)} informed at the end`
    : `${fmtInt(last.informed)} / ${fmtInt(n)} accurate views at the end`;
}

// The run's facts in the header: protocol, mode or profile, nodes, seed, events.
function renderFacts() {
  const h = app.run?.header || {};
  const facts = [];
  const p = protocolOf(h);
  facts.push(['protocol', p]);
  if (p === 'gossip' && h.mode) facts.push(['mode', h.mode]);
  if (p === 'swim') {
    if (h.profile) facts.push(['profile', h.profile]);
    if (h.lifeguard !== undefined) facts.push(['lifeguard', String(h.lifeguard === true ? 'on' : h.lifeguard === false ? 'off' : h.lifeguard)]);
    if (h.start) facts.push(['start', h.start]);
  }
  if (h.nodes !== undefined) facts.push(['nodes', fmtInt(h.nodes)]);
  if (h.seed !== undefined) facts.push(['seed', h.seed]);
  if (h.timing) facts.push(['timing', h.timing]);
  facts.push(['events', fmtInt(app.run?.events ?? 0)]);
  $('run-facts').innerHTML = facts.map(([k, v]) => `<span class="fact"><span>${esc(k)}</span>${esc(v)}</span>`).join('');
}
