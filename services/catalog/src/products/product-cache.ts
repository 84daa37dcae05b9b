import { LRUCache } from 'lru-cache';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Product } from './product-store.js';

export interface ProductCacheSettings {
  /** The most products kept; the least recently read go first. 0 turns the cache off. */
  entries: number;
  /** The longest an entry is served: the bound on staleness should a NOTIFY be lost. */
  maxAgeMs: number;
}

/**
 * Products by id, kept in this process and dropped when they change. Entries are trusted only while
 * the change feed listens (`live`): each committed change of a product arrives as a NOTIFY that drops
 * its entry, a reconnect drops them all (NOTIFYs sent meanwhile are gone), and while the feed is down
 * every read goes to the database. The max age covers a NOTIFY lost some other way.
 *
 * A read that was under way when a change arrived may have read the old row: it answers its caller,
 * but it is not stored (the generation moved on), so the cache never keeps a value older than the
 * last invalidation it saw.
 */
export class ProductCache {
  readonly #entries: LRUCache<string, Product> | undefined;
  #generation = 0;
  #live = false;
  readonly #lookups: Counter<'outcome'>;

  constructor(settings: ProductCacheSettings, registry: Registry) {
    if (settings.entries > 0) this.#entries = new LRUCache({ max: settings.entries, ttl: settings.maxAgeMs, ttlAutopurge: false });
    this.#lookups = new Counter({
      name: 'catalog_product_cache_lookups_total',
      help: 'Product reads by id: hit (served from memory), miss (read from the database and kept), bypass (read from the database while the change feed was down, or the cache is off).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    const entries = this.#entries;
    new Gauge({
      name: 'catalog_product_cache_entries',
      help: 'Products held in the in-process cache.',
      registers: [registry],
      collect() {
        this.set(entries?.size ?? 0);
      },
    });
  }

  /** The product from memory, or from `load` (kept when nothing changed meanwhile). */
  async get(id: string, load: (id: string) => Promise<Product | undefined>): Promise<Product | undefined> {
    if (!this.#entries || !this.#live) {
      this.#lookups.inc({ outcome: 'bypass' });
      return load(id);
    }
    const cached = this.#entries.get(id);
    if (cached) {
      this.#lookups.inc({ outcome: 'hit' });
      return cached;
    }
    this.#lookups.inc({ outcome: 'miss' });
    const generation = this.#generation;
    const product = await load(id);
    if (product && this.#live && generation === this.#generation) this.#entries.set(id, Object.freeze(product));
    return product;
  }

  /** A product changed (its NOTIFY arrived). */
  invalidate(id: string): void {
    this.#generation++;
    this.#entries?.delete(id);
  }

  /** The change feed listens (again): start from nothing, since changes may have been missed. */
  resume(): void {
    this.#generation++;
    this.#entries?.clear();
    this.#live = true;
  }

  /** The change feed is down: serve nothing from memory until it listens again. */
  suspend(): void {
    this.#generation++;
    this.#live = false;
    this.#entries?.clear();
  }
}
