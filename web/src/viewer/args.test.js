import { describe, expect, it } from 'vitest';
import { argsForRun, describeChange, formatNodeList, parseNodeList, simRequest, splitArgs,
  tokenize, withOverrides } from './args.js';

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
