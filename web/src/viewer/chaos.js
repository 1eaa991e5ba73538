// The re-run panel: the run's own arguments with changed flags (typed or from presets), a fault
// plan of crashes and partitions, and the re-run itself (POST /api/sim), whose new runs join the
// comparison; the server's error text is shown as it comes. The plan starts from the run's own
// faults (its header's `faults`, load.js), so re-running a re-run keeps them.
import { $, app, esc } from './app.js';
import { argsForRun, describeChange, formatNodeList, parseNodeList, simRequest, tokenize,
  withOverrides } from './args.js';
import { protocolOf } from './compare.js';
import { renderCompare } from './compare-view.js';
import { fetchJson, refreshRuns } from './runs.js';

function unitName() {
  return app.protocol === 'swim' ? 's' : 'rounds';
}

function baseArgs() {
  return argsForRun(app.run?.header);
}

function currentArgs() {
  return withOverrides(baseArgs(), tokenize($('overrides').value));
}

export function renderChaos() {
  const p = app.protocol ?? protocolOf(app.run?.header);
  $('rerun-args').textContent = currentArgs().join(' ');
  $('units').textContent = `times in ${p === 'swim' ? 'seconds' : 'rounds'}`;
  const presets = p === 'swim'
    ? ['--lifeguard off', '--lifeguard on', '--eager-gossip off', '--profile wan', '--loss 0.05']
    : p === 'heartbeat'
      ? ['--detector phi', '--loss 0.1', '--fanout 2']
      : ['--mode push', '--mode pull', '--mode push-pull', '--fanout 2', '--loss 0.1'];
  $('presets').innerHTML = presets.map((x) => `<button class="chip-btn" data-preset="${esc(x)}">${esc(x)}</button>`).join('');
  const items = [];
  app.plan.crashes.forEach((c, i) => items.push(`<li><span class="tag bad">crash</span> node ${c.node} at ${c.at}${c.restart !== undefined ? `, restart at ${c.restart}` : ''} <button class="x" data-del="c${i}" aria-label="remove">✕</button></li>`));
  app.plan.partitions.forEach((q, i) => items.push(`<li><span class="tag warn">partition</span> ${esc(q.groups.map(formatNodeList).join(' | '))} from ${q.start}${q.heal !== undefined ? ` to ${q.heal}` : ''}${q.one_way ? ' (one-way)' : ''} <button class="x" data-del="p${i}" aria-label="remove">✕</button></li>`));
  $('plan').innerHTML = items.join('');
  $('plan').hidden = !items.length;
}

function chaosStatus(text, kind = '') {
  const el = $('rerun-status');
  el.className = `rerun-status ${kind}`;
  el.innerHTML = text;
}

function numberOrUndefined(v) {
  return v === '' ? undefined : Number(v);
}

function addCrash() {
  const n = app.run?.header?.nodes ?? 0;
  const node = Number($('crash-node').value);
  const at = Number($('crash-at').value);
  const restart = numberOrUndefined($('crash-restart').value);
  if ($('crash-node').value === '' || !Number.isInteger(node) || node < 0 || node >= n) {
    chaosStatus(`Crash: pick a node in 0..${n - 1} (click one on the ring).`, 'error');
    return;
  }
  if ($('crash-at').value === '' || !(at >= 0)) {
    chaosStatus(`Crash: give the time it crashes at, in ${unitName()}.`, 'error');
    return;
  }
  if (restart !== undefined && !(restart > at)) {
    chaosStatus('Crash: the restart must come after the crash.', 'error');
    return;
  }
  app.plan.crashes.push({ node, at, ...(restart !== undefined ? { restart } : {}) });
  chaosStatus('');
  renderChaos();
}

function addPartition() {
  const n = app.run?.header?.nodes ?? 0;
  let a;
  let b;
  try {
    a = parseNodeList($('part-a').value, n);
    b = $('part-b').value.trim() ? parseNodeList($('part-b').value, n) : null;
  } catch (e) {
    chaosStatus(`Partition: ${esc(e.message)}.`, 'error');
    return;
  }
  if (!a.length) {
    chaosStatus('Partition: group A is empty (e.g. 0-9).', 'error');
    return;
  }
  if (!b) {
    const inA = new Set(a);
    b = [];
    for (let i = 0; i < n; i++) if (!inA.has(i)) b.push(i);
  }
  const start = Number($('part-start').value);
  const heal = numberOrUndefined($('part-heal').value);
  if ($('part-start').value === '' || !(start >= 0)) {
    chaosStatus(`Partition: give its start, in ${unitName()}.`, 'error');
    return;
  }
  if (heal !== undefined && !(heal > start)) {
    chaosStatus('Partition: it must heal after it starts.', 'error');
    return;
  }
  app.plan.partitions.push({ groups: [a, b], start, ...(heal !== undefined ? { heal } : {}) });
  chaosStatus('');
  renderChaos();
}

// Runs the simulation in the server; its runs are named by the change and added to the list and
// the comparison.
async function rerun() {
  const run = app.run;
  if (!run) return;
  const overrides = tokenize($('overrides').value);
  const args = currentArgs();
  const body = simRequest(args, app.plan);
  const btn = $('rerun');
  btn.disabled = true;
  chaosStatus('<span class="spinner"></span> Running the simulation in the server…', 'busy');
  try {
    const res = await fetchJson('api/sim', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const ids = res?.runs || [];
    const change = describeChange(overrides, app.plan);
    for (const id of ids) app.derived.set(id, { parent: run.id, change });
    await refreshRuns();
    app.compareIds.add(run.id);
    for (const i of ids) app.compareIds.add(i);
    renderCompare();
    chaosStatus(`Added run${ids.length > 1 ? 's' : ''} ${ids.map((i) => `#${i}`).join(', ')} (${esc(change)}). <a href="#compare" data-testid="see-compare">See the comparison ↓</a> or <a href="#" data-open="${ids[0]}">open it</a>.`, 'ok');
  } catch (e) {
    const code = e.status ? `${e.status}: ` : '';
    chaosStatus(`<b>Refused</b> ${esc(code)}${esc(e.message)}`, 'error');
  } finally {
    btn.disabled = false;
  }
}

$('overrides').addEventListener('input', () => {
  $('rerun-args').textContent = currentArgs().join(' ');
});
$('presets').addEventListener('click', (e) => {
  const v = e.target.closest('button')?.dataset.preset;
  if (!v) return;
  $('overrides').value = v;
  $('rerun-args').textContent = currentArgs().join(' ');
});
$('plan').addEventListener('click', (e) => {
  const del = e.target.closest('button')?.dataset.del;
  if (!del) return;
  const i = Number(del.slice(1));
  if (del[0] === 'c') app.plan.crashes.splice(i, 1);
  else app.plan.partitions.splice(i, 1);
  renderChaos();
});
$('crash-add').addEventListener('click', addCrash);
$('part-add').addEventListener('click', addPartition);
$('rerun').addEventListener('click', rerun);
