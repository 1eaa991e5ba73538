import { describe, expect, it } from 'vitest';
import {
  applyMemberEvent, filterMembers, membersFromResponse, mergeSnapshot, normalizeMember,
  sortMembers, statusCounts, tagsText,
} from './members.js';

const m = (name, extra = {}) => normalizeMember({ name, address: `10.0.0.${name.length}:7946`,
  status: 'alive', incarnation: 1, tags: {}, ...extra });

describe('normalizeMember', () => {
  it('fills every field and turns bad ones into null', () => {
    expect(normalizeMember({ name: 'a' })).toEqual({ name: 'a', address: null, status: 'unknown',
      incarnation: null, tags: {}, rtt_ms: null });
    expect(normalizeMember({ name: 'a', rtt_ms: 'x', incarnation: NaN, tags: [1] }))
      .toMatchObject({ rtt_ms: null, incarnation: null, tags: {} });
    expect(normalizeMember({ name: 'a', tags: { n: 3 }, rtt_ms: 0.5 }))
      .toMatchObject({ tags: { n: '3' }, rtt_ms: 0.5 });
  });
});

describe('membersFromResponse', () => {
  it('reads a bare array and the {members} object, skipping junk', () => {
    expect(membersFromResponse([{ name: 'a' }]).map((x) => x.name)).toEqual(['a']);
    expect(membersFromResponse({ members: [{ name: 'b' }, null, { address: 'x' }, 5] })
      .map((x) => x.name)).toEqual(['b']);
    expect(membersFromResponse(null)).toEqual([]);
    expect(membersFromResponse({ error: 'x' })).toEqual([]);
  });
});

describe('applyMemberEvent', () => {
  it('sets the status the event kind means', () => {
    const model = new Map();
    const ev = (type, extra = {}) => ({ type, member: { name: 'b', address: '1.2.3.4:1',
      status: 'alive', incarnation: 2, tags: { role: 'db' }, ...extra } });
    expect(applyMemberEvent(model, 'member-join', ev('member-join'), 1))
      .toEqual({ name: 'b', before: null, after: 'alive' });
    expect(applyMemberEvent(model, 'member-suspect', ev('member-suspect'), 2).after)
      .toBe('suspect');
    expect(model.get('b').status).toBe('suspect');
    expect(applyMemberEvent(model, 'member-alive', ev('member-alive'), 3))
      .toEqual({ name: 'b', before: 'suspect', after: 'alive' });
    expect(applyMemberEvent(model, 'member-failed', ev('member-failed'), 4).after).toBe('failed');
    expect(applyMemberEvent(model, 'member-leave', ev('member-leave'), 5).after).toBe('left');
    expect(model.get('b')).toMatchObject({ address: '1.2.3.4:1', incarnation: 2,
      tags: { role: 'db' }, seen: 5 });
  });

  it('keeps an update\'s status and what the event does not carry', () => {
    const model = new Map([['b', { ...m('b'), rtt_ms: 1.5, seen: 0 }]]);
    applyMemberEvent(model, 'member-update',
      { member: { name: 'b', status: 'alive', tags: { v: '2' } } }, 7);
    expect(model.get('b')).toMatchObject({ status: 'alive', rtt_ms: 1.5, tags: { v: '2' },
      incarnation: 1, seen: 7 });
  });

  it('removes a reaped member and ignores events naming none', () => {
    const model = new Map([['b', { ...m('b'), seen: 0 }]]);
    expect(applyMemberEvent(model, 'member-reap', { member: { name: 'b' } }, 1))
      .toEqual({ name: 'b', before: 'alive', after: null });
    expect(model.has('b')).toBe(false);
    expect(applyMemberEvent(model, 'member-join', null, 2)).toBeNull();
    expect(applyMemberEvent(model, 'member-join', { member: {} }, 2)).toBeNull();
  });
});

describe('mergeSnapshot', () => {
  it('takes the snapshot but keeps changes newer than the request', () => {
    const current = new Map([
      ['a', { ...m('a'), seen: 0 }],
      ['b', { ...m('b', { status: 'failed' }), seen: 5 }], // an event after the request
      ['c', { ...m('c'), seen: 6 }], // joined after the request
      ['gone', { ...m('gone'), seen: 1 }],
    ]);
    const snap = [m('a', { rtt_ms: 2 }), m('b')];
    const next = mergeSnapshot(current, snap, 3);
    expect([...next.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(next.get('a').rtt_ms).toBe(2);
    expect(next.get('b').status).toBe('failed');
  });
});

describe('filter, sort and count', () => {
  const list = [
    m('node-10', { status: 'failed', rtt_ms: null, tags: { role: 'web' } }),
    m('node-2', { status: 'alive', rtt_ms: 3.5, incarnation: 4, tags: { role: 'db', dc: 'east' } }),
    m('node-1', { status: 'suspect', rtt_ms: 0.4, incarnation: 9 }),
    m('other', { status: 'left', address: '192.168.1.9:7946' }),
  ];
  const names = (xs) => xs.map((x) => x.name);

  it('filters by words over name, address and tags, and by status', () => {
    expect(names(filterMembers(list, { text: 'NODE' }))).toEqual(['node-10', 'node-2', 'node-1']);
    expect(names(filterMembers(list, { text: 'role=db' }))).toEqual(['node-2']);
    expect(names(filterMembers(list, { text: 'node east' }))).toEqual(['node-2']);
    expect(names(filterMembers(list, { text: '192.168' }))).toEqual(['other']);
    expect(names(filterMembers(list, { status: 'failed' }))).toEqual(['node-10']);
    expect(names(filterMembers(list, { status: 'all', text: '' }))).toHaveLength(4);
  });

  it('sorts names naturally and by any column, unknown numbers last', () => {
    expect(names(sortMembers(list))).toEqual(['node-1', 'node-2', 'node-10', 'other']);
    expect(names(sortMembers(list, { key: 'name', dir: 'desc' })))
      .toEqual(['other', 'node-10', 'node-2', 'node-1']);
    expect(names(sortMembers(list, { key: 'status' })))
      .toEqual(['node-2', 'node-1', 'node-10', 'other']);
    expect(names(sortMembers(list, { key: 'rtt_ms' })))
      .toEqual(['node-1', 'node-2', 'node-10', 'other']);
    expect(names(sortMembers(list, { key: 'rtt_ms', dir: 'desc' })))
      .toEqual(['node-2', 'node-1', 'node-10', 'other']);
    expect(names(sortMembers(list, { key: 'incarnation', dir: 'desc' }))[0]).toBe('node-1');
    expect(names(sortMembers(list, { key: 'tags' }))[3]).toBe('node-10');
    expect(names(sortMembers(list, { key: 'address' }))[3]).toBe('other');
  });

  it('counts statuses and writes tags', () => {
    expect(statusCounts(list)).toEqual({ alive: 1, suspect: 1, failed: 1, left: 1 });
    expect(statusCounts([])).toEqual({ alive: 0, suspect: 0, failed: 0, left: 0 });
    expect(tagsText({ role: 'db', dc: 'east' })).toBe('dc=east role=db');
  });
});
