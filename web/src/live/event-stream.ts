import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

export interface EventStreamHandlers {
  onEvent(event: EventSourceMessage): void;
  onState(state: StreamState): void;
  /** The session is gone (401), or the stream is off here (404, with stopOnNotFound): it stops for good. */
  onStopped(status: 401 | 404): void;
}

export interface EventStreamOptions {
  /** Resume with Last-Event-ID from this id on (none: every connection starts at "now"). */
  lastEventId?: string;
  /** A 404 means the stream is off on this server: stop instead of trying again. */
  stopOnNotFound?: boolean;
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

/**
 * Follows a Server-Sent Events stream of the gateway for as long as it is open: reconnects with
 * backoff and jitter whenever the stream ends or fails, resuming with Last-Event-ID when asked to;
 * stops on 401 (and on 404 when asked to). Written on fetch rather than EventSource, which gives up for good on any
 * non-200 answer (a gateway restarting answers 503) and cannot show why; eventsource-parser does the
 * parsing. Returns a function that closes the stream.
 */
export function followEventStream(path: string, handlers: EventStreamHandlers, options: EventStreamOptions = {}): () => void {
  const closed = new AbortController();
  let lastEventId = options.lastEventId;
  let retryMs = 2_000;

  // 'dropped': the stream was open and ended; 'failed': it never opened.
  const readOnce = async (): Promise<'dropped' | 'failed' | 401 | 404> => {
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
      const res = await fetch(path, {
        headers: { accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
        cache: 'no-store',
        credentials: 'same-origin',
        signal: aborted.signal,
      });
      if (res.status === 401 || (res.status === 404 && options.stopOnNotFound)) return res.status;
      if (res.status !== 200 || !res.body) return 'failed';
      handlers.onState('live');
      live = true;
      const parser = createParser({
        onEvent: (event) => {
          if (event.id && lastEventId !== undefined) lastEventId = event.id;
          handlers.onEvent(event);
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
      if (outcome === 401 || outcome === 404) return handlers.onStopped(outcome);
      failures = outcome === 'dropped' ? 0 : failures + 1;
      handlers.onState('reconnecting');
      // Full jitter over a growing window, so clients dropped together do not come back together.
      const delay = Math.random() * Math.min(MAX_DELAY_MS, retryMs * 2 ** Math.min(failures, 5));
      await pause(delay, closed.signal);
    }
  })();
  return () => closed.abort();
}
