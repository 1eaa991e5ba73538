// The cluster picture: nodes on a ring, messages in flight as chords, drawn on one Canvas 2D
// (no element per node or message), with pan and zoom from d3-zoom and the node under the
// pointer found in a d3-quadtree. Large clusters are laid on a few staggered rings so that
// neighbours stay apart.
import { quadtree } from 'd3-quadtree';
import { select } from 'd3-selection';
import { zoom, zoomIdentity } from 'd3-zoom';
import { K } from './store.js';

// Node classes (fill colours), in drawing order.
export const CLASSES = ['unknown', 'informed', 'alive', 'suspect', 'failed', 'left'];
export const C = Object.freeze({ UNKNOWN: 0, INFORMED: 1, ALIVE: 2, SUSPECT: 3, FAILED: 4,
  LEFT: 5 });

// Message colours stay clear of the node colours (blue informed, green alive, amber suspect, red
// failed, greys), so a message's head is not taken for a node.
const TYPE_COLOURS = {
  syn: '#7b57d6', ack: '#139a9a', ack2: '#c2549d', rumor: '#c2549d', feedback: '#6b7480',
  mail: '#e07b20', ping: '#7b57d6', 'indirect-ping': '#9a7be0', 'ping-req': '#9a7be0',
  nack: '#6b7480', suspect: '#e07b20', alive: '#139a9a', dead: '#9b2d2a', compound: '#4f5b66',
  stream: '#c2549d', 'stream-reply': '#d58ab8', 'push-pull': '#c2549d', user: '#8a6d3b',
};
const FALLBACK = ['#7b57d6', '#139a9a', '#c2549d', '#e07b20', '#4f5b66', '#8a6d3b', '#9b2d2a'];
// Nodes drawn as pixels rather than paths above this many.
const PIXEL_NODES = 6000;
// Messages drawn per frame at most (a sample beyond).
const MAX_DRAWN = 6000;

