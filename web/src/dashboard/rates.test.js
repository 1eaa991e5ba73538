import { describe, expect, it } from 'vitest';
import { PLOTS, StatsHistory, counterRate, valueAt } from './rates.js';

const stats = (t, probes, extra = {}) => ({
  node: 'a', time_ms: t, awareness: 1,
  protocol: { probes, probe_acks: probes },
  net: { bytes_out: probes * 100 },
  ...extra,
});

describe('valueAt and counterRate', () => {
  it('reads numbers at a dotted path', () => {
    expect(valueAt({ a: { b: 3 } }, 'a.b')).toBe(3);
    expect(valueAt({ a: { b: 'x' } }, 'a.b')).toBeNull();
    expect(valueAt({ a: null }, 'a.b')).toBeNull();
    expect(valueAt(null, 'a')).toBeNull();
  });
  it('differences counters, refusing restarts and stopped clocks', () => {
    expect(counterRate(10, 30, 2)).toBe(10);
    expect(counterRate(30, 10, 2)).toBeNull();
    expect(counterRate(10, 30, 0)).toBeNull();
    expect(counterRate(null, 30, 1)).toBeNull();
  });
});

describe('StatsHistory', () => {
  it('turns counters into rates and keeps gauges', () => {
    const h = new StatsHistory();
    expect(h.push(stats(1000, 5))).toBe(true);
    expect(h.push(stats(2000, 8))).toBe(true);
    expect(h.push(stats(4000, 18))).toBe(true);
    const [t, probes, acks] = h.data('probes');
    expect(t).toEqual([1, 2, 4]);
    expect(probes).toEqual([null, 3, 5]);
    expect(acks).toEqual([null, 3, 5]);
    expect(h.data('awareness')[1]).toEqual([1, 1, 1]);
    expect(h.latest('bytes')).toEqual([500, null]);
    expect(h.hasData('bytes')).toBe(true);
    expect(h.hasData('queues')).toBe(false); // not reported: n/a
  });

  it('ignores a sample no newer than the last, and uses local time when none', () => {
    const h = new StatsHistory();
    h.push(stats(2000, 1));
    expect(h.push(stats(2000, 2))).toBe(false);
    expect(h.push({ protocol: { probes: 4 } }, 3000)).toBe(true);
    expect(h.data('probes')[1]).toEqual([null, 3]);
  });

  it('stays bounded', () => {
    const h = new StatsHistory(PLOTS, 5);
    for (let i = 1; i <= 20; i++) h.push(stats(i * 1000, i * 2));
    expect(h.length).toBe(5);
    for (const p of PLOTS) for (const col of h.data(p.id)) expect(col).toHaveLength(5);
    expect(h.data('probes')[0]).toEqual([16, 17, 18, 19, 20]);
    expect(h.data('probes')[1]).toEqual([2, 2, 2, 2, 2]);
  });
});
