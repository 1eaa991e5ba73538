// The informed-fraction curves of the runs being compared, in uPlot, with a marker at the
// moment the timeline shows.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { curves, protocolOf, runTitle } from './compare.js';

export const RUN_COLOURS = ['#2f6fdf', '#e07b20', '#2e9b57', '#d0508f', '#7b57d6', '#16a3a3',
  '#8a6d3b', '#4f5b66'];

export class ComparePlot {
  constructor(el, { height = 280 } = {}) {
    this.el = el;
    this.height = height;
    this.plot = null;
    this.marker = null; // x value of the timeline's moment, or null
    this.key = '';
    new ResizeObserver(() => this.fit()).observe(el);
  }

  size() {
    const w = Math.max(300, Math.floor(this.el.clientWidth));
    return { width: w, height: this.height };
  }

  fit() {
    if (this.plot) {
      const { width, height } = this.size();
      if (this.plot.width !== width) this.plot.setSize({ width, height });
    }
  }

  // runs: [{id, header, rounds}], colours: id -> colour; names: id -> label suffix.
  set(runs, colourOf, nameOf) {
    const { axis, data } = curves(runs);
    this.axis = axis;
    const key = `${axis}|${runs.map((r) => `${r.id}:${(r.rounds || []).length}`).join(',')}`;
    if (this.plot && key === this.key) return;
    this.key = key;
    if (this.plot) {
      this.plot.destroy();
      this.plot = null;
    }
    this.el.replaceChildren();
    if (!runs.length) return;
    const self = this;
    const { width, height } = this.size();
    const kinds = new Set(runs.map((r) => (protocolOf(r.header) === 'gossip' ? 'g' : 'm')));
    const yLabel = kinds.size > 1 ? 'fraction of nodes' : kinds.has('g') ? 'informed' : 'accurate views';
    const opts = {
      width,
      height,
      scales: { x: { time: false }, y: { range: [0, 1.02] } },
      axes: [
        { label: axis === 'round' ? 'round' : 'time (s)', stroke: '#67707a',
          ...(axis === 'round' ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] } : {}),
          grid: { stroke: '#eceef0' }, ticks: { stroke: '#dde1e5' } },
        { label: yLabel, stroke: '#67707a', size: 60,
          grid: { stroke: '#eceef0' }, ticks: { stroke: '#dde1e5' },
          values: (u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: axis === 'round' ? 'round' : 's', value: (u, v) => (v === null || v === undefined ? '—' : axis === 'round' ? v : v.toFixed(2)) },
        ...runs.map((r) => ({
          label: `#${r.id} ${nameOf ? nameOf(r) : runTitle(r)}`,
          stroke: colourOf(r.id),
          width: 2,
          spanGaps: true,
          points: { show: (r.rounds || []).length <= 60, size: 5 },
          value: (u, v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`),
        })),
      ],
      hooks: {
        draw: [(u) => self.drawMarker(u)],
      },
    };
    this.plot = new uPlot(opts, data, this.el);
  }

  setMarker(x) {
    if (x === this.marker) return;
    this.marker = x;
    this.plot?.redraw(false, false);
  }

  drawMarker(u) {
    if (this.marker === null || this.marker === undefined) return;
    const x = u.valToPos(this.marker, 'x', true);
    if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = 'rgba(29,35,42,0.55)';
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  }
}
