// The recent-events list (data-testid="event-timeline"): newest first, one <li> per entry of a
// Timeline, added and dropped incrementally so a busy stream costs little.

import { el } from './dom.js';
import { fmtClock } from './format.js';

export class TimelineView {
  // list: the <ol>; onSelect(name) when a member event is clicked.
  constructor(list, empty, { onSelect }) {
    this.list = list;
    this.empty = empty;
    this.items = new Map(); // entry id -> <li>
    list.addEventListener('click', (e) => {
      const li = e.target.closest('li[data-member]');
      if (li) onSelect(li.dataset.member);
    });
  }

  // entry: the new Timeline entry; dropped: the entries that fell off the end.
  add(entry, dropped) {
    const li = el('li', {
      'data-testid': 'event-row',
      class: `ev ev-${entry.kind}`,
      dataset: { type: entry.type, name: entry.name,
        member: entry.kind === 'member' ? entry.name : null },
    },
    el('time', { class: 'mono', text: fmtClock(entry.time) }),
    el('span', { class: `kind kind-${entry.type}`, text: entry.type }),
    el('span', { class: 'ev-name', text: entry.name || '—' }),
    el('span', { class: 'ev-detail', text: entry.detail }));
    this.list.prepend(li);
    this.items.set(entry.id, li);
    for (const d of dropped) {
      this.items.get(d.id)?.remove();
      this.items.delete(d.id);
    }
    this.empty.hidden = true;
  }
}