export function typeColour(name, k = 0) {
  return TYPE_COLOURS[name] || FALLBACK[k % FALLBACK.length];
}

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export class ClusterGraph {
  // onPick(node|null) on click; onHover(node|null, clientX, clientY) on pointer moves.
  constructor(canvas, { onPick, onHover, onZoom } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.onPick = onPick;
    this.onHover = onHover;
    this.n = 0;
    this.x = new Float32Array(0);
    this.y = new Float32Array(0);
    this.transform = zoomIdentity;
    this.width = 1;
    this.height = 1;
    this.dpr = 1;
    this.colours = null;
    this.cls = new Uint8Array(0);
    this.leftReserve = 250; // CSS pixels kept free for the legend when the picture is wide
    this.zoom = zoom()
      .scaleExtent([0.5, 60])
      .on('zoom', (e) => {
        this.transform = e.transform;
        onZoom?.();
      });
    select(canvas).call(this.zoom).on('dblclick.zoom', null);
    canvas.addEventListener('click', (e) => {
      const node = this.pick(e);
      this.onPick?.(node);
    });
    canvas.addEventListener('pointermove', (e) => {
      this.onHover?.(this.pick(e), e.clientX, e.clientY);
    });
    canvas.addEventListener('pointerleave', () => this.onHover?.(null));
    this.readColours();
  }

  readColours() {
    this.colours = {
      bg: cssVar('--panel', '#fff'),
      ink: cssVar('--ink', '#1d232a'),
      muted: cssVar('--muted', '#67707a'),
      line: cssVar('--line', '#dde1e5'),
      accent: cssVar('--accent', '#2f6fdf'),
      cls: [cssVar('--unknown', '#c9ced4'), cssVar('--informed', '#2f6fdf'),
        cssVar('--alive', '#2e9b57'), cssVar('--suspect', '#e0a020'),
        cssVar('--failed', '#d64541'), cssVar('--left', '#8a94a0')],
    };
  }

  // Lays `n` nodes on the ring (unit radius, centre 0,0): one ring up to 240 nodes, then
  // `layers` staggered rings, node i on ring i % layers.
  setNodes(n) {
    this.n = n;
    this.layers = n <= 240 ? 1 : Math.min(6, Math.ceil(n / 240));
    this.x = new Float32Array(n);
    this.y = new Float32Array(n);
    this.cls = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, n);
      const r = 1 - 0.045 * (i % this.layers);
      this.x[i] = r * Math.cos(a);
      this.y[i] = r * Math.sin(a);
    }
    // Radius of a node, in ring units: apart from its neighbours on its own ring.
    const spacing = (2 * Math.PI * this.layers) / Math.max(1, n);
    this.nodeRadius = Math.min(0.055, 0.4 * spacing, this.layers > 1 ? 0.018 : 1);
    this.tree = quadtree()
      .x((i) => this.x[i])
      .y((i) => this.y[i])
      .addAll(Array.from({ length: n }, (_, i) => i));
    this.resetZoom();
  }

  resetZoom() {
    select(this.canvas).call(this.zoom.transform, zoomIdentity);
  }

  zoomBy(k) {
    select(this.canvas).call(this.zoom.scaleBy, k);
  }

  resize() {
    const rect = this.canvas.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.width = Math.max(1, rect.width);
    this.height = Math.max(1, rect.height);
    const w = Math.round(this.width * this.dpr);
    const h = Math.round(this.height * this.dpr);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
  }

  // Ring units -> CSS pixels before zoom.
  // The legend sits over the left of the picture: when there is room, the ring moves right of it.
  get base() {
    const reserve = this.width > 640 ? Math.min(this.leftReserve, this.width - this.height) : 0;
    const room = this.width - Math.max(0, reserve);
    const s = 0.42 * Math.min(room, this.height);
    return { s, cx: Math.max(0, reserve) + room / 2, cy: this.height / 2 };
  }

  // Where node i is drawn, in client (page viewport) pixels.
  screenPos(i) {
    const rect = this.canvas.getBoundingClientRect();
    const { s, cx, cy } = this.base;
    const [x, y] = this.transform.apply([cx + this.x[i] * s, cy + this.y[i] * s]);
    return { x: rect.left + x, y: rect.top + y };
  }

  // The node under a mouse event, or null.
  pick(e) {
    if (!this.tree || !this.n) return null;
    const rect = this.canvas.getBoundingClientRect();
    const [zx, zy] = this.transform.invert([e.clientX - rect.left, e.clientY - rect.top]);
    const { s, cx, cy } = this.base;
    const wx = (zx - cx) / s;
    const wy = (zy - cy) / s;
    // within the node, or a few pixels of it
    const scale = s * this.transform.k;
    const r = Math.max(this.nodeRadius * 1.3, 6 / scale);
    const found = this.tree.find(wx, wy, r);
    return found === undefined ? null : found;
  }

  // Draws one frame. `scene`: {classOf: Uint8Array per node (C.*), down: Uint8Array, selected,
  // subject, origin, messages: {tl, flight(i) -> ms}, banner}. Returns per-class counts.
  draw(scene) {
    this.resize();
    const ctx = this.ctx;
    const col = this.colours;
    const { s, cx, cy } = this.base;
    const t = this.transform;
    const k = s * t.k;
    const ox = t.x + t.k * cx;
    const oy = t.y + t.k * cy;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = col.bg;
    ctx.fillRect(0, 0, this.width, this.height);
    const n = this.n;
    if (!n) return null;
    const X = (i) => ox + this.x[i] * k;
    const Y = (i) => oy + this.y[i] * k;

    const cls = scene.classOf;
    const counts = new Array(CLASSES.length).fill(0);
    for (let i = 0; i < n; i++) counts[cls[i]]++;
    const rpx = Math.max(1.4, this.nodeRadius * k);
    const square = rpx < 2.2;
    // Past PIXEL_NODES nodes, paths of tens of thousands of shapes take the rasteriser hundreds
    // of milliseconds: nodes are written as pixels instead, under everything else.
    const pixels = n > PIXEL_NODES;

    // the ring
    ctx.strokeStyle = col.line;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.arc(ox, oy, k * (1 + this.nodeRadius * 2.2), 0, 2 * Math.PI);
    ctx.stroke();

    const msg = scene.messages ? this.drawMessages(ctx, scene, X, Y) : null;

    // nodes, one path per class
    if (pixels) this.drawNodePixels(ctx, cls, X, Y, rpx);
    for (let c = 0; c < CLASSES.length && !pixels; c++) {
      if (!counts[c]) continue;
      ctx.fillStyle = col.cls[c];
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        if (cls[i] !== c) continue;
        const x = X(i), y = Y(i);
        if (x < -rpx || y < -rpx || x > this.width + rpx || y > this.height + rpx) continue;
        if (square) ctx.rect(x - rpx, y - rpx, 2 * rpx, 2 * rpx);
        else {
          ctx.moveTo(x + rpx, y);
          ctx.arc(x, y, rpx, 0, 2 * Math.PI);
        }
      }
      ctx.fill();
    }
    // crashed nodes: an outline and a cross
    const down = scene.down;
    const ringR = rpx + Math.max(1.5, rpx * 0.35);
    ctx.strokeStyle = col.ink;
    ctx.lineWidth = Math.max(1, Math.min(2.5, rpx * 0.4));
    ctx.beginPath();
    let downCount = 0;
    for (let i = 0; i < n; i++) {
      if (!down[i]) continue;
      downCount++;
      const x = X(i), y = Y(i);
      ctx.moveTo(x + ringR, y);
      ctx.arc(x, y, ringR, 0, 2 * Math.PI);
      const d = rpx * 0.6;
      ctx.moveTo(x - d, y - d);
      ctx.lineTo(x + d, y + d);
      ctx.moveTo(x + d, y - d);
      ctx.lineTo(x - d, y + d);
    }
    if (downCount) ctx.stroke();

    // the subject (membership) and the origin (gossip): a dashed ring
    for (const [node, label] of [[scene.subject, 'subject'], [scene.origin, 'origin']]) {
      if (node === null || node === undefined || node < 0 || node >= n) continue;
      const x = X(node), y = Y(node);
      const rr = ringR + 4;
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = col.ink;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(x, y, rr, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.setLineDash([]);
      this.label(ctx, x, y, rr, `${label} ${node}`, col.ink);
    }
    // selection
    if (scene.selected !== null && scene.selected !== undefined && scene.selected < n) {
      const i = scene.selected;
      const x = X(i), y = Y(i);
      ctx.strokeStyle = col.accent;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(x, y, ringR + 3, 0, 2 * Math.PI);
      ctx.stroke();
      this.label(ctx, x, y, ringR + 3, `node ${i}`, col.accent, true);
    }
    // node numbers when there is room
    const gap = (2 * Math.PI * k * this.layers) / n;
    if (gap > 24 && this.layers === 1) {
      ctx.fillStyle = col.muted;
      ctx.font = '11px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      for (let i = 0; i < n; i++) {
        const dx = this.x[i], dy = this.y[i];
        const off = rpx + 11;
        ctx.fillText(String(i), X(i) + dx * off, Y(i) + dy * off);
      }
    }
    if (scene.banner) {
      ctx.font = '600 12px system-ui, sans-serif';
      const w = ctx.measureText(scene.banner).width + 20;
      ctx.fillStyle = 'rgba(214,69,65,0.1)';
      ctx.strokeStyle = col.cls[C.FAILED];
      ctx.lineWidth = 1;
      const bx = this.width - w - 12;
      ctx.beginPath();
      ctx.roundRect(bx, 10, w, 24, 12);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = col.cls[C.FAILED];
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(scene.banner, bx + w / 2, 22);
    }
    return { counts, down: downCount, messages: msg };
  }

  // Nodes as squares of pixels written into an offscreen canvas, then drawn over the messages.
  drawNodePixels(ctx, cls, X, Y, rpx) {
    const W = this.canvas.width;
    const H = this.canvas.height;
    if (!this.img || this.img.width !== W || this.img.height !== H) {
      this.off = new OffscreenCanvas(W, H);
      this.offCtx = this.off.getContext('2d');
      this.img = this.offCtx.createImageData(W, H);
      this.buf = new Uint32Array(this.img.data.buffer);
    }
    const rgba = (css) => {
      ctx.fillStyle = css;
      const hex = ctx.fillStyle; // normalised to #rrggbb
      const v = parseInt(hex.slice(1), 16);
      return (0xff << 24) | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff);
    };
    if (!this.pixelColours) this.pixelColours = [this.colours.bg, ...this.colours.cls].map(rgba);
    const cc = this.pixelColours.slice(1);
    const buf = this.buf;
    buf.fill(0);
    const dpr = this.dpr;
    const size = Math.max(1, Math.round(rpx * dpr * 1.4));
    const half = size >> 1;
    for (let i = 0; i < this.n; i++) {
      const x0 = Math.round(X(i) * dpr) - half;
      const y0 = Math.round(Y(i) * dpr) - half;
      if (x0 < 0 || y0 < 0 || x0 + size > W || y0 + size > H) continue;
      const c = cc[cls[i]];
      for (let dy = 0; dy < size; dy++) {
        const row = (y0 + dy) * W + x0;
        for (let dx = 0; dx < size; dx++) buf[row + dx] = c;
      }
    }
    this.offCtx.putImageData(this.img, 0, 0);
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.off, 0, 0);
    ctx.restore();
  }

  label(ctx, x, y, r, text, colour, bold = false) {
    ctx.font = `${bold ? '600 ' : ''}12px system-ui, sans-serif`;
    const w = ctx.measureText(text).width + 10;
    // outward from the centre of the picture
    const { cx, cy } = this.base;
    const cxz = this.transform.x + this.transform.k * cx;
    const cyz = this.transform.y + this.transform.k * cy;
    const dx = x - cxz, dy = y - cyz;
    const len = Math.hypot(dx, dy) || 1;
    let lx = x + (dx / len) * (r + 14 + w / 2 * Math.abs(dx / len));
    let ly = y + (dy / len) * (r + 14);
    lx = Math.min(Math.max(lx, w / 2 + 4), this.width - w / 2 - 4);
    ly = Math.min(Math.max(ly, 13), this.height - 13);
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.beginPath();
    ctx.roundRect(lx - w / 2, ly - 9, w, 18, 4);
    ctx.fill();
    ctx.fillStyle = colour;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(text, lx, ly);
  }

  // Messages in flight at the timeline's moment: a faint chord from sender to where the
  // message is now and a dot at its head, one path per message type; drops in red, dashed, to
  // half way. Returns {inFlight, dropped, types: Map(name -> count)}.
  drawMessages(ctx, scene, X, Y) {
    const { tl, flight, maxFlight, minFlight = 0 } = scene.messages;
    const st = tl.store;
    const now = tl.time;
    const hi = tl.pos;
    const lo = st.lowerBound(now - maxFlight, 0, hi);
    const byType = new Map(); // code -> [indices]
    const drops = [];
    const sel = scene.selected ?? -1;
    const selected = [];
    for (let i = lo; i < hi; i++) {
      const kind = st.kind[i];
      if (kind !== K.SEND && kind !== K.DROP) continue;
      const t0 = st.t[i];
      const end = kind === K.SEND && st.x[i] === st.x[i] ? Math.max(st.x[i], t0 + minFlight) : t0 + flight;
      if (now < t0 || now >= end) continue;
      if (kind === K.DROP) {
        drops.push(i);
        continue;
      }
      if (st.a[i] === sel || st.b[i] === sel) selected.push(i);
      let list = byType.get(st.c[i]);
      if (!list) byType.set(st.c[i], (list = []));
      list.push(i);
    }
    const frac = (i) => {
      const t0 = st.t[i];
      const end = st.kind[i] === K.SEND && st.x[i] === st.x[i] ? Math.max(st.x[i], t0 + minFlight) : t0 + flight;
      return end > t0 ? Math.min(1, Math.max(0, (now - t0) / (end - t0))) : 1;
    };
    let inFlight = 0;
    const types = new Map();
    let total = 0;
    for (const list of byType.values()) total += list.length;
    // Past MAX_DRAWN messages the picture is a blur and the frame slow: draw an even sample
    // (every k-th of each type), count them all.
    const stride = Math.max(1, Math.ceil(total / MAX_DRAWN));
    const many = total > 2000;
    ctx.lineWidth = 1;
    let k = 0;
    const heads = [];
    for (const [code, list] of byType) {
      const name = st.strings.name(code);
      const colour = typeColour(name, k++);
      types.set(name, { count: list.length, colour });
      inFlight += list.length;
      ctx.strokeStyle = colour;
      ctx.globalAlpha = many ? 0.12 : 0.28;
      ctx.beginPath();
      for (let j = 0; j < list.length; j += stride) {
        const i = list[j];
        const f = frac(i);
        const x0 = X(st.a[i]), y0 = Y(st.a[i]);
        const x1 = X(st.b[i]), y1 = Y(st.b[i]);
        ctx.moveTo(x0, y0);
        ctx.lineTo(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
      }
      ctx.stroke();
      heads.push([colour, list]);
    }
    ctx.globalAlpha = 1;
    if (selected.length) {
      ctx.strokeStyle = this.colours.accent;
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (const i of selected) {
        const f = frac(i);
        const x0 = X(st.a[i]), y0 = Y(st.a[i]);
        const x1 = X(st.b[i]), y1 = Y(st.b[i]);
        ctx.moveTo(x0, y0);
        ctx.lineTo(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
      }
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    for (const [colour, list] of heads) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      for (let j = 0; j < list.length; j += stride) {
        const i = list[j];
        const f = frac(i);
        const x0 = X(st.a[i]), y0 = Y(st.a[i]);
        const x = x0 + (X(st.b[i]) - x0) * f;
        const y = y0 + (Y(st.b[i]) - y0) * f;
        ctx.rect(x - 1.5, y - 1.5, 3, 3);
      }
      ctx.fill();
    }
    if (drops.length) {
      ctx.strokeStyle = this.colours.cls[C.FAILED];
      ctx.setLineDash([3, 3]);
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      for (let j = 0; j < drops.length; j += stride) {
        const i = drops[j];
        const x0 = X(st.a[i]), y0 = Y(st.a[i]);
        const x1 = X(st.b[i]), y1 = Y(st.b[i]);
        ctx.moveTo(x0, y0);
        ctx.lineTo(x0 + (x1 - x0) * 0.5, y0 + (y1 - y0) * 0.5);
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
    return { inFlight, drawn: Math.ceil(total / stride), dropped: drops.length, types };
  }
}
