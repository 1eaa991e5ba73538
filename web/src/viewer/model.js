// The cluster's state at one position of a run, and the timeline that moves that position.
//
// Position `pos` counts the events applied: 0 is the run's start, store.length its end. Every
// state-changing event keeps the value it replaced (store.prev, store.x), written when the event
// is applied, so moving back is an undo of the same events in reverse and any position is
// reached by applying or undoing from the current one: no snapshots, no replay from the start.
// Derived counts (live, informed, accurate views) are functions of the state and are updated by
// the same code in both directions, so they cannot drift.
import { K, S } from './store.js';

// Up to this many nodes a node's view of every member lives in two n*n typed arrays
// (status and incarnation: 20 MB at 2,048); above it, in a Map holding only the pairs a trace
// mentions. An incarnation no event has told is -1 (unknown: a `formed` swim run starts with
// every member alive and says nothing of incarnations).
const DENSE_VIEW_LIMIT = 2048;

class DenseViews {
  constructor(n) {
    this.n = n;
    this.status = new Uint8Array(n * n);
    this.inc = new Uint32Array(n * n);
  }
  fill(status) {
    this.status.fill(status);
  }
  getStatus(x, y) {
    return this.status[x * this.n + y];
  }
  getInc(x, y) {
    return this.inc[x * this.n + y] - 1;
  }
  set(x, y, s, inc) {
    const k = x * this.n + y;
    this.status[k] = s;
    this.inc[k] = inc + 1;
  }
}

class SparseViews {
  constructor(n) {
    this.n = n;
    this.def = S.UNKNOWN;
    this.map = new Map(); // x*n+y -> (inc + 1) * 8 + status
  }
  fill(status) {
    this.def = status;
    this.map.clear();
  }
  getStatus(x, y) {
    const v = this.map.get(x * this.n + y);
    return v === undefined ? this.def : v % 8;
  }
  getInc(x, y) {
    const v = this.map.get(x * this.n + y);
    return v === undefined ? -1 : Math.floor(v / 8) - 1;
  }
  set(x, y, s, inc) {
    const k = x * this.n + y;
    if (s === this.def && inc === -1) this.map.delete(k);
    else this.map.set(k, (inc + 1) * 8 + s);
  }
}

// Whether `s` (what a node believes about a member) is wrong, given whether the member is gone
// (crashed, leaving or left, or not started yet) or running. The simulator's definition of an accurate
// view (docs/simulator.md, "Trace format"): every other running member alive (suspect or not
// known is wrong), and no member that is not running alive or suspect.
function wrongAbout(s, gone) {
  return gone ? (s === S.ALIVE || s === S.SUSPECT ? 1 : 0) : (s === S.ALIVE ? 0 : 1);
}

export class ClusterState {
  // formed: swim's `start: formed` (every member starts alive in every view, and no event says
  // so); joinStart: swim's `start: join` (members start one by one: not running until then).
  // leaveLines: the trace has `leave` lines, which say when a member begins to leave; without
  // them (older traces) a member counts as departed once some view holds it left.
  constructor(n, { formed = false, joinStart = false, leaveLines = false } = {}) {
    this.n = n;
    this.initialStatus = formed ? S.ALIVE : S.UNKNOWN;
    this.informed = new Uint8Array(n);
    this.down = new Uint8Array(n);
    this.started = new Uint8Array(n).fill(joinStart ? 0 : 1);
    this.leaving = new Uint8Array(n); // began to leave (a `leave` line), until a restart
    this.leftSeen = new Int32Array(n); // views that hold the member as left
    this.leaveLines = leaveLines;
    this.partitions = new Map(); // index -> 1 while in effect
    this.informedLive = 0;
    this.live = joinStart ? 0 : n;
    this.views = null; // created by the first status event
    this.wrong = null; // per node: members its view has wrong
    this.accurate = 0; // live nodes whose view is accurate
  }

