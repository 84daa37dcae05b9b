import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { migrate } from '@switchyard/kit/migrate';
import { createPool } from '@switchyard/kit/postgres';
import pg from 'pg';
import { eventually } from '../support/broker.js';
import { freshDatabase, queryRows } from '../support/database.js';
import { capturedLogger } from '../support/logs.js';

const migrations = suite('migrate');
let dir: string;
let db: Awaited<ReturnType<typeof freshDatabase>>;
const { log, lines } = capturedLogger('migrate-test');
// The key migrate() locks (the same in every service).
const MIGRATION_LOCK_KEY = 7_420_190_001;

migrations.before.each(async () => {
  lines.length = 0;
  dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  db = await freshDatabase('migrate');
  await writeFile(join(dir, '001_things.sql'), 'CREATE TABLE things (id int PRIMARY KEY);');
  // Slow on purpose, so concurrent starters overlap while it runs.
  await writeFile(join(dir, '002_more.sql'), 'SELECT pg_sleep(0.3); INSERT INTO things VALUES (1);');
});

migrations.after.each(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

migrations('applies each file once when three replicas start at the same time', async () => {
  const pools = [1, 2, 3].map(() => createPool(db.url, log, { applicationName: 'migrate-test' }));
  try {
    const applied = await Promise.all(pools.map((pool) => migrate(pool, dir, log)));
    assert.equal(applied.flat().sort(), ['001_things.sql', '002_more.sql']);
    assert.equal(await queryRows(db.url, 'SELECT id FROM things'), [{ id: 1 }]);
    const recorded = await queryRows<{ name: string }>(db.url, 'SELECT name FROM schema_migrations ORDER BY name');
    assert.equal(recorded.map((r) => r.name), ['001_things.sql', '002_more.sql']);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
});

migrations('refuses to start when an applied file was changed', async () => {
  const pool = createPool(db.url, log, { applicationName: 'migrate-test' });
  try {
    await migrate(pool, dir, log);
    await writeFile(join(dir, '001_things.sql'), 'CREATE TABLE things (id bigint PRIMARY KEY);');
    try {
      await migrate(pool, dir, log);
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.is((err as Error).message, 'migration 001_things.sql changed after it was applied');
    }
  } finally {
    await pool.end();
  }
});

migrations('rolls back a failing file and records nothing for it', async () => {
  await writeFile(join(dir, '003_broken.sql'), 'INSERT INTO things VALUES (2); SELECT * FROM no_such_table;');
  const pool = createPool(db.url, log, { applicationName: 'migrate-test' });
  try {
    try {
      await migrate(pool, dir, log);
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.is((err as Error).message, 'migration 003_broken.sql failed');
    }
    assert.equal(await queryRows(db.url, 'SELECT id FROM things ORDER BY id'), [{ id: 1 }]);
    const recorded = await queryRows<{ name: string }>(db.url, 'SELECT name FROM schema_migrations ORDER BY name');
    assert.equal(recorded.map((r) => r.name), ['001_things.sql', '002_more.sql']);
  } finally {
    await pool.end();
  }
});

migrations('a replica waiting for the migration lock is not cut off by the pool\'s statement timeout', async () => {
  // The other replica holds the lock longer than a request statement may take.
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  const pool = createPool(db.url, log, { applicationName: 'migrate-test', statementTimeoutMs: 200 });
  try {
    const waiting = migrate(pool, dir, log);
    await eventually(async () => (lines.some((l) => l.includes('waiting for the migration lock')) ? true : undefined), 5_000, 'the wait for the lock');
    await new Promise((r) => setTimeout(r, 600)); // hold the lock past the 200 ms statement timeout on purpose
    await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    assert.equal(await waiting, ['001_things.sql', '002_more.sql']);
    // The pool's connections keep the request timeout.
    assert.equal(await pool.query('SHOW statement_timeout').then((r) => r.rows), [{ statement_timeout: '200ms' }]);
  } finally {
    await holder.end();
    await pool.end();
  }
});

migrations('stops waiting for the migration lock when the start is aborted', async () => {
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  const pool = createPool(db.url, log, { applicationName: 'migrate-test' });
  const stop = new AbortController();
  try {
    const waiting = migrate(pool, dir, log, stop.signal).then(() => 'migrated', (err: Error) => err.message);
    await eventually(async () => (lines.some((l) => l.includes('waiting for the migration lock')) ? true : undefined), 5_000, 'the wait for the lock');
    stop.abort();
    assert.is(await waiting, 'stop requested while waiting for the migration lock');
    assert.equal(await queryRows(db.url, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'things'"), [{ n: 0 }]);
  } finally {
    await holder.end();
    await pool.end();
  }
});

migrations.run();
