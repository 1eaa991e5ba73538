// The members table: filter box, status filter, sortable headers, one row per member
// (data-testid="member-row", data-name, data-status). Rendering is cheap enough to redo on every
// change for a few thousand members; past ROW_LIMIT rows only the first are drawn.

import { el, statusPill, tagChips } from './dom.js';
import { filterMembers, sortMembers, tagsText } from './members.js';
import { fmtIncarnation, fmtRtt } from './format.js';

const ROW_LIMIT = 1000;
const COLUMNS = [
  { key: 'name', label: 'Name' },
  { key: 'address', label: 'Address' },
  { key: 'status', label: 'Status' },
  { key: 'incarnation', label: 'Inc.', numeric: true, title: 'incarnation' },
  { key: 'rtt_ms', label: 'RTT', numeric: true, title: 'estimated round trip from this node' },
  { key: 'tags', label: 'Tags' },
];

export class MembersTable {
  // root: the members <section>; onSelect(name) when a row is clicked.
  constructor(root, { onSelect }) {
    this.onSelect = onSelect;
    this.sort = { key: 'name', dir: 'asc' };
    this.filter = { text: '', status: '' };
    this.tbody = root.querySelector('tbody');
    this.note = root.querySelector('[data-role="table-note"]');
    this.countEl = root.querySelector('[data-role="member-count"]');
    this.headRow = root.querySelector('thead tr');
    this.last = { members: [], selected: null, self: null, flash: new Set() };
    this.rows = new Map(); // name -> {tr, sig}

    for (const c of COLUMNS) {
      const th = el('th', { scope: 'col', class: c.numeric ? 'num' : '', title: c.title,
        dataset: { key: c.key } },
      el('button', { type: 'button', class: 'sort' }, c.label, el('span', { class: 'arrow' })));
      th.addEventListener('click', () => this.toggleSort(c.key));
      this.headRow.append(th);
    }
    root.querySelector('[data-testid="member-filter"]').addEventListener('input', (e) => {
      this.filter.text = e.target.value;
      this.redraw();
    });
    root.querySelector('[data-testid="status-filter"]').addEventListener('change', (e) => {
      this.filter.status = e.target.value;
      this.redraw();
    });
    this.tbody.addEventListener('click', (e) => {
      const row = e.target.closest('tr[data-name]');
      if (row) this.onSelect(row.dataset.name);
    });
    this.drawHead();
  }

  toggleSort(key) {
    this.sort = this.sort.key === key ? { key, dir: this.sort.dir === 'asc' ? 'desc' : 'asc' }
      : { key, dir: 'asc' };
    this.drawHead();
    this.redraw();
  }

  drawHead() {
    for (const th of this.headRow.children) {
      const on = th.dataset.key === this.sort.key;
      th.setAttribute('aria-sort', on ? (this.sort.dir === 'asc' ? 'ascending' : 'descending')
        : 'none');
      th.querySelector('.arrow').textContent = on ? (this.sort.dir === 'asc' ? '▲' : '▼') : '';
    }
  }

  redraw() {
    const { members, selected, self, flash } = this.last;
    this.render(members, { selected, self, flash });
  }

  // One row; `sig` says what it shows, so an unchanged member keeps its element.
  row(m, { selected, self, flash }) {
    const cls = [m.name === selected ? 'selected' : '', flash.has(m.name) ? 'flash' : '']
      .join(' ').trim();
    const sig = JSON.stringify([m.address, m.status, m.incarnation, m.rtt_ms, m.tags,
      m.name === self, cls]);
    const old = this.rows.get(m.name);
    if (old && old.sig === sig) return old;
    const tr = el('tr', {
      'data-testid': 'member-row',
      class: cls || null,
      dataset: { name: m.name, status: m.status },
    },
    el('td', { class: 'name' }, el('span', { class: `dot status-${m.status}` }), m.name,
      m.name === self ? el('span', { class: 'self-badge', text: 'this node' }) : null),
    el('td', { class: 'mono', text: m.address ?? 'n/a' }),
    el('td', {}, statusPill(m.status)),
    el('td', { class: 'num mono', text: fmtIncarnation(m.incarnation) }),
    el('td', { class: 'num mono', text: m.name === self ? '—' : fmtRtt(m.rtt_ms) }),
    el('td', { class: 'tags-cell', title: tagsText(m.tags) }, tagChips(m.tags)));
    return { tr, sig };
  }

  // members: the model's values; selected / self: names; flash: names whose status just changed.
  // Rows of unchanged members are kept, and the DOM is touched only where something changed.
  render(members, { selected = null, self = null, flash = new Set() } = {}) {
    this.last = { members, selected, self, flash };
    const shown = sortMembers(filterMembers(members, this.filter), this.sort);
    const next = new Map();
    const rows = shown.slice(0, ROW_LIMIT).map((m) => {
      const r = this.row(m, { selected, self, flash });
      next.set(m.name, r);
      return r.tr;
    });
    this.rows = next;
    // Same order: swap in the rebuilt rows one by one; otherwise lay the body out anew.
    const now = this.tbody.children;
    const swaps = [];
    let reorder = rows.length !== now.length;
    for (let i = 0; !reorder && i < rows.length; i++) {
      if (now[i] === rows[i]) continue;
      if (rows[i].isConnected) reorder = true;
      else swaps.push(i);
    }
    if (reorder) this.tbody.replaceChildren(...rows);
    else for (const i of swaps) now[i].replaceWith(rows[i]);
    this.countEl.textContent = shown.length === members.length ? String(members.length)
      : `${shown.length} of ${members.length}`;
    if (members.length === 0) this.note.textContent = 'No members known yet.';
    else if (shown.length === 0) this.note.textContent = 'No member matches the filter.';
    else if (shown.length > ROW_LIMIT) {
      this.note.textContent =
        `Showing the first ${ROW_LIMIT} of ${shown.length}; narrow the filter.`;
    } else this.note.textContent = '';
    this.note.hidden = this.note.textContent === '';
  }
}
