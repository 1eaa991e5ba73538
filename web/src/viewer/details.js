// What the details panel shows about one node at the current position: its member table, whom it
// suspects and since when, and its recent messages and what it learned. Built from a per-node
// index of the events that involve the node (made once per node, on first use), so refreshing
// the panel while playing costs only the node's own recent events.
import { K, S, STATUS_NAMES } from './store.js';

// Indices of the events that involve `node`, ascending.
export function nodeEventIndex(store, node) {
  const { kind, a, b } = store;
  let count = 0;
  const n = store.length;
  const mark = (i) => {
    switch (kind[i]) {
      case K.SEND:
      case K.DROP:
      case K.LEARN:
        return a[i] === node || b[i] === node;
      case K.STATUS:
      case K.WRITE:
      case K.CRASH:
      case K.RESTART:
      case K.START:
      case K.LEAVE:
        return a[i] === node;
      default:
        return false;
    }
  };
  for (let i = 0; i < n; i++) if (mark(i)) count++;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) if (mark(i)) out[k++] = i;
  return out;
}

// Caches the index of the last few nodes looked at.
export class NodeIndexCache {
  constructor(store, size = 4) {
    this.store = store;
    this.size = size;
    this.map = new Map();
  }
  get(node) {
    let idx = this.map.get(node);
    if (idx) {
      this.map.delete(node);
      this.map.set(node, idx);
      return idx;
    }
    idx = nodeEventIndex(this.store, node);
    this.map.set(node, idx);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value);
    return idx;
  }
}

// Number of entries of the sorted `idx` that are < pos.
function countBefore(idx, pos) {
  let lo = 0, hi = idx.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idx[mid] < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The node's details at timeline `tl`'s position. `limit`: entries per history list.
export function nodeDetails(tl, node, idx, { limit = 12, scanLimit = 50000 } = {}) {
  const st = tl.store;
  const s = tl.state;
  const pos = tl.pos;
  const now = tl.time;
  const end = countBefore(idx, pos);
  const out = {
    node,
    down: s.down[node] === 1,
    informed: s.informed[node] === 1,
    sent: [],
    received: [],
    dropped: [],
    learned: [],
    changes: [],
    members: null,
    suspects: [],
    counts: null,
    accurate: s.wrong ? s.wrong[node] === 0 : null,
    wrong: s.wrong ? s.wrong[node] : null,
    eventsSoFar: end,
  };
  // Member table and suspicions (membership protocols).
  if (s.views) {
    const counts = [0, 0, 0, 0, 0];
    const members = [];
    for (let y = 0; y < s.n; y++) {
      if (y === node) continue;
      const status = s.status(node, y);
      counts[status]++;
      members.push({ member: y, status: STATUS_NAMES[status], inc: s.inc(node, y),
        down: s.down[y] === 1 });
    }
    out.members = members;
    out.counts = Object.fromEntries(STATUS_NAMES.map((name, i) => [name, counts[i]]));
    if (counts[S.SUSPECT] > 0) {
      // When each current suspicion began: the last event that turned the member suspect.
      const since = new Map();
      for (let k = 0; k < end; k++) {
        const i = idx[k];
        if (st.kind[i] !== K.STATUS || st.a[i] !== node) continue;
        if (st.c[i] === S.SUSPECT && st.prev[i] !== S.SUSPECT) since.set(st.b[i], st.t[i]);
      }
      for (const m of members) {
        if (m.status !== 'suspect') continue;
        const t = since.get(m.member);
        out.suspects.push({ member: m.member, since: t ?? null, inc: m.inc,
          for: t === undefined ? null : now - t, down: m.down });
      }
      out.suspects.sort((p, q) => (p.since ?? 0) - (q.since ?? 0));
    }
  }
  // Recent history, newest first.
  let scanned = 0;
  for (let k = end - 1; k >= 0 && scanned < scanLimit; k--, scanned++) {
    const i = idx[k];
    const kind = st.kind[i];
    if (kind === K.SEND) {
      const arrive = st.x[i] === st.x[i] ? st.x[i] : null;
      if (st.a[i] === node && out.sent.length < limit) {
        out.sent.push({ t: st.t[i], to: st.b[i], type: st.typeName(i), bytes: st.d[i], arrive,
          inFlight: arrive !== null && arrive > now });
      }
      if (st.b[i] === node && out.received.length < limit && (arrive === null || arrive <= now)) {
        out.received.push({ t: arrive ?? st.t[i], sent: st.t[i], from: st.a[i],
          type: st.typeName(i), bytes: st.d[i] });
      }
    } else if (kind === K.DROP) {
      if (out.dropped.length < limit) {
        out.dropped.push({ t: st.t[i], from: st.a[i], to: st.b[i], type: st.typeName(i),
          why: st.strings.name(st.d[i]) });
      }
    } else if (kind === K.LEARN || kind === K.WRITE) {
      if (st.a[i] === node && out.learned.length < limit) {
        out.learned.push(kind === K.WRITE
          ? { t: st.t[i], from: null, via: 'write' }
          : { t: st.t[i], from: st.b[i], via: st.typeName(i) });
      }
    } else if (kind === K.STATUS) {
      if (out.changes.length < limit) {
        out.changes.push({ t: st.t[i], about: st.b[i], status: STATUS_NAMES[st.c[i]],
          was: STATUS_NAMES[st.prev[i]], inc: st.d[i] });
      }
    } else if ((kind === K.CRASH || kind === K.RESTART || kind === K.LEAVE) &&
        out.changes.length < limit) {
      const status = kind === K.CRASH ? 'crashed' : kind === K.RESTART ? 'restarted' : 'leaving';
      out.changes.push({ t: st.t[i], about: node, status, was: null, inc: null });
    }
    if (out.sent.length >= limit && out.received.length >= limit && out.learned.length >= limit &&
        out.changes.length >= limit && out.dropped.length >= limit) break;
  }
  return out;
}
