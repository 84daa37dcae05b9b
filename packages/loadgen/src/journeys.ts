import { randomUUID } from 'node:crypto';
import { outcomeOfError, type Outcome } from './loops.js';
import type { ApiResponse, Card, ShopClient } from './shop-client.js';

export const JOURNEY_NAMES = ['browse', 'register', 'order', 'listen'] as const;
export type JourneyName = (typeof JOURNEY_NAMES)[number];

/** The test cards of the simulated processor (see the README). */
export const CARDS = {
  ok: { number: '4242424242424242', expiry: '12/30', cvc: '123' },
  declined: { number: '4000000000000002', expiry: '12/30', cvc: '123' },
  insufficientFunds: { number: '4000000000009995', expiry: '12/30', cvc: '123' },
} satisfies Record<string, Card>;

const PASSWORD = 'load generator password';

/** Parses `browse=70,order=20,register=10` into weights. */
export function parseMix(spec: string): Array<[JourneyName, number]> {
  const mix: Array<[JourneyName, number]> = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, weight] = part.split('=');
    if (!JOURNEY_NAMES.includes(name as JourneyName)) throw new Error(`unknown journey "${name}" in --mix: use ${JOURNEY_NAMES.join(', ')}`);
    const value = Number(weight);
    if (!Number.isFinite(value) || value < 0) throw new Error(`bad weight "${weight}" for ${name} in --mix`);
    if (value > 0) mix.push([name as JourneyName, value]);
  }
  if (mix.length === 0) throw new Error('--mix names no journey with a weight above 0');
  return mix;
}

/** Picks one entry by weight. */
export function pickWeighted<T>(entries: ReadonlyArray<readonly [T, number]>, random = Math.random): T {
  let left = random() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, weight] of entries) if ((left -= weight) < 0) return value;
  return entries[entries.length - 1]![0];
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

interface User {
  email: string;
  token: string;
}

/** What the journeys share: clients, the users registered so far, the product ids, and where steps are recorded. */
export interface JourneyContext {
  api: ShopClient;
  /** A client of its own for event streams, which hold a connection each for as long as they listen. */
  streams: ShopClient;
  users: User[];
  productIds: string[];
  runId: string;
  listenMs: number;
  /** Records one step: operation name (`POST /api/orders`), latency, outcome, whether it was expected. */
  record: (operation: string, ms: number, outcome: string, ok: boolean) => void;
}

class UnexpectedStatus extends Error {
  constructor(readonly outcome: string) {
    super(outcome);
  }
}

/** Runs one request of a journey, records it, and stops the journey when its status is not an expected one. */
async function step(ctx: JourneyContext, operation: string, expected: readonly number[], call: () => Promise<ApiResponse>): Promise<ApiResponse> {
  const started = performance.now();
  let res: ApiResponse;
  try {
    res = await call();
  } catch (err) {
    const { outcome } = outcomeOfError(err);
    ctx.record(operation, performance.now() - started, outcome, false);
    throw new UnexpectedStatus(`${outcome} ${operation}`);
  }
  const ok = expected.includes(res.status);
  ctx.record(operation, performance.now() - started, String(res.status), ok);
  if (!ok) throw new UnexpectedStatus(`${res.status} ${operation}`);
  return res;
}

async function registerUser(ctx: JourneyContext, label: string): Promise<User> {
  const email = `load-${ctx.runId}-${label}@example.com`;
  await step(ctx, 'POST /api/users', [201], () => ctx.api.register(email, PASSWORD, `Load ${label}`));
  const session = await step(ctx, 'POST /api/sessions', [200], () => ctx.api.login(email, PASSWORD));
  return { email, token: String(session.body.token) };
}

