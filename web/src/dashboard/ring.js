// The cluster picture: every member on a ring, coloured by status, drawn on a Canvas 2D context.
// Events land as pulses (ring-model.js); suspects breathe while suspect; d3-zoom pans and zooms;
// a click finds the member under the pointer in a d3-quadtree and selects it.

import { quadtree } from 'd3-quadtree';
import { select } from 'd3-selection';
import { zoom, zoomIdentity } from 'd3-zoom';
import { Pulses, dotRadius, ringLayout } from './ring-model.js';
import { cssVar, statusColour } from './dom.js';
import { fmtRtt } from './format.js';

const LABEL_LIMIT = 48; // members beyond this are labelled only when zoomed in far enough

export class ClusterRing {
  // canvas: the <canvas>; onSelect(name | null) on a click.
  constructor(canvas, { onSelect }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.onSelect = onSelect;
    this.members = [];
    this.layout = [];
    this.tree = quadtree();
    this.pulses = new Pulses();
    this.transform = zoomIdentity;
    this.selected = null;
    this.self = null;
    this.rttOf = new Map();
    this.size = { w: 0, h: 0, r: 0 };
    this.frame = 0;
    this.colours = { ink: cssVar('--ink', '#1d232a'), muted: cssVar('--muted', '#67707a'),
      line: cssVar('--line', '#dde1e5'), accent: cssVar('--accent', '#2f6fdf'),
      panel: cssVar('--panel', '#fff') };

    this.zoom = zoom().scaleExtent([0.5, 40]).on('zoom', (e) => {
      this.transform = e.transform;
      this.draw();
    });
    select(canvas).call(this.zoom).on('dblclick.zoom', null);
    canvas.addEventListener('click', (e) => this.click(e));
    canvas.addEventListener('mousemove', (e) => {
      canvas.style.cursor = this.pick(e) ? 'pointer' : 'grab';
    });
    new ResizeObserver(() => this.resize()).observe(canvas.parentElement);
    this.resize();
  }

  resetView() {
    select(this.canvas).call(this.zoom.transform, zoomIdentity);
  }

  resize() {
    const box = this.canvas.parentElement.getBoundingClientRect();
    const w = Math.max(100, Math.floor(box.width));
    const h = Math.max(100, Math.floor(box.height));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.size = { w, h, r: Math.max(20, Math.min(w, h) / 2 - 56), dpr };
    this.relayout();
  }

  // members: the model's values; self / selected: names.
  setMembers(members, { self, selected, rtt }) {
    this.members = members;
    this.self = self;
    this.selected = selected;
    this.rttOf = rtt ?? new Map();
    this.relayout();
  }

  relayout() {
    const { w, h, r } = this.size;
    this.layout = ringLayout(this.members, r)
      .map((p) => ({ ...p, x: p.x + w / 2, y: p.y + h / 2 }));
    this.dot = dotRadius(this.layout.length, r);
    this.tree = quadtree(this.layout, (p) => p.x, (p) => p.y);
    this.canvas.dataset.count = String(this.layout.length);
    this.draw();
  }

