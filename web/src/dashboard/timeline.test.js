import { describe, expect, it } from 'vitest';
import { Timeline, describeEvent } from './timeline.js';
import { backoffDelay } from './backoff.js';
import { Pulses, dotRadius, ringLayout } from './ring-model.js';
import { fmtBytes, fmtNumber, fmtRtt, fmtValue } from './format.js';

describe('describeEvent', () => {
  it('reads member, user and query events', () => {
    const t = '2025-11-22T10:00:00.000Z';
    expect(describeEvent('member-failed', { time: t, member: { name: 'c', status: 'failed',
      address: '1.2.3.4:5' } })).toEqual({ time: Date.parse(t), type: 'member-failed',
      kind: 'member', name: 'c', status: 'failed', detail: '1.2.3.4:5' });
    expect(describeEvent('user', { time: t, name: 'deploy', ltime: 4, payload: 'v1.2' }))
      .toMatchObject({ kind: 'user', name: 'deploy', detail: 'ltime 4 · v1.2' });
    expect(describeEvent('query', { name: 'load', from: 'b', ltime: 3, payload: '' }).detail)
      .toBe('from b · ltime 3');
    const q = describeEvent('query', { name: 'uptime', payload: 'x'.repeat(200) }, 42);
    expect(q).toMatchObject({ kind: 'query', name: 'uptime', time: 42 });
    expect(q.detail.length).toBeLessThan(100);
    expect(describeEvent('member-join', null, 7)).toMatchObject({ name: '', time: 7 });
  });
});

describe('Timeline', () => {
  it('keeps the newest first and at most limit entries', () => {
    const tl = new Timeline(3);
    const dropped = [];
    for (let i = 0; i < 5; i++) {
      dropped.push(...tl.add({ kind: 'member', type: 'member-join', name: `n${i}`, time: i }));
    }
    expect(tl.entries.map((e) => e.name)).toEqual(['n4', 'n3', 'n2']);
    expect(dropped.map((e) => e.name)).toEqual(['n0', 'n1']);
    expect(new Set(tl.entries.map((e) => e.id)).size).toBe(3);
    expect(tl.about('n3')).toHaveLength(1);
    expect(tl.about('n0')).toHaveLength(0);
  });
});

describe('backoffDelay', () => {
  it('grows and is capped', () => {
    const d = (n) => backoffDelay(n, { random: () => 0 });
    expect([0, 1, 2, 3].map(d)).toEqual([500, 1000, 2000, 4000]);
    expect(d(10)).toBe(15000);
    expect(d(1000)).toBe(15000);
    expect(backoffDelay(0, { random: () => 1 })).toBe(600);
    expect(backoffDelay(30, { random: () => 1 })).toBe(15000);
  });
});

describe('ring model', () => {
  it('places members in name order from the top, clockwise', () => {
    const pts = ringLayout([{ name: 'c' }, { name: 'a' }, { name: 'b' }, { name: 'd' }], 10);
    expect(pts.map((p) => p.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(pts[0].x).toBeCloseTo(0);
    expect(pts[0].y).toBeCloseTo(-10);
    expect(pts[1].x).toBeCloseTo(10);
    expect(pts[2].y).toBeCloseTo(10);
    expect(ringLayout([], 10)).toEqual([]);
  });
  it('shrinks dots as members crowd the ring', () => {
    expect(dotRadius(3, 200)).toBe(10);
    expect(dotRadius(100, 200)).toBeCloseTo(4.4, 1);
    expect(dotRadius(100000, 200)).toBe(1.5);
  });
  it('runs pulses for their time, bounded', () => {
    const p = new Pulses(2);
    expect(p.add('a', 'member-failed', 0)).toBe(true);
    expect(p.add('a', 'user', 0)).toBe(false);
    p.add('b', 'member-suspect', 0);
    p.add('c', 'member-join', 0);
    expect(p.size).toBe(2);
    expect(p.active(1300).map((x) => x.name)).toEqual(['b']);
    expect(p.active(1300)[0].progress).toBeCloseTo(1300 / 1800);
    expect(p.active(5000)).toEqual([]);
  });
});

describe('format', () => {
  it('writes numbers for people', () => {
    expect(fmtRtt(null)).toBe('n/a');
    expect(fmtRtt(0.123)).toBe('0.12 ms');
    expect(fmtRtt(12.34)).toBe('12.3 ms');
    expect(fmtNumber(3)).toBe('3');
    expect(fmtNumber(2.5)).toBe('2.5');
    expect(fmtNumber(0.25)).toBe('0.25');
    expect(fmtNumber(1500)).toBe('1.5k');
    expect(fmtBytes(2048)).toBe('2.0 KiB');
    expect(fmtValue(2048, 'B/s')).toBe('2.0 KiB/s');
    expect(fmtValue(4, '/s')).toBe('4/s');
    expect(fmtValue(undefined, '/s')).toBe('n/a');
  });
});
