import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ManagedProcess } from './managed-process.js';
import { assertPortsFree, waitForPort } from './ports.js';

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface RabbitMqServer {
  url: string;
  pids: number[];
  stop(): Promise<void>;
  /** SIGKILL to the broker's and epmd's process groups, without waiting. */
  kill(): void;
}

export interface RabbitMqOptions {
  dataDir: string;
  /** AMQP port. */
  port: number;
  epmdPort: number;
  /** The Erlang distribution port; AMQP + 20000 unless given. */
  distPort?: number;
  /** Install rabbitmq-server with apt when missing (only as root on Debian/Ubuntu). */
  allowInstall: boolean;
  log: Logger;
}

/** Thrown when RabbitMQ is not installed and cannot be installed here. */
export class RabbitMqMissingError extends Error {
  constructor() {
    super(
      'rabbitmq-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y rabbitmq-server), ' +
        'or point the system at a running broker with AMQP_URL=amqp://user:pass@host:5672',
    );
    this.name = 'RabbitMqMissingError';
  }
}

function ensureInstalled(options: RabbitMqOptions): void {
  if (existsSync(RABBITMQ_SERVER)) return;
  const canInstall = options.allowInstall && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) throw new RabbitMqMissingError();
  options.log.info('rabbitmq-server is missing: installing it with apt-get (once)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'rabbitmq-server'], { env, stdio: 'ignore' });
  if (!existsSync(RABBITMQ_SERVER)) throw new RabbitMqMissingError();
}

function epmdBinary(): string {
  if (existsSync('/usr/bin/epmd')) return '/usr/bin/epmd';
  const erts = readdirSync('/usr/lib/erlang').find((d) => d.startsWith('erts-'));
  if (!erts) throw new Error('epmd (part of Erlang) was not found');
  return join('/usr/lib/erlang', erts, 'bin', 'epmd');
}

/**
 * Starts the system's RabbitMQ as a private node: its own epmd (a child we own, so it can be stopped
 * by pid — the broker would otherwise leave a daemonised one behind), data and logs in dataDir,
 * listening on 127.0.0.1 only.
 */
export async function startRabbitMq(options: RabbitMqOptions): Promise<RabbitMqServer> {
  const { dataDir, port, epmdPort, log } = options;
  ensureInstalled(options);
  const distPort = options.distPort ?? port + 20_000;
  await assertPortsFree([
    [port, 'RabbitMQ AMQP'],
    [distPort, 'RabbitMQ distribution'],
    [epmdPort, 'Erlang epmd'],
  ]);
  for (const dir of ['home', 'mnesia', 'log']) await mkdir(join(dataDir, dir), { recursive: true });

  const epmd = await ManagedProcess.start('epmd', epmdBinary(), ['-port', String(epmdPort), '-address', '127.0.0.1']);
  const logFile = await open(join(dataDir, 'log', 'console.log'), 'a');
  const erlangEnv = { ERL_EPMD_ADDRESS: '127.0.0.1', ERL_EPMD_PORT: String(epmdPort) };
  let broker: ManagedProcess | undefined;
  try {
    await waitForPort(epmdPort, 5_000, () => epmd.running);
    broker = await ManagedProcess.start('rabbitmq', RABBITMQ_SERVER, [], {
      // Erlang writes crash dumps (erl_crash.dump, MnesiaCore.*) into its working directory: the data
      // folder, never the folder npm start or a test was started from.
      cwd: dataDir,
      env: {
        PATH: process.env.PATH,
        HOME: join(dataDir, 'home'),
        RABBITMQ_NODENAME: `switchyard-${port}@localhost`,
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        RABBITMQ_NODE_PORT: String(port),
        RABBITMQ_DIST_PORT: String(distPort),
        RABBITMQ_MNESIA_BASE: join(dataDir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(dataDir, 'log'),
        RABBITMQ_PID_FILE: join(dataDir, 'rabbitmq.pid'),
        // The Erlang process table is allocated whole at start: a million entries by default, where a
        // local broker needs a few hundred (8 MB less memory).
        RABBITMQ_MAX_NUMBER_OF_PROCESSES: '65536',
        ...erlangEnv,
      },
      onLine: (line) => void logFile.write(`${line}\n`),
    });
    const started = broker;
    await waitForPort(port, 60_000, () => started.running);
  } catch (err) {
    await broker?.stop('SIGTERM', 10_000);
    await epmd.stop('SIGTERM', 2_000);
    await logFile.close();
    throw new Error(`RabbitMQ did not start; see ${join(dataDir, 'log')}`, { cause: err });
  }
  const server = broker;
  log.info({ port, pid: server.pid, epmdPid: epmd.pid }, 'rabbitmq ready');

  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    pids: [server.pid, epmd.pid],
    // The start script turns SIGTERM into a clean broker stop; epmd goes last.
    stop: async () => {
      await server.stop('SIGTERM', 20_000);
      await epmd.stop('SIGTERM', 2_000);
      await logFile.close();
      log.info({ pid: server.pid }, 'rabbitmq stopped');
    },
    kill: () => {
      server.kill();
      epmd.kill();
    },
  };
}
