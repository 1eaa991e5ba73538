// A run's events in columns of typed arrays (one slot per event, in trace order), so a trace of
// millions of events costs a few tens of bytes each and no object per event.
//
// Columns (what each means depends on `kind`):
//   t      Float64  virtual time, ms
//   kind   Uint8    K.* below
//   a      Int32    node (write, learn, status, crash, restart, start, leave) or from (send,
//                   drop)
//   b      Int32    to (send, drop), about (status), from (learn), -1 otherwise
//   c      Int32    type code (send, drop), via code (learn), status code (status), round,
//                   partition index, restart generation
//   d      Int32    bytes (send), why code (drop), inc (status), informed (round),
//                   1 for a partition start / 0 for a heal, counter (learn, write)
//   x      Float64  arrive (send; NaN when the trace has none), messages (round),
//                   previous inc (status; -1: unknown)
//   prev   Int32    the value the event replaced (status: previous status code; learn, write:
//                   previous informed flag; crash: previous down flag; restart: down, informed
//                   started and leaving flags in bits 0, 1, 2, 3; start: previous started
//                   flag; leave: previous leaving flag), written by the model when it applies
//                   the event, so that stepping back is an undo
// and `saved`, the view a restarted node had (event index -> row), for the same reason.
// `start` (a member of a swim run with `start: join` starts) and `leave` (a member begins to
// leave) lines are in traces since they were added; for an older swim trace with `start: join`
// the model puts a `start` event where a member first acts (model.js), and `hasLeaves` tells
// whether the trace has any `leave` line (without one the model falls back on `left` statuses).
export const K = Object.freeze({
  WRITE: 1, SEND: 2, DROP: 3, LEARN: 4, STATUS: 5, CRASH: 6, RESTART: 7, PARTITION: 8,
  ROUND: 9, OTHER: 10, START: 11, LEAVE: 12,
});

const KIND_OF = {
  write: K.WRITE, send: K.SEND, drop: K.DROP, learn: K.LEARN, status: K.STATUS, crash: K.CRASH,
  restart: K.RESTART, partition: K.PARTITION, round: K.ROUND, start: K.START, leave: K.LEAVE,
};

// Member status codes in a node's view (heartbeat, swim). UNKNOWN: the node has not heard of
// the member (yet). `joined` and `alive` both mean alive.
export const S = Object.freeze({ UNKNOWN: 0, ALIVE: 1, SUSPECT: 2, FAILED: 3, LEFT: 4 });
export const STATUS_NAMES = ['unknown', 'alive', 'suspect', 'failed', 'left'];
const STATUS_OF = { joined: S.ALIVE, alive: S.ALIVE, suspect: S.SUSPECT, failed: S.FAILED,
  dead: S.FAILED, left: S.LEFT };

export function statusCode(name) {
  return STATUS_OF[name] ?? S.UNKNOWN;
}

// Strings interned to small integers (message types, drop reasons, learn's via).
class Interner {
  constructor() {
    this.names = [];
    this.codes = new Map();
  }
  code(name) {
    if (name === undefined || name === null) return -1;
    let c = this.codes.get(name);
    if (c === undefined) {
      c = this.names.length;
      this.names.push(name);
      this.codes.set(name, c);
    }
    return c;
  }
  name(code) {
    return code >= 0 ? this.names[code] : '';
  }
}

export class EventStore {
  // `capacity`: events expected (from /api/runs), so loading allocates once; it grows if more
  // come.
  constructor(capacity = 1024) {
    this.length = 0;
    this.strings = new Interner();
    this.header = null;
    this.roundIndex = [];   // indices of round events, ascending
    this.maxFlight = 0;     // the longest send -> arrive seen, ms
    this.crashes = [];      // [{node, t}] in order, for the default subject
    this.saved = new Map(); // restart event index -> the node's view before it
    this.hasLeaves = false; // a `leave` line has been pushed
    this.alloc(Math.max(16, capacity | 0));
  }

  alloc(n) {
    const old = this.t ? this : null;
    const grow = (Type, prev) => {
      const arr = new Type(n);
      if (prev) arr.set(prev.subarray(0, Math.min(prev.length, n)));
      return arr;
    };
    this.t = grow(Float64Array, old && old.t);
    this.kind = grow(Uint8Array, old && old.kind);
    this.a = grow(Int32Array, old && old.a);
    this.b = grow(Int32Array, old && old.b);
    this.c = grow(Int32Array, old && old.c);
    this.d = grow(Int32Array, old && old.d);
    this.x = grow(Float64Array, old && old.x);
    this.prev = grow(Int32Array, old && old.prev);
    this.capacity = n;
  }

