// The cluster picture: the ring canvas (ClusterGraph), what colour each node takes (informed,
// its view of the subject, or whether its view is accurate), one frame of the ring, the count
// above it and the canvas's data-* test hooks, the legend, and the colour, subject and zoom
// controls.
import { $, app, esc, fmtInt, requestFrame, setText } from './app.js';
import { C, CLASSES, ClusterGraph } from './graph.js';
import { hover, pick } from './node-panel.js';

const CLASS_LABEL = {
  gossip: { [C.INFORMED]: 'informed', [C.UNKNOWN]: 'not informed' },
  subject: { [C.ALIVE]: 'alive', [C.SUSPECT]: 'suspect', [C.FAILED]: 'failed', [C.LEFT]: 'left',
    [C.UNKNOWN]: 'unknown' },
  accurate: { [C.INFORMED]: 'accurate view', [C.UNKNOWN]: 'view not accurate' },
};
const STATUS_CLASS = [C.UNKNOWN, C.ALIVE, C.SUSPECT, C.FAILED, C.LEFT];

export const graph = new ClusterGraph($('graph'), {
  onPick: (node) => pick(node),
  onHover: (node, x, y) => hover(node, x, y),
  onZoom: () => requestFrame(),
});
app.graph = graph;

function classesNow() {
  const tl = app.tl;
  const st = tl.state;
  const n = st.n;
  const cls = graph.cls.length === n ? graph.cls : new Uint8Array(n);
  if (app.colourBy === 'gossip') {
    for (let i = 0; i < n; i++) cls[i] = st.informed[i] ? C.INFORMED : C.UNKNOWN;
  } else if (app.colourBy === 'accurate' || app.subject === null) {
    const w = st.wrong;
    for (let i = 0; i < n; i++) cls[i] = w && w[i] === 0 ? C.INFORMED : C.UNKNOWN;
  } else {
    const s = app.subject;
    for (let i = 0; i < n; i++) cls[i] = STATUS_CLASS[st.status(i, s)];
    if (s < n) cls[s] = st.down[s] ? C.FAILED : st.departed(s) ? C.LEFT : C.ALIVE;
  }
  return cls;
}

// Draws the ring at the timeline's position; returns what graph.draw counted.
export function drawGraph() {
  const tl = app.tl;
  const st = tl.state;
  const parts = [...st.partitions.entries()].filter(([, v]) => v).map(([k]) => k);
  const banner = parts.length ? `partition ${parts.join(', ')} in effect` : '';
  const cls = classesNow();
  const r = graph.draw({
    classOf: cls,
    down: st.down,
    selected: app.selected,
    subject: app.colourBy === 'subject' ? app.subject : null,
    origin: app.protocol === 'gossip' ? (app.store.header?.origin ?? null) : null,
    banner,
    messages: { tl, flight: app.flight, minFlight: app.minFlight,
      maxFlight: Math.max(app.flight, app.minFlight, app.store.maxFlight) },
  });
  return r;
}

function mode() {
  return app.colourBy === 'gossip' ? 'gossip' : app.colourBy === 'accurate' || app.subject === null ? 'accurate' : 'subject';
}

// The informed (or accurate) count above the ring, and the canvas's data-* attributes describing
// the frame just drawn (`result`, from drawGraph).
export function updateStatus(result) {
  const tl = app.tl;
  const st = tl.state;
  const canvas = $('graph');
  let text;
  if (app.protocol === 'gossip') {
    text = `${fmtInt(st.informedLive)} / ${fmtInt(st.live)} informed`;
    if (canvas.dataset.informed !== String(st.informedLive)) canvas.dataset.informed = String(st.informedLive);
  } else {
    text = `${fmtInt(st.accurate)} / ${fmtInt(st.live)} accurate views`;
    if (canvas.dataset.informed !== String(st.accurate)) canvas.dataset.informed = String(st.accurate);
  }
  const down = st.n - st.live;
  setText($('informed-count'), text);
  const data = { live: st.live, nodes: st.n, pos: tl.pos, length: tl.length, down, mode: mode() };
  if (result) {
    const counts = {};
    CLASSES.forEach((name, i) => {
      if (result.counts[i]) counts[name] = result.counts[i];
    });
    data.classes = JSON.stringify(counts);
    data.inflight = result.messages?.inFlight ?? 0;
  }
  for (const [k, v] of Object.entries(data)) {
    if (canvas.dataset[k] !== String(v)) canvas.dataset[k] = String(v);
  }
  const s = app.stats;
  if (s.frames && !app.playing) {
    canvas.dataset.drawMs = (s.drawMs / s.frames).toFixed(2);
    canvas.dataset.frameMs = s.intervals ? (s.intervalMs / s.intervals).toFixed(2) : '';
  }
}

export function renderLegend(result) {
  const el = $('legend');
  if (!result) return;
  const m = mode();
  const labels = CLASS_LABEL[m];
  const rows = [];
  const st = app.tl.state;
  if (m === 'subject') {
    rows.push(`<div class="lg-title">What each node believes about node ${app.subject}</div>`);
  } else if (m === 'accurate') {
    rows.push('<div class="lg-title">Whose view of the cluster is accurate</div>');
  }
  for (const [c, label] of Object.entries(labels)) {
    const count = result.counts[c] || 0;
    rows.push(`<div class="lg-row"><span class="dot" style="background:${graph.colours.cls[c]}"></span>${esc(label)}<b>${fmtInt(count)}</b></div>`);
  }
  rows.push(`<div class="lg-row"><span class="dot crashed"></span>crashed<b>${fmtInt(st.n - st.live - countLeft(st))}</b></div>`);
  const msgs = result.messages;
  if (msgs) {
    const types = [...msgs.types.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, 6);
    rows.push(`<div class="lg-title sep">In flight <b>${fmtInt(msgs.inFlight)}</b>${msgs.drawn < msgs.inFlight ? ` (${fmtInt(msgs.drawn)} drawn)` : ''}${msgs.dropped ? ` · dropped <b class="bad">${fmtInt(msgs.dropped)}</b>` : ''}</div>`);
    for (const [name, { count, colour }] of types) {
      rows.push(`<div class="lg-row"><span class="line" style="background:${colour}"></span>${esc(name)}<b>${fmtInt(count)}</b></div>`);
    }
  }
  el.innerHTML = rows.join('');
}

function countLeft(st) {
  let k = 0;
  for (let i = 0; i < st.n; i++) if (!st.down[i] && st.departed(i)) k++;
  return k;
}

$('colour-by').addEventListener('change', (e) => {
  app.colourBy = e.target.value;
  if (app.colourBy === 'subject' && app.subject === null) {
    app.subject = 0;
    $('subject').value = '0';
  }
  requestFrame();
});
$('subject').addEventListener('change', (e) => {
  const n = app.tl?.state.n ?? 0;
  const v = Number(e.target.value);
  if (e.target.value === '' || !Number.isInteger(v) || v < 0 || v >= n) {
    e.target.value = app.subject ?? '';
    return;
  }
  app.subject = v;
  app.colourBy = 'subject';
  $('colour-by').value = 'subject';
  requestFrame();
});
$('zoom-in').addEventListener('click', () => graph.zoomBy(1.5));
$('zoom-out').addEventListener('click', () => graph.zoomBy(1 / 1.5));
$('zoom-fit').addEventListener('click', () => graph.resetZoom());
$('graph').addEventListener('dblclick', () => graph.resetZoom());
