import { randomUUID } from 'node:crypto';
import type { Metadata, Server, ServerUnaryCall, ServiceDefinition, UntypedServiceImplementation, sendUnaryData } from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { HealthImplementation } from 'grpc-health-check';
import type { Registry } from 'prom-client';
import { KEEPALIVE } from './grpc-keepalive.js';
import { grpcServerMetrics, type GrpcCallMetrics } from './grpc-metrics.js';
import { REQUEST_ID_HEADER } from './identity.js';
import type { Logger } from './log.js';
import type { Readiness } from './readiness.js';

/** What a handler knows about its call besides the request. */
export interface CallContext {
  log: Logger;
  requestId: string;
  metadata: Metadata;
  /** The caller's deadline, to pass on to the calls this handler makes. */
  deadline: Date | undefined;
  /** The calling service, as its verified token names it (when the service checks callers). */
  caller?: string;
}

/** Checks a call's credentials before its handler runs: resolves with the caller's name, or throws an AppError. */
export type Authorize = (metadata: Metadata, method: string) => Promise<string>;

type Unary<Req, Res> = (request: Req, context: CallContext) => Promise<Res>;

/** The method names of a generated service definition, without its string index signature. */
export type MethodName<D> = keyof { [K in keyof D as string extends K ? never : K]: D[K] } & string;

/** Handlers for every method of a service: plain async functions; throw AppErrors to fail. */
export type ServiceHandlers<D extends ServiceDefinition> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- `any` only to infer from generated method types
  [M in MethodName<D>]: D[M] extends MethodDefinition<any, infer ResIn, infer ReqOut, any> ? Unary<ReqOut, ResIn> : never;
};

export interface GrpcServerOptions {
  log: Logger;
  registry: Registry;
  readiness: Readiness;
  /** Connections are closed after this age (with grace for calls in flight) so clients spread onto new pods. */
  maxConnectionAgeMs: number;
  maxConnectionAgeGraceMs: number;
}

/** Status codes by number, as grpc-js numbers them (names for logs and metric labels). */
const OK = 0;
const INTERNAL = 13;

// gRPC is loaded when a server starts listening, not when this module is imported: every service's host
// imports it, and the gateway and notifications, which serve no gRPC, then never load grpc-js, its
// health service and their protobuf definitions (about 10 MB of memory per process).
async function loadGrpc() {
  const [grpc, health, statusMapping] = await Promise.all([import('@grpc/grpc-js'), import('grpc-health-check'), import('./grpc-status.js')]);
  return { grpc, HealthImplementation: health.HealthImplementation, toServiceError: statusMapping.toServiceError };
}
type Loaded = Awaited<ReturnType<typeof loadGrpc>>;

/**
 * A gRPC server with the standard grpc.health.v1 service (SERVING once listening, NOT_SERVING as soon
 * as the process starts draining), keepalive and max connection age, a histogram sample per call and a
 * log line per call (at debug level when it succeeded, info when it failed: the metrics count every
 * call, and a line for each of thousands of internal calls a second costs more than the call itself),
 * AppErrors translated through the one status table, and a shutdown that lets calls in flight finish
 * before forcing.
 */
export class GrpcServer {
  #loaded: Loaded | undefined;
  #server: Server | undefined;
  #health: HealthImplementation | undefined;
  readonly #services: Array<{ name: string; definition: ServiceDefinition; implementation: UntypedServiceImplementation }> = [];
  readonly #metrics: GrpcCallMetrics;
  #draining = false;

  constructor(private readonly options: GrpcServerOptions) {
    this.#metrics = grpcServerMetrics(options.registry);
    options.readiness.onDraining(() => {
      this.#draining = true;
      this.#setStatus('NOT_SERVING');
    });
  }

