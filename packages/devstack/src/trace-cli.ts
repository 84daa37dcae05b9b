import { parseArgs } from 'node:util';
import { ConfigError } from '@switchyard/kit/config';
import { readRunnerConfig } from './config.js';
import { formatTrace, type ReceivedSpan } from './span-tree.js';

/**
 * `npm run trace -- <traceId|text>`: prints the span trees the running local system's receiver holds
 * for a trace id, or for every trace with a span whose attributes contain the text (an order id finds
 * its placement, its payments and what their events caused; a request id, its request).
 * Exit codes: 0 printed, 1 nothing found or no receiver, 2 a usage or configuration error.
 */
const USAGE = 'usage: npm run trace -- <traceId|orderId|requestId|any text a span attribute holds>';
/** Longer texts are no ids: refused here rather than sent to the receiver. */
const MAX_QUERY = 200;
/** A W3C trace id: 32 hex digits (lower case on the wire). */
const TRACE_ID = /^[0-9a-f]{32}$/i;

class UsageError extends Error {}

/** Messages are for a person at a terminal: one plain line on stderr. */
function fail(message: string, exitCode: number): void {
  process.stderr.write(`trace: ${message}\n`);
  process.exitCode = exitCode;
}

function readQuery(): string {
  const { positionals, values } = parseArgs({ allowPositionals: true, strict: false, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const query = positionals[0]!.trim();
  if (query.length < 4) throw new UsageError(`${USAGE} (at least 4 characters)`);
  if (query.length > MAX_QUERY) throw new UsageError(`the text to look for is ${query.length} characters long; ids are shorter than ${MAX_QUERY}`);
  // Not echoed: a newline or an escape sequence would reach the terminal as it is.
  if (/\p{Cc}/u.test(query)) throw new UsageError('the text to look for has control characters (a newline, an escape); ids have none');
  // Trace ids are lower-case hex on the wire; one copied from elsewhere may be upper case.
  return TRACE_ID.test(query) ? query.toLowerCase() : query;
}

async function get<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  if (res.status !== 200) {
    let message: string | undefined;
    try {
      message = (JSON.parse(text) as { message?: string }).message;
    } catch {
      // Not the receiver's JSON: the status says enough.
    }
    throw new Error(message ?? `the receiver at ${base} answered ${res.status}`);
  }
  return JSON.parse(text) as T;
}

async function main(): Promise<void> {
  let base: string;
  let query: string;
  try {
    const port = readRunnerConfig().SWITCHYARD_OTLP_PORT;
    // 0 lets the runner's receiver take any free port; only the port it took can be asked.
    if (port === 0) throw new UsageError('SWITCHYARD_OTLP_PORT is 0: set it to the port the runner\'s receiver listens on (its table shows it)');
    base = `http://127.0.0.1:${port}`;
    query = readQuery();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) return fail(err.message, 2);
    throw err;
  }
  try {
    const ids = TRACE_ID.test(query) ? [query] : (await get<{ traceIds: string[] }>(base, `/traces?q=${encodeURIComponent(query)}`)).traceIds;
    const traces = (await Promise.all(ids.map((id) => get<{ spans: ReceivedSpan[] }>(base, `/traces/${id}`)))).map((t) => t.spans).filter((spans) => spans.length > 0);
    if (traces.length === 0) return fail(`no trace found for ${query} (the receiver keeps the newest 50,000 spans of the running system)`, 1);
    traces.sort((a, b) => Math.min(...a.map((s) => s.startMs)) - Math.min(...b.map((s) => s.startMs)));
    process.stdout.write(`${traces.map((spans) => formatTrace(spans).join('\n')).join('\n\n')}\n`);
  } catch (err) {
    const refused = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
    fail(refused ? `nothing receives traces at ${base}: start the system with npm start (with SWITCHYARD_TRACING=1, the default)` : (err as Error).message, 1);
  }
}

await main();
