// The agent's dashboard: wires the agent's API (api.js, stream.js) to the models (members.js,
// rates.js, timeline.js) and the views (table, ring, plots, details, timeline).
//
// Reads: GET /v1/self once (and again while it fails), GET /v1/members every few seconds and on
// each (re)connect of the event stream, GET /v1/stats once a second, GET /v1/events for live
// changes, GET /v1/coordinate?node=NAME for the selected member.

import '../common/base.css';
import './dashboard.css';
import { api } from './api.js';
import { $ } from './dom.js';
import { applyMemberEvent, membersFromResponse, mergeSnapshot, normalizeMember, statusCounts }
  from './members.js';
import { PLOTS, StatsHistory } from './rates.js';
import { Timeline, describeEvent } from './timeline.js';
import { openEventStream } from './stream.js';
import { MembersTable } from './table.js';
import { ClusterRing } from './ring.js';
import { StatsPlots } from './charts.js';
import { MemberDetails } from './details.js';
import { TimelineView } from './timeline-view.js';

const MEMBERS_EVERY_MS = 5000;
const STATS_EVERY_MS = 1000;
const HISTORY_SAMPLES = 300; // five minutes at one a second
const TIMELINE_LIMIT = 500;
const FLASH_MS = 2000;

const state = {
  self: null, // this node's member entry
  model: new Map(), // name -> member
  clock: 0, // stamps model changes (members.mergeSnapshot)
  selected: null,
  flash: new Map(), // name -> until (ms): rows whose status just changed
  timeline: new Timeline(TIMELINE_LIMIT),
  history: new StatsHistory(PLOTS, HISTORY_SAMPLES),
  stream: 'connecting',
};

const ui = {
  nodeName: $('[data-testid="node-name"]'),
  nodeAddr: $('[data-testid="node-address"]'),
  clusterSize: $('[data-testid="cluster-size"]'),
  counts: $('[data-role="status-counts"]'),
  streamState: $('[data-testid="stream-state"]'),
  statsNote: $('[data-role="stats-note"]'),
};

const select = (name) => {
  state.selected = name || null;
  render();
  refreshCoordinate();
};

const table = new MembersTable($('[data-testid="members-panel"]'), { onSelect: select });
const ring = new ClusterRing($('[data-testid="cluster-ring"]'), { onSelect: select });
const details = new MemberDetails($('[data-testid="member-details"]'),
  { onClose: () => select(null) });
const plots = new StatsPlots($('[data-role="plots"]'), PLOTS);
const timelineView = new TimelineView($('[data-testid="event-timeline"]'),
  $('[data-role="timeline-empty"]'), { onSelect: select });
$('[data-role="ring-reset"]').addEventListener('click', () => ring.resetView());

// --- rendering, at most once a frame --------------------------------------------------------

let pending = false;
let flashTimer = 0;
function render() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    draw();
  });
}

function draw() {
  const now = Date.now();
  for (const [name, until] of state.flash) if (until < now) state.flash.delete(name);
  const members = [...state.model.values()];
  const self = state.self?.name ?? null;
  const flash = new Set(state.flash.keys());
  table.render(members, { selected: state.selected, self, flash });
  ring.setMembers(members, { self, selected: state.selected,
    rtt: new Map(members.map((m) => [m.name, m.rtt_ms])) });
  const sel = state.selected;
  details.render(sel ? state.model.get(sel) ?? null : null,
    { self, events: sel ? state.timeline.about(sel) : [], missing: sel });
  const counts = statusCounts(members);
  ui.clusterSize.textContent = `${members.length} ${members.length === 1 ? 'member' : 'members'}`;
  ui.clusterSize.dataset.size = String(members.length);
  for (const chip of ui.counts.querySelectorAll('[data-status]')) {
    chip.querySelector('b').textContent = String(counts[chip.dataset.status] ?? 0);
    chip.classList.toggle('zero', !counts[chip.dataset.status]);
  }
  if (flash.size && !flashTimer) {
    flashTimer = setTimeout(() => {
      flashTimer = 0;
      render();
    }, FLASH_MS);
  }
}

