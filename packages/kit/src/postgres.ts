import pg from 'pg';
import type { Logger } from './log.js';

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
