// The simulator viewer: loads the runs the server holds (GET /api/runs), streams one run's events
// into a columnar store (GET /api/runs/ID/events), and shows the cluster at any position of the
// run: a ring of nodes coloured by what they know, messages in flight, a timeline to play, step
// and scrub, a node's details, faults to re-run with (POST /api/sim), and runs side by side.
// Contract with the server: docs/web.md. This entry module ties the panels together (each
// module wires its own controls) and starts the page.
//
//   app.js           shared state (window.__viewer), helpers, requestFrame
//   runs.js          the run list (GET /api/runs), fetchJson
//   load.js          showing a run: streaming its events, or its curve only
//   playback.js      the timeline controls, clock and playback loop
//   overview.js      the run at a glance under the scrubber
//   cluster.js       the ring: colouring, drawing, legend, colour/subject/zoom controls
//   node-panel.js    the hover tooltip and the picked node's details
//   chaos.js         re-running with changed flags and faults (POST /api/sim)
//   compare-view.js  the runs compared: curves and table
import '../common/base.css';
import './viewer.css';
import { $, requestFrame } from './app.js';
import { init, loadRun } from './load.js';
import { drawOverview } from './overview.js';

$('run-select').addEventListener('change', (e) => loadRun(Number(e.target.value)));
// "open it" in the re-run panel's status, after a re-run added runs
$('rerun-status').addEventListener('click', (e) => {
  const open = e.target.closest('a')?.dataset.open;
  if (open === undefined) return;
  e.preventDefault();
  $('run-select').value = open;
  loadRun(Number(open));
});
window.addEventListener('resize', () => {
  drawOverview();
  requestFrame();
});

init();