// --- reading the agent ------------------------------------------------------------------------

async function refreshSelf() {
  const r = await api.self();
  if (!r.ok) {
    ui.nodeName.textContent = 'n/a';
    setTimeout(refreshSelf, MEMBERS_EVERY_MS);
    return;
  }
  // /v1/self is a member entry; tolerate {member: {...}} too.
  const raw = r.body && typeof r.body.member === 'object' ? r.body.member : r.body;
  state.self = normalizeMember(raw);
  ui.nodeName.textContent = state.self.name || 'n/a';
  ui.nodeAddr.textContent = state.self.address ?? '';
  document.title = `${state.self.name} · rumor agent`;
  render();
}

let membersInFlight = false;
async function refreshMembers() {
  if (membersInFlight) return;
  membersInFlight = true;
  const askedAt = state.clock;
  const r = await api.members();
  membersInFlight = false;
  if (!r.ok) return;
  state.model = mergeSnapshot(state.model, membersFromResponse(r.body), askedAt);
  render();
}

async function refreshCoordinate() {
  const name = state.selected;
  if (!name) return;
  const r = await api.coordinate(name);
  if (state.selected !== name) return;
  details.setCoordinate(name, r);
  render();
}

let statsMissing = false;
async function pollStats() {
  const r = await api.stats();
  if (r.ok) {
    statsMissing = false;
    if (state.history.push(r.body)) plots.update(state.history);
  } else {
    statsMissing = true;
  }
  ui.statsNote.hidden = !statsMissing;
  if (statsMissing) {
    ui.statsNote.textContent = r.status === 0 ? 'n/a: the agent is not answering'
      : `n/a: this agent does not report /v1/stats (${r.error})`;
  }
  // A missing endpoint (an older agent) is asked again rarely, not every second.
  setTimeout(pollStats, r.ok || r.status === 0 ? STATS_EVERY_MS : 15 * STATS_EVERY_MS);
}

// --- the event stream -------------------------------------------------------------------------

function onEvent(type, data) {
  const entry = describeEvent(type, data);
  const dropped = state.timeline.add(entry);
  timelineView.add(state.timeline.entries[0], dropped);
  if (entry.kind === 'member') {
    const change = applyMemberEvent(state.model, type, data, ++state.clock);
    if (change) {
      if (change.before !== change.after) state.flash.set(change.name, Date.now() + FLASH_MS);
      ring.pulse(change.name, type);
      if (change.name === state.self?.name && change.after) {
        state.self = { ...state.self, ...state.model.get(change.name) };
      }
    }
  }
  render();
}

let retryTimer = 0;
function onStreamState({ state: s, retryAt }) {
  state.stream = s;
  const badge = ui.streamState;
  badge.dataset.state = s;
  document.body.classList.toggle('stream-down', s === 'disconnected');
  clearInterval(retryTimer);
  const label = { connecting: 'connecting…', connected: 'live', disconnected: 'disconnected' }[s];
  badge.querySelector('[data-role="stream-label"]').textContent = label;
  const tick = () => {
    const left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    badge.querySelector('[data-role="stream-retry"]').textContent =
      s === 'disconnected' ? `retry in ${left} s` : '';
  };
  tick();
  if (s === 'disconnected') retryTimer = setInterval(tick, 500);
}

openEventStream('v1/events', {
  onEvent,
  onState: onStreamState,
  onOpen: () => refreshMembers(), // what changed while the stream was down
});

refreshSelf();
refreshMembers();
setInterval(refreshMembers, MEMBERS_EVERY_MS);
setInterval(() => {
  if (state.selected) refreshCoordinate();
}, MEMBERS_EVERY_MS);
pollStats();
render();

// For the browser tests: where a member's dot is on the page, and the page's state.
window.rumorDashboard = {
  ringPoint: (name) => ring.clientPoint(name),
  state,
};
