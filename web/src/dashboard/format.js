// How numbers, times and tags read on the page. Pure.

export const NA = 'n/a';

export function fmtRtt(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return NA;
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

// A compact number: 0, 0.42, 3.1, 12, 1.2k, 3.4M.
export function fmtNumber(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return NA;
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || Number.isInteger(v)) return String(Math.round(v));
  return v.toFixed(a >= 1 ? 1 : 2);
}

export function fmtBytes(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return NA;
  const a = Math.abs(v);
  if (a >= 1 << 30) return `${(v / 2 ** 30).toFixed(1)} GiB`;
  if (a >= 1 << 20) return `${(v / 2 ** 20).toFixed(1)} MiB`;
  if (a >= 1 << 10) return `${(v / 2 ** 10).toFixed(1)} KiB`;
  return `${Math.round(v)} B`;
}

// A value with its plot's unit: bytes per second get binary prefixes.
export function fmtValue(v, unit) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return NA;
  if (unit === 'B/s') return `${fmtBytes(v)}/s`;
  return `${fmtNumber(v)}${unit}`;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// Local wall-clock time of day with milliseconds, e.g. 14:03:27.512.
export function fmtClock(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return NA;
  const d = new Date(ms);
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${hms}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtIncarnation(v) {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : NA;
}
