import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadDevSecrets } from './dev-secrets.js';
import { ManagedProcess } from './managed-process.js';
import { LocalObservability, type ObservabilityOptions } from './observability.js';
import { assertPortsFree } from './ports.js';
import { provisionDatabase, startPostgres, type PostgresServer } from './postgres-server.js';
import { startRabbitMq, type RabbitMqServer } from './rabbitmq-server.js';
import { ensureWebBundle } from './web-bundle.js';
import { SERVICES, adminPort, databaseName, grpcPort, httpPort, serviceCommand, type ServiceDefinition, type ServiceRuntime, type SystemAddresses } from './service-catalog.js';

export interface SystemOptions {
  /** The repository root (services are started from there). */
  rootDir: string;
  /** Compiled JavaScript from dist/ (built beforehand) or the TypeScript sources through tsx (the default). */
  runtime?: ServiceRuntime;
  /** V8 flags every service starts with (e.g. `--max-semi-space-size=2`); none: V8's defaults. */
  v8Flags?: readonly string[];
  /** More node flags for some services' processes (the bench's `--cpu-prof`: NODE_OPTIONS may not carry it). */
  serviceNodeFlags?: Readonly<Record<string, readonly string[]>>;
  dataDir: string;
  httpBasePort: number;
  postgresPort: number;
  amqpPort: number;
  epmdPort: number;
  /** RabbitMQ's Erlang distribution port: AMQP + 20000 unless given. */
  distPort?: number;
  /** An external Postgres (a role that may create roles and databases) instead of the embedded one. */
  databaseUrl?: string | undefined;
  /** An external RabbitMQ instead of the system's rabbitmq-server. */
  amqpUrl?: string | undefined;
  replicas: Readonly<Record<string, number>>;
  allowRabbitMqInstall: boolean;
  serviceLogLevel: string;
  log: Logger;
  /** Receives every line a service writes. */
  onServiceLine: (label: string, line: string) => void;
  /** Extra environment per service (tests shorten timeouts with it). */
  serviceEnv?: Readonly<Record<string, Record<string, string>>>;
  readyTimeoutMs?: number;
  /** The trace receiver's and Prometheus' ports (see LocalObservability); neither runs without one. */
  observability?: Pick<ObservabilityOptions, 'otlpPort' | 'prometheusPort'>;
}

export interface ServiceInstance {
  service: string;
  replica: number;
  label: string;
  /** The base URL of its public API; none for a gRPC-only service. */
  url: string | undefined;
  /** The base URL of its admin listener: /healthz, /readyz, /metrics. */
  adminUrl: string;
  /** host:port of its gRPC server, when it has one. */
  grpcAddress?: string | undefined;
  process: ManagedProcess;
}

/** Thrown by start() when stop() was called while the system was starting. */
export class StartAbortedError extends Error {
  constructor() {
    super('start-up was interrupted');
    this.name = 'StartAbortedError';
  }
}

/**
 * The whole system on one machine: Postgres (embedded, or DATABASE_URL), RabbitMQ (the system's
 * rabbitmq-server, or AMQP_URL), one database and role per service, then every service replica as a
 * process. stop() may be called at any moment, also during start(); it stops services (gateway first),
 * then RabbitMQ, then Postgres, each by its pid.
 */
export class LocalSystem {
  readonly instances: ServiceInstance[] = [];
  readonly gatewayUrl: string;
  databaseUrl = '';
  amqpUrl = '';
  #postgres: PostgresServer | undefined;
  #rabbit: RabbitMqServer | undefined;
  #stopping: Promise<void> | undefined;
  /** The storefront build of the start-up, and its process while it runs. */
  #bundle: Promise<unknown> | undefined;
  readonly #helpers: ManagedProcess[] = [];
  /** The trace receiver and Prometheus, once started. */
  observability: LocalObservability | undefined;

  constructor(private readonly options: SystemOptions) {
    this.gatewayUrl = `http://127.0.0.1:${httpPort(this.#service('gateway'), options.httpBasePort, 0)}`;
  }

