import { Agent, request } from 'undici';
import { z } from 'zod';
import type { ReplicaHealth, ReplicaStatus } from '@switchyard/contracts/system-view';
import { replicaMetrics } from './prometheus-text.js';

const readyz = z.object({
  status: z.string(),
  checks: z.record(z.string(), z.enum(['up', 'down'])).default({}),
});
const STATUSES = new Set<ReplicaStatus>(['ready', 'unready', 'starting', 'draining']);

/** The reason to show for a failed call: the system error's code and message, or the timeout. */
function reason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') return `no answer within ${timeoutMs} ms`;
  return e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * Reads the admin endpoints of replicas: GET /readyz (its status and named checks) and GET /metrics (the
 * few samples the view shows), both within one timeout, over a keep-alive agent of its own so the polls
 * never take the connections of the API's pools.
 */
export class ReplicaProbe {
  readonly #agent: Agent;

  constructor(private readonly timeoutMs: number) {
    // Shorter than the services' 65 s server keep-alive, so this side closes idle sockets first.
    this.#agent = new Agent({ keepAliveTimeout: 4_000, connect: { timeout: timeoutMs }, connections: 4 });
  }

  /** The replica's health; an unreachable one is reported as such, never thrown. */
  async probe(baseUrl: string): Promise<ReplicaHealth> {
    const address = new URL(baseUrl).host;
    const [ready, metrics] = await Promise.all([this.#get(`${baseUrl}/readyz`), this.#get(`${baseUrl}/metrics`)]);
    const sampled = metrics.ok && metrics.status === 200 ? replicaMetrics(metrics.body) : { brokerConnected: null, outboxLagSeconds: null, deadLetters: null };
    if (!ready.ok) return { address, ready: false, status: 'unreachable', checks: {}, ...sampled, error: ready.error };
    let parsed: z.output<typeof readyz> | undefined;
    try {
      parsed = readyz.parse(JSON.parse(ready.body));
    } catch {
      parsed = undefined;
    }
    const status: ReplicaStatus = parsed && STATUSES.has(parsed.status as ReplicaStatus) ? (parsed.status as ReplicaStatus) : 'unknown';
    return {
      address,
      ready: ready.status === 200,
      status,
      checks: parsed?.checks ?? {},
      ...sampled,
      ...(parsed ? {} : { error: `/readyz answered ${ready.status} with a body this view cannot read` }),
    };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #get(url: string): Promise<{ ok: true; status: number; body: string } | { ok: false; error: string }> {
    try {
      const res = await request(url, {
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.timeoutMs),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      return { ok: true, status: res.statusCode, body: await res.body.text() };
    } catch (err) {
      return { ok: false, error: reason(err, this.timeoutMs) };
    }
  }
}
