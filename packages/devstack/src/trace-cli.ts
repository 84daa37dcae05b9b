import { createLogger } from '@switchyard/kit/log';
import { readRunnerConfig } from './config.js';
import { formatTrace, type ReceivedSpan } from './span-tree.js';

/**
 * `npm run trace -- <traceId|text>`: prints the span trees the running local system's receiver holds
 * for a trace id, or for every trace with a span whose attributes contain the text (an order id finds
 * its placement, its payments and what their events caused).
 */
const log = createLogger({ service: 'trace', level: 'info' });
const query = process.argv[2] ?? '';
const base = `http://127.0.0.1:${readRunnerConfig().SWITCHYARD_OTLP_PORT}`;

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as T & { message?: string };
  if (res.status !== 200) throw new Error(body.message ?? `the receiver answered ${res.status}`);
  return body;
}

try {
  if (query.length < 4) throw new Error('usage: npm run trace -- <traceId|orderId|any text a span attribute holds>');
  const ids = /^[0-9a-f]{32}$/.test(query) ? [query] : (await get<{ traceIds: string[] }>(`/traces?q=${encodeURIComponent(query)}`)).traceIds;
  const traces = (await Promise.all(ids.map((id) => get<{ spans: ReceivedSpan[] }>(`/traces/${id}`)))).map((t) => t.spans).filter((spans) => spans.length > 0);
  if (traces.length === 0) throw new Error(`no trace found for ${query} (the receiver keeps the newest 50,000 spans of the running system)`);
  traces.sort((a, b) => Math.min(...a.map((s) => s.startMs)) - Math.min(...b.map((s) => s.startMs)));
  process.stdout.write(`${traces.map((spans) => formatTrace(spans).join('\n')).join('\n\n')}\n`);
} catch (err) {
  const refused = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
  log.error(refused ? `nothing receives traces at ${base}: start the system with npm start` : (err as Error).message);
  process.exitCode = 1;
}
