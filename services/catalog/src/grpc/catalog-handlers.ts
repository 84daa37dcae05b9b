import { z } from 'zod';
import type { CatalogDefinition } from '@switchyard/contracts/grpc-contracts';
import type { ServiceHandlers } from '@switchyard/kit/grpc-server';
import type { Pool } from '@switchyard/kit/postgres';
import { parseInput, uuid } from '@switchyard/kit/validate';
import type { Catalog } from '../products/catalog.js';
import { releaseStock, reserveStock } from '../stock/reservations.js';

const id = uuid();
const reserveRequest = z.object({
  orderId: id,
  items: z
    .array(z.object({ productId: id, quantity: z.number().int().min(1).max(100) }))
    .min(1, 'must have at least one item')
    .max(50, 'must have at most 50 items'),
});

/** switchyard.catalog.v1.Catalog: product lookups and stock reservations for orders. */
export function catalogHandlers(catalog: Catalog, pool: Pool): ServiceHandlers<CatalogDefinition> {
  return {
    GetProduct: async (request) => catalog.get(parseInput(z.object({ id }), request).id),
    ReserveStock: async (request) => {
      const { orderId, items } = parseInput(reserveRequest, request);
      const reservation = await reserveStock(pool, orderId, items);
      return { orderId, items: reservation.items, status: `RESERVATION_STATUS_${reservation.status}` };
    },
    ReleaseStock: async (request) => {
      const { orderId } = parseInput(z.object({ orderId: id }), request);
      const released = await releaseStock(pool, orderId);
      return { outcome: `RELEASE_OUTCOME_${released.outcome}`, items: released.items };
    },
  };
}
