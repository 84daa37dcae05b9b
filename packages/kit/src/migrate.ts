import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StartAbortedError, pause } from './backoff.js';
import type { Logger } from './log.js';
import type { Pool, PoolClient } from './postgres.js';

// One fixed advisory-lock key for migrations: replicas starting together apply them one at a time.
const MIGRATION_LOCK_KEY = 7_420_190_001;

/**
 * Applies the plain SQL files of one or more directories (each in name order, directories in the
 * order given), each file in its own transaction, under an advisory lock so replicas starting together
 * take turns. A file that changed after it was applied stops the start (checksums are kept). File
 * names must be unique across the directories: they are the keys of schema_migrations.
 * Migrations run without the pool's statement timeout (a long index build, or waiting for the replica
 * that holds the lock, is not a runaway request), and the wait for the lock stops when `signal` aborts.
 */
export async function migrate(pool: Pool, directories: string | readonly string[], log: Logger, signal?: AbortSignal): Promise<string[]> {
  const files: Array<{ name: string; path: string }> = [];
  for (const directory of typeof directories === 'string' ? [directories] : directories) {
    const names = (await readdir(directory)).filter((f) => f.endsWith('.sql')).sort();
    files.push(...names.map((name) => ({ name, path: join(directory, name) })));
  }
  const client = await pool.connect();
  const applied: string[] = [];
  let locked = false;
  try {
    await client.query('SET statement_timeout = 0');
    locked = await takeLock(client, log, signal);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations');
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    for (const { name: file, path } of files) {
      const sql = await readFile(path, 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = done.get(file);
      if (previous !== undefined) {
        if (previous !== checksum) throw new Error(`migration ${file} changed after it was applied`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file, checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed`, { cause: err });
      }
      applied.push(file);
      log.info({ migration: file }, 'migration applied');
    }
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
  return applied;
}

/**
 * Takes the migration lock, polling pg_try_advisory_lock: a blocking pg_advisory_lock cannot be
 * abandoned cleanly (the server keeps waiting, and would take the lock for a client that is gone).
 */
async function takeLock(client: PoolClient, log: Logger, signal: AbortSignal | undefined): Promise<true> {
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new StartAbortedError('waiting for the migration lock');
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY]);
    if (rows[0]!.locked) return true;
    if (attempt === 0) log.info('another replica is migrating; waiting for the migration lock');
    await pause(Math.min(1_000, 50 * 2 ** attempt), signal);
  }
}
