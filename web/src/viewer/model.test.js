import { describe, expect, it } from 'vitest';
import { ClusterState, Timeline } from './model.js';
import { EventStore, K, S } from './store.js';
import { gossipTrace, membershipTrace, prng } from './testdata.js';

function load(lines) {
  const store = new EventStore(4);
  const tl = new Timeline(store);
  for (const e of lines) tl.ingest(e);
  return tl;
}

// The state at `pos`, replayed from a fresh timeline: the reference the undo path must match.
function replayed(lines, pos) {
  const tl = load(lines);
  const fresh = new Timeline(tl.store);
  fresh.moveTo(pos);
  return fresh.state.snapshot();
}

// Every derived count recomputed from the raw state.
function checkDerived(state) {
  const n = state.n;
  const gone = (y) => state.down[y] === 1 || state.leaving[y] === 1 ||
    (!state.leaveLines && state.leftSeen[y] > 0) || state.started[y] === 0;
  let live = 0;
  let informedLive = 0;
  for (let y = 0; y < n; y++) {
    if (!gone(y)) live++;
    if (state.informed[y] && !state.down[y]) informedLive++;
  }
  expect(state.live).toBe(live);
  expect(state.informedLive).toBe(informedLive);
  if (!state.views) return;
  let accurate = 0;
  for (let y = 0; y < n; y++) {
    let left = 0;
    for (let x = 0; x < n; x++) if (x !== y && state.status(x, y) === S.LEFT) left++;
    // a node's own entry never changes, so counting it or not is the same here
    expect(state.leftSeen[y]).toBe(left + (state.status(y, y) === S.LEFT ? 1 : 0));
  }
  for (let x = 0; x < n; x++) {
    let wrong = 0;
    for (let y = 0; y < n; y++) {
      if (y === x) continue;
      const s = state.status(x, y);
      wrong += gone(y) ? (s === S.ALIVE || s === S.SUSPECT ? 1 : 0) : (s === S.ALIVE ? 0 : 1);
    }
    expect(state.wrong[x]).toBe(wrong);
    if (wrong === 0 && !gone(x)) accurate++;
  }
  expect(state.accurate).toBe(accurate);
}

const traces = {
  gossip: gossipTrace(30, 11),
  heartbeat: membershipTrace(12, 5, { protocol: 'heartbeat', events: 600 }),
  swim: membershipTrace(9, 8, { protocol: 'swim', events: 600 }),
  'swim join': membershipTrace(10, 4, { protocol: 'swim', events: 600, start: 'join' }),
  'heartbeat with leave lines': membershipTrace(12, 6, { protocol: 'heartbeat', events: 600,
    lines: true }),
  'swim join with start and leave lines': membershipTrace(10, 9, { protocol: 'swim', events: 600,
    start: 'join', lines: true }),
};

