import type { Logger } from './log.js';
import type { Pool, PoolClient } from './postgres.js';

/**
 * node-postgres leaves a client that is checked out of the pool without an 'error' listener. When its
 * connection dies between two queries (Postgres restarts every backend after one was killed; the
 * network is cut), the client emits 'error' and the process crashes. This gives every client the pool
 * hands out a listener of its own that logs instead: the query in flight, if any, fails as usual, and
 * the pool drops the broken client when it is released.
 */
export function guardCheckedOutClients(pool: Pool, log: Logger): void {
  const guarded = new WeakSet<PoolClient>();
  pool.on('acquire', (client) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', (err) => log.warn({ err }, 'database connection failed while checked out'));
  });
}