  /**
   * Adds a service: `name` is its full name (for health), handlers are async functions per method;
   * `authorize`, when given, runs before every handler (the health service stays open to probes).
   */
  addService<D extends ServiceDefinition>(name: string, definition: D, handlers: ServiceHandlers<D>, authorize?: Authorize): this {
    const implementation: UntypedServiceImplementation = {};
    for (const [method, spec] of Object.entries(definition)) {
      const handler = handlers[method as MethodName<D>] as Unary<unknown, unknown>;
      const guarded: Unary<unknown, unknown> = authorize
        ? async (request, context) => handler(request, { ...context, caller: await authorize(context.metadata, method) })
        : handler;
      implementation[method] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
        void this.#handle(spec.path, guarded, call, callback);
    }
    this.#services.push({ name, definition, implementation });
    return this;
  }

  /** Binds and starts serving; resolves with the bound port (pass 0 for any free one). */
  async listen(port: number, host: string): Promise<number> {
    const loaded = (this.#loaded = await loadGrpc());
    const server = new loaded.grpc.Server({
      'grpc.max_connection_age_ms': this.options.maxConnectionAgeMs,
      'grpc.max_connection_age_grace_ms': this.options.maxConnectionAgeGraceMs,
      'grpc.keepalive_time_ms': KEEPALIVE.serverTimeMs,
      'grpc.keepalive_timeout_ms': KEEPALIVE.serverTimeoutMs,
      'grpc.http2.min_ping_interval_without_data_ms': KEEPALIVE.serverMinPingIntervalMs,
      // Channelz (call counters and timestamps for a debugging service this server does not offer) costs per call.
      'grpc.enable_channelz': 0,
    });
    const health = new loaded.HealthImplementation({ '': 'NOT_SERVING' });
    health.addToServer(server);
    for (const service of this.#services) server.addService(service.definition, service.implementation);
    this.#server = server;
    this.#health = health;
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, loaded.grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.#setStatus(this.#draining || this.options.readiness.draining ? 'NOT_SERVING' : 'SERVING');
    return bound;
  }

  /** Stops accepting calls, lets those in flight finish, and forces the rest after timeoutMs. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#setStatus('NOT_SERVING');
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.options.log.warn({ timeoutMs }, 'gRPC calls still running at the deadline: forcing shutdown');
        server.forceShutdown();
        resolve();
      }, timeoutMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  #setStatus(state: 'SERVING' | 'NOT_SERVING'): void {
    if (!this.#health) return;
    this.#health.setStatus('', state);
    for (const { name } of this.#services) this.#health.setStatus(name, state);
  }

  async #handle(path: string, handler: Unary<unknown, unknown>, call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): Promise<void> {
    const { grpc, toServiceError } = this.#loaded!;
    const started = process.hrtime.bigint();
    const incoming = call.metadata.get(REQUEST_ID_HEADER)[0];
    const requestId = typeof incoming === 'string' && incoming.length <= 128 ? incoming : randomUUID();
    const root = this.options.log;
    const deadline = call.getDeadline();
    let log: Logger | undefined;
    const context: CallContext = {
      // The call's child logger is made only when something logs through it.
      get log() {
        return (log ??= root.child({ reqId: requestId, grpcMethod: path }));
      },
      requestId,
      metadata: call.metadata,
      deadline: deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined,
    };
    let code: number = OK;
    try {
      const response = await handler(call.request, context);
      callback(null, response);
    } catch (err) {
      const serviceError = toServiceError(err);
      code = serviceError.code ?? INTERNAL;
      // Logged once, here; client errors are the caller's business.
      if (code === INTERNAL) context.log.error({ err }, 'gRPC call failed');
      callback(serviceError);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const name = grpc.status[code] ?? String(code);
      this.#metrics.observe(path, name, seconds);
      const level = code === OK ? 'debug' : 'info';
      if (root.isLevelEnabled(level)) context.log[level]({ code: name, durationMs: Math.round(seconds * 1e4) / 10 }, 'gRPC call finished');
    }
  }
}
