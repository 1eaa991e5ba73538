// What the viewer's panels share: the page's state (also window.__viewer, for tests and the
// curious), DOM and formatting helpers, and requestFrame, which any panel calls when the picture
// must be drawn again (the playback loop registers the frame function with onFrame).

export const app = {
  index: null, // GET /api/runs
  run: null, // the run shown
  store: null,
  tl: null,
  graph: null, // the ClusterGraph (set by cluster.js)
  nodeIdx: null,
  loadAbort: null,
  loadedId: null,
  playing: false,
  lastTick: 0,
  selected: null,
  subject: null,
  colourBy: 'subject',
  roundMs: 1000,
  flight: 350,
  plan: { crashes: [], partitions: [] },
  compareIds: new Set(),
  derived: new Map(), // run id -> {parent, change}
  frameQueued: false,
  detailsAt: -1,
  detailsDrawn: 0,
  legendDrawn: 0,
  markerDrawn: 0,
  stats: { frames: 0, drawMs: 0, maxDrawMs: 0, intervals: 0, intervalMs: 0, last: 0 },
};
window.__viewer = app;

export const $ = (id) => document.getElementById(id);
export const fmtInt = (v) => Number(v).toLocaleString('en-US');
export const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;',
  '"': '&quot;', "'": '&#39;' }[c]));
export const t3 = (ms) => (ms / 1000).toFixed(3);

export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

let drawFrame = () => {};

export function onFrame(fn) {
  drawFrame = fn;
}

export function requestFrame() {
  if (app.frameQueued) return;
  app.frameQueued = true;
  requestAnimationFrame((now) => drawFrame(now));
}
