import { LatencyRecorder } from '@switchyard/loadgen/latency';
import { runClosedLoop } from '@switchyard/loadgen/loops';
import type { Comparison, Row, Variant } from '../lib/comparison.js';
import type { Side } from '../lib/environment.js';
import { fmtMs, thousands } from '../lib/format.js';
import { topUpStock } from '../lib/shop.js';
import { prepareShoppers, placeOne, type OrdersState } from './orders.js';

const IN_FLIGHT = [10, 50] as const;
let shoppers: Partial<Record<Side, OrdersState>> = {};

function variant(side: Side, inFlight: number): Variant {
  return {
    id: `${side}-${inFlight}`,
    label: `order placement, ${inFlight} in flight (${side})`,
    measure: async (env) => {
      const s = shoppers[side]!;
      await topUpStock((await env.system(side)).databaseUrl);
      await runClosedLoop({ concurrency: inFlight, durationMs: env.options.warmupS * 1000, task: async () => ({ outcome: '', ok: (await placeOne(s)) === 201 }), onDone: () => undefined });
      const latency = new LatencyRecorder();
      let errors = 0;
      const result = await runClosedLoop({
        concurrency: inFlight,
        durationMs: env.options.durationS * 1000,
        task: async () => {
          const status = await placeOne(s);
          return { outcome: String(status), ok: status === 201 };
        },
        onDone: (ms, outcome) => {
          latency.record(ms);
          if (!outcome.ok) errors += 1;
        },
      });
      const l = latency.summary();
      return { ordersPerSecond: result.achievedRate, p50: l.p50, p99: l.p99, errors };
    },
  };
}

/** Placed orders per second at a fixed number in flight, before (100af9c) and after. */
export const ordersInFlight: Comparison = {
  id: 'orders-in-flight',
  title: 'order placement at 10 and 50 in flight, before and after',
  description:
    'Closed loop: POST /api/orders through the gateway (one line, 20 users, stock topped up first) with 10 and then 50 requests in ' +
    'flight, on the baseline system and on the working tree, each its own system on the same machine.',
  setup: async (env) => {
    shoppers = {};
    for (const side of env.baseline ? (['before', 'after'] as const) : (['after'] as const)) shoppers[side] = await prepareShoppers(await env.system(side));
  },
  variants: (env) => (env.baseline ? (['before', 'after'] as const) : (['after'] as const)).flatMap((side) => IN_FLIGHT.map((n) => variant(side, n))),
  rows: (m) => {
    const rows: Row[] = [];
    for (const n of IN_FLIGHT) {
      const before = m[`before-${n}`];
      const after = m[`after-${n}`];
      if (!after) continue;
      rows.push({
        what: `\`POST /api/orders\`, ${n} in flight${before ? ': before → after' : ''}`,
        result: before ? `${thousands(before.ordersPerSecond)} → ${thousands(after.ordersPerSecond)} orders/s` : `${thousands(after.ordersPerSecond)} orders/s`,
        p50: before ? `${fmtMs(before.p50)} → ${fmtMs(after.p50)}` : fmtMs(after.p50),
        p99: before ? `${fmtMs(before.p99)} → ${fmtMs(after.p99)}` : fmtMs(after.p99),
        comparedWith: `errors ${before ? `${before.errors} → ` : ''}${after.errors}`,
      });
    }
    return rows;
  },
};
