import { randomUUID } from 'node:crypto';
import { Metadata, credentials, status, type ChannelCredentials, type ChannelOptions, type Client, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { Registry } from 'prom-client';
import { KEEPALIVE } from './grpc-keepalive.js';
import { DeadlineError } from './errors.js';
import { grpcClientMetrics, type GrpcCallMetrics } from './grpc-metrics.js';
import type { MethodName } from './grpc-server.js';
import { fromServiceError } from './grpc-status.js';
import { REQUEST_ID_HEADER } from './identity.js';

type ClientConstructor<D extends ServiceDefinition> = (new (address: string, credentials: ChannelCredentials, options?: ChannelOptions) => Client) & {
  service: D;
};

/* eslint-disable @typescript-eslint/no-explicit-any -- `any` only to infer from generated method types */
type RequestOf<M> = M extends MethodDefinition<infer Req, any, any, any> ? Req : never;
type ResponseOf<M> = M extends MethodDefinition<any, any, any, infer Res> ? Res : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface GrpcClientOptions {
  /** The dependency's name in errors and metrics ("payments"). */
  dependency: string;
  /** Full service name ("switchyard.payments.v1.Payments"), for the retry policy. */
  serviceName: string;
  /**
   * `dns:///payments-grpc.switchyard:9090` on Kubernetes (a headless Service, so DNS returns every
   * ready pod), `k8s:///payments.switchyard:grpc` (EndpointSlices watched through the API: changes
   * are followed at once; register the resolver first with k8s-resolver's enableK8sDiscovery(), which
   * loads @kubernetes/client-node only for processes that use it), or `ipv4:127.0.0.1:9084,127.0.0.1:9184`.
   */
  target: string;
  /** The deadline of every call unless the call sets its own. */
  deadlineMs: number;
  /** Attempts per call, the first included; only UNAVAILABLE is retried. */
  maxAttempts: number;
  registry?: Registry;
  /** Per-RPC credentials: a token naming the calling service, sent as `authorization: Bearer`. */
  token?: () => Promise<string>;
}

export interface CallOptions {
  deadlineMs?: number;
  /** An absolute deadline, e.g. the caller's own (the earlier of the two wins). */
  deadline?: Date | undefined;
  requestId?: string;
}

/** The channel options every client uses: round robin over all addresses, retries for UNAVAILABLE only, keepalive. */
export function channelOptions(serviceName: string, maxAttempts: number): ChannelOptions {
  // grpc-js wants maxAttempts >= 2 in a retry policy; one attempt means no policy at all.
  const retryPolicy = {
    maxAttempts,
    initialBackoff: '0.05s',
    maxBackoff: '0.5s',
    backoffMultiplier: 2,
    retryableStatusCodes: ['UNAVAILABLE'],
  };
  const serviceConfig = {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: maxAttempts >= 2 ? [{ name: [{ service: serviceName }], retryPolicy }] : [],
  };
  return {
    'grpc.service_config': JSON.stringify(serviceConfig),
    'grpc.enable_retries': 1,
    'grpc.keepalive_time_ms': KEEPALIVE.clientTimeMs,
    'grpc.keepalive_timeout_ms': KEEPALIVE.clientTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    // Re-resolve quickly after every address failed (dns:/// picks up new pods sooner).
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 2000,
    // grpc-js re-resolves a dns:/// target at most every 30 s by default: in a rolling update the pods it
    // knows can all be gone before it may ask again, and every call fails meanwhile. A second is enough
    // to spare the DNS server and short enough to follow a rollout.
    'grpc.dns_min_time_between_resolutions_ms': 1000,
    // Channelz keeps call counters and timestamps per call for a debugging service nobody queries here.
    'grpc.enable_channelz': 0,
  };
}

/**
 * A typed gRPC client: every call has a deadline and returns a promise; a failure rejects with the
 * AppError the dependency meant (through the one status table), so call sites translate nothing.
 */
export class GrpcClient<D extends ServiceDefinition> {
  readonly #client: Client;
  readonly #definition: D;
  readonly #metrics: GrpcCallMetrics | undefined;

  constructor(
    ctor: ClientConstructor<D>,
    private readonly options: GrpcClientOptions,
  ) {
    // Plain HTTP/2 inside the cluster; encryption between pods belongs to the mesh or CNI if wanted.
    this.#client = new ctor(options.target, credentials.createInsecure(), channelOptions(options.serviceName, options.maxAttempts));
    this.#definition = ctor.service;
    this.#metrics = options.registry && grpcClientMetrics(options.registry);
  }

  /** Calls a unary method with a deadline. */
  async call<M extends MethodName<D>>(method: M, request: RequestOf<D[M]>, callOptions: CallOptions = {}): Promise<ResponseOf<D[M]>> {
    const spec = this.#definition[method]!;
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_HEADER, callOptions.requestId ?? randomUUID());
    const own = Date.now() + (callOptions.deadlineMs ?? this.options.deadlineMs);
    const deadline = new Date(Math.min(own, callOptions.deadline?.getTime() ?? Infinity));
    // A call whose budget is already spent is not made: its caller has given up, or will before an answer.
    if (deadline.getTime() <= Date.now()) throw new DeadlineError('deadline_exceeded', `No time was left to call ${this.options.dependency} ${method}.`);
    const started = process.hrtime.bigint();
    // Fetching the token (rarely: it is kept for minutes) counts against the call's deadline.
    if (this.options.token) metadata.set('authorization', `Bearer ${await this.options.token()}`);
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        spec.path,
        spec.requestSerialize,
        spec.responseDeserialize,
        request,
        metadata,
        { deadline },
        (err: ServiceError | null, response?: unknown) => {
          this.#metrics?.observe(spec.path, status[err ? err.code : status.OK], Number(process.hrtime.bigint() - started) / 1e9);
          if (err) reject(fromServiceError(err, this.options.dependency));
          else resolve(response as ResponseOf<D[M]>);
        },
      );
    });
  }


  close(): void {
    this.#client.close();
  }
}
