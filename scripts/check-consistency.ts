/**
 * Checks the invariants of the whole system against each service's own database and lists every
 * violation (see scripts/consistency/invariants.ts); exits 1 when there is one.
 *
 *   npm run check:consistency                 # the local system of `npm start` (.data, port 5433)
 *   npm run check:consistency -- --wait 30000 # re-check until clean, for up to 30 s (a system still settling)
 *
 * Databases: <SERVICE>_DATABASE_URL (CATALOG_, ORDERS_, PAYMENTS_, NOTIFICATIONS_, USERS_) each; else
 * CHECK_DATABASE_URL, a role that may read every service database, whose databases are
 * switchyard_<service>; else the local runner's (SWITCHYARD_DATA_DIR, SWITCHYARD_POSTGRES_PORT).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig } from '@switchyard/kit/config';
import { findViolations, type CheckOptions, type Violation } from './consistency/invariants.js';
import { takeSnapshot, type ServiceDatabases } from './consistency/snapshot.js';

export type { ServiceDatabases } from './consistency/snapshot.js';
export type { CheckOptions, Violation } from './consistency/invariants.js';

/** Every invariant violated right now. */
export async function checkConsistency(dbs: ServiceDatabases, options: CheckOptions = {}): Promise<Violation[]> {
  return findViolations(await takeSnapshot(dbs), options);
}

/**
 * Re-checks until no invariant is violated (the system settled) or timeoutMs passed, and returns the
 * violations of the last check: empty when it settled.
 */
export async function waitForConsistency(dbs: ServiceDatabases, timeoutMs: number, options: CheckOptions = {}): Promise<Violation[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const violations = await checkConsistency(dbs, options);
    if (violations.length === 0 || Date.now() >= deadline) return violations;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const SERVICES = ['catalog', 'orders', 'payments', 'notifications', 'users'] as const;
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });

/** The databases to check, from the environment (see the top of this file). */
export function databasesFromEnv(env: Record<string, string | undefined>, rootDir: string): ServiceDatabases {
  // Validated here (a bad variable stops with the list of problems); the per-service URLs are read from env below.
  const settings = loadConfig(
    z.object({
      CHECK_DATABASE_URL: postgresUrl.optional(),
      SWITCHYARD_DATA_DIR: z.string().min(1).default('.data'),
      SWITCHYARD_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
      ...Object.fromEntries(SERVICES.map((s) => [`${s.toUpperCase()}_DATABASE_URL`, postgresUrl.optional()])),
    }),
    env,
  );
  const fallback = (service: string): string => {
    const database = `switchyard_${service}`;
    if (settings.CHECK_DATABASE_URL) {
      const url = new URL(settings.CHECK_DATABASE_URL);
      url.pathname = `/${database}`;
      return url.href;
    }
    // The local runner keeps one role per service, its password in the data directory.
    const secrets = JSON.parse(readFileSync(resolve(rootDir, settings.SWITCHYARD_DATA_DIR, 'secrets.json'), 'utf8')) as { databasePasswords: Record<string, string> };
    return `postgres://${database}:${secrets.databasePasswords[database]}@127.0.0.1:${settings.SWITCHYARD_POSTGRES_PORT}/${database}`;
  };
  const [catalog, orders, payments, notifications, users] = SERVICES.map((s) => env[`${s.toUpperCase()}_DATABASE_URL`] || fallback(s));
  return { catalog: catalog!, orders: orders!, payments: payments!, notifications, users };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { wait: { type: 'string', default: '0' } } });
  let dbs: ServiceDatabases;
  try {
    dbs = databasesFromEnv(process.env, resolve(import.meta.dirname, '..'));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const violations = await waitForConsistency(dbs, Number(values.wait));
  for (const v of violations) process.stdout.write(`${v.invariant}  ${v.subject}: ${v.detail}\n`);
  process.stdout.write(`${violations.length} violation(s)\n`);
  process.exitCode = violations.length > 0 ? 1 : 0;
}
