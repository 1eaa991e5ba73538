// JSON Lines read as they stream in: bytes are decoded and cut into lines as chunks arrive, so a
// trace of millions of lines is parsed while it downloads and never held as one string.

// Splits decoded text into lines across chunk boundaries. push(text) returns the complete lines
// it closed; end() returns the last line if the text did not end with a newline.
export class LineSplitter {
  constructor() {
    this.rest = '';
  }
  push(text) {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop();
    return parts;
  }
  end() {
    const last = this.rest;
    this.rest = '';
    return last.trim() ? [last] : [];
  }
}

// Parses one line: null for a blank line; throws with the line number on bad JSON.
export function parseLine(line, number) {
  const s = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (!s.trim()) return null;
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new Error(`trace line ${number}: ${e.message}`);
  }
}

// Reads a fetch Response body of JSON Lines. onEvent(obj) for every line; onProgress({lines,
// bytes}) after each chunk. Between chunks it yields to the page (`yieldEvery` ms of work) so the
// progress bar repaints. Returns the number of lines.
export async function readJsonLines(response, { onEvent, onProgress, signal, yieldEvery = 30 } = {}) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const splitter = new LineSplitter();
  let lines = 0;
  let bytes = 0;
  let sliceStart = performance.now();
  const handle = (list) => {
    for (const line of list) {
      lines++;
      const obj = parseLine(line, lines);
      if (obj) onEvent(obj);
    }
  };
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel();
      throw new DOMException('aborted', 'AbortError');
    }
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    handle(splitter.push(decoder.decode(value, { stream: true })));
    onProgress?.({ lines, bytes });
    if (performance.now() - sliceStart > yieldEvery) {
      await new Promise((r) => setTimeout(r, 0));
      sliceStart = performance.now();
    }
  }
  handle(splitter.push(decoder.decode()));
  handle(splitter.end());
  onProgress?.({ lines, bytes, done: true });
  return lines;
}
