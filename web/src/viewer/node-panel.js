// The node under the pointer and the node picked: the hover tooltip, and the details panel (what
// the picked node knows at the moment shown, from details.js), with its "Set as subject" button.
import { $, app, esc, fmtInt, requestFrame, t3 } from './app.js';
import { fmtSeconds } from './compare.js';
import { nodeDetails } from './details.js';
import { STATUS_NAMES } from './store.js';

export function pick(node) {
  if (!app.tl) return;
  app.selected = node;
  if (node !== null) $('crash-node').value = String(node);
  renderDetails(true);
  requestFrame();
}

export function hover(node, x, y) {
  const tip = $('hover');
  app.hovered = node === null ? null : { node, x, y };
  if (node === null || !app.tl) {
    tip.hidden = true;
    $('graph').style.cursor = '';
    return;
  }
  $('graph').style.cursor = 'pointer';
  const st = app.tl.state;
  const bits = [`<b>node ${node}</b>`];
  bits.push(st.down[node] ? '<span class="bad">crashed</span>' : 'running');
  if (app.protocol === 'gossip') bits.push(st.informed[node] ? 'informed' : 'not informed');
  else {
    if (app.subject !== null && node !== app.subject) bits.push(`sees ${app.subject} as ${STATUS_NAMES[st.status(node, app.subject)]}`);
    if (st.wrong) bits.push(st.wrong[node] === 0 ? 'view accurate' : `${st.wrong[node]} wrong in view`);
  }
  tip.innerHTML = bits.join(' · ');
  const wrap = $('graph').getBoundingClientRect();
  tip.hidden = false;
  const w = tip.offsetWidth;
  const left = x - wrap.left + 14 + w > wrap.width - 8 ? x - wrap.left - 14 - w : x - wrap.left + 14;
  tip.style.left = `${Math.max(4, left)}px`;
  tip.style.top = `${y - wrap.top + 12}px`;
}

// Redraws the details panel; unless `force`, only when the position or the node has changed.
export function renderDetails(force) {
  const body = $('details-body');
  const sub = $('details-sub');
  const tl = app.tl;
  const node = app.selected;
  if (node === null || !tl) {
    sub.textContent = 'click a node on the ring';
    body.innerHTML = '<p class="empty">Click a node to see, at the moment shown, what it knows: its member table, whom it suspects, and the messages it sent and received.</p>';
    $('details').dataset.node = '';
    return;
  }
  if (!force && app.detailsAt === tl.pos && $('details').dataset.node === String(node)) return;
  app.detailsAt = tl.pos;
  app.detailsDrawn = performance.now();
  const d = nodeDetails(tl, node, app.nodeIdx.get(node), { limit: 10 });
  $('details').dataset.node = String(node);
  sub.textContent = `at ${t3(tl.time)} s`;
  const h = [titleHtml(node, d)];
  if (d.members) h.push(membersHtml(node, d));
  else h.push(learnedHtml(d));
  h.push(`<div class="two"><div><h3>Sent</h3>${msgTable(d.sent, 'to')}</div><div><h3>Received</h3>${msgTable(d.received, 'from')}</div></div>`);
  if (d.dropped.length) {
    h.push(`<h3>Dropped</h3><table class="mini"><tbody>${d.dropped.map((m) =>
      `<tr><td class="t">${t3(m.t)}</td><td>${m.from === node ? `to ${m.to}` : `from ${m.from}`}</td><td>${esc(m.type)}</td><td class="bad">${esc(m.why)}</td></tr>`).join('')}</tbody></table>`);
  }
  body.innerHTML = h.join('');
}

// The node's name, its badges (running or crashed; informed, or its view accurate) and buttons.
function titleHtml(node, d) {
  const badges = [];
  badges.push(d.down ? '<span class="badge bad">crashed</span>' : '<span class="badge good">running</span>');
  if (app.protocol === 'gossip') {
    badges.push(d.informed ? '<span class="badge info">informed</span>' : '<span class="badge">not informed</span>');
  } else if (d.accurate !== null) {
    badges.push(d.accurate ? '<span class="badge info">view accurate</span>' : `<span class="badge warn">${d.wrong} wrong in view</span>`);
  }
  return `<div class="node-title"><span class="node-name">node ${node}</span>
    <span class="badges">${badges.join('')}</span>
    ${app.protocol !== 'gossip' && node !== app.subject ? '<button class="small" data-act="subject" title="Colour every node by what it believes about this one">Set as subject</button>' : ''}
    <button class="small" data-act="close" aria-label="close">✕</button></div>`;
}

