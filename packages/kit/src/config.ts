import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's configuration schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** A TCP port from an environment variable (0 asks the OS for a free one). */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A duration in milliseconds from an environment variable. */
export const millis = (fallback: number) => z.coerce.number().int().min(0).max(3_600_000).default(fallback);

/**
 * A comma-separated list of absolute http(s) URLs, or one `k8s://<service>.<namespace>:<port-name>`
 * (the ready pods of a Service, from its EndpointSlices).
 */
export const urlList = () =>
  z
    .string()
    .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string())
        .min(1)
        .superRefine((urls, ctx) => {
          if (urls.some((u) => u.startsWith('k8s://'))) {
            if (urls.length !== 1 || !/^k8s:\/\/[a-z0-9-]+\.[a-z0-9-]+:[a-z0-9-]+$/.test(urls[0]!)) {
              ctx.addIssue({ code: 'custom', path: [0], message: 'must be a single k8s://service.namespace:port-name' });
            }
            return;
          }
          urls.forEach((url, i) => {
            if (!z.url({ protocol: /^https?$/ }).safeParse(url).success) ctx.addIssue({ code: 'custom', path: [i], message: 'must be an http(s) URL' });
          });
        }),
    );

/** The variables every service reads: logging, the HTTP listener and shutdown timing. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  /** Time between readiness turning 503 and the listener closing: 0 locally, ~1 s on Kubernetes. */
  SHUTDOWN_DRAIN_DELAY_MS: millis(0),
  /** Hard deadline for the whole shutdown; after it the process exits with code 1. */
  SHUTDOWN_TIMEOUT_MS: millis(20_000),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Identifies this process among replicas in logs and metrics. */
  INSTANCE_ID: z.string().min(1).optional(),
  /** How long start-up may wait for its dependencies (Postgres) before the process gives up with exit 1. */
  STARTUP_TIMEOUT_MS: millis(60_000).refine((ms) => ms >= 100, 'must be at least 100'),
});

/**
 * The two listeners of a service: HTTP_PORT serves its API; ADMIN_PORT serves /healthz, /readyz and
 * /metrics for probes and Prometheus (never the public edge). Locally the admin port is the HTTP port + 2500
 * (not + 2000: the gateway's 8080 would give 10080, a port that fetch() refuses to call, as browsers do).
 */
export const listenerConfig = (defaultHttpPort: number) => ({
  HTTP_PORT: port(defaultHttpPort),
  ADMIN_PORT: port(defaultHttpPort + 2500),
});

/** The variables of a service that owns a Postgres database. */
export const databaseConfig = (defaultPoolMax = 10) => ({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** Connections in the service's pool (LISTEN connections come on top: one per relay or live feed). */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(defaultPoolMax),
  /** Every request's statement is cancelled by Postgres after this long (migrations run without it). */
  DATABASE_STATEMENT_TIMEOUT_MS: millis(10_000).refine((ms) => ms >= 100, 'must be at least 100'),
});

/** The variables of a service that serves gRPC; spread into its schema with its local default port. */
export const grpcServerConfig = (defaultPort: number) => ({
  GRPC_PORT: port(defaultPort),
  /** Connections older than this are closed (after the grace) so clients rebalance onto new pods. */
  GRPC_MAX_CONNECTION_AGE_MS: millis(300_000),
  GRPC_MAX_CONNECTION_AGE_GRACE_MS: millis(15_000),
});

const K8S_GRPC_TARGET = /^k8s:\/\/\/[a-z0-9-]+\.[a-z0-9-]+:[a-z0-9-]+$/;
const DNS_GRPC_TARGET = /^dns:(\/\/\/)?[A-Za-z0-9.-]+:\d{1,5}$/;
const IPV4_GRPC_TARGET = /^ipv4:\d{1,3}(\.\d{1,3}){3}:\d{1,5}(,\d{1,3}(\.\d{1,3}){3}:\d{1,5})*$/;

/**
 * A gRPC target: `dns:///payments-grpc.switchyard:9090` (a headless Service), `k8s:///payments.switchyard:grpc`
 * (EndpointSlices, watched through the API), or `ipv4:127.0.0.1:9084,127.0.0.1:9184` (a fixed list).
 * Checked here, so a typo is a configuration error at start and not a resolver crash at the first call.
 */
export const grpcTarget = (fallback: string) =>
  z
    .string()
    .refine(
      (t) => K8S_GRPC_TARGET.test(t) || DNS_GRPC_TARGET.test(t) || IPV4_GRPC_TARGET.test(t) || /^(ipv6|unix):.+/.test(t),
      'must be a gRPC target: dns:///host:port, k8s:///service.namespace:port-name or ipv4:ip:port[,ip:port]',
    )
    .default(fallback);

