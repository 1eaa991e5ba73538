// The members model: what this agent knows about each member, kept up to date from the
// /v1/members snapshots and the /v1/events stream, plus the table's filtering and sorting.
// Pure functions over plain objects; no DOM.

export const STATUSES = ['alive', 'suspect', 'failed', 'left'];

// The status an event means, when its kind says it (member-update keeps what it carries).
const EVENT_STATUS = {
  'member-join': 'alive',
  'member-alive': 'alive',
  'member-suspect': 'suspect',
  'member-failed': 'failed',
  'member-leave': 'left',
};

export const MEMBER_EVENTS = [
  'member-join', 'member-leave', 'member-failed', 'member-update', 'member-reap',
  'member-suspect', 'member-alive',
];

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function finiteOrNull(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

// A member entry with every field present: missing or malformed ones become null / {}.
export function normalizeMember(raw) {
  const m = isObject(raw) ? raw : {};
  const tags = {};
  if (isObject(m.tags)) {
    for (const [k, v] of Object.entries(m.tags)) tags[k] = String(v);
  }
  return {
    name: typeof m.name === 'string' ? m.name : String(m.name ?? ''),
    address: typeof m.address === 'string' ? m.address : null,
    status: typeof m.status === 'string' ? m.status : 'unknown',
    incarnation: finiteOrNull(m.incarnation),
    tags,
    rtt_ms: finiteOrNull(m.rtt_ms),
  };
}

// The member list of a GET /v1/members answer: a bare array (docs/web.md) or {members: [...]}.
export function membersFromResponse(body) {
  const list = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.members)
    ? body.members : [];
  return list.filter((m) => isObject(m) && m.name != null && m.name !== '').map(normalizeMember);
}

// Replaces the model with a snapshot, except for members an event changed after the snapshot
// was asked for (`askedAt`, a value of the model's clock): the event is newer than the answer.
// Returns a new Map.
export function mergeSnapshot(current, list, askedAt) {
  const next = new Map();
  for (const m of list) {
    const mine = current.get(m.name);
    if (mine && mine.seen > askedAt) {
      next.set(m.name, mine);
    } else {
      // rtt_ms comes only from the snapshot; an event does not carry it.
      next.set(m.name, { ...m, seen: mine?.seen ?? 0 });
    }
  }
  for (const [name, mine] of current) {
    if (!next.has(name) && mine.seen > askedAt) next.set(name, mine);
  }
  return next;
}

// Applies one member event (`type` and its JSON data) to the model in place; `clock` stamps the
// change. Returns {name, before, after} (statuses; after is null when the member was reaped), or
// null when the event names no member.
export function applyMemberEvent(model, type, data, clock) {
  const raw = isObject(data) && isObject(data.member) ? data.member : null;
  if (!raw || raw.name == null || raw.name === '') return null;
  const incoming = normalizeMember(raw);
  const prev = model.get(incoming.name);
  const before = prev ? prev.status : null;
  if (type === 'member-reap') {
    model.delete(incoming.name);
    return { name: incoming.name, before, after: null };
  }
  const status = EVENT_STATUS[type] ?? (incoming.status !== 'unknown' ? incoming.status
    : prev?.status ?? 'unknown');
  const next = {
    name: incoming.name,
    address: incoming.address ?? prev?.address ?? null,
    status,
    incarnation: incoming.incarnation ?? prev?.incarnation ?? null,
    tags: isObject(raw.tags) ? incoming.tags : prev?.tags ?? {},
    rtt_ms: prev?.rtt_ms ?? null,
    seen: clock,
  };
  model.set(next.name, next);
  return { name: next.name, before, after: status };
}

// How many members have each status (every known status present, 0 when none).
export function statusCounts(members) {
  const counts = { alive: 0, suspect: 0, failed: 0, left: 0 };
  for (const m of members) counts[m.status] = (counts[m.status] ?? 0) + 1;
  return counts;
}

export function tagsText(tags) {
  return Object.keys(tags ?? {}).sort().map((k) => `${k}=${tags[k]}`).join(' ');
}

// Members whose name, address or tags contain `text` (case-insensitive; every
// whitespace-separated word must match) and whose status is `status` ('' or 'all': any).
export function filterMembers(members, { text = '', status = '' } = {}) {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return members.filter((m) => {
    if (status && status !== 'all' && m.status !== status) return false;
    if (words.length === 0) return true;
    const hay = `${m.name} ${m.address ?? ''} ${tagsText(m.tags)}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const STATUS_ORDER = { alive: 0, suspect: 1, failed: 2, left: 3 };

function compareBy(key) {
  switch (key) {
    case 'status':
      return (a, b) => (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9);
    case 'incarnation':
    case 'rtt_ms':
      return (a, b) => a[key] - b[key];
    case 'tags':
      return (a, b) => collator.compare(tagsText(a.tags), tagsText(b.tags));
    case 'address':
      return (a, b) => collator.compare(a.address ?? '', b.address ?? '');
    default:
      return (a, b) => collator.compare(a.name, b.name);
  }
}

// A sorted copy: by `key` (a column: name, address, status, incarnation, tags, rtt_ms), `dir`
// 'asc' or 'desc'; unknown numbers (null) always last; ties by name.
export function sortMembers(members, { key = 'name', dir = 'asc' } = {}) {
  const cmp = compareBy(key);
  const sign = dir === 'desc' ? -1 : 1;
  const byName = compareBy('name');
  const numeric = key === 'incarnation' || key === 'rtt_ms';
  return [...members].sort((a, b) => {
    if (numeric) {
      const an = a[key] == null;
      const bn = b[key] == null;
      if (an !== bn) return an ? 1 : -1;
      if (an && bn) return byName(a, b);
    }
    return sign * cmp(a, b) || byName(a, b);
  });
}
