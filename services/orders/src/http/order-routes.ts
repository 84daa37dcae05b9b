import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { BadRequestError, NotFoundError, UnauthorizedError } from '@switchyard/kit/errors';
import { USER_ID_HEADER } from '@switchyard/kit/identity';
import type { Pool } from '@switchyard/kit/postgres';
import { parseInput } from '@switchyard/kit/validate';
import { readEvents } from '../domain/event-store.js';
import { findOwnOrder, listOwnOrders } from '../domain/order-reads.js';
import type { Caller, Ordering } from '../domain/ordering.js';

const uuid = z.uuid('must be a UUID');
const placeBody = z.object({
  items: z
    .array(
      z.object({
        productId: uuid,
        quantity: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100'),
      }),
      'must be a list of {productId, quantity}',
    )
    .min(1, 'must have at least one line')
    .max(50, 'must have at most 50 lines')
    .refine((items) => new Set(items.map((i) => i.productId)).size === items.length, 'must name each product once'),
});
const payBody = z.object({
  card: z.object({
    number: z.string().min(1).max(32),
    expiry: z.string().min(1).max(8),
    cvc: z.string().min(1).max(8),
  }),
});
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function caller(ctx: ParameterizedContext): Caller {
  const id = uuid.safeParse(ctx.get(USER_ID_HEADER));
  if (!id.success) throw new UnauthorizedError('unauthenticated', 'This endpoint needs an authenticated user.');
  return { userId: id.data, requestId: ctx.state.requestId, trace: { traceparent: ctx.state.traceparent, 'x-request-id': ctx.state.requestId } };
}

/** The orders REST API (always on behalf of the user the gateway verified). */
export function orderRoutes(router: Router, ordering: Ordering, pool: Pool): void {
  router.post('/orders', async (ctx) => {
    const who = caller(ctx);
    const key = ctx.get('idempotency-key');
    if (!key) throw new BadRequestError('idempotency_key_required', 'POST /orders needs an Idempotency-Key header.');
    if (!IDEMPOTENCY_KEY.test(key)) throw new BadRequestError('invalid_idempotency_key', 'The Idempotency-Key must be 1-255 visible ASCII characters.');
    const { items } = parseInput(placeBody, ctx.request.body);
    const response = await ordering.place(who, key, items);
    ctx.status = response.status;
    ctx.body = response.body;
  });

  router.get('/orders', async (ctx) => {
    const query = parseInput(listQuery, ctx.query);
    ctx.body = await listOwnOrders(pool, caller(ctx).userId, query.limit, query.cursor);
  });

  router.get('/orders/:id', async (ctx) => {
    const id = parseInput(uuid, ctx.params.id);
    const order = await findOwnOrder(pool, caller(ctx).userId, id);
    if (!order) throw new NotFoundError('order_not_found', `No order with id ${id}.`);
    ctx.body = order;
  });

  router.get('/orders/:id/history', async (ctx) => {
    const id = parseInput(uuid, ctx.params.id);
    if (!(await findOwnOrder(pool, caller(ctx).userId, id))) throw new NotFoundError('order_not_found', `No order with id ${id}.`);
    ctx.body = { items: await readEvents(pool, id) };
  });

  router.post('/orders/:id/pay', async (ctx) => {
    const id = parseInput(uuid, ctx.params.id);
    const who = caller(ctx);
    const { card } = parseInput(payBody, ctx.request.body);
    ctx.body = await ordering.pay(who, id, card);
  });

  router.post('/orders/:id/cancel', async (ctx) => {
    const id = parseInput(uuid, ctx.params.id);
    ctx.body = await ordering.cancel(caller(ctx), id);
  });
}
