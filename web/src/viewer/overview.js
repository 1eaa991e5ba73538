// The run at a glance under the scrubber: the informed fraction as the simulator counted it at
// each round, crashes as red ticks (restarts green), partitions shaded; laid out over the event
// index or over time, as the scrubber is.
import { $, app } from './app.js';
import { K } from './store.js';

export function drawOverview() {
  const cv = $('overview');
  const rect = cv.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  cv.width = Math.max(1, Math.round(rect.width * dpr));
  cv.height = Math.max(1, Math.round(rect.height * dpr));
  const ctx = cv.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, rect.width, rect.height);
  const st = app.store;
  if (!st || !st.length) return;
  const byTime = $('scrub-mode').value === 'time';
  const W = rect.width - 16; // the range input's thumb inset
  const xOf = (i) => 8 + W * (byTime ? (app.tEnd > 0 ? st.t[i] / app.tEnd : 0) : (i + 1) / st.length);
  drawCurve(ctx, st, xOf, W, rect.height);
  drawFaults(ctx, st, xOf, W, rect.height);
}

// The informed (or accurate) fraction at each round line, as steps.
function drawCurve(ctx, st, xOf, W, H) {
  const n = app.tl.state.n || 1;
  const ri = st.roundIndex;
  ctx.fillStyle = 'rgba(47,111,223,0.14)';
  ctx.strokeStyle = 'rgba(47,111,223,0.8)';
  ctx.lineWidth = 1.25;
  ctx.beginPath();
  ctx.moveTo(8, H);
  let lastY = H - (app.protocol === 'gossip' ? (1 / n) * (H - 3) : 0);
  ctx.lineTo(8, lastY);
  for (const i of ri) {
    const x = xOf(i);
    const y = H - (st.d[i] / n) * (H - 3);
    ctx.lineTo(x, lastY);
    ctx.lineTo(x, y);
    lastY = y;
  }
  ctx.lineTo(8 + W, lastY);
  ctx.lineTo(8 + W, H);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}

// Crashes and restarts as ticks, partitions shaded from start to heal (or to the end).
function drawFaults(ctx, st, xOf, W, H) {
  const open = new Map();
  for (let i = 0; i < st.length; i++) {
    const k = st.kind[i];
    if (k === K.CRASH || k === K.RESTART) {
      ctx.fillStyle = k === K.CRASH ? '#d64541' : '#2e9b57';
      ctx.fillRect(xOf(i) - 1, 0, 2, H);
    } else if (k === K.PARTITION) {
      if (st.d[i]) open.set(st.c[i], xOf(i));
      else if (open.has(st.c[i])) {
        ctx.fillStyle = 'rgba(214,69,65,0.12)';
        ctx.fillRect(open.get(st.c[i]), 0, xOf(i) - open.get(st.c[i]), H);
        open.delete(st.c[i]);
      }
    }
  }
  for (const x0 of open.values()) {
    ctx.fillStyle = 'rgba(214,69,65,0.12)';
    ctx.fillRect(x0, 0, 8 + W - x0, H);
  }
}