  // Views are created on first use (a gossip run has none).
  ensureViews() {
    if (this.views) return;
    const n = this.n;
    this.views = n <= DENSE_VIEW_LIMIT ? new DenseViews(n) : new SparseViews(n);
    this.views.fill(this.initialStatus);
    this.wrong = new Int32Array(n);
    // Every view holds the initial status for every member; members already gone count with
    // the current truth.
    let gone = 0;
    for (let y = 0; y < n; y++) gone += this.isGone(y) ? 1 : 0;
    const init = this.initialStatus;
    this.accurate = 0;
    for (let x = 0; x < n; x++) {
      const goneOthers = gone - (this.isGone(x) ? 1 : 0);
      const w = (n - 1 - goneOthers) * wrongAbout(init, false) + goneOthers * wrongAbout(init, true);
      this.wrong[x] = w;
      if (w === 0 && !this.isGone(x)) this.accurate++;
    }
  }

  // Whether `y` has left or is leaving: from its `leave` line on, or (an older trace without
  // them) while some view holds it left.
  departed(y) {
    return this.leaving[y] === 1 || (!this.leaveLines && this.leftSeen[y] > 0);
  }

  isGone(y) {
    return this.down[y] === 1 || this.departed(y) || this.started[y] === 0;
  }

  // The trace turns out to have `leave` lines: from now on they alone say who departed. A
  // property of the trace, not of a position, so it is never undone; in a trace written so,
  // every `left` status follows its member's `leave` line, so nothing counted changes here.
  useLeaveLines() {
    if (this.leaveLines) return;
    const seen = this.leftSeen.slice();
    for (let y = 0; y < this.n; y++) {
      if (seen[y] > 0) this.changeGone(y, () => { this.leftSeen[y] = 0; });
    }
    this.leaveLines = true;
    this.leftSeen.set(seen);
  }

  status(x, y) {
    return this.views ? this.views.getStatus(x, y) : this.initialStatus;
  }

  inc(x, y) {
    return this.views ? this.views.getInc(x, y) : -1;
  }

  addWrong(x, delta) {
    if (delta === 0) return;
    const was = this.wrong[x] === 0;
    this.wrong[x] += delta;
    const is = this.wrong[x] === 0;
    if (was !== is && !this.isGone(x)) this.accurate += is ? 1 : -1;
  }

  // Runs `change` (which flips whether `y` is gone) and keeps live, informedLive, wrong and
  // accurate in step.
  changeGone(y, change) {
    const before = this.isGone(y);
    const downBefore = this.down[y];
    change();
    const after = this.isGone(y);
    if (this.down[y] !== downBefore && this.informed[y]) {
      this.informedLive += this.down[y] ? -1 : 1;
    }
    if (before === after) return;
    this.live += after ? -1 : 1;
    if (!this.views) return;
    if (this.wrong[y] === 0) this.accurate += after ? -1 : 1;
    const v = this.views;
    for (let x = 0; x < this.n; x++) {
      if (x === y) continue;
      const s = v.getStatus(x, y);
      this.addWrong(x, wrongAbout(s, after) - wrongAbout(s, before));
    }
  }

  setDown(y, value) {
    if (this.down[y] === value) return;
    this.changeGone(y, () => {
      this.down[y] = value;
    });
  }

  setStarted(y, value) {
    if (this.started[y] === value) return;
    this.changeGone(y, () => {
      this.started[y] = value;
    });
  }

  setLeaving(y, value) {
    if (this.leaving[y] === value) return;
    this.changeGone(y, () => {
      this.leaving[y] = value;
    });
  }

  setInformed(y, value) {
    if (this.informed[y] === value) return;
    this.informed[y] = value;
    if (!this.down[y]) this.informedLive += value ? 1 : -1;
  }

  setStatus(x, y, s, inc) {
    this.ensureViews();
    const old = this.views.getStatus(x, y);
    if (old === s) {
      this.views.set(x, y, s, inc);
      return;
    }
    if (x !== y) this.addWrong(x, wrongAbout(s, this.isGone(y)) - wrongAbout(old, this.isGone(y)));
    this.views.set(x, y, s, inc);
    if (old === S.LEFT) this.changeGone(y, () => { this.leftSeen[y]--; });
    if (s === S.LEFT) this.changeGone(y, () => { this.leftSeen[y]++; });
  }

  // Node x's view as two arrays (status, inc) over every member.
  saveRow(x) {
    const status = new Uint8Array(this.n);
    const inc = new Int32Array(this.n);
    for (let y = 0; y < this.n; y++) {
      status[y] = this.status(x, y);
      inc[y] = this.inc(x, y);
    }
    return { status, inc };
  }

