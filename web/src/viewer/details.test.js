import { describe, expect, it } from 'vitest';
import { NodeIndexCache, nodeDetails, nodeEventIndex } from './details.js';
import { Timeline } from './model.js';
import { EventStore } from './store.js';
import { gossipTrace } from './testdata.js';

function load(lines) {
  const tl = new Timeline(new EventStore());
  for (const e of lines) tl.ingest(e);
  return tl;
}

const swimLines = [
  { t: 0, ev: 'run', protocol: 'swim', nodes: 4, start: 'formed', seed: 1 },
  { t: 5, ev: 'send', from: 0, to: 3, type: 'ping', bytes: 30, arrive: 6 },
  { t: 10, ev: 'crash', node: 3 },
  { t: 11, ev: 'send', from: 0, to: 3, type: 'ping', bytes: 30, arrive: 12 },
  { t: 11, ev: 'send', from: 1, to: 0, type: 'ping', bytes: 30, arrive: 13 },
  { t: 12, ev: 'drop', from: 0, to: 3, type: 'ping', why: 'crashed' },
  { t: 20, ev: 'status', node: 0, about: 3, status: 'suspect', inc: 0 },
  { t: 25, ev: 'status', node: 0, about: 2, status: 'suspect', inc: 1 },
  { t: 30, ev: 'status', node: 0, about: 3, status: 'failed', inc: 0 },
];

describe('nodeDetails', () => {
  it('indexes the events of one node', () => {
    const tl = load(swimLines);
    expect(Array.from(nodeEventIndex(tl.store, 0))).toEqual([0, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(nodeEventIndex(tl.store, 3))).toEqual([0, 1, 2, 4]);
    const cache = new NodeIndexCache(tl.store, 1);
    expect(cache.get(0)).toBe(cache.get(0));
    cache.get(1);
    expect(cache.map.size).toBe(1);
  });

  it('swim: member table, suspicions with their start, messages up to now', () => {
    const tl = load(swimLines);
    const idx = nodeEventIndex(tl.store, 0);
    tl.seekTime(26);
    let d = nodeDetails(tl, 0, idx);
    expect(d.members.map((m) => [m.member, m.status, m.inc])).toEqual(
      [[1, 'alive', -1], [2, 'suspect', 1], [3, 'suspect', 0]]);
    expect(d.suspects).toEqual([
      { member: 3, since: 20, inc: 0, for: 6, down: true },
      { member: 2, since: 25, inc: 1, for: 1, down: false }]);
    expect(d.sent.map((m) => m.t)).toEqual([11, 5]);
    expect(d.received).toEqual([{ t: 13, sent: 11, from: 1, type: 'ping', bytes: 30 }]);
    expect(d.dropped).toHaveLength(1);
    expect(d.counts).toMatchObject({ alive: 1, suspect: 2 });
    expect(d.accurate).toBe(false);
    // at t = 11.5 the ping from 1 is still in flight: not received yet
    tl.seekTime(11.5);
    d = nodeDetails(tl, 0, idx);
    expect(d.received).toEqual([]);
    expect(d.sent[0]).toMatchObject({ to: 3, inFlight: true });
    tl.seek(tl.length);
    d = nodeDetails(tl, 0, idx);
    expect(d.suspects.map((s) => s.member)).toEqual([2]);
    expect(d.changes[0]).toMatchObject({ about: 3, status: 'failed', was: 'suspect' });
  });

  it('gossip: what the node learned and from whom', () => {
    const tl = load(gossipTrace(20, 3));
    const st = tl.store;
    let learnAt = -1;
    for (let i = 0; i < st.length; i++) if (st.event(i).ev === 'learn') { learnAt = i; break; }
    const node = st.a[learnAt];
    const idx = nodeEventIndex(st, node);
    tl.seek(learnAt);
    expect(nodeDetails(tl, node, idx).learned).toEqual([]);
    expect(nodeDetails(tl, node, idx).informed).toBe(false);
    tl.seek(learnAt + 1);
    const d = nodeDetails(tl, node, idx);
    expect(d.informed).toBe(true);
    expect(d.learned).toEqual([{ t: st.t[learnAt], from: st.b[learnAt], via: 'ack' }]);
    expect(d.members).toBe(null);
  });
});
