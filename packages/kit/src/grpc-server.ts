import { randomUUID } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  status,
  type Metadata,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import type { Registry } from 'prom-client';
import { KEEPALIVE } from './grpc-keepalive.js';
import { grpcServerMetrics, type GrpcCallMetrics } from './grpc-metrics.js';
import { toServiceError } from './grpc-status.js';
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

/**
 * A gRPC server with the standard grpc.health.v1 service (SERVING once listening, NOT_SERVING as soon
 * as the process starts draining), keepalive and max connection age, one log line and one histogram
 * sample per call, AppErrors translated through the one status table, and a shutdown that lets calls
 * in flight finish before forcing.
 */
export class GrpcServer {
  readonly #server: Server;
  readonly #health = new HealthImplementation({ '': 'NOT_SERVING' });
  readonly #serviceNames: string[] = [];
  readonly #metrics: GrpcCallMetrics;

  constructor(private readonly options: GrpcServerOptions) {
    this.#server = new Server({
      'grpc.max_connection_age_ms': options.maxConnectionAgeMs,
      'grpc.max_connection_age_grace_ms': options.maxConnectionAgeGraceMs,
      'grpc.keepalive_time_ms': KEEPALIVE.serverTimeMs,
      'grpc.keepalive_timeout_ms': KEEPALIVE.serverTimeoutMs,
      'grpc.http2.min_ping_interval_without_data_ms': KEEPALIVE.serverMinPingIntervalMs,
    });
    this.#health.addToServer(this.#server);
    this.#metrics = grpcServerMetrics(options.registry);
    options.readiness.onDraining(() => this.#setStatus('NOT_SERVING'));
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
    this.#server.addService(definition, implementation);
    this.#serviceNames.push(name);
    return this;
  }

  /** Binds and starts serving; resolves with the bound port (pass 0 for any free one). */
  async listen(port: number, host: string): Promise<number> {
    const bound = await new Promise<number>((resolve, reject) =>
      this.#server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    if (!this.options.readiness.draining) this.#setStatus('SERVING');
    return bound;
  }

  /** Stops accepting calls, lets those in flight finish, and forces the rest after timeoutMs. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#setStatus('NOT_SERVING');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.options.log.warn({ timeoutMs }, 'gRPC calls still running at the deadline: forcing shutdown');
        this.#server.forceShutdown();
        resolve();
      }, timeoutMs);
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  #setStatus(state: 'SERVING' | 'NOT_SERVING'): void {
    this.#health.setStatus('', state);
    for (const name of this.#serviceNames) this.#health.setStatus(name, state);
  }

  async #handle(path: string, handler: Unary<unknown, unknown>, call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): Promise<void> {
    const started = process.hrtime.bigint();
    const incoming = call.metadata.get(REQUEST_ID_HEADER)[0];
    const requestId = typeof incoming === 'string' && incoming.length <= 128 ? incoming : randomUUID();
    const log = this.options.log.child({ reqId: requestId, grpcMethod: path });
    const deadline = call.getDeadline();
    const context: CallContext = {
      log,
      requestId,
      metadata: call.metadata,
      deadline: deadline instanceof Date ? deadline : Number.isFinite(deadline) ? new Date(deadline) : undefined,
    };
    let code: status = status.OK;
    try {
      const response = await handler(call.request, context);
      callback(null, response);
    } catch (err) {
      const serviceError = toServiceError(err);
      code = serviceError.code ?? status.INTERNAL;
      // Logged once, here; client errors are the caller's business.
      if (code === status.INTERNAL) log.error({ err }, 'gRPC call failed');
      callback(serviceError);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.#metrics.observe(path, status[code], seconds);
      log.info({ code: status[code], durationMs: Math.round(seconds * 1e4) / 10 }, 'gRPC call finished');
    }
  }
}
