// The agent's event stream (GET /v1/events, server-sent events), kept open: when it drops, it
// is reopened after a growing delay (backoff.js) and the page is told its state at each step.

import { backoffDelay } from './backoff.js';

export const STREAM_EVENTS = [
  'member-join', 'member-leave', 'member-failed', 'member-update', 'member-reap',
  'member-suspect', 'member-alive', 'user', 'query',
];

// onEvent(type, data) for each event; onState({state: 'connecting' | 'connected' |
// 'disconnected', retryInMs}) on each change; onOpen() each time the stream (re)opens, so the
// page can re-read what it may have missed. Returns {close()}.
export function openEventStream(url, { onEvent, onState, onOpen }) {
  let source = null;
  let attempt = 0;
  let timer = null;
  let closed = false;

  const connect = () => {
    timer = null;
    if (closed) return;
    onState({ state: 'connecting' });
    const es = new EventSource(url);
    source = es;
    es.onopen = () => {
      attempt = 0;
      onState({ state: 'connected' });
      onOpen?.();
    };
    es.onerror = () => {
      // EventSource would retry by itself at its own pace, and not at all after an HTTP error
      // status; we close it and retry on our schedule instead.
      if (source !== es) return;
      es.close();
      source = null;
      const delay = backoffDelay(attempt++);
      onState({ state: 'disconnected', retryInMs: delay, retryAt: Date.now() + delay });
      if (!closed) timer = setTimeout(connect, delay);
    };
    for (const type of STREAM_EVENTS) {
      es.addEventListener(type, (msg) => {
        let data = null;
        try {
          data = JSON.parse(msg.data);
        } catch {
          data = null; // an unreadable line still counts as an event of its type
        }
        onEvent(type, data);
      });
    }
  };

  connect();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      source?.close();
    },
  };
}
