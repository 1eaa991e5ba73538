// The "Compare runs" panel: the runs to compare (ticked chips), their informed-fraction curves
// (ComparePlot) with a marker at the moment the timeline shows, and the table of results.
import { $, app, esc, fmtInt } from './app.js';
import { describeRun } from './args.js';
import { runLabel, runTitle, summarize } from './compare.js';
import { ComparePlot, RUN_COLOURS } from './plot.js';

const plot = new ComparePlot($('compare-plot'));

export const colourOf = (id) => RUN_COLOURS[id % RUN_COLOURS.length];
const changeOf = (run) => app.derived.get(run.id)?.change ?? null;

export function renderCompare() {
  const runs = app.index?.runs || [];
  $('compare-runs').innerHTML = runs.map((r) => {
    const d = changeOf(r);
    return `<label class="run-chip${app.compareIds.has(r.id) ? ' on' : ''}" title="${esc(runLabel(r))}">
      <input type="checkbox" data-run="${r.id}" ${app.compareIds.has(r.id) ? 'checked' : ''} />
      <span class="swatch" style="background:${colourOf(r.id)}"></span>
      <span class="rc-text"><b>#${r.id} ${esc(runTitle(r))}</b><span>${d ? esc(d) : `${fmtInt(r.header?.nodes ?? 0)} nodes · seed ${esc(r.header?.seed ?? '?')}`}${r.detail ? '' : ' · aggregate'}</span></span></label>`;
  }).join('');
  const chosen = runs.filter((r) => app.compareIds.has(r.id));
  plot.set(chosen, colourOf, (r) => `${runTitle(r)}${changeOf(r) ? ` (${changeOf(r)})` : ''}`);
  $('compare-sub').textContent = plot.axis === 'time'
    ? 'informed (gossip) or accurate-view (membership) fraction over time, from each run\'s interval counts'
    : 'informed fraction per round, from each run\'s round counts';
  renderTable(chosen);
  plot.setMarker(markerX());
}

function renderTable(chosen) {
  const sums = chosen.map((r) => ({ run: r, s: summarize(r) }));
  const labels = [...new Set(sums.map((x) => x.s.metricLabel))];
  const metricHead = labels.length === 1 ? labels[0] : 'result';
  $('compare-table').innerHTML = chosen.length ? `<thead><tr><th>run</th><th>settings</th><th class="num">${esc(metricHead)}</th><th class="num">messages</th><th class="num">final</th></tr></thead>
    <tbody>${sums.map(({ run, s }) => `<tr data-run="${run.id}"><td><span class="swatch" style="background:${colourOf(run.id)}"></span>#${run.id} ${esc(runTitle(run))}</td>
      <td class="muted">${esc(describeRun(run.header))}</td>
      <td class="num"><b>${esc(s.metric)}</b>${labels.length > 1 ? ` <span class="muted">${esc(s.metricLabel)}</span>` : ''}</td>
      <td class="num">${fmtInt(s.messages)}</td>
      <td class="num">${s.final === null ? '—' : `${fmtInt(s.final)} / ${fmtInt(s.nodes)}`}</td></tr>`).join('')}</tbody>` : '<tbody><tr><td class="muted">Tick runs above to compare them.</td></tr></tbody>';
}

// Moves the plot's marker to the moment shown, when the run shown is among those compared.
export function updateMarker() {
  plot.setMarker(markerX());
}

function markerX() {
  const tl = app.tl;
  if (!tl || !app.compareIds.has(app.loadedId)) return null;
  return plot.axis === 'round' ? tl.currentRound().closed : tl.time / 1000;
}

$('compare-runs').addEventListener('change', (e) => {
  const id = Number(e.target.dataset.run);
  if (e.target.checked) app.compareIds.add(id);
  else app.compareIds.delete(id);
  renderCompare();
});
