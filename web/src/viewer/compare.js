// Runs side by side: each run's informed-fraction curve from its per-round counts (`rounds` of
// GET /api/runs) and the figures compared in the table.

export function protocolOf(header) {
  if (!header) return 'gossip';
  if (header.protocol) return header.protocol;
  return header.mode ? 'gossip' : 'heartbeat';
}

// "push-pull", "swim lifeguard on", "heartbeat push-pull"...
export function runTitle(run) {
  const h = run.header || {};
  const p = protocolOf(h);
  let what;
  if (p === 'gossip') what = h.mode || 'gossip';
  else if (p === 'swim') what = `swim${h.lifeguard !== undefined ? `, lifeguard ${h.lifeguard === true ? 'on' : h.lifeguard === false ? 'off' : h.lifeguard}` : ''}`;
  else what = `heartbeat${h.mode ? ` ${h.mode}` : ''}`;
  return what;
}

export function runLabel(run) {
  const h = run.header || {};
  const bits = [`#${run.id}`, runTitle(run)];
  if (h.nodes !== undefined) bits.push(`${h.nodes} nodes`);
  if (h.seed !== undefined) bits.push(`seed ${h.seed}`);
  return bits.join(' · ');
}

// The point from which a run's informed count stays at its final value: the rounds entry where
// the last change landed (the first entry if it never changed).
function settledAt(rounds) {
  if (!rounds.length) return null;
  const final = rounds[rounds.length - 1].informed;
  let j = rounds.length - 1;
  while (j > 0 && rounds[j - 1].informed === final) j--;
  return { entry: rounds[j], final, changed: j > 0 };
}

// What the table shows for a run. Gossip: rounds until everyone was informed (or the count it
// stopped at); swim and heartbeat: the time from which every live view was accurate.
export function summarize(run) {
  const h = run.header || {};
  const p = protocolOf(h);
  const rounds = run.rounds || [];
  const nodes = h.nodes ?? 0;
  const messages = rounds.reduce((s, r) => s + (r.messages || 0), 0);
  const out = { id: run.id, protocol: p, nodes, rounds: rounds.length, messages,
    final: rounds.length ? rounds[rounds.length - 1].informed : null, metric: '—',
    metricLabel: p === 'gossip' ? 'rounds to all informed' : 'time to accurate view',
    value: null };
  const st = settledAt(rounds);
  if (!st) return out;
  if (p === 'gossip') {
    const all = st.final >= nodes;
    out.value = st.entry.round;
    out.metric = all ? `${st.entry.round}` : `${st.entry.round} (${st.final} reached)`;
  } else {
    out.value = st.entry.t / 1000;
    const dip = Math.min(...rounds.map((r) => r.informed));
    out.metric = st.changed || dip < st.final ? `${fmtSeconds(st.entry.t)}` : 'accurate throughout';
  }
  return out;
}

export function fmtSeconds(ms) {
  const s = ms / 1000;
  if (s >= 100) return `${s.toFixed(0)} s`;
  if (s >= 10) return `${s.toFixed(1)} s`;
  return `${s.toFixed(2)} s`;
}

// The x axis the selected runs share: rounds when every run counts rounds of one interval
// (gossip or heartbeat), seconds otherwise (swim's rounds are probe intervals).
export function xAxisFor(runs) {
  return runs.length && runs.every((r) => protocolOf(r.header) !== 'swim') ? 'round' : 'time';
}

// uPlot data for several runs: one shared, sorted x array and a y array per run holding the
// informed fraction where that run has a point and null elsewhere.
export function curves(runs, axis = xAxisFor(runs)) {
  const xs = new Set();
  const per = runs.map((run) => {
    const nodes = run.header?.nodes || 1;
    const m = new Map();
    for (const r of run.rounds || []) {
      const x = axis === 'round' ? r.round : r.t / 1000;
      m.set(x, r.informed / nodes);
      xs.add(x);
    }
    if (axis === 'round' && protocolOf(run.header) === 'gossip' && !m.has(0) && m.size) {
      // Round 0: only the writer knows.
      m.set(0, 1 / nodes);
      xs.add(0);
    }
    return m;
  });
  const x = Float64Array.from([...xs].sort((a, b) => a - b));
  const ys = per.map((m) => Array.from(x, (v) => (m.has(v) ? m.get(v) : null)));
  return { axis, data: [Array.from(x), ...ys] };
}
