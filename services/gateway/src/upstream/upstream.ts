import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BalancedPool, Pool, type Dispatcher } from 'undici';
import { AppError, DeadlineError, UnavailableError } from '@switchyard/kit/errors';
import type { acquireWatcher } from '@switchyard/kit/k8s-resolver';
import type { Logger } from '@switchyard/kit/log';

/** The ready pods of a k8s:// upstream, kept current from its EndpointSlices (see k8s-resolver). */
export type EndpointWatch = ReturnType<typeof acquireWatcher>;

export interface UpstreamOptions {
  timeoutMs: number;
  connectTimeoutMs: number;
  retries: number;
  log: Logger;
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

// The request never reached the service, so sending it again cannot repeat an effect.
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// The service may or may not have acted; only idempotent requests are repeated.
const MAYBE_SENT = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);
const RETRYABLE_STATUS = new Set([502, 503]);

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; name?: string };
  // DOMExceptions (an aborted signal) carry a numeric legacy code; their name is what tells.
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return e?.name ?? 'unknown';
}

/**
 * One upstream service over a keep-alive connection pool (several base URLs are balanced across).
 * Every call has one deadline covering all attempts; only requests that are safe to repeat are retried.
 */
export class Upstream {
  readonly #dispatcher: Dispatcher;
  readonly #releaseDiscovery: (() => Promise<void>) | undefined;

  constructor(
    readonly name: string,
    urls: readonly string[],
    private readonly options: UpstreamOptions,
  ) {
    const poolOptions: Pool.Options = {
      connections: 128,
      // Shorter than the services' 65 s server keep-alive, so the gateway closes idle sockets first.
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 30_000,
      connect: { timeout: options.connectTimeoutMs },
    };
    if (urls[0]!.startsWith('k8s://')) {
      // k8s://<service>.<namespace>:<port-name>: one keep-alive pool per ready pod, kept in step with
      // the Service's EndpointSlices, instead of one pool to the ClusterIP.
      if (!options.endpoints) throw new Error(`upstream ${name} is a k8s:// target but has no endpoint watch`);
      const pool = new BalancedPool([], poolOptions);
      const { watcher, release } = options.endpoints;
      let current = new Set<string>();
      const apply = (addresses: Array<{ host: string; port: number }>) => {
        const next = new Set(addresses.map((a) => `http://${a.host}:${a.port}`));
        for (const origin of next) if (!current.has(origin)) pool.addUpstream(origin);
        for (const origin of current) if (!next.has(origin)) pool.removeUpstream(origin);
        current = next;
      };
      const unsubscribe = watcher.subscribe(apply);
      apply(watcher.addresses);
      this.#releaseDiscovery = async () => {
        unsubscribe();
        await release();
      };
      this.#dispatcher = pool;
    } else {
      this.#dispatcher = urls.length === 1 ? new Pool(urls[0]!, poolOptions) : new BalancedPool([...urls], poolOptions);
    }
  }

  /** Sends a request and reads the whole response, or fails with a 503/504 problem. */
  async request(req: UpstreamRequest, timeoutMs = this.options.timeoutMs): Promise<UpstreamResponse> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.#timeout(timeoutMs);
      try {
        const res = await this.#dispatcher.request({
          method: req.method as Dispatcher.HttpMethod,
          path: req.path,
          headers: req.headers,
          body: req.body ?? null,
          signal: AbortSignal.timeout(remaining),
          headersTimeout: remaining,
          bodyTimeout: remaining,
        });
        const body = Buffer.from(await res.body.arrayBuffer());
        if (req.idempotent && RETRYABLE_STATUS.has(res.statusCode) && attempt < this.options.retries) {
          await this.#backoff(attempt, deadline);
          continue;
        }
        return { status: res.statusCode, headers: res.headers, body };
      } catch (err) {
        if (err instanceof AppError) throw err;
        const code = errorCode(err);
        const retryable = NOT_SENT.has(code) || (req.idempotent && MAYBE_SENT.has(code));
        if (retryable && attempt < this.options.retries && deadline - Date.now() > 0) {
          this.options.log.debug({ upstream: this.name, code, attempt }, 'retrying upstream call');
          await this.#backoff(attempt, deadline);
          continue;
        }
        throw this.#translate(err, code, timeoutMs);
      }
    }
  }

  /**
   * Opens a long-lived response (Server-Sent Events) and hands its body over as it arrives: the
   * deadline covers only the answer's headers, and the stream ends when `signal` aborts (the client
   * went away). Nothing is retried once the stream started.
   */
  async stream(req: Omit<UpstreamRequest, 'body'>, signal: AbortSignal): Promise<{ status: number; headers: UpstreamResponse['headers']; body: Readable }> {
    try {
      const res = await this.#dispatcher.request({
        method: req.method as Dispatcher.HttpMethod,
        path: req.path,
        headers: req.headers,
        signal,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: 0,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      throw this.#translate(err, errorCode(err), this.options.timeoutMs);
    }
  }

  /** Closes the pool, letting requests in flight finish. */
  async close(): Promise<void> {
    await this.#releaseDiscovery?.();
    await this.#dispatcher.close();
  }

  async #backoff(attempt: number, deadline: number): Promise<void> {
    const delay = Math.min(25 * 2 ** attempt * (0.5 + Math.random()), Math.max(0, deadline - Date.now()));
    await sleep(delay);
  }

  #timeout(timeoutMs: number): AppError {
    return new DeadlineError('upstream_timeout', `The ${this.name} service did not answer within ${timeoutMs} ms.`);
  }

  #translate(err: unknown, code: string, timeoutMs: number): AppError {
    if (code === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'AbortError') {
      return this.#timeout(timeoutMs);
    }
    this.options.log.warn({ upstream: this.name, code, err }, 'upstream call failed');
    return new UnavailableError('upstream_unavailable', `The ${this.name} service is unavailable.`, {
      cause: err,
      headers: { 'retry-after': '1' },
    });
  }
}
