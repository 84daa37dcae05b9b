import { BadRequestError, NotFoundError } from '@switchyard/kit/errors';
import type { Pool } from '@switchyard/kit/postgres';
import { findProduct, listProducts, type Product, type ProductCursor } from './product-store.js';

/** An opaque cursor for the next page: base64url of the last (name, id). */
function encodeCursor(cursor: ProductCursor): string {
  return Buffer.from(JSON.stringify([cursor.name, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): ProductCursor {
  try {
    const [name, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof name === 'string' && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) return { name, id };
  } catch {
    // fall through
  }
  throw new BadRequestError('invalid_cursor', 'The cursor is not one this API returned.');
}

/** Reads of the product catalogue. */
export class Catalog {
  constructor(private readonly pool: Pool) {}

  /** A page of products and the cursor of the next one (null on the last page). */
  async list(limit: number, cursor?: string): Promise<{ items: Product[]; nextCursor: string | null }> {
    const page = await listProducts(this.pool, limit, cursor ? decodeCursor(cursor) : undefined);
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  /** The product, or 404. */
  async get(id: string): Promise<Product> {
    const product = await findProduct(this.pool, id);
    if (!product) throw new NotFoundError('product_not_found', `No product with id ${id}.`);
    return product;
  }
}