  // The client (page) coordinates of a member's dot: for tests and tooltips.
  clientPoint(name) {
    const p = this.layout.find((q) => q.name === name);
    if (!p) return null;
    const [x, y] = this.transform.apply([p.x, p.y]);
    const rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + x, y: rect.top + y };
  }

  pick(e) {
    const rect = this.canvas.getBoundingClientRect();
    const [x, y] = this.transform.invert([e.clientX - rect.left, e.clientY - rect.top]);
    const reach = Math.max(this.dot + 4, 10 / this.transform.k);
    return this.tree.find(x, y, reach) ?? null;
  }

  click(e) {
    if (e.defaultPrevented) return; // the end of a drag
    const p = this.pick(e);
    this.onSelect(p ? p.name : null);
  }

  // An event about `name` landed: start its pulse.
  pulse(name, type) {
    if (this.pulses.add(name, type, performance.now())) this.animate();
  }

  animate() {
    if (this.frame) return;
    const step = () => {
      this.draw();
      const more = this.pulses.size > 0 || this.layout.some((p) => p.status === 'suspect');
      this.frame = more ? requestAnimationFrame(step) : 0;
    };
    this.frame = requestAnimationFrame(step);
  }

  draw() {
    const { ctx } = this;
    const { w, h, r, dpr } = this.size;
    const t = this.transform;
    const now = performance.now();
    const c = this.colours;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.save();
    ctx.translate(t.x, t.y);
    ctx.scale(t.k, t.k);
    const k = t.k;
    const dot = this.dot;

    // The ring itself.
    ctx.beginPath();
    ctx.arc(w / 2, h / 2, r, 0, 2 * Math.PI);
    ctx.strokeStyle = c.line;
    ctx.lineWidth = 1.5 / k;
    ctx.stroke();

    const at = new Map(this.layout.map((p) => [p.name, p]));

    // This node to the selected one, with the estimated round trip.
    const me = at.get(this.self);
    const sel = at.get(this.selected);
    if (me && sel && me !== sel) {
      ctx.beginPath();
      ctx.moveTo(me.x, me.y);
      ctx.lineTo(sel.x, sel.y);
      ctx.setLineDash([4 / k, 4 / k]);
      ctx.strokeStyle = c.accent;
      ctx.lineWidth = 1.2 / k;
      ctx.stroke();
      ctx.setLineDash([]);
      const rtt = this.rttOf.get(sel.name);
      ctx.font = `${11 / k}px system-ui, sans-serif`;
      ctx.fillStyle = c.accent;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      const label = `rtt ${fmtRtt(rtt)}`;
      // Nearer the selected end than the middle, which the centre caption holds.
      const mx = me.x + (sel.x - me.x) * 0.7;
      const my = me.y + (sel.y - me.y) * 0.7 - 3 / k;
      ctx.lineWidth = 4 / k;
      ctx.lineJoin = 'round';
      ctx.strokeStyle = c.panel;
      ctx.strokeText(label, mx, my);
      ctx.fillText(label, mx, my);
    }

    // Pulses under the dots.
    for (const p of this.pulses.active(now)) {
      const q = at.get(p.name);
      if (!q) continue;
      const e = 1 - (1 - p.progress) ** 3;
      const grow = p.status === 'failed' ? 5 : 3.5;
      ctx.beginPath();
      ctx.arc(q.x, q.y, dot * (1 + grow * e) + 2 / k, 0, 2 * Math.PI);
      ctx.strokeStyle = statusColour(p.status);
      ctx.globalAlpha = 1 - p.progress;
      ctx.lineWidth = (p.status === 'failed' ? 3 : 2) / k;
      ctx.stroke();
      ctx.globalAlpha = 1;
    }

    // The members.
    const breathe = 0.5 + 0.5 * Math.sin(now / 220);
    for (const p of this.layout) {
      const colour = statusColour(p.status);
      if (p.status === 'suspect') {
        ctx.beginPath();
        ctx.arc(p.x, p.y, dot + (3 + 3 * breathe) / k, 0, 2 * Math.PI);
        ctx.fillStyle = colour;
        ctx.globalAlpha = 0.25;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
      ctx.beginPath();
      ctx.arc(p.x, p.y, dot, 0, 2 * Math.PI);
      ctx.fillStyle = p.status === 'left' ? c.panel : colour;
      ctx.fill();
      ctx.lineWidth = (p.status === 'left' ? 2 : 1) / k;
      ctx.strokeStyle = p.status === 'left' ? colour : c.panel;
      ctx.stroke();
      if (p.status === 'failed' && dot >= 4) {
        const s = dot * 0.45;
        ctx.beginPath();
        ctx.moveTo(p.x - s, p.y - s);
        ctx.lineTo(p.x + s, p.y + s);
        ctx.moveTo(p.x + s, p.y - s);
        ctx.lineTo(p.x - s, p.y + s);
        ctx.strokeStyle = c.panel;
        ctx.lineWidth = 1.8 / k;
        ctx.stroke();
      }
      if (p.name === this.self || p.name === this.selected) {
        ctx.beginPath();
        ctx.arc(p.x, p.y, dot + 3.5 / k, 0, 2 * Math.PI);
        ctx.strokeStyle = p.name === this.selected ? c.accent : c.ink;
        ctx.lineWidth = 2 / k;
        ctx.stroke();
      }
    }

    // Labels, outside the ring, when they fit.
    const spacing = (2 * Math.PI * r * k) / Math.max(1, this.layout.length);
    if (this.layout.length <= LABEL_LIMIT || spacing > 14) {
      ctx.font = `${12 / k}px system-ui, sans-serif`;
      ctx.textBaseline = 'middle';
      for (const p of this.layout) {
        const out = dot + 10 / k;
        const lx = p.x + Math.cos(p.angle) * out;
        const ly = p.y + Math.sin(p.angle) * out;
        const cos = Math.cos(p.angle);
        ctx.textAlign = Math.abs(cos) < 0.3 ? 'center' : cos > 0 ? 'left' : 'right';
        ctx.textBaseline = Math.abs(cos) < 0.3 ? (Math.sin(p.angle) < 0 ? 'bottom' : 'top')
          : 'middle';
        ctx.fillStyle = p.name === this.selected ? c.accent
          : p.status === 'alive' ? c.ink : c.muted;
        ctx.font = `${p.name === this.self ? '600 ' : ''}${12 / k}px system-ui, sans-serif`;
        ctx.fillText(p.name, lx, ly);
      }
    }
    ctx.restore();

    // The centre caption, not zoomed.
    const n = this.layout.length;
    const [cx, cy] = t.apply([w / 2, h / 2]);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = c.ink;
    ctx.font = '600 22px system-ui, sans-serif';
    ctx.fillText(String(n), cx, cy - 9);
    ctx.fillStyle = c.muted;
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillText(n === 1 ? 'member' : 'members', cx, cy + 12);

    // Suspects breathe: keep drawing while there are any.
    if (!this.frame && this.layout.some((p) => p.status === 'suspect')) this.animate();
  }
}
