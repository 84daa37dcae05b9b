import { buildEvent } from '@switchyard/contracts/events';
import { AppError, BadRequestError } from '@switchyard/kit/errors';
import { ConcurrentUpdateError, append } from './event-store.js';
import { SOURCE, commitDecision, type OrderingContext } from './decisions.js';
import { claimKey, completeKey, keepKey, releaseKey, renewOrderId, requestHash, requestInProgress, storedResponse, type StoredResponse } from './idempotency.js';
import type { OrderLine } from './order.js';
import type { Caller } from './ordering.js';

type Items = Array<{ productId: string; quantity: number }>;

/**
 * Places an order once per Idempotency-Key: checks the user, prices every line from catalog, reserves
 * the stock (all or nothing, held for the order's time to pay plus a margin) and appends OrderPlaced.
 * A repeat of the same request answers the stored 201. A failure before anything could be reserved
 * forgets the key; once ReserveStock may have run (in this attempt or an earlier one of the same
 * key), the key keeps its order id, so a retry continues with the same reservation (catalog's
 * ReserveStock is idempotent per order id), and a reservation nobody retries for gives its stock back
 * when it expires.
 */
export async function placeOrder(ctx: OrderingContext, caller: Caller, key: string, items: Items): Promise<StoredResponse> {
  const { pool, settings } = ctx;
  const claim = await claimKey(pool, caller.userId, key, requestHash(items), settings.idempotencyTakeoverMs);
  if (claim.kind === 'replay') return claim.response;
  const { lease } = claim;
  let { orderId } = claim;
  // A continued key's earlier attempt may have reserved before it failed or died: never forget it.
  let mayBeReserved = claim.continued;
  try {
    const call = { requestId: caller.requestId, deadline: caller.deadline };
    await ctx.deps.users.call('GetUser', { id: caller.userId }, call);
    const products = await Promise.all(items.map((item) => ctx.deps.catalog.call('GetProduct', { id: item.productId }, call)));
    const currencies = new Set(products.map((p) => p.currency));
    if (currencies.size > 1) throw new BadRequestError('mixed_currencies', 'All products of an order must share one currency.');
    // Prices always come from catalog, never from the client.
    const lines: OrderLine[] = items.map((item, i) => ({ productId: item.productId, quantity: item.quantity, priceCents: products[i]!.priceCents }));
    const totalCents = lines.reduce((sum, line) => sum + line.priceCents * line.quantity, 0);
    const currency = products[0]!.currency;

    const holdMs = settings.orderTtlMs + settings.reservationMarginMs;
    const reserve = async () => {
      mayBeReserved = true;
      try {
        return await ctx.deps.catalog.call('ReserveStock', { orderId, items, holdMs }, call);
      } catch (err) {
        // A refusal (short stock, unknown product) means no reservation exists for this order id:
        // catalog's transaction rolled back, and an earlier reservation would have been returned.
        if (err instanceof AppError && err.status < 500) mayBeReserved = false;
        throw err;
      }
    };
    let reservation = await reserve();
    if (reservation.status === 'RESERVATION_STATUS_EXPIRED' || reservation.status === 'RESERVATION_STATUS_RELEASED') {
      // The key's reservation ended before its order was placed (a retry after the hold): start a new one.
      const renewed = await renewOrderId(pool, lease);
      if (!renewed) throw requestInProgress();
      orderId = renewed;
      reservation = await reserve();
    }
    if (reservation.status !== 'RESERVATION_STATUS_RESERVED') {
      throw new AppError(409, 'reservation_released', `The stock reservation of order ${orderId} was already released.`);
    }
    const reservationExpiresAt = reservation.expiresAt || undefined;

    return await commitDecision(ctx, async (db) => {
      const placed = await append(
        db,
        orderId,
        undefined,
        { type: 'OrderPlaced', data: { userId: caller.userId, items: lines, totalCents, currency, ...(reservationExpiresAt ? { reservationExpiresAt } : {}) } },
        buildEvent('order.placed', SOURCE, { orderId, userId: caller.userId, items: lines, totalCents, currency }, orderId),
        caller.trace,
      );
      const response = { status: 201, body: placed.order };
      await completeKey(db, lease, response);
      ctx.log.info({ orderId, totalCents, lines: lines.length }, 'order placed');
      return response;
    });
  } catch (err) {
    if (err instanceof ConcurrentUpdateError) {
      // Another request with this key (after its lease ran out) placed the order first, completing the
      // key in the same transaction: answer as it did.
      const response = await storedResponse(pool, caller.userId, key);
      if (response) return response;
    }
    if (mayBeReserved) await keepKey(pool, lease);
    else await releaseKey(pool, lease);
    throw err;
  }
}
