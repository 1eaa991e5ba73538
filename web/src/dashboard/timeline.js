// The recent-events timeline: member events, user events and queries as entries, newest first,
// at most `limit` of them. Pure; no DOM.

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const PAYLOAD_SHOWN = 80;

function payloadText(p) {
  if (p == null) return '';
  const s = typeof p === 'string' ? p : JSON.stringify(p);
  return s.length > PAYLOAD_SHOWN ? `${s.slice(0, PAYLOAD_SHOWN)}…` : s;
}

// One event (its SSE type and JSON data) as a timeline entry: {id, time (ms), type, kind
// ('member' | 'user' | 'query' | 'other'), name (the member, event or query name), status,
// detail}. `nowMs` stands in for a missing or unreadable time.
export function describeEvent(type, data, nowMs = Date.now()) {
  const d = isObject(data) ? data : {};
  const parsed = typeof d.time === 'string' ? Date.parse(d.time) : NaN;
  const time = Number.isFinite(parsed) ? parsed : typeof d.time === 'number' ? d.time : nowMs;
  if (type.startsWith('member-')) {
    const m = isObject(d.member) ? d.member : {};
    return {
      time, type, kind: 'member', name: m.name != null ? String(m.name) : '',
      status: typeof m.status === 'string' ? m.status : null,
      detail: typeof m.address === 'string' ? m.address : '',
    };
  }
  if (type === 'user' || type === 'query') {
    const parts = [];
    if (typeof d.from === 'string' && d.from) parts.push(`from ${d.from}`);
    if (typeof d.ltime === 'number') parts.push(`ltime ${d.ltime}`);
    const p = payloadText(d.payload);
    if (p) parts.push(p);
    return {
      time, type, kind: type, name: d.name != null ? String(d.name) : '',
      status: null, detail: parts.join(' · '),
    };
  }
  return { time, type, kind: 'other', name: '', status: null, detail: '' };
}

export class Timeline {
  constructor(limit = 500) {
    this.limit = limit;
    this.entries = []; // newest first
    this.nextId = 1;
  }

  // Adds an entry (gives it an id); returns the entries dropped off the end.
  add(entry) {
    const e = { ...entry, id: this.nextId++ };
    this.entries.unshift(e);
    return this.entries.length > this.limit ? this.entries.splice(this.limit) : [];
  }

  // The member events about `name`, newest first.
  about(name) {
    return this.entries.filter((e) => e.kind === 'member' && e.name === name);
  }
}