const JOURNEYS: Record<JourneyName, (ctx: JourneyContext, index: number) => Promise<void>> = {
  /** The list, two products, and one of them again with its ETag, as a browser revalidates. */
  browse: async (ctx) => {
    await step(ctx, 'GET /api/products', [200], () => ctx.api.listProducts());
    const id = pick(ctx.productIds);
    await step(ctx, 'GET /api/products/:id', [200], () => ctx.api.getProduct(pick(ctx.productIds)));
    const first = await step(ctx, 'GET /api/products/:id', [200], () => ctx.api.getProduct(id));
    const etag = first.headers.etag;
    if (typeof etag === 'string') await step(ctx, 'GET /api/products/:id (If-None-Match)', [200, 304], () => ctx.api.request('GET', `/api/products/${id}`, { headers: { 'if-none-match': etag } }));
  },

  /** A new account: register, log in, who am I. */
  register: async (ctx, index) => {
    const user = await registerUser(ctx, String(index));
    await step(ctx, 'GET /api/users/me', [200], () => ctx.api.me(user.token));
    if (ctx.users.length < 1000) ctx.users.push(user);
  },

  /** Place an order, then one of: pay; be declined and pay with another card; lack funds and cancel; cancel. */
  order: async (ctx) => {
    const user = pick(ctx.users);
    const placed = await step(ctx, 'POST /api/orders', [201], () =>
      ctx.api.placeOrder(user.token, [{ productId: pick(ctx.productIds), quantity: 1 }], randomUUID()),
    );
    const id = String(placed.body.id);
    const ending = pickWeighted([['pay', 60], ['declined-then-pay', 15], ['no-funds-then-cancel', 10], ['cancel', 15]] as const);
    if (ending === 'declined-then-pay') await step(ctx, 'POST /api/orders/:id/pay (declined)', [402], () => ctx.api.pay(user.token, id, CARDS.declined));
    if (ending === 'no-funds-then-cancel') await step(ctx, 'POST /api/orders/:id/pay (declined)', [402], () => ctx.api.pay(user.token, id, CARDS.insufficientFunds));
    if (ending === 'pay' || ending === 'declined-then-pay') await step(ctx, 'POST /api/orders/:id/pay', [200], () => ctx.api.pay(user.token, id, CARDS.ok));
    else await step(ctx, 'POST /api/orders/:id/cancel', [200], () => ctx.api.cancel(user.token, id));
  },

  /** Open the notification stream, time the first (replayed) notification, hold it open a while. */
  listen: async (ctx) => {
    const user = pick(ctx.users);
    const started = performance.now();
    const operation = 'GET /api/notifications/stream (first event)';
    try {
      const { status, firstEventMs } = await ctx.streams.listen(user.token, ctx.listenMs);
      if (status !== 200 || firstEventMs === undefined) {
        const outcome = status !== 200 ? String(status) : 'no-event';
        ctx.record(operation, performance.now() - started, outcome, false);
        throw new UnexpectedStatus(`${outcome} ${operation}`);
      }
      ctx.record(operation, firstEventMs, '200', true);
    } catch (err) {
      if (err instanceof UnexpectedStatus) throw err;
      const { outcome } = outcomeOfError(err);
      ctx.record(operation, performance.now() - started, outcome, false);
      throw new UnexpectedStatus(`${outcome} ${operation}`);
    }
  },
};

/** Runs one journey; its outcome is `ok` or the first unexpected step (`409 POST /api/orders`). */
export async function runJourney(name: JourneyName, ctx: JourneyContext, index: number): Promise<Outcome> {
  try {
    await JOURNEYS[name](ctx, index);
    return { outcome: 'ok', ok: true };
  } catch (err) {
    if (err instanceof UnexpectedStatus) return { outcome: err.outcome, ok: false };
    return outcomeOfError(err);
  }
}

/**
 * Before the measured run: the product ids (every page of the list) and `count` registered, logged-in
 * users for the order and listen journeys. Fails with the reason when the API does not answer as it should.
 */
export async function prepare(journeys: JourneyContext, count: number): Promise<void> {
  // Set-up requests are not part of the measurement.
  const ctx: JourneyContext = { ...journeys, record: () => undefined };
  let cursor: string | undefined;
  do {
    const page = await ctx.api.listProducts(cursor);
    if (page.status !== 200) throw new Error(`GET /api/products answered ${page.status}: is the URL the gateway?`);
    for (const item of page.body.items as Array<{ id: string }>) ctx.productIds.push(item.id);
    cursor = (page.body.nextCursor as string | null) ?? undefined;
  } while (cursor);
  if (ctx.productIds.length === 0) throw new Error('the catalog has no products');
  for (let i = 0; i < count; i += 5) {
    const batch = Array.from({ length: Math.min(5, count - i) }, (_, j) => registerUser(ctx, `setup-${i + j + 1}`));
    const users = await Promise.all(batch).catch((err: unknown) => {
      throw new Error(`could not register the load generator's users: ${(err as Error).message}`);
    });
    ctx.users.push(...users);
  }
}
