// Reconnect delays for the event stream: exponential from `baseMs`, capped at `maxMs`, with up
// to `jitter` (a fraction) added so many pages do not retry in step. Pure.

export function backoffDelay(attempt, { baseMs = 500, maxMs = 15000, jitter = 0.2,
  random = Math.random } = {}) {
  const n = Math.max(0, Math.min(attempt, 30));
  const d = Math.min(maxMs, baseMs * 2 ** n);
  return Math.round(Math.min(maxMs, d * (1 + jitter * random())));
}
