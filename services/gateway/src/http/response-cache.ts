import CachePolicy from 'http-cache-semantics';
import { LRUCache } from 'lru-cache';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { UpstreamResponse } from '../upstream/upstream.js';

/** What the cache answers with: the upstream's status, the headers to send on (Age included) and the body. */
export interface CachedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface Entry {
  policy: CachePolicy;
  status: number;
  headers: UpstreamResponse['headers'];
  body: Buffer;
}

/**
 * Whether a request's Cache-Control asks for an answer validated with the origin: `no-cache`, or
 * `max-age=0`, which browsers send for a fetch with `cache: 'no-cache'` (the storefront's product reads).
 */
export function asksToRevalidate(cacheControl: string): boolean {
  return cacheControl.split(',').some((directive) => {
    const d = directive.trim().toLowerCase();
    return d === 'no-cache' || d === 'max-age=0';
  });
}

/** The cache's name in Cache-Status headers (RFC 9211). */
const CACHE_NAME = 'switchyard-gateway';

// Per entry beyond its body: the policy, the headers, the key (an estimate; the bound is what matters).
const ENTRY_OVERHEAD_BYTES = 1024;

/**
 * A shared HTTP cache (RFC 9111, through http-cache-semantics in its shared-cache mode) for the
 * gateway's public GETs. It stores only what the upstream allows: explicit freshness (max-age or
 * s-maxage; no heuristic freshness), never `no-store` or `private`, never a response to a request
 * carrying Authorization unless it is marked `public`, never one that sets a cookie. An entry is kept
 * for its freshness and served with its Age, so a client's own cache counts from the upstream's
 * answer, not from ours. Concurrent identical misses share one upstream call. The entries are bounded
 * in bytes, least recently used first out.
 *
 * Requests are matched on what reaches the upstream, the only thing its answer can depend on: path,
 * query and the forwarded Accept (cookies and other client headers are never forwarded on these routes).
 * A client's `no-cache` or `max-age=0` (a browser revalidating) gets a fresh upstream answer, which
 * also renews the kept one; it lets nobody through who could not get through anyway by varying the query.
 */
export class ResponseCache {
  readonly #entries: LRUCache<string, Entry>;
  readonly #inFlight = new Map<string, Promise<unknown>>();
  readonly #lookups: Counter<'route' | 'outcome'>;

  constructor(maxBytes: number, registry: Registry) {
    this.#entries = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      // One entry never takes more than a tenth of the cache.
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 10)),
      sizeCalculation: (entry, key) => entry.body.length + key.length + ENTRY_OVERHEAD_BYTES,
    });
    this.#lookups = new Counter({
      name: 'gateway_response_cache_lookups_total',
      help: 'Cacheable GETs by route, counted when they are looked up: hit (served from memory), coalesced (waiting for a concurrent identical call), miss (calling the upstream), revalidated (the client asked for a fresh answer).',
      labelNames: ['route', 'outcome'] as const,
      registers: [registry],
    });
    const entries = this.#entries;
    new Gauge({
      name: 'gateway_response_cache_bytes',
      help: 'Bytes held by the response cache (bodies plus an estimate per entry).',
      registers: [registry],
      collect() {
        this.set(entries.calculatedSize);
      },
    });
  }

  /**
   * The answer to a GET of `url` (path and query as sent upstream), from memory when a fresh one is
   * there, else from `fetch` (shared with concurrent identical requests), stored when allowed. Its
   * `cacheStatus` is the value of an RFC 9211 Cache-Status header saying which it was.
   */
  async get(
    route: string,
    url: string,
    requestHeaders: CachePolicy.Headers,
    fetch: () => Promise<UpstreamResponse>,
    options: { revalidate?: boolean } = {},
  ): Promise<CachedAnswer & { cacheStatus: string }> {
    const request = { method: 'GET', url, headers: requestHeaders };
    const key = `${url}\n${requestHeaders.accept ?? ''}`;
    if (options.revalidate) {
      // The client wants what the upstream says now (a browser revalidating): a call of its own, never
      // one that may have left before this request came, and its answer replaces the kept one.
      this.#lookups.inc({ route, outcome: 'revalidated' });
      const res = await fetch();
      return { ...res, cacheStatus: `${CACHE_NAME}; fwd=request${this.#store(key, request, res) ? '; stored' : ''}` };
    }
    const cached = this.#fresh(key, request);
    if (cached) {
      this.#lookups.inc({ route, outcome: 'hit' });
      return { ...cached, cacheStatus: `${CACHE_NAME}; hit` };
    }
    const pending = this.#inFlight.get(key);
    if (pending) {
      this.#lookups.inc({ route, outcome: 'coalesced' });
      // A failure of the call this one joined is its failure too (they were made at the same time).
      await pending;
      const shared = this.#fresh(key, request);
      if (shared) return { ...shared, cacheStatus: `${CACHE_NAME}; fwd=uri-miss; collapsed` };
      // That call's answer was not one to share (no-store, private): this one makes its own.
      return { ...(await fetch()), cacheStatus: `${CACHE_NAME}; fwd=uri-miss` };
    }
    this.#lookups.inc({ route, outcome: 'miss' });
    const call = fetch().then((res) => ({ res, stored: this.#store(key, request, res) }));
    this.#inFlight.set(key, call);
    try {
      const { res, stored } = await call;
      return { ...res, cacheStatus: `${CACHE_NAME}; fwd=uri-miss${stored ? '; stored' : ''}` };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  #fresh(key: string, request: CachePolicy.Request): CachedAnswer | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (!entry.policy.satisfiesWithoutRevalidation(request)) {
      this.#entries.delete(key);
      return undefined;
    }
    return { status: entry.status, headers: { ...entry.headers, age: String(Math.floor(entry.policy.age())) }, body: entry.body };
  }

  /** Keeps the answer when its headers allow; whether it did. */
  #store(key: string, request: CachePolicy.Request, res: UpstreamResponse): boolean {
    if (res.headers['set-cookie'] !== undefined) return false;
    const policy = new CachePolicy(request, { status: res.status, headers: res.headers }, { shared: true, cacheHeuristic: 0 });
    const ttl = policy.timeToLive();
    if (!policy.storable() || ttl <= 0) return false;
    this.#entries.set(key, { policy, status: res.status, headers: res.headers, body: res.body }, { ttl });
    return this.#entries.has(key); // not when larger than maxEntrySize
  }
}
