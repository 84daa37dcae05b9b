import { randomBytes } from 'node:crypto';
import pg from 'pg';

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the suites through `npm test`');
  return url;
}

/** A new, empty database on the harness's Postgres; drop() removes it. */
export async function freshDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Runs one query on a database and returns its rows. */
export async function queryRows<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * An idle connection that notices Postgres' crash restart: when a backend dies, the postmaster ends
 * every other one, this included, before it replays the WAL. `restarted()` is true from then on, so a
 * test waiting for the recovered server does not take the server before the restart for it.
 */
export async function crashRestartWitness(url: string): Promise<{ restarted: () => boolean; close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let restarted = false;
  client.on('error', () => (restarted = true));
  client.on('end', () => (restarted = true));
  return { restarted: () => restarted, close: () => client.end().catch(() => undefined) };
}
