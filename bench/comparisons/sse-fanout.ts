import type { Comparison, Measurement, Variant } from '../lib/comparison.js';
import type { BenchEnv, RunningSystem, Side } from '../lib/environment.js';
import { fmtMs, thousands } from '../lib/format.js';
import { signUp } from '../lib/shop.js';
import { PRODUCT } from './http-proxies.js';

const STREAMS = Number(process.env.BENCH_SSE_STREAMS ?? 10_000);
const NOTIFICATIONS = 5;

/** The user whose streams are opened, and how each side's notifications service knows them. */
interface Listener {
  bearer: string;
  streamHeaders: Record<string, string>;
}
let listeners: Partial<Record<Side, Listener>> = {};

async function prepareListener(system: RunningSystem): Promise<Listener> {
  const user = await signUp(system.gatewayUrl, 'bench-sse');
  // Since service identity the service verifies the user's token itself; the baseline took the gateway's header.
  return { bearer: user.token, streamHeaders: system.side === 'before' ? { 'x-switchyard-user-id': user.id } : { authorization: `Bearer ${user.token}` } };
}

function variant(side: Side): Variant {
  return {
    id: side,
    label: `${thousands(STREAMS)} streams of one user on one notifications process (${side})`,
    measure: async (env: BenchEnv) => {
      const system = await env.system(side);
      const listener = listeners[side]!;
      return env.runDriver<Measurement>(`sse-fanout-${side}`, 'sse-fanout.ts', {
        NOTIFICATIONS_URL: system.service('notifications').url!,
        GATEWAY_URL: system.gatewayUrl,
        STREAM_HEADERS: JSON.stringify(listener.streamHeaders),
        BEARER: listener.bearer,
        STREAMS: String(STREAMS),
        NOTIFICATIONS: String(NOTIFICATIONS),
        PRODUCT_ID: PRODUCT,
      }, 300_000);
    },
  };
}

/** A new notification reaching every open stream of its user: before (one query per stream) and after (one read, fanned out). */
export const sseFanout: Comparison = {
  id: 'sse-fanout',
  title: `SSE fan-out: a new notification on ${thousands(STREAMS)} open streams of one notifications process`,
  description:
    `${thousands(STREAMS)} streams of one user opened straight to notifications (BENCH_SSE_STREAMS), then ${NOTIFICATIONS} orders placed one after ` +
    "another through the gateway; each order's notification (order.placed → RabbitMQ → notifications → push) timed from the order's 201 " +
    'to its arrival on every stream. Before: the baseline (one query per open stream through a 10-connection pool); after: the working tree.',
  setup: async (env) => {
    listeners = {};
    for (const side of env.baseline ? (['before', 'after'] as const) : (['after'] as const)) listeners[side] = await prepareListener(await env.system(side));
  },
  variants: (env) => (env.baseline ? [variant('before'), variant('after')] : [variant('after')]),
  rows: (m) =>
    (['before', 'after'] as const)
      .filter((side) => m[side])
      .map((side) => ({
        what: `a new notification on ${thousands(m[side]!.streams!)} streams of one notifications process (${side})`,
        result: `p99 ${fmtMs(m[side]!.p99)}`,
        p50: fmtMs(m[side]!.p50),
        p99: fmtMs(m[side]!.p99),
        comparedWith:
          `max ${fmtMs(m[side]!.max)}, missed ${m[side]!.missed}; order's 201 → push on every stream (target p99 ≤ 100 ms at 10,000)` +
          (m[side]!.firstP50 === undefined ? '' : `; first stream ${fmtMs(m[side]!.firstP50)}, first → last stream ${fmtMs(m[side]!.fanoutP50!)} (p50 over notifications)`),
      })),
};
