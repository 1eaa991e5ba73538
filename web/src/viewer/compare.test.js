import { describe, expect, it } from 'vitest';
import { curves, runLabel, summarize, xAxisFor } from './compare.js';

const push = { id: 0, header: { protocol: 'gossip', mode: 'push', nodes: 4, seed: 1 },
  rounds: [{ t: 1999.999, round: 1, informed: 2, messages: 4 },
    { t: 2999.999, round: 2, informed: 3, messages: 4 },
    { t: 3999.999, round: 3, informed: 4, messages: 4 }] };
const pp = { id: 1, header: { protocol: 'gossip', mode: 'push-pull', nodes: 4, seed: 1 },
  rounds: [{ t: 1999.999, round: 1, informed: 3, messages: 12 },
    { t: 2999.999, round: 2, informed: 4, messages: 12 }] };
const swim = { id: 2, header: { protocol: 'swim', nodes: 5, seed: 1, lifeguard: 'on' },
  rounds: [{ t: 1000, round: 1, informed: 5, messages: 9 },
    { t: 2000, round: 2, informed: 0, messages: 9 },
    { t: 3000, round: 3, informed: 2, messages: 9 },
    { t: 4000, round: 4, informed: 4, messages: 9 },
    { t: 5000, round: 5, informed: 4, messages: 9 }] };

describe('summarize', () => {
  it('gossip: rounds to all informed and the messages sent', () => {
    expect(summarize(push)).toMatchObject({ metric: '3', value: 3, messages: 12, final: 4 });
    expect(summarize(pp)).toMatchObject({ metric: '2', value: 2, messages: 24 });
  });
  it('gossip that stops short says where', () => {
    const r = { ...push, rounds: push.rounds.slice(0, 2) };
    expect(summarize(r).metric).toBe('2 (3 reached)');
  });
  it('swim: time from which the count stays at its final value', () => {
    expect(summarize(swim)).toMatchObject({ metric: '4.00 s', value: 4,
      metricLabel: 'time to accurate view' });
    const flat = { ...swim, rounds: swim.rounds.map((r) => ({ ...r, informed: 5 })) };
    expect(summarize(flat).metric).toBe('accurate throughout');
  });
  it('labels', () => {
    expect(runLabel(pp)).toBe('#1 · push-pull · 4 nodes · seed 1');
    expect(runLabel(swim)).toBe('#2 · swim, lifeguard on · 5 nodes · seed 1');
  });
});

describe('curves', () => {
  it('aligns runs on one x axis with nulls where a run has no point', () => {
    expect(xAxisFor([push, pp])).toBe('round');
    const c = curves([push, pp]);
    expect(c.data).toEqual([[0, 1, 2, 3], [0.25, 0.5, 0.75, 1], [0.25, 0.75, 1, null]]);
  });
  it('mixing in swim switches to seconds', () => {
    expect(xAxisFor([push, swim])).toBe('time');
    const c = curves([push, swim]);
    expect(c.axis).toBe('time');
    expect(c.data[0]).toEqual([1, 1.999999, 2, 2.999999, 3, 3.999999, 4, 5]);
  });
});
