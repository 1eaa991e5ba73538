// The server's list of runs (GET /api/runs): fetching it into app.index, filling the run picker,
// and finding a run by id; fetchJson is the JSON call every request to the server goes through.
import { $, app } from './app.js';
import { runLabel } from './compare.js';

// Fetches `url` and parses its JSON body; a failed request throws an Error carrying the server's
// {"error": ...} text (or the status line) and the HTTP status.
export async function fetchJson(url, init) {
  const r = await fetch(url, init);
  const text = await r.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!r.ok) {
    const msg = body?.error || text || `${r.status} ${r.statusText}`;
    const e = new Error(msg);
    e.status = r.status;
    throw e;
  }
  return body;
}

export async function refreshRuns() {
  app.index = await fetchJson('api/runs');
  const sel = $('run-select');
  const keep = sel.value;
  sel.replaceChildren(...app.index.runs.map((r) => {
    const o = document.createElement('option');
    o.value = String(r.id);
    const d = app.derived.get(r.id);
    o.textContent = `${runLabel(r)}${d ? ` — ${d.change}` : ''}${r.detail ? '' : ' (aggregate)'}`;
    return o;
  }));
  if (keep !== '') sel.value = keep;
  $('source').textContent = app.index.source ? app.index.source : '';
  $('source').title = app.index.source || '';
}

export function runById(id) {
  return app.index?.runs.find((r) => r.id === id) || null;
}
