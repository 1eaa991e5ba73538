// The timeline: play and pause, stepping by event or round, the scrubber (over the event index
// or over time), the clock, the keys (Space, ←/→, Shift+←/→), and the playback loop: each
// animation frame advances the position while playing, draws the ring, and refreshes what
// shows the moment (throttled while playing).
import { $, app, fmtInt, onFrame, requestFrame, setText } from './app.js';
import { drawGraph, renderLegend, updateStatus } from './cluster.js';
import { updateMarker } from './compare-view.js';
import { hover, renderDetails } from './node-panel.js';
import { drawOverview } from './overview.js';

export function setTimelineEnabled(on) {
  for (const id of ['round-back', 'event-back', 'play', 'event-fwd', 'round-fwd', 'scrubber', 'speed', 'scrub-mode']) {
    $(id).disabled = !on;
  }
  $('timeline').classList.toggle('disabled', !on);
}

function play() {
  const tl = app.tl;
  if (!tl) return;
  if (tl.pos >= tl.length) tl.seek(0);
  app.playing = true;
  app.lastTick = performance.now();
  $('play').classList.add('playing');
  $('play').setAttribute('aria-label', 'pause');
  requestFrame();
}

export function pause() {
  app.playing = false;
  $('play').classList.remove('playing');
  $('play').setAttribute('aria-label', 'play');
  requestFrame();
}

function step(fn) {
  if (!app.tl) return;
  pause();
  fn(app.tl);
  renderDetails(true);
  requestFrame();
}

function scrubberSync() {
  const tl = app.tl;
  const s = $('scrubber');
  if (!tl) return;
  if ($('scrub-mode').value === 'time') {
    // milliseconds of virtual time
    s.max = String(Math.ceil(app.tEnd));
    s.value = String(Math.round(tl.time));
  } else {
    s.max = String(tl.length);
    s.value = String(tl.pos);
  }
}

// The clock (time, round or interval, event) and the scrubber at the position shown.
function updateClock() {
  const tl = app.tl;
  const cr = tl.currentRound();
  const rounds = app.store.roundIndex.length;
  const unit = app.protocol === 'swim' ? 'interval' : 'round';
  const clock = $('clock');
  if (!clock.firstChild) {
    clock.innerHTML = '<span><b></b> s</span><span><em></em> <b></b> / <em></em></span><span>event <b></b> / <em></em></span>';
  }
  const [b0, b1, b2] = clock.querySelectorAll('b');
  const [i0, i1, i2] = clock.querySelectorAll('em');
  setText(b0, (tl.time / 1000).toFixed(3));
  setText(i0, unit);
  setText(b1, String(Math.min(cr.closed + 1, rounds || 1)));
  setText(i1, String(rounds));
  setText(b2, fmtInt(tl.pos));
  setText(i2, fmtInt(tl.length));
  scrubberSync();
}

// The legend, the hover tooltip, the details panel and the comparison's marker: every frame
// when paused, a few times a second while playing.
function refreshPanels(result) {
  const now = performance.now();
  if (!app.playing || now - app.legendDrawn > 200) {
    app.legendDrawn = now;
    renderLegend(result);
    // the tooltip tells the node's state now, not when the pointer arrived
    if (app.hovered) hover(app.hovered.node, app.hovered.x, app.hovered.y);
  }
  if (app.selected !== null && (!app.playing || now - app.detailsDrawn > 250)) renderDetails(false);
  if (!app.playing || now - app.markerDrawn > 200) {
    app.markerDrawn = now;
    updateMarker();
  }
}

function frame(now) {
  const start = performance.now();
  app.frameQueued = false;
  const tl = app.tl;
  if (app.playing && tl) {
    const dt = Math.min(0.25, (now - app.lastTick) / 1000);
    app.lastTick = now;
    const speed = Number($('speed').value) || 1;
    const next = tl.time + dt * speed * app.roundMs;
    tl.seekTime(next);
    if (tl.pos >= tl.length && next >= app.tEnd + app.flight) pause();
  }
  if (!tl) return;
  const t0 = performance.now();
  const result = drawGraph();
  const t1 = performance.now();
  updateStatus(result);
  updateClock();
  refreshPanels(result);
  countFrame(now, start, t1 - t0);
  if (app.playing) requestFrame();
}
onFrame(frame);

// Frame statistics while playing (script time, draw time, interval between frames), which
// updateStatus puts on the canvas once paused.
function countFrame(now, start, drawMs) {
  const s = app.stats;
  if (app.playing) {
    s.frames++;
    s.jsMs = (s.jsMs || 0) + (performance.now() - start);
    s.drawMs += drawMs;
    s.maxDrawMs = Math.max(s.maxDrawMs, drawMs);
    if (s.last) {
      s.intervals++;
      s.intervalMs += now - s.last;
    }
    s.last = now;
  } else {
    s.last = 0;
  }
}

$('play').addEventListener('click', () => (app.playing ? pause() : play()));
$('event-back').addEventListener('click', () => step((tl) => tl.stepEvent(-1)));
$('event-fwd').addEventListener('click', () => step((tl) => tl.stepEvent(1)));
$('round-back').addEventListener('click', () => step((tl) => tl.stepRound(-1)));
$('round-fwd').addEventListener('click', () => step((tl) => tl.stepRound(1)));
$('scrubber').addEventListener('input', (e) => {
  const tl = app.tl;
  if (!tl) return;
  pause();
  const v = Number(e.target.value);
  if ($('scrub-mode').value === 'time') tl.seekTime(v);
  else tl.seek(v);
  renderDetails(false);
  requestFrame();
});
$('scrub-mode').addEventListener('change', () => {
  scrubberSync();
  drawOverview();
  requestFrame();
});
$('speed').addEventListener('change', () => {
  app.lastTick = performance.now();
});
document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement ||
      e.target instanceof HTMLTextAreaElement || !app.tl) return;
  if (e.key === ' ') {
    e.preventDefault();
    if (app.playing) pause();
    else play();
  } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
    e.preventDefault();
    const dir = e.key === 'ArrowLeft' ? -1 : 1;
    step((tl) => (e.shiftKey ? tl.stepRound(dir) : tl.stepEvent(dir)));
  }
});
