// The cluster picture's geometry and animations, without drawing: members placed on a circle
// in name order (so a member keeps its place as others come and go) and the pulses that mark
// events as they land. Pure; the canvas code is ring.js.

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

// Positions on a circle of `radius` centred on (0, 0), the first member at the top, clockwise:
// [{name, status, x, y, angle}] in name order.
export function ringLayout(members, radius) {
  const sorted = [...members].sort((a, b) => collator.compare(a.name, b.name));
  const n = sorted.length;
  return sorted.map((m, i) => {
    const angle = -Math.PI / 2 + (n ? (2 * Math.PI * i) / n : 0);
    return { name: m.name, status: m.status, x: radius * Math.cos(angle),
      y: radius * Math.sin(angle), angle };
  });
}

// A dot's radius for `n` members on a circle of `radius`: large for a few, shrinking so
// neighbours never overlap, never under 1.5.
export function dotRadius(n, radius) {
  if (n <= 1) return 10;
  const gap = (2 * Math.PI * radius) / n;
  return Math.max(1.5, Math.min(10, gap * 0.35));
}

// What each event kind looks like as a pulse: its status colour and how long it lasts (ms).
export const PULSE_STYLE = {
  'member-join': { status: 'alive', ms: 1200 },
  'member-alive': { status: 'alive', ms: 1200 },
  'member-update': { status: 'alive', ms: 800 },
  'member-suspect': { status: 'suspect', ms: 1800 },
  'member-failed': { status: 'failed', ms: 2600 },
  'member-leave': { status: 'left', ms: 1600 },
};

// The pulses now running, bounded (`limit`: the oldest go first).
export class Pulses {
  constructor(limit = 200) {
    this.limit = limit;
    this.list = [];
  }

  add(name, type, now) {
    const style = PULSE_STYLE[type];
    if (!style) return false;
    this.list.push({ name, status: style.status, start: now, ms: style.ms });
    if (this.list.length > this.limit) this.list.splice(0, this.list.length - this.limit);
    return true;
  }

  // The running pulses with their progress 0..1 at `now`; finished ones are dropped.
  active(now) {
    this.list = this.list.filter((p) => now - p.start < p.ms);
    return this.list.map((p) => ({ ...p, progress: Math.max(0, (now - p.start) / p.ms) }));
  }

  get size() {
    return this.list.length;
  }
}
