import { describe, expect, it } from 'vitest';
import { LineSplitter, parseLine, readJsonLines } from './ndjson.js';

function responseOf(chunks) {
  const enc = new TextEncoder();
  const stream = new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? enc.encode(c) : c);
      controller.close();
    },
  });
  return new Response(stream);
}

describe('LineSplitter', () => {
  it('joins lines cut across chunks and keeps the unfinished tail', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(s.push(':2}\n')).toEqual(['{"b":2}']);
    expect(s.push('{"c":3}')).toEqual([]);
    expect(s.end()).toEqual(['{"c":3}']);
    expect(s.end()).toEqual([]);
  });
});

describe('parseLine', () => {
  it('skips blank lines, strips CR, names the line of bad JSON', () => {
    expect(parseLine('', 1)).toBe(null);
    expect(parseLine('{"t":1}\r', 1)).toEqual({ t: 1 });
    expect(() => parseLine('{"t":', 7)).toThrow(/trace line 7/);
  });
});

describe('readJsonLines', () => {
  it('parses a stream cut at arbitrary bytes, multi-byte characters included', async () => {
    const text = '{"ev":"run","key":"café ✓"}\n{"ev":"send","from":1}\n\n{"ev":"round","round":1}';
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 5, 64]) {
      const chunks = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
      const got = [];
      const progress = [];
      const lines = await readJsonLines(responseOf(chunks), {
        onEvent: (e) => got.push(e),
        onProgress: (p) => progress.push(p),
      });
      expect(got).toEqual([
        { ev: 'run', key: 'café ✓' }, { ev: 'send', from: 1 }, { ev: 'round', round: 1 }]);
      expect(lines).toBe(4);
      expect(progress.at(-1)).toMatchObject({ done: true, bytes: bytes.length });
    }
  });

  it('stops when aborted', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(readJsonLines(responseOf(['{}\n']), { onEvent() {}, signal: ctl.signal }))
      .rejects.toThrow(/aborted/);
  });
});
