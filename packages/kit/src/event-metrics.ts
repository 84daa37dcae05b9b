import { Gauge, type Registry } from 'prom-client';
import type { AmqpConnection } from './amqp-connection.js';
import { sharedMetric } from './metrics.js';
import type { Pool } from './postgres.js';
import { scrapeReading } from './scrape-reading.js';

/**
 * The outbox's backlog, read from the table at scrape time: `outbox_pending_messages` and
 * `outbox_oldest_pending_age_seconds` (the lag: how long the oldest unsent event has waited; 0 when
 * none waits). Without an answer from Postgres the samples are left out rather than reported stale.
 */
export function registerOutboxMetrics(registry: Registry, pool: Pool): void {
  const reading = scrapeReading(async () => {
    const { rows } = await pool.query<{ pending: number; age: number }>(
      'SELECT count(*)::int AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age FROM outbox WHERE published_at IS NULL',
    );
    return rows[0]!;
  });
  const gauge = (name: string, help: string, pick: (row: { pending: number; age: number }) => number) =>
    sharedMetric(registry, name, () => new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const row = await reading();
        if (row) this.set(pick(row));
        else this.reset();
      },
    }));
  gauge('outbox_pending_messages', 'Events in the outbox not yet confirmed by the broker.', (row) => row.pending);
  gauge('outbox_oldest_pending_age_seconds', 'Age of the oldest event in the outbox not yet confirmed by the broker (0 when none waits).', (row) => row.age);
}

/** The queues each registry's gauge reports: every consumer of the process adds its own. */
const watchedQueues = new WeakMap<Registry, Array<{ queues: ReadonlyMap<string, string>; read: () => Promise<Map<string, number> | undefined> }>>();

/**
 * A consumer's queues as the broker counts them at scrape time: `events_queue_messages{queue, kind}`,
 * the kinds being "service" (its backlog), "retry" (waiting for their delay) and "dead_letter"
 * (failed for good, waiting for an operator). Left out while the broker is away.
 */
export function registerQueueMetrics(registry: Registry, connection: AmqpConnection, queues: ReadonlyMap<string, 'service' | 'retry' | 'dead_letter'>): void {
  let watched = watchedQueues.get(registry);
  if (!watched) watchedQueues.set(registry, (watched = []));
  watched.push({ queues, read: scrapeReading(() => connection.queueDepths([...queues.keys()])) });
  const all = watched;
  sharedMetric(registry, 'events_queue_messages', () => new Gauge({
    name: 'events_queue_messages',
    help: 'Messages waiting in a queue of this service, by queue and kind (service, retry, dead_letter).',
    labelNames: ['queue', 'kind'] as const,
    registers: [registry],
    async collect() {
      for (const { queues: owned, read } of all) {
        const counts = await read();
        for (const [queue, kind] of owned) {
          const count = counts?.get(queue);
          if (count === undefined) this.remove({ queue, kind });
          else this.set({ queue, kind }, count);
        }
      }
    },
  }));
}