// Heartbeat and swim: the status counts, suspects, member table and recent changes of its view.
function membersHtml(node, d) {
  const h = [];
  const c = d.counts;
  h.push(`<div class="chips">${['alive', 'suspect', 'failed', 'left', 'unknown'].filter((k) => c[k]).map((k) =>
    `<span class="chip s-${k}"><span class="dot"></span>${k} <b>${fmtInt(c[k])}</b></span>`).join('')}</div>`);
  h.push('<h3>Suspects</h3>');
  if (d.suspects.length) {
    h.push(`<table class="mini"><thead><tr><th>member</th><th>since</th><th>for</th><th>inc</th></tr></thead><tbody>${d.suspects.map((s) =>
      `<tr><td>${s.member}${s.down ? ' <span class="bad">(crashed)</span>' : ''}</td><td>${s.since === null ? '—' : `${t3(s.since)} s`}</td><td>${s.for === null ? '—' : fmtSeconds(s.for)}</td><td>${s.inc < 0 ? '—' : s.inc}</td></tr>`).join('')}</tbody></table>`);
  } else {
    h.push('<p class="muted small-text">suspects nobody</p>');
  }
  const rows = [...d.members].sort((a, b) => (a.status === 'alive') - (b.status === 'alive') || a.member - b.member);
  h.push(`<h3>Member table <span class="muted">(${fmtInt(rows.length)} members, in its view)</span></h3>`);
  h.push(`<div class="table-scroll"><table class="mini members" data-testid="member-table"><thead><tr><th>member</th><th>status</th><th>inc</th><th>actually</th></tr></thead><tbody>${rows.map((m) =>
    `<tr><td>${m.member}</td><td><span class="st s-${m.status}"><span class="dot"></span>${m.status}</span></td><td>${m.inc < 0 ? '—' : m.inc}</td><td>${m.down ? '<span class="bad">crashed</span>' : 'running'}</td></tr>`).join('')}</tbody></table></div>`);
  if (d.changes.length) {
    h.push('<h3>Recent changes in its view</h3>');
    h.push(`<table class="mini"><tbody>${d.changes.map((c) =>
      `<tr><td class="t">${t3(c.t)}</td><td>${c.about === node ? 'itself' : `member ${c.about}`}</td><td>${c.was ? `${c.was} → ` : ''}<span class="st s-${c.status}">${c.status}</span>${c.inc !== null && c.inc >= 0 ? ` <span class="muted">inc ${c.inc}</span>` : ''}</td></tr>`).join('')}</tbody></table>`);
  }
  return h.join('');
}

// Gossip: when and from whom it learned the update.
function learnedHtml(d) {
  return `<h3>Learned</h3>${d.learned.length ? `<table class="mini"><tbody>${d.learned.map((l) =>
    `<tr><td class="t">${t3(l.t)}</td><td>${l.from === null ? 'wrote the update' : `from node ${l.from}`}</td><td>${l.from === null ? '' : `via ${esc(l.via)}`}</td></tr>`).join('')}</tbody></table>` : '<p class="muted small-text">nothing yet</p>'}`;
}

function msgTable(list, dir) {
  if (!list.length) return '<p class="muted small-text">none yet</p>';
  return `<table class="mini"><tbody>${list.map((m) =>
    `<tr${m.inFlight ? ' class="flight"' : ''}><td class="t">${t3(m.t)}</td><td>${dir} ${m[dir]}</td><td>${esc(m.type)}</td></tr>`).join('')}</tbody></table>`;
}

$('details-body').addEventListener('click', (e) => {
  const act = e.target.closest('button')?.dataset.act;
  if (act === 'close') pick(null);
  if (act === 'subject') {
    app.subject = app.selected;
    app.colourBy = 'subject';
    $('subject').value = String(app.subject);
    $('colour-by').value = 'subject';
    renderDetails(true);
    requestFrame();
  }
});
