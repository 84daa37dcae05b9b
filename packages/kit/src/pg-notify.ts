import type { PoolClient } from './postgres.js';
import { propagating, traceHeaders } from './tracing/context.js';

// ASCII's record separator: never part of a payload the kit's users send (ids, positions) nor of a traceparent.
const SEPARATOR = '\u001e';

/**
 * NOTIFY inside the caller's transaction (delivered on commit), carrying the trace context of the
 * transaction after the payload when tracing is on, so what a listener does on it (PgListener runs
 * its onNotify in that context) continues the trace that caused it.
 */
export async function notify(db: PoolClient, channel: string, payload: string): Promise<void> {
  const traceparent = propagating() ? traceHeaders().traceparent : undefined;
  await db.query('SELECT pg_notify($1, $2)', [channel, traceparent ? `${payload}${SEPARATOR}${traceparent}` : payload]);
}

/** A NOTIFY payload as notify() sent it: the payload itself and the trace context headers it carried. */
export function splitNotifyPayload(raw: string | undefined): { payload: string | undefined; headers: Record<string, string> } {
  const at = raw?.indexOf(SEPARATOR) ?? -1;
  if (raw === undefined || at < 0) return { payload: raw, headers: {} };
  return { payload: raw.slice(0, at), headers: { traceparent: raw.slice(at + 1) } };
}
