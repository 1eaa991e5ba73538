// Synthetic traces for the viewer's unit tests (not bundled into the page): small, deterministic,
// in the format of docs/simulator.md, exercising every state-changing event.

// A small seeded PRNG (mulberry32).
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A push-pull-like gossip run over `n` nodes in rounds timing, with a crash and a restart.
export function gossipTrace(n = 20, seed = 7, { crash = 5, crashRound = 2, restartRound = 4 } = {}) {
  const rnd = prng(seed);
  const lines = [{ t: 0, ev: 'run', protocol: 'gossip', nodes: n, mode: 'push-pull', seed,
    timing: 'rounds', fanout: 1, origin: 0, key: 'update', args: ['--nodes', String(n),
      '--mode', 'push-pull', '--trace', 'x.jsonl'] }];
  lines.push({ t: 0, ev: 'write', node: 0, origin: 0, key: 'update', gen: 1, counter: 1 });
  const informed = new Set([0]);
  const down = new Set();
  for (let r = 1; r <= 12 && informed.size < n; r++) {
    const t0 = r * 1000;
    if (r === crashRound) {
      lines.push({ t: t0, ev: 'crash', node: crash });
      down.add(crash);
    }
    if (r === restartRound) {
      lines.push({ t: t0, ev: 'restart', node: crash, gen: 2 });
      down.delete(crash);
      informed.delete(crash);
    }
    const learns = [];
    let messages = 0;
    for (let i = 0; i < n; i++) {
      if (down.has(i)) continue;
      let j = Math.floor(rnd() * (n - 1));
      if (j >= i) j++;
      lines.push({ t: t0, ev: 'send', from: i, to: j, type: 'syn', bytes: 9 });
      messages++;
      if (down.has(j)) {
        lines.push({ t: t0, ev: 'drop', from: i, to: j, type: 'syn', why: 'crashed' });
        continue;
      }
      if (informed.has(i) !== informed.has(j)) learns.push(informed.has(i) ? [j, i] : [i, j]);
    }
    for (const [node, from] of learns) {
      if (informed.has(node)) continue;
      informed.add(node);
      lines.push({ t: t0 + 1, ev: 'learn', node, from, origin: 0, key: 'update', gen: 1,
        counter: 1, via: 'ack' });
    }
    let live = 0;
    for (const i of informed) if (!down.has(i)) live++;
    lines.push({ t: t0 + 999.999, ev: 'round', round: r, informed: live, messages });
  }
  return lines;
}

// A membership run (heartbeat-like when formed is false, swim-like when true) with random
// status changes, crashes, a restart, a departure and a partition, over `n` nodes.
// lines: traces as the simulator writes them now, with `leave` lines (a `left` status is then
// only about a member whose leave line came before) and, for a swim join start, `start` lines;
// without, as older traces were.
export function membershipTrace(n = 12, seed = 3, { protocol = 'heartbeat', events = 400, start = 'formed', lines: withLines = false } = {}) {
  const rnd = prng(seed);
  const swim = protocol === 'swim';
  const formed = swim && start === 'formed';
  const lines = [{ t: 0, ev: 'run', protocol, nodes: n, seed, ...(swim ? { start } : {}),
    args: ['--protocol', protocol, '--nodes', String(n)] }];
  const statuses = ['joined', 'alive', 'suspect', 'failed', 'left'];
  let t = 0;
  let round = 0;
  const leaving = new Set();
  if (withLines && swim && start === 'join') {
    for (let x = 0; x < n; x++) lines.push({ t, ev: 'start', node: x });
  }
  if (!formed) {
    for (let x = 0; x < n; x++) {
      for (let y = 0; y < n; y++) {
        if (x !== y && rnd() < 0.7) lines.push({ t, ev: 'status', node: x, about: y, status: 'joined' });
      }
    }
  }
  for (let k = 0; k < events; k++) {
    t += Math.floor(rnd() * 50);
    const r = rnd();
    if (r < 0.6) {
      const x = Math.floor(rnd() * n);
      let y = Math.floor(rnd() * (n - 1));
      if (y >= x) y++;
      let st = statuses[Math.floor(rnd() * statuses.length)];
      if (withLines && st === 'left' && !leaving.has(y)) {
        if (rnd() < 0.5) {
          leaving.add(y);
          lines.push({ t, ev: 'leave', node: y });
        } else {
          st = 'failed';
        }
      }
      const e = { t, ev: 'status', node: x, about: y, status: st };
      if (swim) e.inc = Math.floor(rnd() * 4);
      lines.push(e);
    } else if (r < 0.8) {
      const from = Math.floor(rnd() * n);
      const to = (from + 1 + Math.floor(rnd() * (n - 1))) % n;
      const e = { t, ev: 'send', from, to, type: swim ? 'ping' : 'syn', bytes: 40 };
      if (swim) e.arrive = t + 1 + rnd() * 5;
      lines.push(e);
    } else if (r < 0.86) {
      lines.push({ t, ev: 'crash', node: Math.floor(rnd() * n) });
    } else if (r < 0.9) {
      lines.push({ t, ev: 'restart', node: Math.floor(rnd() * n), gen: 2 });
    } else if (r < 0.93) {
      lines.push({ t, ev: 'partition', state: rnd() < 0.5 ? 'start' : 'heal', index: 0 });
    } else {
      round++;
      lines.push({ t, ev: 'round', round, informed: 0, messages: 3 });
    }
  }
  return lines;
}
