import pg from 'pg';
import { StartAbortedError, backoffDelay, pause } from './backoff.js';
import type { Logger } from './log.js';
import { guardCheckedOutClients } from './pool-guard.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  max?: number;
  /** Every statement is cancelled by the server after this long. */
  statementTimeoutMs?: number;
  applicationName: string;
}

/** A pool from DATABASE_URL with bounded waits: connecting, idling and every statement time out. */
export function createPool(url: string, log: Logger, options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    application_name: options.applicationName,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => log.warn({ err }, 'idle database connection failed'));
  // Nor may one that is checked out (between two queries of a transaction).
  guardCheckedOutClients(pool, log);
  return pool;
}

/** Runs fn inside one transaction: commit on success, rollback on any error. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Drops a standalone client's connection at once. end() is not enough when the server does not answer:
 * it sends Terminate and waits for a close that never comes (and a connect() in progress never settles).
 */
export function dropClient(client: pg.Client): void {
  client.connection.stream.destroy();
}

/**
 * Connects a standalone client, giving up at once when `signal` aborts: the connection is dropped and
 * this rejects with StartAbortedError (pg's connect() would not settle by itself, so it is raced here).
 */
export async function connectClient(client: pg.Client, signal: AbortSignal | undefined, step: string): Promise<void> {
  if (signal?.aborted) throw new StartAbortedError(step);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      dropClient(client);
      reject(new StartAbortedError(step));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([client.connect(), aborted]);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Waits until the database answers, retrying with backoff: a service that starts before its Postgres
 * (a rollout, a restarted node) waits within its start-up budget and reports `starting` meanwhile,
 * instead of exiting into a crash loop. Each attempt is one client of its own (not the pool), so a stop
 * signal can end an attempt that hangs (a server that accepted TCP and never answers) at once.
 * Rejects after timeoutMs, or with StartAbortedError when `signal` aborts.
 */
export async function waitForDatabase(url: string, options: { timeoutMs: number; log: Logger; signal?: AbortSignal | undefined }): Promise<void> {
  const { signal, log } = options;
  const deadline = Date.now() + options.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new StartAbortedError('waiting for the database');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: Math.max(1, Math.min(5_000, deadline - Date.now())) });
    try {
      await connectClient(client, signal, 'waiting for the database');
      await client.query('SELECT 1');
      if (attempt > 0) log.info({ attempts: attempt + 1 }, 'database reachable');
      return;
    } catch (err) {
      if (signal?.aborted) throw new StartAbortedError('waiting for the database');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the database did not answer within ${options.timeoutMs} ms (STARTUP_TIMEOUT_MS)`, { cause: err });
      const delay = Math.min(left, backoffDelay(attempt, 200, 5_000));
      log.warn({ err, retryInMs: delay }, 'database not reachable yet; retrying');
      await pause(delay, signal);
    } finally {
      // A server that answers gets a proper goodbye; after an abort the connection is dropped already.
      if (!signal?.aborted) await client.end().catch(() => undefined);
    }
  }
}

/** A readiness check that the database answers. */
export function databaseCheck(pool: Pool): () => Promise<void> {
  return async () => {
    await pool.query('SELECT 1');
  };
}

/** True when err is a Postgres unique-violation (optionally on a given constraint). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