  // Appends one parsed trace line; the `run` line becomes the header. Returns the event's index,
  // or -1 for the header.
  push(e) {
    if (e.ev === 'run') {
      this.header = e;
      return -1;
    }
    if (this.length === this.capacity) this.alloc(this.capacity * 2);
    const i = this.length++;
    const kind = KIND_OF[e.ev] ?? K.OTHER;
    this.t[i] = +e.t || 0;
    this.kind[i] = kind;
    let a = -1, b = -1, c = 0, d = 0, x = 0;
    switch (kind) {
      case K.WRITE:
        a = e.node; c = e.gen ?? 0; d = e.counter ?? 0;
        break;
      case K.SEND:
        a = e.from; b = e.to; c = this.strings.code(e.type); d = e.bytes ?? 0;
        x = e.arrive === undefined ? NaN : +e.arrive;
        if (x === x && x - this.t[i] > this.maxFlight) this.maxFlight = x - this.t[i];
        break;
      case K.DROP:
        a = e.from; b = e.to; c = this.strings.code(e.type); d = this.strings.code(e.why);
        break;
      case K.LEARN:
        a = e.node; b = e.from ?? -1; c = this.strings.code(e.via); d = e.counter ?? 0;
        break;
      case K.STATUS:
        a = e.node; b = e.about; c = statusCode(e.status); d = e.inc ?? -1;
        break;
      case K.START:
        a = e.node;
        break;
      case K.LEAVE:
        a = e.node;
        this.hasLeaves = true;
        break;
      case K.CRASH:
        a = e.node;
        this.crashes.push({ node: e.node, t: this.t[i] });
        break;
      case K.RESTART:
        a = e.node; c = e.gen ?? 0;
        break;
      case K.PARTITION:
        c = e.index ?? 0; d = e.state === 'start' ? 1 : 0;
        break;
      case K.ROUND:
        c = e.round ?? 0; d = e.informed ?? 0; x = e.messages ?? 0;
        this.roundIndex.push(i);
        break;
      default:
        break;
    }
    this.a[i] = a;
    this.b[i] = b;
    this.c[i] = c;
    this.d[i] = d;
    this.x[i] = x;
    this.prev[i] = 0;
    return i;
  }

  // Index of the first event with t > time (so events [0, result) happened by `time`).
  upperBound(time, lo = 0, hi = this.length) {
    const t = this.t;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid] <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Index of the first event with t >= time.
  lowerBound(time, lo = 0, hi = this.length) {
    const t = this.t;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid] < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  typeName(i) {
    return this.strings.name(this.c[i]);
  }

  // The event as a plain object again (for the details panel and tests).
  event(i) {
    const k = this.kind[i];
    const t = this.t[i];
    switch (k) {
      case K.WRITE: return { t, ev: 'write', node: this.a[i], gen: this.c[i], counter: this.d[i] };
      case K.SEND: {
        const o = { t, ev: 'send', from: this.a[i], to: this.b[i], type: this.typeName(i),
          bytes: this.d[i] };
        if (this.x[i] === this.x[i]) o.arrive = this.x[i];
        return o;
      }
      case K.DROP: return { t, ev: 'drop', from: this.a[i], to: this.b[i], type: this.typeName(i),
        why: this.strings.name(this.d[i]) };
      case K.LEARN: return { t, ev: 'learn', node: this.a[i], from: this.b[i],
        via: this.typeName(i), counter: this.d[i] };
      case K.STATUS: return { t, ev: 'status', node: this.a[i], about: this.b[i],
        status: STATUS_NAMES[this.c[i]], inc: this.d[i] };
      case K.CRASH: return { t, ev: 'crash', node: this.a[i] };
      case K.RESTART: return { t, ev: 'restart', node: this.a[i], gen: this.c[i] };
      case K.START: return { t, ev: 'start', node: this.a[i] };
      case K.LEAVE: return { t, ev: 'leave', node: this.a[i] };
      case K.PARTITION: return { t, ev: 'partition', state: this.d[i] ? 'start' : 'heal',
        index: this.c[i] };
      case K.ROUND: return { t, ev: 'round', round: this.c[i], informed: this.d[i],
        messages: this.x[i] };
      default: return { t, ev: 'other' };
    }
  }
}
