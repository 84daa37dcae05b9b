import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { DEADLINE_HEADER, incomingDeadline } from '@switchyard/kit/deadline';
import { BadRequestError, NotFoundError, UnauthorizedError } from '@switchyard/kit/errors';
import type { Pool } from '@switchyard/kit/postgres';
import { annotateSpan } from '@switchyard/kit/tracing/context';
import { pageQuery, parseInput, uuid } from '@switchyard/kit/validate';
import { readEvents } from '../domain/event-store.js';
import { findOwnOrder, listOwnOrders } from '../domain/order-reads.js';
import type { Caller, Ordering } from '../domain/ordering.js';

const uuidField = uuid();
const placeBody = z.object({
  items: z
    .array(
      z.object({
        productId: uuidField,
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
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** The span attribute that names the order a request acts on (`npm run trace -- <orderId>` finds it). */
const ORDER_ID = 'switchyard.order.id';

/**
 * The user a verified token names (requireUser runs before every orders route), and the request's
 * deadline: what is left of the gateway's budget, less a margin to answer in, bounds every gRPC call
 * made for the request.
 */
function caller(ctx: ParameterizedContext): Caller {
  const user = uuidField.safeParse(ctx.state.userId);
  if (!user.success) throw new UnauthorizedError('unauthenticated', 'This endpoint needs an authenticated user.');
  return {
    userId: user.data,
    requestId: ctx.state.requestId,
    trace: { traceparent: ctx.state.traceparent, 'x-request-id': ctx.state.requestId },
    deadline: incomingDeadline(ctx.get(DEADLINE_HEADER)),
  };
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
    annotateSpan({ [ORDER_ID]: (response.body as { id?: string }).id ?? '' });
    ctx.status = response.status;
    ctx.body = response.body;
  });

  router.get('/orders', async (ctx) => {
    const query = parseInput(pageQuery, ctx.query);
    ctx.body = await listOwnOrders(pool, caller(ctx).userId, query.limit, query.cursor);
  });

  router.get('/orders/:id', async (ctx) => {
    const id = parseInput(uuidField, ctx.params.id);
    const order = await findOwnOrder(pool, caller(ctx).userId, id);
    if (!order) throw new NotFoundError('order_not_found', `No order with id ${id}.`);
    ctx.body = order;
  });

  router.get('/orders/:id/history', async (ctx) => {
    const id = parseInput(uuidField, ctx.params.id);
    if (!(await findOwnOrder(pool, caller(ctx).userId, id))) throw new NotFoundError('order_not_found', `No order with id ${id}.`);
    ctx.body = { items: await readEvents(pool, id) };
  });

  router.post('/orders/:id/pay', async (ctx) => {
    const id = parseInput(uuidField, ctx.params.id);
    annotateSpan({ [ORDER_ID]: id });
    const who = caller(ctx);
    const { card } = parseInput(payBody, ctx.request.body);
    ctx.body = await ordering.pay(who, id, card);
  });

  router.post('/orders/:id/cancel', async (ctx) => {
    const id = parseInput(uuidField, ctx.params.id);
    annotateSpan({ [ORDER_ID]: id });
    ctx.body = await ordering.cancel(caller(ctx), id);
  });
}
