import { Gauge, type Registry } from 'prom-client';
import type { Pool } from '@switchyard/kit/postgres';
import { scrapeReading } from '@switchyard/kit/scrape-reading';

const STATUSES = ['PENDING_PAYMENT', 'PAID', 'CANCELLED', 'EXPIRED'] as const;

/** Counting every order is a scan of the read model: once in this long per replica is enough for a dashboard. */
const COUNT_TTL_MS = 30_000;

/**
 * `orders_by_status{status}`: where the orders are in the saga, counted in the read model at scrape
 * time (at most every 30 s). Every replica reports the same database-wide numbers, so dashboards
 * aggregate them with max, not sum. Left out while Postgres does not answer. The rate of each step
 * is events_consumed_total{type} at the consumers.
 */
export function registerOrderMetrics(registry: Registry, pool: Pool): void {
  const reading = scrapeReading(async () => (await pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM orders GROUP BY status')).rows, COUNT_TTL_MS);
  new Gauge({
    name: 'orders_by_status',
    help: 'Orders in each status of the order saga (database-wide: every replica reports the same counts).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await reading();
      if (!rows) return this.reset();
      const counts = new Map<string, number>(STATUSES.map((s) => [s, 0]));
      for (const row of rows) counts.set(row.status, row.n);
      for (const [status, n] of counts) this.set({ status }, n);
    },
  });
}
