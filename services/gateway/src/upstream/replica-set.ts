import { Pool } from 'undici';
import type { Logger } from '@switchyard/kit/log';

export interface EjectionSettings {
  /** Failures in a row (connect errors, resets, 5xx) that eject a replica. */
  consecutiveFailures: number;
  /** The first ejection's length; it doubles with every ejection in a row, up to maxMs. */
  baseMs: number;
  maxMs: number;
  /** At most this share of the replicas is ejected at once; one of two or more always may be. */
  maxPercent: number;
}

export interface ReplicaSetOptions {
  upstream: string;
  /** Options of every replica's API pool. */
  pool: Pool.Options;
  /** Connections of every replica's stream pool (one per open stream). */
  streamConnections: number;
  ejection: EjectionSettings;
  log: Logger;
  /** Called after every ejection and return, with the number of replicas ejected now. */
  onEjectedChange?: (ejected: number) => void;
}

/** One pod or base URL of an upstream: its keep-alive pools and its outlier state. */
export class Replica {
  /** Failed calls in a row. */
  failures = 0;
  /** Ejections in a row; cleared by the first success after the replica came back. */
  ejections = 0;
  ejectedUntil = 0;
  #streamPool: Pool | undefined;

  constructor(
    readonly origin: string,
    readonly pool: Pool,
    private readonly streamPoolOptions: Pool.Options,
  ) {}

  /** A pool of its own for long-lived streams, so they never take the connections of ordinary calls. */
  get streamPool(): Pool {
    this.#streamPool ??= new Pool(this.origin, this.streamPoolOptions);
    return this.#streamPool;
  }

  isEjected(now = Date.now()): boolean {
    return now < this.ejectedUntil;
  }

  /** Closes both pools, letting calls and streams in flight finish. */
  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.#streamPool?.close()]);
  }
}

/**
 * The replicas of one upstream (a static URL list, or the ready pods of a k8s:// Service), one keep-alive
 * undici Pool per origin, chosen round robin among those not ejected.
 *
 * Why not undici's BalancedPool: it picks the origin inside its dispatch and never tells the caller which
 * one served or failed a request, nor lets a retry avoid it, and it only lowers an origin's weight after
 * socket errors, never for 5xx answers. Ejection, retries on another replica and per-replica reports all
 * need to know the replica, so the choice is made here over plain Pools.
 */
export class ReplicaSet {
  readonly #replicas = new Map<string, Replica>();
  #order: Replica[] = [];
  #next = 0;

  constructor(private readonly options: ReplicaSetOptions) {}

  get size(): number {
    return this.#order.length;
  }

  /** Makes the set equal to these origins: new ones get pools, gone ones are closed, the rest keep their state. */
  update(origins: Iterable<string>): void {
    const wanted = new Set(origins);
    for (const [origin, replica] of this.#replicas) {
      if (wanted.has(origin)) continue;
      this.#replicas.delete(origin);
      void replica.close().catch((err: unknown) => this.options.log.warn({ err, origin }, 'closing the pools of a removed replica failed'));
    }
    for (const origin of wanted) {
      if (this.#replicas.has(origin)) continue;
      const pool = new Pool(origin, this.options.pool);
      this.#replicas.set(origin, new Replica(origin, pool, { ...this.options.pool, connections: this.options.streamConnections }));
    }
    this.#order = [...this.#replicas.values()];
    this.options.onEjectedChange?.(this.ejectedCount());
  }

  /**
   * The replica for the next attempt, round robin: one that is neither ejected nor already tried by this
   * call if there is one; else one not ejected (the same replica again, when it is the only one); else any.
   */
  pick(tried: ReadonlySet<Replica>): Replica | undefined {
    const now = Date.now();
    return this.#rotate((r) => !r.isEjected(now) && !tried.has(r)) ?? this.#rotate((r) => !r.isEjected(now)) ?? this.#rotate(() => true);
  }

  /** Records how a call to a replica went; a replica failing repeatedly is ejected for a growing while. */
  report(replica: Replica, ok: boolean): void {
    if (ok) {
      if (replica.ejections > 0) this.options.log.info({ upstream: this.options.upstream, origin: replica.origin }, 'ejected replica answers again');
      replica.failures = 0;
      replica.ejections = 0;
      return;
    }
    const now = Date.now();
    // Calls that were already under way when it was ejected say nothing new.
    if (replica.isEjected(now)) return;
    replica.failures += 1;
    // A replica back from an ejection that fails before any success goes out again at once, for longer.
    const due = replica.ejections > 0 || replica.failures >= this.options.ejection.consecutiveFailures;
    if (!due || !this.#mayEject(now)) return;
    const { baseMs, maxMs } = this.options.ejection;
    const ejectionMs = Math.min(maxMs, baseMs * 2 ** replica.ejections);
    replica.ejections += 1;
    replica.ejectedUntil = now + ejectionMs;
    replica.failures = 0;
    this.options.log.warn({ upstream: this.options.upstream, origin: replica.origin, ejectionMs, ejections: replica.ejections }, 'replica ejected');
    this.options.onEjectedChange?.(this.ejectedCount(now));
    setTimeout(() => this.options.onEjectedChange?.(this.ejectedCount()), ejectionMs + 1).unref();
  }

  ejectedCount(now = Date.now()): number {
    return this.#order.filter((r) => r.isEjected(now)).length;
  }

  /** Closes every replica's pools. */
  async close(): Promise<void> {
    const replicas = this.#order;
    this.#replicas.clear();
    this.#order = [];
    await Promise.all(replicas.map((r) => r.close()));
  }

  #mayEject(now: number): boolean {
    const n = this.#order.length;
    // With one replica there is nothing to fail over to: the circuit breaker speaks for the whole upstream.
    if (n < 2 || this.options.ejection.maxPercent === 0) return false;
    const cap = Math.max(1, Math.floor((n * this.options.ejection.maxPercent) / 100));
    return this.ejectedCount(now) < cap;
  }

  #rotate(eligible: (r: Replica) => boolean): Replica | undefined {
    const n = this.#order.length;
    for (let i = 0; i < n; i++) {
      const replica = this.#order[(this.#next + i) % n]!;
      if (eligible(replica)) {
        this.#next = (this.#next + i + 1) % n;
        return replica;
      }
    }
    return undefined;
  }
}
