import { NotFoundError } from '@switchyard/kit/errors';
import { keysetCursor } from '@switchyard/kit/validate';
import type { Pool } from '@switchyard/kit/postgres';
import type { ProductCache } from './product-cache.js';
import { findProduct, listProducts, type Product } from './product-store.js';

/**
 * Reads of the product catalogue. A product by id comes from the cache when one is given: what the
 * APIs show. Nothing that decides on stock reads through here: a reservation takes its units with a
 * guarded UPDATE in its own transaction (stock-lines.ts), whatever a cached product says.
 */
export class Catalog {
  readonly #load: (id: string) => Promise<Product | undefined>;

  constructor(
    private readonly pool: Pool,
    private readonly cache?: ProductCache,
  ) {
    this.#load = (id) => findProduct(this.pool, id);
  }

  /** A page of products and the cursor of the next one (null on the last page). */
  async list(limit: number, cursor?: string): Promise<{ items: Product[]; nextCursor: string | null }> {
    const after = cursor ? keysetCursor.decode(cursor) : undefined;
    const page = await listProducts(this.pool, limit, after && { name: after.key, id: after.id });
    return { items: page.items, nextCursor: page.next ? keysetCursor.encode(page.next.name, page.next.id) : null };
  }

  /** The product, or 404. */
  async get(id: string): Promise<Product> {
    const product = this.cache ? await this.cache.get(id, this.#load) : await this.#load(id);
    if (!product) throw new NotFoundError('product_not_found', `No product with id ${id}.`);
    return product;
  }
}