describe('Timeline', () => {
  for (const [name, lines] of Object.entries(traces)) {
    it(`${name}: forward to the end then back to the start returns the initial state exactly`, () => {
      const tl = load(lines);
      expect(tl.pos).toBe(tl.length);
      const end = tl.state.snapshot();
      tl.seek(0);
      const initial = new Timeline(tl.store).state.snapshot();
      expect(tl.state.snapshot()).toEqual(initial);
      tl.seek(tl.length);
      expect(tl.state.snapshot()).toEqual(end);
      tl.seek(0);
      expect(tl.state.snapshot()).toEqual(initial);
    });

    it(`${name}: any position reached by apply/undo from anywhere equals a replay from the start`, () => {
      const tl = load(lines);
      const rnd = prng(42);
      for (let k = 0; k < 25; k++) {
        const target = Math.floor(rnd() * (tl.length + 1));
        tl.seek(target);
        expect(tl.pos).toBe(target);
        expect(tl.state.snapshot()).toEqual(replayed(lines, target));
        checkDerived(tl.state);
      }
    });

    it(`${name}: stepping one event at a time back and forth keeps the derived counts right`, () => {
      const tl = load(lines);
      tl.seek(0);
      checkDerived(tl.state);
      for (let i = 0; i < tl.length; i++) {
        tl.stepEvent(1);
        if (i % 7 === 0) checkDerived(tl.state);
      }
      checkDerived(tl.state);
      for (let i = 0; i < tl.length; i++) tl.stepEvent(-1);
      expect(tl.pos).toBe(0);
      checkDerived(tl.state);
    });
  }

  it('gossip: at the end every live node is informed, as the last round says', () => {
    const tl = load(traces.gossip);
    const st = tl.store;
    const last = st.roundIndex[st.roundIndex.length - 1];
    expect(tl.state.informedLive).toBe(st.d[last]);
    expect(tl.state.informedLive).toBe(tl.state.live);
    expect(tl.state.live).toBe(30);
  });

  it('gossip: the informed count after each round step equals that round event', () => {
    const tl = load(traces.gossip);
    tl.seek(0);
    const st = tl.store;
    for (const i of st.roundIndex) {
      tl.stepRound(1);
      expect(tl.pos).toBe(i + 1);
      expect(tl.state.informedLive).toBe(st.d[i]);
    }
    tl.stepRound(1);
    expect(tl.pos).toBe(tl.length);
    // and back, round by round, down to the start
    const visited = [];
    while (tl.pos > 0) visited.push(tl.stepRound(-1));
    expect(visited).toEqual([...st.roundIndex].reverse().slice(1).map((i) => i + 1).concat([0]));
  });

  it('a restart forgets the update and undoing it brings it back', () => {
    const tl = load(traces.gossip);
    const st = tl.store;
    let r = -1;
    for (let i = 0; i < st.length; i++) if (st.kind[i] === K.RESTART) r = i;
    expect(r).toBeGreaterThan(0);
    tl.seek(r);
    const node = st.a[r];
    expect(tl.state.down[node]).toBe(1);
    tl.stepEvent(1);
    expect(tl.state.down[node]).toBe(0);
    expect(tl.state.informed[node]).toBe(0);
    tl.stepEvent(-1);
    expect(tl.state.down[node]).toBe(1);
  });

  it('seekTime applies exactly the events at or before the time', () => {
    const tl = load(traces.gossip);
    tl.seekTime(2000.5);
    expect(tl.time).toBe(2000.5);
    const st = tl.store;
    for (let i = 0; i < tl.pos; i++) expect(st.t[i]).toBeLessThanOrEqual(2000.5);
    expect(st.t[tl.pos]).toBeGreaterThan(2000.5);
    tl.seekTime(-1);
    expect(tl.pos).toBe(0);
    tl.seekTime(1e12);
    expect(tl.pos).toBe(tl.length);
  });

  it('swim formed: everyone starts alive and accurate; a failed mark of a running member is wrong', () => {
    const lines = [
      { t: 0, ev: 'run', protocol: 'swim', nodes: 4, start: 'formed', seed: 1 },
      { t: 10, ev: 'crash', node: 3 },
      { t: 20, ev: 'status', node: 0, about: 3, status: 'suspect', inc: 0 },
      { t: 30, ev: 'status', node: 0, about: 3, status: 'failed', inc: 0 },
      { t: 31, ev: 'status', node: 1, about: 3, status: 'failed', inc: 0 },
      { t: 32, ev: 'status', node: 2, about: 1, status: 'suspect', inc: 0 },
      { t: 33, ev: 'status', node: 2, about: 3, status: 'failed', inc: 0 },
      { t: 34, ev: 'status', node: 2, about: 1, status: 'alive', inc: 1 },
    ];
    const tl = load(lines);
    tl.seek(0);
    expect(tl.state.accurate).toBe(4);
    expect(tl.state.live).toBe(4);
    tl.seek(1); // crash: nobody knows yet
    expect(tl.state.live).toBe(3);
    expect(tl.state.accurate).toBe(0);
    tl.seek(4);
    expect(tl.state.accurate).toBe(2);
    tl.seek(5); // node 2 suspects a running member
    expect(tl.state.accurate).toBe(2);
    tl.seek(6);
    expect(tl.state.accurate).toBe(2);
    tl.seek(7);
    expect(tl.state.accurate).toBe(3);
    expect(tl.state.inc(2, 1)).toBe(1);
    tl.seek(5);
    expect(tl.state.inc(2, 1)).toBe(0);
    expect(tl.state.status(2, 1)).toBe(S.SUSPECT);
  });

  it('a leave line stops its member at once: the accurate count equals every round line through the leave', () => {
    // As the simulator writes it: node 3 begins to leave at 2000 (after the round line at that
    // very time); the others hear of it one by one. Until they do their views hold a member that
    // no longer runs alive, so they are wrong, and the leaver's own view no longer counts.
    const joined = [];
    for (let x = 0; x < 4; x++) {
      for (let y = 0; y < 4; y++) if (x !== y) joined.push({ t: 0, ev: 'status', node: x, about: y, status: 'joined' });
    }
    const lines = [
      { t: 0, ev: 'run', protocol: 'heartbeat', nodes: 4 },
      ...joined,
      { t: 1000, ev: 'round', round: 1, informed: 4, messages: 12 },
      { t: 2000, ev: 'round', round: 2, informed: 4, messages: 12 },
      { t: 2000, ev: 'leave', node: 3 },
      { t: 2000, ev: 'send', from: 3, to: 0, type: 'syn', bytes: 40 },
      { t: 2500, ev: 'round', round: 3, informed: 0, messages: 12 },
      { t: 2600, ev: 'status', node: 0, about: 3, status: 'left' },
      { t: 2700, ev: 'status', node: 1, about: 3, status: 'left' },
      { t: 3000, ev: 'round', round: 4, informed: 2, messages: 12 },
      { t: 3200, ev: 'status', node: 2, about: 3, status: 'left' },
      { t: 4000, ev: 'round', round: 5, informed: 3, messages: 12 },
      { t: 4100, ev: 'status', node: 2, about: 3, status: 'alive' },
      { t: 5000, ev: 'round', round: 6, informed: 2, messages: 12 },
    ];
    const tl = load(lines);
    const st = tl.store;
    const check = () => {
      for (const i of st.roundIndex) {
        tl.seek(i + 1);
        expect(tl.state.accurate, `round ${st.c[i]}`).toBe(st.d[i]);
        expect(tl.state.live, `round ${st.c[i]}`).toBe(st.c[i] <= 2 ? 4 : 3);
      }
    };
    check();
    // and the same walking back, and from a fresh timeline over the loaded store
    for (const i of [...st.roundIndex].reverse()) {
      tl.seek(i + 1);
      expect(tl.state.accurate).toBe(st.d[i]);
    }
    const leave = st.roundIndex[1] + 1;
    expect(st.event(leave)).toEqual({ t: 2000, ev: 'leave', node: 3 });
    tl.seek(leave + 1);
    expect(tl.state.leaving[3]).toBe(1);
    expect(tl.state.departed(3)).toBe(true);
    tl.stepEvent(-1);
    expect(tl.state.leaving[3]).toBe(0);
    expect(tl.state.live).toBe(4);
    checkDerived(tl.state);
    const fresh = new Timeline(st);
    for (const i of st.roundIndex) {
      fresh.seek(i + 1);
      expect(fresh.state.accurate).toBe(st.d[i]);
    }
  });

  it('a restart after a leave runs the member again', () => {
    const lines = [
      { t: 0, ev: 'run', protocol: 'swim', nodes: 3, start: 'formed' },
      { t: 1, ev: 'leave', node: 2 },
      { t: 2, ev: 'status', node: 0, about: 2, status: 'left', inc: 1 },
      { t: 2, ev: 'status', node: 1, about: 2, status: 'left', inc: 1 },
      { t: 3, ev: 'crash', node: 2 },
      { t: 4, ev: 'restart', node: 2, gen: 2 },
    ];
    const tl = load(lines);
    expect(tl.state.leaving[2]).toBe(0);
    expect(tl.state.live).toBe(3);
    expect(tl.state.accurate).toBe(0); // 0 and 1 hold a running member left; 2 knows nobody
    checkDerived(tl.state);
    tl.stepEvent(-1);
    expect(tl.state.leaving[2]).toBe(1);
    expect(tl.state.live).toBe(2);
    expect(tl.state.accurate).toBe(2);
    checkDerived(tl.state);
  });

  it('swim join: a start line starts its member, and none is put in', () => {
    const lines = [
      { t: 0, ev: 'run', protocol: 'swim', nodes: 3, start: 'join' },
      { t: 0, ev: 'start', node: 0 },
      { t: 40, ev: 'start', node: 1 },
      { t: 50, ev: 'send', from: 1, to: 0, type: 'stream', bytes: 1, arrive: 51 },
      { t: 51, ev: 'status', node: 0, about: 1, status: 'joined', inc: 1 },
      { t: 52, ev: 'status', node: 1, about: 0, status: 'joined', inc: 1 },
    ];
    const tl = load(lines);
    const kinds = Array.from(tl.store.kind.subarray(0, tl.length));
    expect(kinds).toEqual([K.START, K.START, K.SEND, K.STATUS, K.STATUS]);
    expect(tl.state.live).toBe(2);
    expect(tl.state.accurate).toBe(2);
    tl.seek(2);
    expect(tl.state.live).toBe(2); // started at its line, before it acts
    expect(tl.state.accurate).toBe(0);
    tl.seek(1);
    expect(tl.state.accurate).toBe(1);
  });

  it('an older trace without leave lines: a member held as left by anyone has departed', () => {
    const lines = [
      { t: 0, ev: 'run', protocol: 'heartbeat', nodes: 3 },
      ...[[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1]].map(([x, y]) =>
        ({ t: 0, ev: 'status', node: x, about: y, status: 'joined' })),
      { t: 5, ev: 'status', node: 0, about: 2, status: 'left' },
      { t: 6, ev: 'status', node: 1, about: 2, status: 'left' },
    ];
    const tl = load(lines);
    expect(tl.state.live).toBe(2);
    expect(tl.state.accurate).toBe(2);
    tl.seek(7);
    expect(tl.state.live).toBe(2);
    expect(tl.state.accurate).toBe(1);
    tl.seek(6);
    expect(tl.state.live).toBe(3);
    expect(tl.state.accurate).toBe(3);
  });

  it('large clusters keep views sparsely with the same results', () => {
    const n = 2100; // above the dense limit
    const lines = [{ t: 0, ev: 'run', protocol: 'swim', nodes: n, start: 'formed' }];
    lines.push({ t: 1, ev: 'crash', node: 7 });
    for (let x = 0; x < n; x++) if (x !== 7) lines.push({ t: 2 + x, ev: 'status', node: x, about: 7, status: 'failed', inc: 0 });
    const tl = load(lines);
    expect(tl.state.views.constructor.name).toBe('SparseViews');
    expect(tl.state.accurate).toBe(n - 1);
    tl.seek(1);
    expect(tl.state.accurate).toBe(0);
    tl.seek(0);
    expect(tl.state.accurate).toBe(n);
    expect(tl.state.views.map.size).toBe(0);
  });

  it('swim join: a member runs from where it first acts (a start event is put there)', () => {
    const lines = [
      { t: 0, ev: 'run', protocol: 'swim', nodes: 3, start: 'join' },
      { t: 0, ev: 'send', from: 0, to: 0, type: 'ping', bytes: 1, arrive: 1 },
      { t: 50, ev: 'send', from: 1, to: 0, type: 'stream', bytes: 1, arrive: 51 },
      { t: 51, ev: 'status', node: 0, about: 1, status: 'joined', inc: 1 },
      { t: 52, ev: 'status', node: 1, about: 0, status: 'joined', inc: 1 },
    ];
    const tl = load(lines);
    const kinds = Array.from(tl.store.kind.subarray(0, tl.length));
    expect(kinds).toEqual([K.START, K.SEND, K.START, K.SEND, K.STATUS, K.STATUS]);
    expect(tl.state.live).toBe(2); // node 2 never started
    expect(tl.state.accurate).toBe(2);
    tl.seek(1);
    expect(tl.state.live).toBe(1);
    expect(tl.state.accurate).toBe(1); // alone, and knows nobody else running
    tl.seek(3);
    expect(tl.state.accurate).toBe(0); // both running, neither knows the other
    tl.seek(0);
    expect(tl.state.live).toBe(0);
  });

  it('a restarted member knows nobody; undoing the restart gives its view back', () => {
    const lines = [
      { t: 0, ev: 'run', protocol: 'swim', nodes: 3, start: 'formed' },
      { t: 1, ev: 'crash', node: 2 },
      { t: 2, ev: 'status', node: 0, about: 2, status: 'failed', inc: 1 },
      { t: 2, ev: 'status', node: 1, about: 2, status: 'failed', inc: 1 },
      { t: 3, ev: 'restart', node: 2, gen: 2 },
    ];
    const tl = load(lines);
    expect(tl.state.status(2, 0)).toBe(S.UNKNOWN);
    expect(tl.state.inc(2, 0)).toBe(-1);
    expect(tl.state.accurate).toBe(0); // 0 and 1 hold 2 failed; 2 knows nobody
    tl.stepEvent(-1);
    expect(tl.state.status(2, 0)).toBe(S.ALIVE);
    expect(tl.state.accurate).toBe(2);
    checkDerived(tl.state);
  });

  it('a ClusterState without views reports the initial status', () => {
    const s = new ClusterState(3);
    expect(s.status(0, 1)).toBe(S.UNKNOWN);
    expect(s.belief(1, 1)).toBe(S.ALIVE);
  });
});
