// The "This node" plots: one small uPlot per entry of rates.PLOTS, fed from a StatsHistory,
// each with a one-line legend showing the newest values (or those under the cursor).

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el, cssVar } from './dom.js';
import { fmtBytes, fmtNumber, fmtValue, NA } from './format.js';

const SERIES_COLOURS = ['#2f6fdf', '#2e9b57', '#8e5bd6', '#e0a020'];
const MIN_HEIGHT = 60;
// Tick steps for counts (queue depths, awareness): no 0.5 of a message.
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6];
const pad2 = (n) => String(n).padStart(2, '0');

// Time-axis labels as HH:MM:SS (uPlot's default adds a second line with the date).
function timeValues(u, vals) {
  return vals.map((v) => {
    const d = new Date(v * 1000);
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  });
}

// Y-axis labels: bytes with binary prefixes, other numbers compact; the unit is in the title.
function axisValues(unit) {
  const fmt = unit === 'B/s' ? fmtBytes : fmtNumber;
  return (u, vals) => vals.map((v) => (v == null ? '' : fmt(v)));
}

export class StatsPlots {
  // root: the element the plots go in; plots: rates.PLOTS.
  constructor(root, plots) {
    this.plots = plots;
    this.items = new Map();
    const ink = cssVar('--muted', '#67707a');
    const grid = cssVar('--line', '#dde1e5');
    for (const p of plots) {
      const legend = el('div', { class: 'plot-legend' });
      const body = el('div', { class: 'plot-body' });
      const box = el('div', { class: 'plot', 'data-testid': 'stats-plot',
        dataset: { plot: p.id, points: '0' } },
      el('div', { class: 'plot-head' }, el('span', { class: 'plot-title', text: p.title }), legend),
      body);
      root.append(box);
      const values = p.series.map((s, i) => {
        const v = el('b', { text: NA });
        legend.append(el('span', { class: 'legend-item' },
          el('i', { style: `background:${SERIES_COLOURS[i]}` }), `${s.label} `, v));
        return v;
      });
      const opts = {
        width: 300,
        height: MIN_HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 5 } },
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
        axes: [
          { stroke: ink, font: '10px system-ui, sans-serif', size: 20, space: 80,
            grid: { stroke: grid, width: 1 }, ticks: { show: false }, values: timeValues },
          { stroke: ink, font: '10px system-ui, sans-serif', size: 42, space: 18,
            grid: { stroke: grid, width: 1 }, ticks: { show: false },
            values: axisValues(p.unit), incrs: p.integer ? INTEGER_STEPS : undefined },
        ],
        series: [{}, ...p.series.map((s, i) => ({
          label: s.label,
          stroke: SERIES_COLOURS[i],
          width: 1.5,
          fill: i === 0 ? `${SERIES_COLOURS[0]}1a` : undefined,
          points: { show: false },
        }))],
        hooks: { setCursor: [(u) => this.showLegend(p, u.cursor.idx)] },
      };
      const plot = new uPlot(opts, [[], ...p.series.map(() => [])], body);
      this.items.set(p.id, { plot, box, body, values, plotDef: p });
    }
    this.history = null;
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(root);
  }

  // Each plot fills its share of the panel (the CSS gives each body its height).
  resize() {
    for (const { plot, body } of this.items.values()) {
      const w = Math.max(120, Math.floor(body.clientWidth));
      const h = Math.max(MIN_HEIGHT, Math.floor(body.clientHeight));
      if (w !== plot.width || h !== plot.height) plot.setSize({ width: w, height: h });
    }
  }

  showLegend(p, idx) {
    const item = this.items.get(p.id);
    if (!this.history || !item) return;
    const data = this.history.data(p.id);
    const values = idx == null ? this.history.latest(p.id) : data.slice(1).map((c) => c[idx]);
    item.values.forEach((v, i) => {
      v.textContent = fmtValue(values[i], p.unit);
    });
  }

  // Draws the newest history (a StatsHistory); `available` false marks the panel n/a.
  update(history) {
    this.history = history;
    for (const [id, item] of this.items) {
      item.plot.setData(history.data(id));
      item.box.dataset.points = String(history.length);
      item.box.classList.toggle('no-data', !history.hasData(id));
      if (item.plot.cursor.idx == null) this.showLegend(item.plotDef, null);
    }
  }
}
