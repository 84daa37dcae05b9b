import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './log.js';
import type { Pool } from './postgres.js';

// One fixed advisory-lock key for migrations: replicas starting together apply them one at a time.
const MIGRATION_LOCK_KEY = 7_420_190_001;

/**
 * Applies the plain SQL files of one or more directories (each in name order, directories in the
 * order given), each file in its own transaction, under an advisory lock so replicas starting together
 * take turns. A file that changed after it was applied stops the start (checksums are kept). File
 * names must be unique across the directories: they are the keys of schema_migrations.
 */
export async function migrate(pool: Pool, directories: string | readonly string[], log: Logger): Promise<string[]> {
  const files: Array<{ name: string; path: string }> = [];
  for (const directory of typeof directories === 'string' ? [directories] : directories) {
    const names = (await readdir(directory)).filter((f) => f.endsWith('.sql')).sort();
    files.push(...names.map((name) => ({ name, path: join(directory, name) })));
  }
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
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
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}