  // Sets node x's view to `row` (saveRow's), or to knowing nobody when row is null.
  setRow(x, row) {
    for (let y = 0; y < this.n; y++) {
      if (y === x) continue;
      if (row) this.setStatus(x, y, row.status[y], row.inc[y]);
      else this.setStatus(x, y, S.UNKNOWN, -1);
    }
  }

  // What `x` believes about `y`, with the member's own entry shown as alive (a node does not
  // keep a status for itself).
  belief(x, y) {
    if (x === y) return S.ALIVE;
    return this.status(x, y);
  }

  // A copy of everything that defines the state, for tests.
  snapshot() {
    const o = {
      informed: Array.from(this.informed),
      down: Array.from(this.down),
      started: Array.from(this.started),
      leaving: Array.from(this.leaving),
      leftSeen: Array.from(this.leftSeen),
      partitions: [...this.partitions.entries()].filter(([, v]) => v).map(([k]) => k).sort(),
      informedLive: this.informedLive,
      live: this.live,
      accurate: this.views ? this.accurate : null,
      wrong: this.wrong ? Array.from(this.wrong) : null,
    };
    if (this.views) {
      const st = [];
      const inc = [];
      for (let x = 0; x < this.n; x++) {
        for (let y = 0; y < this.n; y++) {
          st.push(this.views.getStatus(x, y));
          inc.push(this.views.getInc(x, y));
        }
      }
      o.status = st;
      o.inc = inc;
    }
    return o;
  }
}

// The state at a position of a store, moved by applying and undoing events.
export class Timeline {
  constructor(store, options = {}) {
    this.store = store;
    this.options = options;
    this.state = null;
    this.pos = 0;
    this.time = 0;
    if (store.header) this.reset();
  }

  // (Re)creates the state at position 0 once the header is known.
  reset() {
    const h = this.store.header || {};
    const n = this.options.nodes ?? h.nodes ?? 0;
    this.joinStart = h.protocol === 'swim' && h.start === 'join';
    this.state = new ClusterState(n, {
      formed: h.protocol === 'swim' && (h.start ?? 'formed') === 'formed',
      joinStart: this.joinStart,
      leaveLines: this.store.hasLeaves,
    });
    this.seen = this.joinStart ? new Uint8Array(n) : null;
    if (h.protocol === 'heartbeat' || h.protocol === 'swim') this.state.ensureViews();
    this.pos = 0;
    this.time = this.startTime();
  }

  startTime() {
    return 0;
  }

  get length() {
    return this.store.length;
  }

  // Appends a parsed trace line while the timeline stands at the end (loading): the event is
  // applied at once, which records what it replaces.
  // A swim run with `start: join` writes a `start` line where a member starts, before anything
  // it does. An older trace does not: there a member starts where it first acts (sends, or
  // changes its view), and a `start` event is put there.
  ingest(e) {
    if (e.ev === 'run') {
      this.store.push(e);
      this.reset();
      return;
    }
    if (!this.state) this.reset();
    if (this.seen) {
      const actor = e.ev === 'send' || e.ev === 'drop' ? e.from
        : e.ev === 'status' || e.ev === 'start' || e.ev === 'restart' ? e.node : -1;
      if (actor >= 0 && actor < this.seen.length && !this.seen[actor]) {
        this.seen[actor] = 1;
        if (e.ev !== 'start' && e.ev !== 'restart') this.append({ t: e.t, ev: 'start', node: actor });
      }
    }
    this.append(e);
  }

  append(e) {
    const i = this.store.push(e);
    if (this.store.hasLeaves) this.state.useLeaveLines();
    if (this.pos === i) {
      this.apply(i);
      this.pos = i + 1;
      this.time = this.store.t[i];
    }
  }