/** The variables of a gRPC client: the default deadline and attempts per call. */
export const grpcClientConfig = () => ({
  GRPC_DEADLINE_MS: millis(2_000).refine((ms) => ms >= 10, 'must be at least 10'),
  GRPC_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(3),
});

/** The claims every verifier checks on users' tokens (user sessions and service tokens alike). */
export const tokenConfig = () => ({
  JWT_ISSUER: z.string().min(1).default('switchyard-users'),
  /** The audience of user session tokens (service tokens name the service they are for). */
  JWT_AUDIENCE: z.string().min(1).default('switchyard'),
  /** Tokens issued longer ago than this are refused, whatever their expiry says. */
  JWT_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400),
  /** After a key-set fetch (a token with an unknown kid, or a failed fetch), none again for this long. */
  JWKS_REFRESH_COOLDOWN_MS: millis(30_000),
});

/** Where a service finds users, the token issuer: its key set, and (for callers) its service tokens. */
export const authUrlConfig = () => ({
  /** Base URL(s) of users' HTTP API; several (local replicas) are tried in turn. */
  AUTH_URL: urlList().default(['http://127.0.0.1:8081']),
});

/** The credentials of a service that calls others over gRPC (client credentials at users). */
export const serviceClientConfig = (clientId: string) => ({
  SERVICE_CLIENT_ID: z.string().regex(/^[a-z][a-z0-9-]*$/).default(clientId),
  SERVICE_CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters'),
});

/** A comma-separated list of durations in milliseconds. */
const millisList = () =>
  z
    .string()
    .transform((s) => s.split(',').map((part) => Number(part.trim())))
    .pipe(z.array(z.number().int().min(1).max(86_400_000)).min(1));

/** The variables of a service that talks to RabbitMQ. */
export const amqpConfig = () => ({
  AMQP_URL: z.url({ protocol: /^amqps?$/ }),
  /** The one durable topic exchange of the system. */
  EVENTS_EXCHANGE: z.string().min(1).default('switchyard.events'),
  /** The longest pause between reconnect attempts (backoff doubles from 200 ms, with jitter). */
  AMQP_RECONNECT_MAX_MS: millis(15_000).refine((ms) => ms >= 200, 'must be at least 200'),
});

/** The variables of a service that publishes events through the outbox. */
export const outboxConfig = () => ({
  OUTBOX_POLL_INTERVAL_MS: millis(1_000).refine((ms) => ms >= 10, 'must be at least 10'),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  OUTBOX_RETENTION_MS: millis(3_600_000),
});

/** The variables of a service that consumes events: its queue, prefetch and retry schedule. */
export const consumerConfig = (defaultQueue: string) => ({
  EVENTS_QUEUE: z.string().min(1).default(defaultQueue),
  CONSUMER_PREFETCH: z.coerce.number().int().min(1).max(1000).default(16),
  /** Tries in all before a message is parked in the dead-letter queue. */
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  /** Delay before each retry; the last one repeats. */
  CONSUMER_RETRY_DELAYS_MS: millisList().default([1_000, 5_000, 30_000, 120_000]),
  INBOX_RETENTION_MS: millis(3_600_000),
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Settings that are each valid but wrong together, checked for every service that has them. */
function crossChecks(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const num = (name: string) => (typeof config[name] === 'number' ? (config[name] as number) : undefined);
  const drain = num('SHUTDOWN_DRAIN_DELAY_MS');
  const timeout = num('SHUTDOWN_TIMEOUT_MS');
  if (drain !== undefined && timeout !== undefined && drain >= timeout) {
    problems.push(`SHUTDOWN_DRAIN_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS (${timeout})`);
  }
  const ports = ['HTTP_PORT', 'ADMIN_PORT', 'GRPC_PORT'].map((name) => [name, num(name)] as const).filter(([, p]) => p !== undefined && p !== 0);
  ports.forEach(([name, p], i) => {
    const clash = ports.slice(0, i).find(([, other]) => other === p);
    if (clash) problems.push(`${name}: must differ from ${clash[0]} (both are ${p})`);
  });
  return problems;
}

/** Validates the environment once against a schema; throws a ConfigError naming every bad variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): Readonly<z.output<S>> {
  // Empty strings count as unset, so `FOO=` falls back to the default or is reported missing.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const missing = issue.code === 'invalid_type' && issue.path.length === 1 && cleaned[String(issue.path[0])] === undefined;
      const message = missing ? 'is required' : issue.message;
      return `${name}: ${message}`;
    });
    throw new ConfigError(problems);
  }
  const problems = crossChecks(result.data as Record<string, unknown>);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(result.data);
}
