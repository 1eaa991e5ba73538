import { describe, expect, it } from 'vitest';
import { argsForRun, describeChange, describeRun, formatNodeList, parseNodeList, planFromHeader,
  simRequest, splitArgs, tokenize, withOverrides } from './args.js';

describe('argsForRun', () => {
  it('drops the flags the server refuses', () => {
    const h = { args: ['--nodes', '200', '--trace', '/tmp/g.jsonl', '--format=json', '--ui',
      '--plot', 'x.svg', '--mode', 'push'], seed: 1, mode: 'push' };
    expect(argsForRun(h)).toEqual(['--nodes', '200', '--mode', 'push', '--seed', '1']);
  });

  it('narrows --compare to the run\'s mode and --seeds to its seed', () => {
    const h = { args: ['--compare', 'push,push-pull', '--seeds', '3', '--seed', '5'],
      mode: 'push-pull', seed: 6 };
    expect(argsForRun(h)).toEqual(['--mode', 'push-pull', '--seed', '6']);
  });

  it('rebuilds the arguments of a header without args', () => {
    expect(argsForRun({ nodes: 50, mode: 'push', seed: 2, timing: 'rounds', fanout: 1, origin: 0 }))
      .toEqual(['--nodes', '50', '--mode', 'push', '--fanout', '1', '--timing', 'rounds',
        '--origin', '0', '--seed', '2']);
    expect(argsForRun({ protocol: 'swim', nodes: 50, seed: 2 }))
      .toEqual(['--protocol', 'swim', '--nodes', '50', '--seed', '2']);
  });
});

describe('withOverrides', () => {
  it('replaces a flag given before, in either spelling', () => {
    expect(withOverrides(['--nodes', '50', '--lifeguard=on', '--wire'], ['--lifeguard', 'off']))
      .toEqual(['--nodes', '50', '--wire', '--lifeguard', 'off']);
  });
  it('a mode replaces a comparison and the other way round', () => {
    expect(withOverrides(['--compare', 'push,pull', '--nodes', '9'], ['--mode', 'push']))
      .toEqual(['--nodes', '9', '--mode', 'push']);
    expect(withOverrides(['--mode', 'push'], ['--compare', 'push,pull']))
      .toEqual(['--compare', 'push,pull']);
  });
  it('tokenize splits free text', () => {
    expect(tokenize('  --mode   push \n--loss 0.1 ')).toEqual(['--mode', 'push', '--loss', '0.1']);
    expect(splitArgs(['--wire', '--nodes', '3'])).toEqual([['--wire', null], ['--nodes', '3']]);
  });
});

describe('node lists', () => {
  it('parses ranges and numbers, rejects junk and out-of-range nodes', () => {
    expect(parseNodeList('0-3, 7 9,9', 10)).toEqual([0, 1, 2, 3, 7, 9]);
    expect(() => parseNodeList('a', 10)).toThrow(/not a node/);
    expect(() => parseNodeList('12', 10)).toThrow(/out of range/);
    expect(() => parseNodeList('5-2', 10)).toThrow(/backwards/);
    expect(formatNodeList([7, 0, 1, 2, 3, 9])).toBe('0-3, 7, 9');
  });
});

describe('simRequest', () => {
  it('builds the POST /api/sim body, leaving out what is empty', () => {
    expect(simRequest(['--nodes', '5'], {})).toEqual({ args: ['--nodes', '5'] });
    expect(simRequest(['--nodes', '5'], {
      crashes: [{ node: 3, at: 10 }, { node: 4, at: 2, restart: 8 }],
      partitions: [{ groups: [[0, 1], [2, 3]], start: 5, heal: '' }],
    })).toEqual({
      args: ['--nodes', '5'],
      crashes: [{ node: 3, at: 10 }, { node: 4, at: 2, restart: 8 }],
      partitions: [{ groups: [[0, 1], [2, 3]], start: 5 }],
    });
    expect(describeChange(['--mode', 'push'], { crashes: [{ node: 3, at: 10 }],
      partitions: [{ groups: [[0, 1], [2]], start: 5, heal: 9 }] }))
      .toBe('--mode push; crash 3@10; partition 0-1 | 2 @5-9');
  });
});

describe('a run\'s fault plan from its header', () => {
  const header = {
    protocol: 'gossip', nodes: 30, seed: 4, mode: 'push-pull',
    args: ['--nodes', '30', '--seed', '4', '--trace', 'x.jsonl'],
    faults: {
      crashes: [{ node: 3, at: 2 }, { node: 5, at: 1.5, restart: 6 }],
      partitions: [{ groups: [[0, 1, 2, 3, 4]], start: 1, heal: 3 }, { groups: [[0], [1]], start: 0, one_way: true }],
    },
  };

  it('starts the plan from the header\'s faults, a copy the page may change', () => {
    const plan = planFromHeader(header);
    expect(plan).toEqual(header.faults);
    plan.crashes.pop();
    plan.partitions[0].groups[0].push(9);
    expect(header.faults.crashes).toHaveLength(2);
    expect(header.faults.partitions[0].groups[0]).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives an empty plan without faults and leaves out entries of another shape', () => {
    expect(planFromHeader(undefined)).toEqual({ crashes: [], partitions: [] });
    expect(planFromHeader({ nodes: 3 })).toEqual({ crashes: [], partitions: [] });
    expect(planFromHeader({ faults: { crashes: [{ node: 1 }, { node: -1, at: 2 }, null, { node: 2, at: 3, restart: null }],
      partitions: [{ groups: [[0, 'x']] }, { groups: [[1]] }] } }))
      .toEqual({ crashes: [{ node: 2, at: 3 }], partitions: [{ groups: [[1]], start: 0 }] });
  });

  it('posts the plan again as the header had it (a re-run of a re-run keeps its faults)', () => {
    const body = simRequest(argsForRun(header), planFromHeader(header));
    expect(body).toEqual({ args: ['--nodes', '30', '--seed', '4'], ...header.faults });
  });

  it('describes the run from its header: arguments and faults', () => {
    expect(describeRun(header)).toBe('--nodes 30 --seed 4; crash 3@2; crash 5@1.5, back @6; '
      + 'partition 0-4 @1-3; partition 0 | 1 @0 one-way');
    expect(describeRun({ nodes: 50, seed: 2, mode: 'push' })).toBe('50 nodes, seed 2');
    expect(describeRun({ nodes: 50, seed: 2, args: ['--nodes', '50'] })).toBe('--nodes 50 --seed 2');
  });
});
