/**
 * The load generator's thread: an open-loop schedule of requests through the gateway (`rate` per second,
 * whatever the answers take), so that nothing the suite's main thread does - kubectl, watches, JSON -
 * can slow the load down. Each request is counted in the phase during which it was sent; a failure is an
 * unexpected status, a network error or no answer within 10 s.
 */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { Agent, request } from 'undici';
import type { LoadOptions, PhaseStats } from './load.js';

const options = workerData as LoadOptions;
const agent = new Agent({ connections: options.connections, keepAliveTimeout: 4_000 });

interface Step {
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  expected: number;
  then?: (body: any) => Step | undefined;
}

const declinedCard = { number: '4000000000000002', expiry: '12/40', cvc: '123' };
let counter = 0;
const pick = <T>(items: readonly T[]): T => items[counter % items.length]!;

/** place (201) → pay with a declined card (402, touches payments) → cancel (200, stock comes back). */
function placeOrder(token: string): Step {
  return {
    kind: 'place order',
    method: 'POST',
    path: '/api/orders',
    token,
    body: { items: [{ productId: pick(options.productIds), quantity: 1 }] },
    headers: { 'idempotency-key': randomUUID() },
    expected: 201,
    then: (order: { id: string }) => ({
      kind: 'pay (declined)',
      method: 'POST',
      path: `/api/orders/${order.id}/pay`,
      token,
      body: { card: declinedCard },
      expected: 402,
      then: () => ({ kind: 'cancel order', method: 'POST', path: `/api/orders/${order.id}/cancel`, token, expected: 200 }),
    }),
  };
}

function nextStep(): Step {
  counter += 1;
  const token = pick(options.tokens);
  const reads: Step[] = [
    { kind: 'list products', method: 'GET', path: '/api/products?limit=20', expected: 200 },
    { kind: 'get product', method: 'GET', path: `/api/products/${pick(options.productIds)}`, expected: 200 },
    { kind: 'me', method: 'GET', path: '/api/users/me', token, expected: 200 },
    { kind: 'list orders', method: 'GET', path: '/api/orders?limit=5', token, expected: 200 },
    { kind: 'list notifications', method: 'GET', path: '/api/notifications?limit=5', token, expected: 200 },
  ];
  // An order flow under way goes first (so orders do not pile up holding stock); every tenth request
  // starts a new flow (three requests: about a third of the writes a shop sees are orders); the rest are
  // reads.
  const followUp = followUps.shift();
  if (followUp) return followUp;
  if (counter % 10 === 0) return placeOrder(token);
  return reads[counter % reads.length]!;
}

const followUps: Step[] = [];
const phases = new Map<string, PhaseStats>();
const startedAt = new Map<PhaseStats, number>();
let phase = openPhase('baseline');
let inFlight = 0;
let stopping = false;

function openPhase(name: string): PhaseStats {
  const stats: PhaseStats = { name, seconds: 0, sent: 0, failed: 0, failures: [], reasons: {}, spans: {}, byKind: {} };
  phases.set(name, stats);
  startedAt.set(stats, performance.now());
  return stats;
}

function closePhase(stats: PhaseStats): void {
  stats.seconds = (performance.now() - startedAt.get(stats)!) / 1000;
}

async function send(step: Step): Promise<void> {
  const stats = phase;
  stats.sent += 1;
  const kind = (stats.byKind[step.kind] ??= { sent: 0, failed: 0 });
  kind.sent += 1;
  inFlight += 1;
  const fail = (why: string) => {
    stats.failed += 1;
    kind.failed += 1;
    const reason = `${step.kind}: ${why.slice(0, 120)}`;
    stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1;
    const at = new Date().toISOString().slice(11, 23);
    stats.spans[reason] = [stats.spans[reason]?.[0] ?? at, at];
    if (stats.failures.length < 5) stats.failures.push(`${new Date().toISOString()} ${step.kind}: ${why}`);
  };
  try {
    const headers: Record<string, string> = { ...step.headers };
    if (step.token) headers.authorization = `Bearer ${step.token}`;
    if (step.body !== undefined) headers['content-type'] = 'application/json';
    const res = await request(`${options.base}${step.path}`, {
      method: step.method,
      headers,
      body: step.body === undefined ? undefined : JSON.stringify(step.body),
      dispatcher: agent,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.body.text();
    if (res.statusCode !== step.expected) return fail(`${res.statusCode} ${codeOf(text)}`);
    const next = step.then?.(text ? JSON.parse(text) : undefined);
    if (next) followUps.push(next);
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    fail(`${e.code ?? e.cause?.code ?? e.name}: ${e.message}`);
  } finally {
    inFlight -= 1;
  }
}

/** The problem code of an error answer, or the start of its body. */
function codeOf(text: string): string {
  try {
    return String((JSON.parse(text) as { code?: string }).code);
  } catch {
    return text.slice(0, 80);
  }
}

// The schedule: requests due since the last tick are sent now (a late timer does not lower the rate).
const interval = 1000 / options.rate;
let due = performance.now();
const timer = setInterval(() => {
  if (!stopping) {
    const now = performance.now();
    while (due <= now) {
      void send(nextStep());
      due += interval;
    }
  } else if (inFlight === 0) {
    clearInterval(timer);
    closePhase(phase);
    parentPort!.postMessage({ type: 'stats', phases: [...phases.values()] });
    void agent.close();
  }
}, 5);

parentPort!.on('message', (message: { type: 'phase'; name: string } | { type: 'stop' }) => {
  if (message.type === 'phase') {
    closePhase(phase);
    phase = openPhase(message.name);
  } else {
    stopping = true;
  }
});
