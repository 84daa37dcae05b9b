import type { Comparison, Measurement, Row, Variant } from '../lib/comparison.js';
import type { BenchEnv, Side } from '../lib/environment.js';
import { fmtMs, ratio, thousands } from '../lib/format.js';

const RATE = 1000;
const DRAIN_EVENTS = 20_000;
const PREFETCH = 16;

/** A consumer prefetch to compare with the services' default when draining. */
const TUNED_PREFETCH = 64;

type Path = 'raw' | Side;

function variant(path: Path, mode: 'rate' | 'drain', prefetch = PREFETCH): Variant {
  const what = path === 'raw' ? 'raw amqplib' : `outbox → relay → consumer + inbox (${path}, prefetch ${prefetch})`;
  return {
    id: `${path}-${mode}${prefetch === PREFETCH ? '' : `-prefetch${prefetch}`}`,
    label: mode === 'rate' ? `${what} at ${RATE}/s` : `${what} draining ${DRAIN_EVENTS} events`,
    measure: async (env: BenchEnv) => {
      const system = await env.system('after');
      const common = { AMQP_URL: system.amqpUrl, MODE: mode, RATE: String(RATE), DURATION_S: String(env.options.durationS), EVENTS: String(DRAIN_EVENTS) };
      if (path === 'raw') return env.runDriver<Measurement>(`events-raw-${mode}`, 'raw-amqp.ts', common, 420_000);
      return env.runDriver<Measurement>(`events-${path}-${mode}`, 'events-pipeline.ts', {
        ...common,
        KIT_ROOT: env.rootOf(path),
        ADMIN_DATABASE_URL: system.databaseUrl,
        PREFETCH: String(prefetch),
      }, 420_000);
    },
  };
}

const lost = (m: Measurement) => (m.lost ? `, **${m.lost} lost**` : '');
const late = (m: Measurement) => (m.lateStarts ? `; the producer started ${thousands(m.lateStarts)} commits late (> 5 ms): it, not the path, may be the limit` : '');

/** The event path against the broker's own pace, before and after the relay change. */
export const events: Comparison = {
  id: 'events',
  title: `events: outbox → relay → RabbitMQ → consumer + inbox vs raw amqplib`,
  description:
    `The event path with the kit of each side, against the after system's Postgres and RabbitMQ: one event committed per transaction into ` +
    `the outbox, the relay publishing it, a consumer (prefetch ${PREFETCH}) applying it through the inbox. At ${RATE} events/s offered ` +
    '(open loop): the rate it keeps up with and the latency from each commit to the commit of its effect. Draining ' +
    `${DRAIN_EVENTS.toLocaleString('en-US')} events already in the outbox: its saturation rate. The baseline: raw amqplib publishing with confirms ` +
    'to a quorum queue and a consumer acking on receipt, on the same broker.',
  setup: async (env) => void (await env.system('after')),
  variants: (env) => [
    ...(env.baseline ? (['raw', 'before', 'after'] as const) : (['raw', 'after'] as const)).flatMap((path) => [variant(path, 'rate'), variant(path, 'drain')]),
    variant('after', 'drain', TUNED_PREFETCH),
  ],
  rows: (m) => {
    const rows: Row[] = [];
    const raw = m['raw-rate'];
    const rawDrain = m['raw-drain'];
    for (const side of ['before', 'after'] as const) {
      const rate = m[`${side}-rate`];
      if (!rate) continue;
      rows.push({
        what: `events: outbox → relay → RabbitMQ → consumer + inbox at ${thousands(RATE)}/s offered (${side})`,
        result: `${thousands(rate.eventsPerSecond)}/s end to end`,
        p50: `commit→effect ${fmtMs(rate.p50)}`,
        p99: fmtMs(rate.p99),
        comparedWith: `backlog at the end ${thousands(rate.backlogAtEnd)}${lost(rate)}${late(rate)}; raw amqplib at ${thousands(RATE)}/s: p50 ${fmtMs(raw?.p50)}, p99 ${fmtMs(raw?.p99)} (target: ${thousands(RATE)}/s sustained, p99 ≤ 50 ms)`,
      });
    }
    for (const side of ['before', 'after'] as const) {
      const drain = m[`${side}-drain`];
      if (!drain) continue;
      rows.push({
        what: `events at saturation: draining ${thousands(DRAIN_EVENTS)} queued events (${side})`,
        result: `${thousands(drain.eventsPerSecond)}/s`,
        comparedWith: `**${ratio(drain.eventsPerSecond, rawDrain?.eventsPerSecond)} raw amqplib** (${thousands(rawDrain?.eventsPerSecond)}/s; target ≥ 0.5×)`,
      });
    }
    const tuned = m[`after-drain-prefetch${TUNED_PREFETCH}`];
    if (tuned) {
      rows.push({
        what: `same, consumer prefetch ${TUNED_PREFETCH} instead of ${PREFETCH} (after)`,
        result: `${thousands(tuned.eventsPerSecond)}/s`,
        comparedWith: `${ratio(tuned.eventsPerSecond, m['after-drain']?.eventsPerSecond)} prefetch ${PREFETCH}; ${ratio(tuned.eventsPerSecond, rawDrain?.eventsPerSecond)} raw amqplib`,
      });
    }
    return rows;
  },
};
