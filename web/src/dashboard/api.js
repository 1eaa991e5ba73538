// The agent's HTTP API as the page reads it (docs/web.md). Every call resolves, never throws:
// {ok: true, body} or {ok: false, status, error} so a missing endpoint or field shows as "n/a"
// instead of breaking the page.

const TIMEOUT_MS = 5000;

export async function getJson(path) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const r = await fetch(path, { headers: { Accept: 'application/json' }, signal: ctl.signal,
      cache: 'no-store' });
    if (!r.ok) return { ok: false, status: r.status, error: `HTTP ${r.status}` };
    return { ok: true, body: await r.json() };
  } catch (e) {
    return { ok: false, status: 0, error: e?.name === 'AbortError' ? 'timed out' : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

export const api = {
  self: () => getJson('v1/self'),
  members: () => getJson('v1/members'),
  stats: () => getJson('v1/stats'),
  coordinate: (name) => getJson(`v1/coordinate?node=${encodeURIComponent(name)}`),
};