  /** Starts everything and resolves when every replica answers /readyz; on failure stops what started. */
  async start(): Promise<void> {
    try {
      await this.#start();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops services (gateway first), then RabbitMQ, then Postgres. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.all(this.#helpers.map((p) => p.stop('SIGTERM', 5_000)));
      await this.#bundle?.catch(() => undefined);
      for (const service of [...SERVICES].reverse()) {
        const group = this.instances.filter((i) => i.service === service.name);
        await Promise.all(group.map((i) => i.process.stop('SIGTERM', 30_000)));
      }
      await this.#rabbit?.stop();
      await this.#postgres?.stop();
      await this.observability?.stop();
    })();
    return this.#stopping;
  }

  /** Stops everything at once without waiting (a second Ctrl-C, or the runner crashing). */
  kill(): void {
    for (const helper of this.#helpers) helper.kill();
    for (const instance of this.instances) instance.process.kill();
    this.#rabbit?.kill();
    this.#postgres?.kill();
    this.observability?.kill();
  }

  /** The pids of Postgres and of RabbitMQ with its epmd (empty when external ones are used). */
  infrastructurePids(): { postgres: number[]; rabbitmq: number[] } {
    return { postgres: this.#postgres ? [this.#postgres.pid] : [], rabbitmq: this.#rabbit?.pids ?? [] };
  }

  /** Every pid this system started: services and infrastructure. */
  pids(): number[] {
    return [...this.instances.map((i) => i.process.pid), ...(this.#postgres ? [this.#postgres.pid] : []), ...(this.#rabbit?.pids ?? []), ...(this.observability?.pids ?? [])];
  }

  #service(name: string): ServiceDefinition {
    const service = SERVICES.find((s) => s.name === name);
    if (!service) throw new Error(`unknown service ${name}`);
    return service;
  }

  #replicas(service: ServiceDefinition): number {
    return this.options.replicas[service.name] ?? 1;
  }

  #checkNotStopping(): void {
    if (this.#stopping) throw new StartAbortedError();
  }

  async #start(): Promise<void> {
    const { options } = this;
    for (const name of Object.keys(options.replicas)) this.#service(name);
    const servicePorts = SERVICES.flatMap((s) =>
      Array.from({ length: this.#replicas(s) }, (_, r) => {
        const grpc = grpcPort(s, options.httpBasePort, r);
        const http = httpPort(s, options.httpBasePort, r);
        return [
          ...(http ? [[http, `${s.name} HTTP`] as const] : []),
          [adminPort(s, options.httpBasePort, r), `${s.name} admin`] as const,
          ...(grpc ? [[grpc, `${s.name} gRPC`] as const] : []),
        ];
      }).flat(),
    );
    await assertPortsFree([...servicePorts, ...(options.databaseUrl ? [] : [[options.postgresPort, 'Postgres'] as const])]);

    const databases = SERVICES.filter((s) => s.database).map((s) => databaseName(s.name));
    const clients = SERVICES.filter((s) => s.callsServices).map((s) => s.name);
    const secrets = await loadDevSecrets(options.dataDir, databases, clients);

    // The storefront builds (when stale) while Postgres and RabbitMQ start; the gateway needs it first.
    const webDir = join(options.rootDir, 'web');
    const bundle = (this.#bundle = ensureWebBundle({
      webDir,
      lockfile: join(options.rootDir, 'package-lock.json'),
      log: options.log,
      onLine: options.onServiceLine,
      onProcess: (p) => {
        this.#helpers.push(p);
        if (this.#stopping) p.kill();
      },
    }));
    // Awaited below; until then a failure elsewhere must not leave it unhandled.
    bundle.catch(() => undefined);

    this.#checkNotStopping();
    if (options.databaseUrl) {
      this.databaseUrl = options.databaseUrl;
    } else {
      this.#postgres = await startPostgres({
        dataDir: join(options.dataDir, 'postgres'),
        port: options.postgresPort,
        superuserPassword: secrets.postgresPassword,
        log: options.log,
      });
      this.databaseUrl = this.#postgres.adminUrl;
    }
    this.#checkNotStopping();
    if (options.amqpUrl) {
      this.amqpUrl = options.amqpUrl;
    } else {
      this.#rabbit = await startRabbitMq({
        dataDir: join(options.dataDir, 'rabbitmq'),
        port: options.amqpPort,
        epmdPort: options.epmdPort,
        ...(options.distPort === undefined ? {} : { distPort: options.distPort }),
        allowInstall: options.allowRabbitMqInstall,
        log: options.log,
      });
      this.amqpUrl = this.#rabbit.url;
    }

    const databaseUrls = new Map<string, string>();
    for (const db of databases) {
      databaseUrls.set(db, await provisionDatabase(this.databaseUrl, db, secrets.databasePasswords[db]!));
    }

    const addresses: SystemAddresses = {
      httpUrls: (name) => {
        const service = this.#service(name);
        return Array.from({ length: this.#replicas(service) }, (_, r) => `http://127.0.0.1:${httpPort(service, options.httpBasePort, r)}`);
      },
      grpcTarget: (name) => {
        const service = this.#service(name);
        const ports = Array.from({ length: this.#replicas(service) }, (_, r) => `127.0.0.1:${grpcPort(service, options.httpBasePort, r)}`);
        return `ipv4:${ports.join(',')}`;
      },
      adminUrls: (name) => {
        const service = this.#service(name);
        return Array.from({ length: this.#replicas(service) }, (_, r) => `http://127.0.0.1:${adminPort(service, options.httpBasePort, r)}`);
      },
      jwtPrivateKey: secrets.jwtPrivateKey,
      amqpUrl: this.amqpUrl,
      serviceClients: clients.map((name) => `${name}:${createHash('sha256').update(secrets.serviceSecrets[name]!).digest('hex')}`).join(','),
      serviceSecret: (name) => secrets.serviceSecrets[name]!,
      webRoot: join(webDir, 'dist'),
    };
    await bundle;

    this.#checkNotStopping();
    const targets = SERVICES.flatMap((s) =>
      Array.from({ length: this.#replicas(s) }, (_, r) => ({ service: s.name, instance: `${s.name}-${r + 1}`, address: `127.0.0.1:${adminPort(s, options.httpBasePort, r)}` })),
    );
    this.observability = await LocalObservability.start({ ...options.observability, rootDir: options.rootDir, dataDir: options.dataDir, log: options.log }, targets);

    for (const service of SERVICES) {
      const count = this.#replicas(service);
      for (let replica = 0; replica < count; replica++) {
        this.#checkNotStopping();
        const port = httpPort(service, options.httpBasePort, replica);
        const admin = adminPort(service, options.httpBasePort, replica);
        const grpc = grpcPort(service, options.httpBasePort, replica);
        const label = count > 1 ? `${service.name}#${replica + 1}` : service.name;
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          NODE_ENV: 'development',
          LOG_LEVEL: options.serviceLogLevel,
          HTTP_HOST: '127.0.0.1',
          ...(port ? { HTTP_PORT: String(port) } : {}),
          ADMIN_PORT: String(admin),
          ...(grpc ? { GRPC_PORT: String(grpc) } : {}),
          INSTANCE_ID: `${service.name}-${replica + 1}`,
          ...(service.database ? { DATABASE_URL: databaseUrls.get(databaseName(service.name))! } : {}),
          ...service.env(addresses),
          ...this.observability.serviceEnv(service.name),
          ...options.serviceEnv?.[service.name],
        };
        const child = await ManagedProcess.start(label, process.execPath, serviceCommand(service.name, options.runtime ?? 'sources', [...(options.v8Flags ?? []), ...(options.serviceNodeFlags?.[service.name] ?? [])]), {
          cwd: options.rootDir,
          env,
          onLine: (line) => options.onServiceLine(label, line),
        });
        this.instances.push({
          service: service.name,
          replica,
          label,
          url: port ? `http://127.0.0.1:${port}` : undefined,
          adminUrl: `http://127.0.0.1:${admin}`,
          grpcAddress: grpc ? `127.0.0.1:${grpc}` : undefined,
          process: child,
        });
      }
    }
    await Promise.all(this.instances.map((i) => this.#waitReady(i, options.readyTimeoutMs ?? 60_000)));
  }

  async #waitReady(instance: ServiceInstance, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.#checkNotStopping();
      if (!instance.process.running) throw new Error(`${instance.label} exited during start-up (see its log lines above)`);
      try {
        const res = await fetch(`${instance.adminUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`${instance.label} was not ready within ${timeoutMs} ms`);
  }
}
