// This node's /v1/stats samples as time series: gauges kept as read, counters turned into
// per-second rates by differencing consecutive samples. Bounded: the last `capacity` samples.
// Pure; no DOM.

// The plots of the "This node" panel: each a title, a unit, `integer` for counts (whole-number
// ticks) and its series (a dotted path into the /v1/stats answer; `rate` for counters).
export const PLOTS = [
  {
    id: 'awareness', title: 'Awareness (local health)', unit: '', integer: true,
    series: [{ label: 'awareness', path: 'awareness' }],
  },
  {
    id: 'probes', title: 'Probes', unit: '/s',
    series: [
      { label: 'probes', path: 'protocol.probes', rate: true },
      { label: 'acks', path: 'protocol.probe_acks', rate: true },
      { label: 'indirect', path: 'protocol.indirect_probes', rate: true },
      { label: 'suspicions', path: 'protocol.suspicions', rate: true },
    ],
  },
  {
    id: 'gossip', title: 'Gossip', unit: '/s',
    series: [
      { label: 'rounds', path: 'protocol.gossip_rounds', rate: true },
      { label: 'push-pulls', path: 'protocol.push_pulls', rate: true },
      { label: 'refutes', path: 'protocol.refutes', rate: true },
    ],
  },
  {
    id: 'queues', title: 'Queue depths', unit: '', integer: true,
    series: [
      { label: 'broadcasts', path: 'queues.broadcasts' },
      { label: 'serf', path: 'queues.serf_broadcasts' },
      { label: 'events', path: 'queues.events' },
    ],
  },
  {
    id: 'messages', title: 'Messages', unit: '/s',
    series: [
      { label: 'out', path: 'net.packets_out', rate: true },
      { label: 'in', path: 'net.packets_in', rate: true },
    ],
  },
  {
    id: 'bytes', title: 'Bytes', unit: 'B/s',
    series: [
      { label: 'out', path: 'net.bytes_out', rate: true },
      { label: 'in', path: 'net.bytes_in', rate: true },
    ],
  },
];

// The number at a dotted path of `obj`, or null when absent or not a finite number.
export function valueAt(obj, path) {
  let v = obj;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return null;
    v = v[part];
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

// The per-second rate of a counter between two readings `dtS` seconds apart; null when a reading
// is missing, time did not advance, or the counter went down (the agent restarted).
export function counterRate(prev, cur, dtS) {
  if (prev == null || cur == null || !(dtS > 0) || cur < prev) return null;
  return (cur - prev) / dtS;
}

export class StatsHistory {
  constructor(plots = PLOTS, capacity = 300) {
    this.plots = plots;
    this.capacity = capacity;
    this.times = []; // seconds since the epoch (uPlot's x unit)
    this.values = new Map(); // plot id -> array per series of numbers / nulls
    for (const p of plots) this.values.set(p.id, p.series.map(() => []));
    this.last = null; // {t, stats} of the previous sample, for the rates
  }

  get length() {
    return this.times.length;
  }

  // Adds one /v1/stats answer read at `nowMs` (used when the answer has no time_ms). Returns
  // false (and keeps nothing) for a sample no newer than the previous one.
  push(stats, nowMs = Date.now()) {
    const tMs = valueAt(stats, 'time_ms') ?? nowMs;
    const t = tMs / 1000;
    if (this.last && t <= this.last.t) return false;
    const dt = this.last ? t - this.last.t : 0;
    this.times.push(t);
    for (const p of this.plots) {
      const cols = this.values.get(p.id);
      p.series.forEach((s, i) => {
        const cur = valueAt(stats, s.path);
        const v = s.rate ? counterRate(this.last ? valueAt(this.last.stats, s.path) : null, cur, dt)
          : cur;
        cols[i].push(v);
      });
    }
    this.last = { t, stats };
    if (this.times.length > this.capacity) {
      const drop = this.times.length - this.capacity;
      this.times.splice(0, drop);
      for (const cols of this.values.values()) for (const c of cols) c.splice(0, drop);
    }
    return true;
  }

  // uPlot data for a plot: [times, series...].
  data(plotId) {
    return [this.times, ...this.values.get(plotId)];
  }

  // The newest value of each series of a plot (null when unknown).
  latest(plotId) {
    return this.values.get(plotId).map((c) => (c.length ? c[c.length - 1] : null));
  }

  // Whether a plot has held any number at all (false: the agent does not report it).
  hasData(plotId) {
    return this.values.get(plotId).some((c) => c.some((v) => v != null));
  }
}
