import { z } from 'zod';
import type { CatalogDefinition } from '@switchyard/contracts/grpc-contracts';
import type { Failpoints } from '@switchyard/kit/failpoints';
import type { ServiceHandlers } from '@switchyard/kit/grpc-server';
import type { Pool } from '@switchyard/kit/postgres';
import { parseInput, uuid } from '@switchyard/kit/validate';
import type { Catalog } from '../products/catalog.js';
import { releaseStock, reserveStock } from '../stock/reservations.js';

const id = uuid();

/** The failpoint between a reservation's commit and the reply (a catalog that dies there, or is slow). */
export const RESERVE_AFTER_COMMIT = 'catalog.reserve.after-commit';

export interface HoldSettings {
  defaultHoldMs: number;
  maxHoldMs: number;
}

/** switchyard.catalog.v1.Catalog: product lookups and stock reservations for orders. */
export function catalogHandlers(catalog: Catalog, pool: Pool, holds: HoldSettings, failpoints: Failpoints): ServiceHandlers<CatalogDefinition> {
  const reserveRequest = z.object({
    orderId: id,
    items: z
      .array(z.object({ productId: id, quantity: z.number().int().min(1).max(100) }))
      .min(1, 'must have at least one item')
      .max(50, 'must have at most 50 items'),
    holdMs: z.number().int().min(0).max(holds.maxHoldMs, `must be at most ${holds.maxHoldMs}`).default(0),
  });
  return {
    GetProduct: async (request) => catalog.get(parseInput(z.object({ id }), request).id),
    ReserveStock: async (request) => {
      const { orderId, items, holdMs } = parseInput(reserveRequest, request);
      const reservation = await reserveStock(pool, orderId, items, holdMs || holds.defaultHoldMs);
      if (reservation.created) await failpoints.hit(RESERVE_AFTER_COMMIT);
      // A reservation from before reservations expired never does: no expiresAt.
      const expiresAt = reservation.expiresAt instanceof Date ? reservation.expiresAt.toISOString() : '';
      return { orderId, items: reservation.items, status: `RESERVATION_STATUS_${reservation.status}`, expiresAt };
    },
    ReleaseStock: async (request) => {
      const { orderId } = parseInput(z.object({ orderId: id }), request);
      const released = await releaseStock(pool, orderId);
      return { outcome: `RELEASE_OUTCOME_${released.outcome}`, items: released.items };
    },
  };
}
