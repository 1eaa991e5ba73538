// Re-running a run from the page: the run's `rumor sim` arguments, changed by the user, plus a
// fault plan, as the body of POST /api/sim (docs/web.md).

// Flags that take no value; every other flag takes exactly one.
const NO_VALUE = new Set(['--wire', '--ui']);
// Refused by the server (they write files or start servers): dropped from a run's arguments.
const REFUSED = new Set(['--trace', '--ui', '--plot', '--format']);
// Giving one of these replaces the others.
const EXCLUSIVE = { '--mode': ['--compare'], '--compare': ['--mode'], '--seed': ['--seeds'],
  '--seeds': ['--seed'] };

// Cuts an argument list into [flag, value|null] pairs (--flag=value is split); a lone value
// without a flag is kept as [value, null] so nothing is lost.
export function splitArgs(args) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    const a = String(args[i]);
    if (a.startsWith('--') && a.includes('=')) {
      const k = a.indexOf('=');
      out.push([a.slice(0, k), a.slice(k + 1)]);
    } else if (a.startsWith('--') && !NO_VALUE.has(a) && i + 1 < args.length) {
      out.push([a, String(args[++i])]);
    } else {
      out.push([a, null]);
    }
  }
  return out;
}

function joinArgs(pairs) {
  const out = [];
  for (const [f, v] of pairs) {
    out.push(f);
    if (v !== null) out.push(v);
  }
  return out;
}

// The arguments that re-create one run of a trace: the header's `args` without the flags the
// server refuses; a --compare list narrowed to this run's mode and --seeds to this run's seed
// (a trace of several runs shares one command line). A header without `args` (an older trace)
// is rebuilt from its fields.
export function argsForRun(header) {
  if (!header) return [];
  let pairs;
  if (Array.isArray(header.args)) {
    pairs = splitArgs(header.args).filter(([f]) => !REFUSED.has(f));
  } else {
    pairs = [];
    if (header.protocol) pairs.push(['--protocol', String(header.protocol)]);
    if (header.nodes !== undefined) pairs.push(['--nodes', String(header.nodes)]);
    if (header.mode && header.protocol !== 'swim') pairs.push(['--mode', String(header.mode)]);
    if (header.fanout !== undefined && header.protocol !== 'swim') {
      pairs.push(['--fanout', String(header.fanout)]);
    }
    if (header.timing && header.protocol !== 'swim') pairs.push(['--timing', String(header.timing)]);
    if (header.origin !== undefined && (header.protocol ?? 'gossip') === 'gossip') {
      pairs.push(['--origin', String(header.origin)]);
    }
  }
  if (header.mode && pairs.some(([f]) => f === '--compare')) {
    pairs = pairs.filter(([f]) => f !== '--compare' && f !== '--mode');
    pairs.push(['--mode', String(header.mode)]);
  }
  if (header.seed !== undefined) {
    pairs = pairs.filter(([f]) => f !== '--seeds' && f !== '--seed');
    pairs.push(['--seed', String(header.seed)]);
  }
  return joinArgs(pairs);
}

// Tokens of a free-text change, e.g. `--mode push --lifeguard off`.
export function tokenize(text) {
  return String(text || '').trim().split(/\s+/).filter(Boolean);
}

// `args` with the flags of `overrides` replacing any earlier value (and the flags exclusive
// with them); flags given without a value keep their value-less form.
export function withOverrides(args, overrides) {
  const over = splitArgs(overrides);
  const drop = new Set();
  for (const [f] of over) {
    if (!f.startsWith('--')) continue;
    drop.add(f);
    for (const x of EXCLUSIVE[f] || []) drop.add(x);
  }
  const kept = splitArgs(args).filter(([f]) => !drop.has(f));
  return joinArgs([...kept, ...over]);
}

// "0-9, 12 15" -> [0..9, 12, 15], each in 0..n-1; throws a readable error otherwise.
export function parseNodeList(text, n) {
  const out = [];
  const seen = new Set();
  for (const part of String(text || '').split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`'${part}' is not a node number or range like 3-7`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`range ${part} runs backwards`);
    if (n !== undefined && hi >= n) throw new Error(`node ${hi} is out of range (0..${n - 1})`);
    for (let i = lo; i <= hi; i++) {
      if (!seen.has(i)) {
        seen.add(i);
        out.push(i);
      }
    }
  }
  return out;
}

