import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { migrate } from '@switchyard/kit/migrate';
import { createPool } from '@switchyard/kit/postgres';
import { freshDatabase, queryRows } from '../support/database.js';
import { capturedLogger } from '../support/logs.js';

const migrations = suite('migrate');
let dir: string;
let db: Awaited<ReturnType<typeof freshDatabase>>;
const { log } = capturedLogger('migrate-test');

migrations.before.each(async () => {
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

migrations.run();
