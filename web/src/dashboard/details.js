// The member details panel (data-testid="member-details"): what this node knows about the
// selected member, its Vivaldi coordinate (GET /v1/coordinate) and the events seen about it.

import { el, statusPill, tagChips } from './dom.js';
import { fmtClock, fmtIncarnation, fmtRtt, NA } from './format.js';

const EVENTS_SHOWN = 50;

const fixed = (v, digits) => (typeof v === 'number' ? v.toFixed(digits) : NA);

function fmtCoord(c) {
  if (!c || !Array.isArray(c.vec)) return NA;
  return `[${c.vec.map((v) => fixed(v, 5)).join(', ')}]`;
}

export class MemberDetails {
  // root: the details <section>; onClose() when its close button is pressed.
  constructor(root, { onClose }) {
    this.root = root;
    this.body = root.querySelector('[data-role="details-body"]');
    this.title = root.querySelector('[data-role="details-title"]');
    this.closeBtn = root.querySelector('[data-role="details-close"]');
    this.closeBtn.addEventListener('click', () => onClose());
    this.coordinate = { name: null, value: null, error: null };
    this.render(null);
  }

  setCoordinate(name, result) {
    this.coordinate = { name, value: result.ok ? result.body : null,
      error: result.ok ? null : result.error };
  }

  // member: the model's entry (or null: nothing selected); events: Timeline.about(name).
  render(member, { self = null, events = [], missing = null } = {}) {
    const { root, body } = this;
    if (!member && !missing) {
      root.dataset.name = '';
      root.classList.add('empty');
      this.title.textContent = 'Member details';
      this.closeBtn.hidden = true;
      body.replaceChildren(el('p', { class: 'hint' },
        'Select a member on the ring or in the table to see what this node knows about it.'));
      return;
    }
    const name = member?.name ?? missing;
    root.dataset.name = name;
    root.classList.remove('empty');
    this.closeBtn.hidden = false;
    this.title.replaceChildren(...[el('span', { class: 'details-name', text: name }),
      statusPill(member ? member.status : 'unknown'),
      name === self ? el('span', { class: 'self-badge', text: 'this node' }) : null]
      .filter(Boolean));
    if (!member) {
      body.replaceChildren(el('p', { class: 'hint',
        text: `${name} is no longer a member (reaped).` }));
      return;
    }
    const coord = this.coordinate.name === name ? this.coordinate : { value: null, error: null };
    const c = coord.value;
    const row = (label, value, cls = '') => [el('dt', { text: label }),
      el('dd', { class: cls }, value)];
    const facts = el('dl', { class: 'facts' },
      row('Address', member.address ?? NA, 'mono'),
      row('Status', member.status),
      row('Incarnation', fmtIncarnation(member.incarnation), 'mono'),
      row('RTT from this node', name === self ? '—' : fmtRtt(member.rtt_ms), 'mono'),
      row('Tags', tagChips(member.tags)),
      row('Coordinate', c ? fmtCoord(c) : coord.error ? `${NA} (${coord.error})` : '…', 'mono'),
      c ? row('Coord. error / height', `${fixed(c.error, 4)} / ${fixed(c.height, 6)}`, 'mono')
        : null);
    const list = events.slice(0, EVENTS_SHOWN).map((e) => el('li', {},
      el('time', { class: 'mono', text: fmtClock(e.time) }),
      el('span', { class: `kind kind-${e.type}`, text: e.type.replace('member-', '') })));
    body.replaceChildren(facts,
      el('h3', { text: `Events seen (${events.length})` }),
      events.length ? el('ol', { class: 'mini-events' }, list)
        : el('p', { class: 'hint', text: 'None since this page opened.' }));
  }
}
