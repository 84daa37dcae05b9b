import type { Pool, PoolClient } from '@switchyard/kit/postgres';

/** A product as the APIs show it: price in minor units, stock = units available now. */
export interface Product {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
}

type Queryable = Pool | PoolClient;

const COLUMNS = 'id, name, description, price_cents::float8 AS "priceCents", currency, stock';

/** The position after which a page starts: the (name, id) of the previous page's last product. */
export interface ProductCursor {
  name: string;
  id: string;
}

/** One page of products ordered by name then id (keyset pagination: stable while products change). */
export async function listProducts(db: Queryable, limit: number, after?: ProductCursor): Promise<{ items: Product[]; next?: ProductCursor }> {
  const { rows } = after
    ? await db.query<Product>(`SELECT ${COLUMNS} FROM products WHERE (name, id) > ($1, $2) ORDER BY name, id LIMIT $3`, [after.name, after.id, limit + 1])
    : await db.query<Product>(`SELECT ${COLUMNS} FROM products ORDER BY name, id LIMIT $1`, [limit + 1]);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return rows.length > limit && last ? { items, next: { name: last.name, id: last.id } } : { items };
}

/** The product with this id, if any. */
export async function findProduct(db: Queryable, id: string): Promise<Product | undefined> {
  const { rows } = await db.query<Product>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [id]);
  return rows[0];
}
