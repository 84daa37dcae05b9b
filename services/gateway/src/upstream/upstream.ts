import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import { AppError, DeadlineError, UnavailableError } from '@switchyard/kit/errors';
import type { acquireWatcher } from '@switchyard/kit/k8s-resolver';
import type { Logger } from '@switchyard/kit/log';
import { sharedMetric } from '@switchyard/kit/metrics';
import { errorCode, startClientSpan } from '@switchyard/kit/tracing/client-span';
import { UpstreamBreaker, type BreakerSettings } from './circuit-breaker.js';
import { ReplicaSet, type EjectionSettings, type Replica } from './replica-set.js';
import { RetryBudget } from './retry-budget.js';

/** The ready pods of a k8s:// upstream, kept current from its EndpointSlices (see k8s-resolver). */
export type EndpointWatch = ReturnType<typeof acquireWatcher>;

export interface UpstreamOptions {
  timeoutMs: number;
  connectTimeoutMs: number;
  retries: number;
  /** Retries may add at most this share of the calls (see RetryBudget). */
  retryBudgetRatio: number;
  ejection: EjectionSettings;
  breaker: BreakerSettings;
  /** Connections of each replica's stream pool: the most streams that can be open at once. */
  streamConnections: number;
  log: Logger;
  registry: Registry;
  /** For a k8s:// upstream: the watch of its Service's endpoints (required then). */
  endpoints?: EndpointWatch;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
  /** Safe to send twice: GET/HEAD, or a write carrying an Idempotency-Key. */
  idempotent: boolean;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface UpstreamStream {
  status: number;
  headers: UpstreamResponse['headers'];
  body: Readable;
}

// The request never reached the service, so sending it again cannot repeat an effect.
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// The service may or may not have acted; only idempotent requests are repeated.
const MAYBE_SENT = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);
// The call ran out of its deadline: the whole call's budget, not a sign that this replica is broken.
const TIMED_OUT = new Set(['TimeoutError', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'AbortError']);
const RETRYABLE_STATUS = new Set([502, 503]);
// A stream body destroyed by this side (the response it was piped into closed, the call was aborted).
const TORN_DOWN_HERE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'AbortError', 'UND_ERR_ABORTED']);

/** What an attempt's timer aborts it with: named as AbortSignal.timeout() names its reason. */
function timeoutError(): Error {
  const err = new Error('The upstream did not answer within the budget.');
  err.name = 'TimeoutError';
  return err;
}

/**
 * One upstream service: its replicas (each with keep-alive pools), outlier ejection, retries of requests
 * that are safe to repeat on another replica within a retry budget, and a circuit breaker around it all.
 * Every call has one deadline covering all attempts.
 */
export class Upstream {
  readonly #replicas: ReplicaSet;
  readonly #breaker: UpstreamBreaker;
  readonly #budget: RetryBudget;
  readonly #retried: Counter<'upstream' | 'outcome'>;
  readonly #log: Logger;
  readonly #releaseDiscovery: (() => Promise<void>) | undefined;

