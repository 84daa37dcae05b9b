import { NotFoundError } from '@switchyard/kit/errors';
import { keysetCursor } from '@switchyard/kit/validate';
import type { Pool } from '@switchyard/kit/postgres';
import { findProduct, listProducts, type Product } from './product-store.js';

/** Reads of the product catalogue. */
export class Catalog {
  constructor(private readonly pool: Pool) {}

  /** A page of products and the cursor of the next one (null on the last page). */
  async list(limit: number, cursor?: string): Promise<{ items: Product[]; nextCursor: string | null }> {
    const after = cursor ? keysetCursor.decode(cursor) : undefined;
    const page = await listProducts(this.pool, limit, after && { name: after.key, id: after.id });
    return { items: page.items, nextCursor: page.next ? keysetCursor.encode(page.next.name, page.next.id) : null };
  }

  /** The product, or 404. */
  async get(id: string): Promise<Product> {
    const product = await findProduct(this.pool, id);
    if (!product) throw new NotFoundError('product_not_found', `No product with id ${id}.`);
    return product;
  }
}