  apply(i) {
    const st = this.store;
    const s = this.state;
    const a = st.a[i];
    switch (st.kind[i]) {
      case K.WRITE:
      case K.LEARN:
        st.prev[i] = s.informed[a];
        s.setInformed(a, 1);
        break;
      case K.STATUS:
        s.ensureViews();
        st.prev[i] = s.views.getStatus(a, st.b[i]);
        st.x[i] = s.views.getInc(a, st.b[i]);
        s.setStatus(a, st.b[i], st.c[i], st.d[i]);
        break;
      case K.CRASH:
        st.prev[i] = s.down[a];
        s.setDown(a, 1);
        break;
      case K.RESTART:
        // A restarted node comes back empty: gossip, it must learn the update again; membership,
        // it knows nobody (its old view is kept to undo this).
        st.prev[i] = s.down[a] | (s.informed[a] << 1) | (s.started[a] << 2) | (s.leaving[a] << 3);
        if (s.views) {
          st.saved.set(i, s.saveRow(a));
          s.setRow(a, null);
        }
        s.setStarted(a, 1);
        s.setLeaving(a, 0);
        s.setDown(a, 0);
        s.setInformed(a, 0);
        break;
      case K.START:
        st.prev[i] = s.started[a];
        s.setStarted(a, 1);
        break;
      case K.LEAVE:
        st.prev[i] = s.leaving[a];
        s.setLeaving(a, 1);
        break;
      case K.PARTITION:
        st.prev[i] = s.partitions.get(st.c[i]) ?? 0;
        s.partitions.set(st.c[i], st.d[i]);
        break;
      default:
        break;
    }
  }

  undo(i) {
    const st = this.store;
    const s = this.state;
    const a = st.a[i];
    switch (st.kind[i]) {
      case K.WRITE:
      case K.LEARN:
        s.setInformed(a, st.prev[i]);
        break;
      case K.STATUS:
        s.setStatus(a, st.b[i], st.prev[i], st.x[i]);
        break;
      case K.CRASH:
        s.setDown(a, st.prev[i]);
        break;
      case K.RESTART:
        s.setInformed(a, (st.prev[i] >> 1) & 1);
        s.setDown(a, st.prev[i] & 1);
        s.setStarted(a, (st.prev[i] >> 2) & 1);
        s.setLeaving(a, (st.prev[i] >> 3) & 1);
        if (st.saved.has(i)) s.setRow(a, st.saved.get(i));
        break;
      case K.START:
        s.setStarted(a, st.prev[i]);
        break;
      case K.LEAVE:
        s.setLeaving(a, st.prev[i]);
        break;
      case K.PARTITION:
        s.partitions.set(st.c[i], st.prev[i]);
        break;
      default:
        break;
    }
  }

  // Moves to position `target` (clamped to 0..length); the moment shown becomes the time of the
  // last event applied.
  seek(target) {
    this.moveTo(target);
    this.time = this.pos > 0 ? this.store.t[this.pos - 1] : this.startTime();
    return this.pos;
  }

  moveTo(target) {
    target = Math.max(0, Math.min(this.store.length, Math.floor(target)));
    while (this.pos < target) this.apply(this.pos++);
    while (this.pos > target) this.undo(--this.pos);
  }

  // Moves to virtual time `time`: every event with t <= time applied, none after.
  seekTime(time) {
    this.moveTo(this.store.upperBound(time));
    this.time = time;
    return this.pos;
  }

  stepEvent(dir) {
    return this.seek(this.pos + (dir < 0 ? -1 : 1));
  }

  // Forward: to just after the next round event; back: to just after the previous one (the
  // start if there is none). A round event closes its round, so the positions a round step
  // visits are the ends of rounds.
  stepRound(dir) {
    const r = this.store.roundIndex;
    if (dir > 0) {
      // first round event at index >= pos
      let lo = 0, hi = r.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (r[mid] < this.pos) lo = mid + 1;
        else hi = mid;
      }
      return this.seek(lo < r.length ? r[lo] + 1 : this.store.length);
    }
    // last round event at index <= pos - 2
    let lo = 0, hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (r[mid] <= this.pos - 2) lo = mid + 1;
      else hi = mid;
    }
    return this.seek(lo > 0 ? r[lo - 1] + 1 : 0);
  }

  // The round the current position is in: rounds closed so far + 1 (capped at the last).
  currentRound() {
    const r = this.store.roundIndex;
    let lo = 0, hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (r[mid] < this.pos) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return { closed: 0, last: null };
    const i = r[lo - 1];
    return { closed: this.store.c[i], last: i };
  }
}