// Node numbers as a compact list: [0,1,2,3,7] -> "0-3, 7".
export function formatNodeList(nodes) {
  const s = [...nodes].sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i < s.length; i++) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j > i ? `${s[i]}-${s[j]}` : `${s[i]}`);
    i = j;
  }
  return parts.join(', ');
}

// The POST /api/sim body; `plan` is {crashes: [{node, at, restart?}], partitions: [{groups,
// start, heal}]} as kept by the page. Empty lists are left out.
export function simRequest(args, plan = {}) {
  const body = { args: [...args] };
  if (plan.crashes?.length) {
    body.crashes = plan.crashes.map((c) => {
      const o = { node: c.node, at: c.at };
      if (c.restart !== undefined && c.restart !== null && c.restart !== '') o.restart = c.restart;
      return o;
    });
  }
  if (plan.partitions?.length) {
    body.partitions = plan.partitions.map((p) => {
      const o = { groups: p.groups.map((g) => [...g]), start: p.start };
      if (p.heal !== undefined && p.heal !== null && p.heal !== '') o.heal = p.heal;
      if (p.one_way === true) o.one_way = true;
      return o;
    });
  }
  return body;
}

// A short description of a fault plan and argument change, to name the runs it made.
export function describeChange(overrides, plan = {}) {
  const parts = [];
  if (overrides?.length) parts.push(overrides.join(' '));
  for (const c of plan.crashes || []) {
    parts.push(`crash ${c.node}@${c.at}${c.restart !== undefined && c.restart !== '' && c.restart !== null ? `, back @${c.restart}` : ''}`);
  }
  for (const p of plan.partitions || []) {
    parts.push(`partition ${p.groups.map(formatNodeList).join(' | ')} @${p.start}${p.heal !== undefined && p.heal !== null && p.heal !== '' ? `-${p.heal}` : ''}${p.one_way === true ? ' one-way' : ''}`);
  }
  return parts.join('; ') || 'same settings';
}

const isTime = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isNode = (v) => Number.isInteger(v) && v >= 0;

// The fault plan a run was made with: its header's `faults` (written by the server for a
// re-run, docs/web.md) as a page's plan, {crashes: [{node, at, restart?}], partitions: [{groups,
// start, heal?, one_way?}]}, copied so the page may change it. Entries that are not of that shape
// are left out; a header without `faults` gives an empty plan.
export function planFromHeader(header) {
  const f = header?.faults;
  const plan = { crashes: [], partitions: [] };
  if (!f || typeof f !== 'object') return plan;
  for (const c of Array.isArray(f.crashes) ? f.crashes : []) {
    if (!c || !isNode(c.node) || !isTime(c.at)) continue;
    plan.crashes.push({ node: c.node, at: c.at, ...(isTime(c.restart) ? { restart: c.restart } : {}) });
  }
  for (const p of Array.isArray(f.partitions) ? f.partitions : []) {
    if (!p || !Array.isArray(p.groups) || !p.groups.every((g) => Array.isArray(g) && g.every(isNode))) continue;
    const start = p.start === undefined ? 0 : p.start;
    if (!isTime(start)) continue;
    plan.partitions.push({ groups: p.groups.map((g) => [...g]), start,
      ...(isTime(p.heal) ? { heal: p.heal } : {}), ...(p.one_way === true ? { one_way: true } : {}) });
  }
  return plan;
}

// A run's settings from its header alone (so they outlive the page): the arguments that
// re-create it and its fault plan; a header without `args` says its nodes and seed.
export function describeRun(header) {
  const h = header || {};
  const parts = [];
  if (Array.isArray(h.args)) parts.push(argsForRun(h).join(' '));
  else parts.push(`${h.nodes ?? '?'} nodes, seed ${h.seed ?? '?'}`);
  const faults = describeChange([], planFromHeader(h));
  if (faults !== 'same settings') parts.push(faults);
  return parts.join('; ');
}
