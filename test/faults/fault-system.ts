import { mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from '@switchyard/devstack/managed-process';
import { startRabbitMq, type RabbitMqServer } from '@switchyard/devstack/rabbitmq-server';
import type { LocalSystem } from '@switchyard/devstack/system';
import { ServiceTokens } from '@switchyard/kit/auth-client';
import { createLogger } from '@switchyard/kit/log';
import { waitForConsistency, type ServiceDatabases, type Violation } from '../../scripts/check-consistency.js';
import { eventually } from '../support/broker.js';
import { request } from '../support/http.js';
import { isAlive, startTestSystem } from '../support/local-system.js';
import { capturedLogger } from '../support/logs.js';
import { freeSystemPorts, isListening, type SystemPorts } from '../support/ports.js';
import { ShopClient } from '../support/shop-client.js';

type Service = 'users' | 'catalog' | 'payments' | 'orders' | 'notifications' | 'gateway';

/** How a service process was started: enough to start it again after a SIGKILL. */
interface Launch {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Short intervals, so faults settle in seconds; the rest is the local system exactly as `npm start` runs it. */
function serviceEnv(amqpUrl: string): Record<string, Record<string, string>> {
  const reconnect = { AMQP_RECONNECT_MAX_MS: '1000' };
  const consumer = { ...reconnect, CONSUMER_RETRY_DELAYS_MS: '200,500,1000', CONSUMER_MAX_ATTEMPTS: '10' };
  return {
    users: { ...reconnect, OUTBOX_POLL_INTERVAL_MS: '200' },
    catalog: { ...consumer, FAILPOINTS_ENABLED: 'true', RESERVATION_SWEEP_INTERVAL_MS: '200' },
    payments: { ...consumer, FAILPOINTS_ENABLED: 'true' },
    orders: {
      ...reconnect,
      FAILPOINTS_ENABLED: 'true',
      OUTBOX_POLL_INTERVAL_MS: '200',
      GRPC_DEADLINE_MS: '1500',
      PAYMENT_DEADLINE_MS: '1500',
      ORDER_TTL_MS: '20000',
      EXPIRY_SWEEP_INTERVAL_MS: '200',
      RESERVATION_MARGIN_MS: '60000',
      IDEMPOTENCY_TAKEOVER_MS: '3000',
    },
    notifications: { ...consumer, SSE_HEARTBEAT_MS: '500' },
  };
}

/**
 * The local system for fault injection: every service a real process, Postgres embedded, and a
 * RabbitMQ of the suite's own (so it can be frozen, killed and started again on the same data). It
 * kills, freezes and relaunches processes by pid, arms failpoints, and waits for the invariants.
 */
export class FaultSystem {
  readonly report = createLogger({ service: 'faults', level: 'info', destination: process.stderr });
  readonly #launches = new Map<Service, Launch>();
  readonly #relaunched = new Map<Service, ManagedProcess>();
  client!: ShopClient;
  dbs!: ServiceDatabases;
  #local: Awaited<ReturnType<typeof startTestSystem>> | undefined;
  #rabbit: RabbitMqServer | undefined;
  #dataDir = '';
  #tokens: ServiceTokens | undefined;
  #ports!: SystemPorts;

  get system(): LocalSystem {
    return this.#local!.system;
  }

  get lines(): string[] {
    return this.#local!.lines;
  }

  static async start(): Promise<FaultSystem> {
    const faults = new FaultSystem();
    try {
      await faults.#start();
    } catch (err) {
      await faults.stop();
      throw err;
    }
    return faults;
  }

  async #start(): Promise<void> {
    this.#ports = await freeSystemPorts();
    this.#dataDir = await mkdtemp(join(tmpdir(), 'switchyard-faults-'));
    this.#rabbit = await this.#startRabbit();
    this.#local = await startTestSystem(this.#ports, { amqpUrl: this.#rabbit.url, serviceEnv: serviceEnv(this.#rabbit.url) });
    for (const instance of this.system.instances) this.#launches.set(instance.service as Service, await launchOf(instance.process.pid));
    this.client = new ShopClient(this.system.gatewayUrl);
    const db = (service: string) => {
      const url = new URL(this.system.databaseUrl);
      url.pathname = `/switchyard_${service}`;
      return url.href;
    };
    this.dbs = { catalog: db('catalog'), orders: db('orders'), payments: db('payments'), notifications: db('notifications'), users: db('users') };
  }

  #startRabbit(): Promise<RabbitMqServer> {
    return startRabbitMq({
      dataDir: join(this.#dataDir, 'rabbitmq'),
      port: this.#ports.amqpPort,
      epmdPort: this.#ports.epmdPort,
      distPort: this.#ports.distPort,
      allowInstall: true,
      log: capturedLogger('faults-rabbitmq').log,
    });
  }

  /** Stops what it started, by pid: relaunched services, the system (services, Postgres), RabbitMQ. */
  async stop(): Promise<void> {
    for (const child of this.#relaunched.values()) await child.stop('SIGTERM', 20_000);
    await this.#local?.cleanUp();
    await this.#rabbit?.stop();
    if (this.#dataDir) await rm(this.#dataDir, { recursive: true, force: true });
  }

  /** The service's public API (services with one). */
  url(service: Service): string {
    return this.system.instances.find((i) => i.service === service)!.url!;
  }

  /** A token naming orders for calls to `service` (what orders sends), from the system's users with orders' secret. */
  async ordersToken(service: Service): Promise<string> {
    if (!this.#tokens) {
      const secrets = JSON.parse(await readFile(join(this.#local!.dataDir, 'secrets.json'), 'utf8')) as { serviceSecrets: Record<string, string> };
      this.#tokens = new ServiceTokens({ urls: [this.url('users')], clientId: 'orders', clientSecret: secrets.serviceSecrets.orders! });
    }
    return this.#tokens.token(service);
  }

  /** The service's admin listener: readiness, and failpoints. */
  adminUrl(service: Service): string {
    return this.system.instances.find((i) => i.service === service)!.adminUrl;
  }

  grpcAddress(service: Service): string {
    return this.system.instances.find((i) => i.service === service)!.grpcAddress!;
  }

  /** The pid of the service's process now running (the relaunched one after a kill). */
  pid(service: Service): number {
    return this.#relaunched.get(service)?.pid ?? this.system.instances.find((i) => i.service === service)!.process.pid;
  }

  /** SIGKILL, and resolves once the process is gone. */
  async kill(service: Service): Promise<void> {
    const pid = this.pid(service);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (isAlive(pid) ? undefined : true), 10_000, `${service} (${pid}) gone`);
  }

  /** Starts a killed service again with the same command and environment, and waits until it is ready. */
  async relaunch(service: Service): Promise<void> {
    const launch = this.#launches.get(service)!;
    const child = await ManagedProcess.start(`${service}*`, launch.argv[0]!, launch.argv.slice(1), {
      cwd: launch.cwd,
      env: launch.env,
      onLine: (line) => this.lines.push(`${service}* ${line}`),
    });
    this.#relaunched.set(service, child);
    await eventually(async () => {
      if (!child.running) throw new Error(`${service} exited while starting again:\n${this.lines.slice(-20).join('\n')}`);
      const ready = await request(`${this.adminUrl(service)}/readyz`).catch(() => undefined);
      return ready?.status === 200 ? true : undefined;
    }, 60_000, `${service} ready again`);
  }

  /** Dies when it exits for whatever reason (a failpoint that kills it): resolves once it is gone. */
  async gone(service: Service, timeoutMs = 20_000): Promise<void> {
    const pid = this.pid(service);
    await eventually(async () => (isAlive(pid) ? undefined : true), timeoutMs, `${service} (${pid}) gone`);
  }

  /** SIGSTOP / SIGCONT of a service (a frozen replica: a GC pause, a throttled container). */
  signal(service: Service, signal: 'SIGSTOP' | 'SIGCONT'): void {
    process.kill(this.pid(service), signal);
  }

  /** Arms a failpoint of a service (PUT /failpoints/{name} on its admin port). */
  async arm(service: Service, name: string, action: { action: 'kill' | 'delay' | 'error' | 'off'; ms?: number; count?: number }): Promise<void> {
    const res = await request(`${this.adminUrl(service)}/failpoints/${name}`, { method: 'PUT', json: action });
    if (res.status !== 204) throw new Error(`arming ${name} answered ${res.status}: ${res.text}`);
  }

  /**
   * SIGSTOP / SIGCONT to Postgres: the postmaster and each of its children (every backend calls
   * setsid(), so signalling the postmaster's process group would not reach them). Stopped first, the
   * postmaster forks no new child meanwhile.
   */
  async postgres(signal: 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    const postmaster = this.system.infrastructurePids().postgres[0]!;
    const children = await childrenOf(postmaster);
    for (const pid of signal === 'SIGSTOP' ? [postmaster, ...children] : [...children, postmaster]) process.kill(pid, signal);
  }

  /** SIGSTOP / SIGCONT to the broker's process group (its Erlang VM). */
  rabbit(signal: 'SIGSTOP' | 'SIGCONT'): void {
    process.kill(-this.#rabbit!.pids[0]!, signal);
  }

  /** kill -9 of RabbitMQ (broker and epmd), then a new broker on the same data directory and ports. */
  async killAndRestartRabbit(): Promise<void> {
    const killed = this.#rabbit!;
    const [broker, epmd] = killed.pids;
    killed.kill();
    await eventually(async () => (isAlive(broker!) || isAlive(epmd!) ? undefined : true), 10_000, 'RabbitMQ gone');
    await killed.stop(); // nothing left to stop but its log file
    await eventually(async () => ((await isListening(this.#ports.amqpPort)) || (await isListening(this.#ports.epmdPort)) ? undefined : true), 10_000, 'its ports free');
    this.#rabbit = await this.#startRabbit();
  }

  get amqpUrl(): string {
    return this.#rabbit!.url;
  }

  /** Waits (re-checking) until every invariant holds, or returns the violations left after timeoutMs. */
  settle(timeoutMs = 60_000): Promise<Violation[]> {
    return waitForConsistency(this.dbs, timeoutMs);
  }
}

/** The pids whose parent is `pid`, from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children;
}

/** The command line, working directory and environment of a running process, from /proc. */
async function launchOf(pid: number): Promise<Launch> {
  const split = (text: string) => text.split('\0').filter(Boolean);
  const argv = split(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
  const env = Object.fromEntries(split(await readFile(`/proc/${pid}/environ`, 'utf8')).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  return { argv, cwd: await readlink(`/proc/${pid}/cwd`), env };
}
