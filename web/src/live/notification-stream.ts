import { createParser } from 'eventsource-parser';
import type { Notification } from '@switchyard/contracts/public-api';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

export interface StreamHandlers {
  onNotification(notification: Notification): void;
  onState(state: StreamState): void;
  /** The session is gone (401): the stream stops for good. */
  onUnauthorized(): void;
}

const MAX_DELAY_MS = 10_000;
// The server sends a heartbeat every 15 s; a stream silent for longer than this is dead (a proxy or
// NAT dropped it without a FIN) and is opened again.
const SILENCE_MS = 35_000;

/** Waits, or less when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** An event's data; one the page cannot read is shown as such rather than ending the stream. */
function parseNotification(data: string): Notification {
  try {
    return JSON.parse(data) as Notification;
  } catch {
    return { id: `unreadable-${Date.now()}`, type: 'unreadable', message: 'A notification arrived that this page cannot show.', createdAt: new Date().toISOString() };
  }
}

/**
 * Follows GET /api/notifications/stream (Server-Sent Events) for as long as it is open: reconnects
 * with backoff and jitter whenever the stream ends or fails, resuming with Last-Event-ID so nothing
 * is missed or repeated; stops on 401. Written on fetch rather than EventSource, which gives up for
 * good on any non-200 answer (a gateway restarting answers 503) and cannot show why;
 * eventsource-parser does the parsing. The first connection sends Last-Event-ID 0 and so replays
 * the user's notifications: the list endpoint carries no stream position, and starting "now" after
 * reading the list could miss one that arrived in between.
 * Returns a function that closes the stream.
 */
export function followNotifications(handlers: StreamHandlers): () => void {
  const closed = new AbortController();
  let lastEventId = '0';
  let retryMs = 2_000;

  // 'dropped': the stream was open and ended; 'failed': it never opened.
  const readOnce = async (): Promise<'dropped' | 'failed' | 'unauthorized'> => {
    const aborted = new AbortController();
    const abort = () => aborted.abort();
    closed.signal.addEventListener('abort', abort);
    let silence: ReturnType<typeof setTimeout> | undefined;
    let live = false;
    const watch = () => {
      clearTimeout(silence);
      silence = setTimeout(abort, SILENCE_MS);
    };
    try {
      watch();
      const res = await fetch('/api/notifications/stream', {
        headers: { accept: 'text/event-stream', 'last-event-id': lastEventId },
        cache: 'no-store',
        credentials: 'same-origin',
        signal: aborted.signal,
      });
      if (res.status === 401) return 'unauthorized';
      if (res.status !== 200 || !res.body) return 'failed';
      handlers.onState('live');
      live = true;
      const parser = createParser({
        onEvent: (event) => {
          if (event.id) lastEventId = event.id;
          if (event.event === 'notification') handlers.onNotification(parseNotification(event.data));
        },
        onRetry: (ms) => (retryMs = ms),
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'dropped';
        watch();
        parser.feed(value);
      }
    } catch {
      return live ? 'dropped' : 'failed';
    } finally {
      clearTimeout(silence);
      closed.signal.removeEventListener('abort', abort);
    }
  };

  void (async () => {
    handlers.onState('connecting');
    let failures = 0;
    while (!closed.signal.aborted) {
      const outcome = await readOnce();
      if (closed.signal.aborted) return;
      if (outcome === 'unauthorized') return handlers.onUnauthorized();
      failures = outcome === 'dropped' ? 0 : failures + 1;
      handlers.onState('reconnecting');
      // Full jitter over a growing window, so clients dropped together do not come back together.
      const delay = Math.random() * Math.min(MAX_DELAY_MS, retryMs * 2 ** Math.min(failures, 5));
      await pause(delay, closed.signal);
    }
  })();
  return () => closed.abort();
}
