import { randomUUID } from 'node:crypto';
import { CARDS } from '@switchyard/loadgen/journeys';
import { LatencyRecorder } from '@switchyard/loadgen/latency';
import { runClosedLoop, runOpenLoop } from '@switchyard/loadgen/loops';
import { ShopClient } from '@switchyard/loadgen/shop-client';
import type { Comparison, Measurement, Row, Variant } from '../lib/comparison.js';
import type { BenchEnv, RunningSystem } from '../lib/environment.js';
import { fmtMs, thousands } from '../lib/format.js';
import { topUpStock } from '../lib/shop.js';

const USERS = 20;
/** Fractions of the measured capacity at which placement and payment are offered. */
const LOADS = [0.25, 0.5, 1] as const;

export interface OrdersState {
  client: ShopClient;
  tokens: string[];
  productIds: string[];
  rates: number[];
  capacity: number;
}
let state: OrdersState | undefined;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function place(s: OrdersState): Promise<{ status: number; id?: string; token: string }> {
  const token = pick(s.tokens);
  const res = await s.client.placeOrder(token, [{ productId: pick(s.productIds), quantity: 1 }], randomUUID());
  return { status: res.status, id: typeof res.body.id === 'string' ? res.body.id : undefined, token };
}

/** Signed-in bench users and the products they order, on one system whose stock is topped up. */
export async function prepareShoppers(system: RunningSystem): Promise<OrdersState> {
  await topUpStock(system.databaseUrl);
  const client = new ShopClient({ baseUrl: system.gatewayUrl, connections: 512, timeoutMs: 30_000 });
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const email = `bench-orders-${Date.now()}-${i}@example.com`;
    await client.register(email, 'bench password 1', `Bench ${i}`);
    const login = await client.login(email, 'bench password 1');
    if (login.status !== 200) throw new Error(`logging in a bench user answered ${login.status}`);
    tokens.push(String(login.body.token));
  }
  const products = await client.listProducts();
  const productIds = (products.body.items as Array<{ id: string }>).map((p) => p.id);
  return { client, tokens, productIds, rates: [], capacity: 0 };
}

/** One order placed by a random bench user: its status. */
export const placeOne = async (s: OrdersState): Promise<number> => (await place(s)).status;

/** An open-loop run of `durationS`: latency from each request's intended send time, errors by status. */
export async function openLoop(durationS: number, rate: number, task: (index: number) => Promise<number>, expected: number): Promise<Measurement> {
  const latency = new LatencyRecorder();
  let errors = 0;
  const result = await runOpenLoop({
    rate,
    durationMs: durationS * 1000,
    maxInFlight: 512,
    drainMs: 30_000,
    task: async (i) => {
      const status = await task(i);
      return { outcome: String(status), ok: status === expected };
    },
    onDone: (ms, outcome) => {
      latency.record(ms);
      if (!outcome.ok) errors += 1;
    },
  });
  const l = latency.summary();
  return { offered: rate, achieved: result.achievedRate, p50: l.p50, p99: l.p99, max: l.max, errors: errors + result.unfinished, lateStarts: result.lateStarts };
}

function variant(step: 'place' | 'pay', index: number): Variant {
  return {
    id: `${step}-${index}`,
    label: `${step === 'place' ? 'order placement' : 'payment'} at ${LOADS[index]! * 100}% of capacity`,
    measure: async (env) => {
      const s = state!;
      const rate = s.rates[index]!;
      await topUpStock((await env.system('after')).databaseUrl);
      if (step === 'place') return openLoop(env.options.durationS, rate, async () => (await place(s)).status, 201);
      // Orders to pay, placed beforehand (not measured).
      const orders: Array<{ id: string; token: string }> = [];
      const needed = Math.ceil(rate * env.options.durationS) + 10;
      const enough = new AbortController();
      await runClosedLoop({
        concurrency: 16,
        durationMs: 600_000,
        signal: enough.signal,
        task: async () => {
          const placed = await place(s);
          if (placed.id) orders.push({ id: placed.id, token: placed.token });
          if (orders.length >= needed) enough.abort();
          return { outcome: String(placed.status), ok: placed.status === 201 };
        },
        onDone: () => undefined,
      });
      return openLoop(env.options.durationS, rate, async (i) => {
        const order = orders[i % orders.length]!;
        return (await s.client.pay(order.token, order.id, CARDS.ok)).status;
      }, 200);
    },
  };
}

/** Order placement and payment through the gateway, open loop at three rates up to the measured capacity. */
export const orders: Comparison = {
  id: 'orders',
  title: 'orders through the gateway: placement and payment, open loop',
  description:
    `Open loop (wrk2-style: latency from each request's intended send time): POST /api/orders (one line, ${USERS} users) and ` +
    'POST /api/orders/{id}/pay (card 4242…) through the gateway, at 25 %, 50 % and 100 % of the placement capacity measured first ' +
    '(16 in flight, closed loop, 5 s). Stock is topped up in catalog’s database before each run.',
  alternate: false,
  setup: async (env) => {
    const partial = await prepareShoppers(await env.system('after'));
    const probe = await runClosedLoop({ concurrency: 16, durationMs: 5_000, task: async () => ({ outcome: '', ok: (await place(partial)).status === 201 }), onDone: () => undefined });
    const capacity = probe.achievedRate;
    state = { ...partial, capacity, rates: LOADS.map((f) => Math.max(1, Math.round(capacity * f))) };
    env.log.info({ capacity: Math.round(capacity), rates: state.rates }, 'order placement capacity measured');
  },
  variants: () => LOADS.flatMap((_, i) => [variant('place', i), variant('pay', i)]),
  rows: (m) => {
    const rows: Row[] = [];
    for (const step of ['place', 'pay'] as const) {
      LOADS.forEach((load, i) => {
        const r = m[`${step}-${i}`];
        if (!r) return;
        rows.push({
          what: `${step === 'place' ? '`POST /api/orders`' : '`POST /api/orders/{id}/pay`'} open loop at ${thousands(r.offered)}/s (${load * 100} % of capacity)`,
          result: `${thousands(r.achieved)}/s`,
          p50: fmtMs(r.p50),
          p99: fmtMs(r.p99),
          comparedWith: `max ${fmtMs(r.max)}, errors ${thousands(r.errors)}${i === 0 && step === 'place' ? `; capacity ${thousands(state?.capacity)}/s (16 in flight)` : ''}`,
        });
      });
    }
    return rows;
  },
};