  constructor(
    readonly name: string,
    urls: readonly string[],
    private readonly options: UpstreamOptions,
  ) {
    const { registry } = options;
    this.#log = options.log.child({ upstream: name });
    const ejected = sharedMetric(
      registry,
      'gateway_upstream_ejected_replicas',
      () => new Gauge({ name: 'gateway_upstream_ejected_replicas', help: 'Replicas of an upstream ejected for repeated failures right now.', labelNames: ['upstream'], registers: [registry] }),
    );
    this.#retried = sharedMetric(
      registry,
      'gateway_upstream_retries_total',
      () => new Counter({ name: 'gateway_upstream_retries_total', help: 'Retries per upstream: made, or refused by the retry budget.', labelNames: ['upstream', 'outcome'], registers: [registry] }),
    );
    this.#replicas = new ReplicaSet({
      upstream: name,
      pool: {
        connections: 128,
        // Shorter than the services' 65 s server keep-alive, so the gateway closes idle sockets first.
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 30_000,
        connect: { timeout: options.connectTimeoutMs },
      },
      streamConnections: options.streamConnections,
      ejection: options.ejection,
      log: this.#log,
      onEjectedChange: (count) => ejected.set({ upstream: name }, count),
    });
    this.#breaker = new UpstreamBreaker(name, options.breaker, this.#log, registry);
    this.#budget = new RetryBudget(options.retryBudgetRatio);

    if (urls[0]!.startsWith('k8s://')) {
      // k8s://<service>.<namespace>:<port-name>: one replica per ready pod, kept in step with the
      // Service's EndpointSlices, instead of one pool to the ClusterIP.
      if (!options.endpoints) throw new Error(`upstream ${name} is a k8s:// target but has no endpoint watch`);
      const { watcher, release } = options.endpoints;
      const apply = (addresses: Array<{ host: string; port: number }>) => this.#replicas.update(addresses.map((a) => `http://${a.host}:${a.port}`));
      const unsubscribe = watcher.subscribe(apply);
      apply(watcher.addresses);
      this.#releaseDiscovery = async () => {
        unsubscribe();
        await release();
      };
    } else {
      this.#replicas.update(urls.map((url) => new URL(url).origin));
    }
  }

  /** Sends a request and reads the whole response, or fails with a 503/504 problem. */
  request(req: UpstreamRequest, timeoutMs = this.options.timeoutMs): Promise<UpstreamResponse> {
    return this.#breaker.execute(() => this.#attempts(req, timeoutMs));
  }

  /**
   * Opens a long-lived response (Server-Sent Events) on a replica's stream pool and hands its body over
   * as it arrives: the deadline covers only the answer's headers, and the stream ends when `signal`
   * aborts (the client went away; then this resolves undefined). Nothing is retried.
   */
  stream(req: Omit<UpstreamRequest, 'body'>, signal: AbortSignal): Promise<UpstreamStream | undefined> {
    return this.#breaker.execute(async () => {
      const replica = this.#replicas.pick(new Set());
      if (!replica) throw this.#noReplicas();
      // The span lasts as long as the stream, as the server's does.
      const span = startClientSpan(req.method, replica.origin, req.path, req.headers);
      try {
        const res = await replica.streamPool.request({
          method: req.method as Dispatcher.HttpMethod,
          path: req.path,
          headers: span.headers,
          signal,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: 0,
        });
        this.#replicas.report(replica, res.statusCode < 500);
        // Ended when the stream is: broken midway by the upstream (an error), or torn down on this side
        // because the client left or the gateway drains (cancelled), or ended by the upstream.
        let broken: unknown;
        res.body.once('error', (err) => (broken = err));
        res.body.once('close', () => {
          const torn = signal.aborted || (broken !== undefined && TORN_DOWN_HERE.has(errorCode(broken)));
          span.end({ status: res.statusCode, ...(torn ? { cancelled: true } : { error: broken }) });
        });
        return { status: res.statusCode, headers: res.headers, body: res.body };
      } catch (err) {
        span.end(signal.aborted ? { cancelled: true } : { error: err });
        if (signal.aborted) return undefined;
        const code = errorCode(err);
        if (!TIMED_OUT.has(code)) this.#replicas.report(replica, false);
        throw this.#translate(err, code, this.options.timeoutMs);
      }
    });
  }

  /** Stops following endpoints and closes every pool, letting requests in flight finish. */
  async close(): Promise<void> {
    await this.#releaseDiscovery?.();
    await this.#replicas.close();
  }

  async #attempts(req: UpstreamRequest, timeoutMs: number): Promise<UpstreamResponse> {
    const deadline = Date.now() + timeoutMs;
    const tried = new Set<Replica>();
    this.#budget.earn();
    for (let attempt = 0; ; attempt++) {
      const replica = this.#replicas.pick(tried);
      if (!replica) throw this.#noReplicas();
      // Straight on to another replica; the same one again only after a pause.
      if (tried.has(replica)) await this.#backoff(attempt, deadline);
      tried.add(replica);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.#timeout(timeoutMs);
      // One timer per attempt, cleared as soon as the body is in: AbortSignal.timeout() would keep a
      // timer armed for the whole budget after every answer and build a DOMException when it fires.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(timeoutError()), remaining);
      // One CLIENT span per attempt: a retry is a call of its own to another replica.
      const span = startClientSpan(req.method, replica.origin, req.path, req.headers, attempt);
      try {
        const res = await replica.pool.request({
          method: req.method as Dispatcher.HttpMethod,
          path: req.path,
          headers: span.headers,
          body: req.body ?? null,
          signal: abort.signal,
          headersTimeout: remaining,
          bodyTimeout: remaining,
        });
        const body = Buffer.from(await res.body.arrayBuffer());
        clearTimeout(timer);
        span.end({ status: res.statusCode });
        this.#replicas.report(replica, res.statusCode < 500);
        if (req.idempotent && RETRYABLE_STATUS.has(res.statusCode) && this.#mayRetry(attempt, { status: res.statusCode, origin: replica.origin })) continue;
        return { status: res.statusCode, headers: res.headers, body };
      } catch (err) {
        clearTimeout(timer);
        span.end({ error: err });
        const code = errorCode(err);
        if (TIMED_OUT.has(code)) throw this.#timeout(timeoutMs);
        this.#replicas.report(replica, false);
        const retryable = NOT_SENT.has(code) || (req.idempotent && MAYBE_SENT.has(code));
        if (retryable && deadline - Date.now() > 0 && this.#mayRetry(attempt, { code, origin: replica.origin })) continue;
        throw this.#translate(err, code, timeoutMs);
      }
    }
  }

  /** Whether this call may make another attempt: within its retries, and the budget has one left. */
  #mayRetry(attempt: number, why: Record<string, unknown>): boolean {
    if (attempt >= this.options.retries) return false;
    if (!this.#budget.trySpend()) {
      this.#retried.inc({ upstream: this.name, outcome: 'budget_exhausted' });
      this.#log.debug({ ...why, attempt }, 'retry budget spent; not retrying');
      return false;
    }
    this.#retried.inc({ upstream: this.name, outcome: 'retried' });
    this.#log.debug({ ...why, attempt }, 'retrying upstream call');
    return true;
  }

  async #backoff(attempt: number, deadline: number): Promise<void> {
    const delay = Math.min(25 * 2 ** (attempt - 1) * (0.5 + Math.random()), Math.max(0, deadline - Date.now()));
    await sleep(delay);
  }

  #timeout(timeoutMs: number): AppError {
    return new DeadlineError('upstream_timeout', `The ${this.name} service did not answer within ${timeoutMs} ms.`);
  }

  #unavailable(cause?: unknown): AppError {
    return new UnavailableError('upstream_unavailable', `The ${this.name} service is unavailable.`, { cause, headers: { 'retry-after': '1' } });
  }

  #noReplicas(): AppError {
    this.#log.warn('upstream has no endpoints');
    return this.#unavailable();
  }

  #translate(err: unknown, code: string, timeoutMs: number): AppError {
    if (TIMED_OUT.has(code)) return this.#timeout(timeoutMs);
    this.#log.warn({ code, err }, 'upstream call failed');
    return this.#unavailable(err);
  }
}
