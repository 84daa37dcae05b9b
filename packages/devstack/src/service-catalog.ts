/** What the runner knows of the rest of the system when it builds a service's environment. */
export interface SystemAddresses {
  /** Base URLs of every replica of a service's HTTP API. */
  httpUrls(service: string): string[];
  /** A grpc-js target listing every replica (`ipv4:127.0.0.1:9084,127.0.0.1:9184`), for round robin. */
  grpcTarget(service: string): string;
  /** Base URLs of every replica's admin port (/readyz, /metrics). */
  adminUrls(service: string): string[];
  jwtPrivateKey: string;
  amqpUrl: string;
  /** users' registry of service clients: `name:<sha256 of its secret>`, comma-separated. */
  serviceClients: string;
  /** A calling service's client secret. */
  serviceSecret(service: string): string;
  /** The built storefront the gateway serves at /. */
  webRoot: string;
}

/** One deployable of the local system. */
export interface ServiceDefinition {
  name: string;
  /**
   * Added to the HTTP base port (8080 by default) for its API, and to base + 2500 for its admin port
   * (health, readiness, metrics); replica n listens 100·n higher.
   */
  httpPortOffset: number;
  /** Whether it has a public HTTP API (payments speaks gRPC only). */
  api: boolean;
  /** Added to the gRPC base port (9080 by default), for services that serve gRPC. */
  grpcPortOffset?: number;
  /** Whether it owns a Postgres database (and gets DATABASE_URL). */
  database: boolean;
  /** Whether it calls other services over gRPC (and gets service credentials). */
  callsServices?: boolean;
  env(addresses: SystemAddresses): Record<string, string>;
}

/** Every service, in start order; the runner stops them in reverse (the gateway first). */
export const SERVICES: readonly ServiceDefinition[] = [
  {
    name: 'users',
    httpPortOffset: 1,
    api: true,
    grpcPortOffset: 1,
    database: true,
    env: (a) => ({ JWT_PRIVATE_KEY: a.jwtPrivateKey, AMQP_URL: a.amqpUrl, SERVICE_CLIENTS: a.serviceClients }),
  },
  {
    name: 'catalog',
    httpPortOffset: 2,
    api: true,
    grpcPortOffset: 2,
    database: true,
    env: (a) => ({ AMQP_URL: a.amqpUrl, AUTH_URL: a.httpUrls('users').join(',') }),
  },
  {
    name: 'payments',
    httpPortOffset: 4,
    api: false,
    grpcPortOffset: 4,
    database: true,
    // payments consumes order.cancelled and order.expired (refunds, voids).
    env: (a) => ({ AMQP_URL: a.amqpUrl, AUTH_URL: a.httpUrls('users').join(',') }),
  },
  {
    name: 'orders',
    httpPortOffset: 3,
    api: true,
    database: true,
    callsServices: true,
    env: (a) => ({
      AMQP_URL: a.amqpUrl,
      AUTH_URL: a.httpUrls('users').join(','),
      SERVICE_CLIENT_SECRET: a.serviceSecret('orders'),
      USERS_GRPC_TARGET: a.grpcTarget('users'),
      CATALOG_GRPC_TARGET: a.grpcTarget('catalog'),
      PAYMENTS_GRPC_TARGET: a.grpcTarget('payments'),
    }),
  },
  {
    name: 'notifications',
    httpPortOffset: 5,
    api: true,
    database: true,
    env: (a) => ({ AMQP_URL: a.amqpUrl, AUTH_URL: a.httpUrls('users').join(',') }),
  },
  {
    name: 'gateway',
    httpPortOffset: 0,
    api: true,
    database: false,
    env: (a) => ({
      USERS_URL: a.httpUrls('users').join(','),
      CATALOG_URL: a.httpUrls('catalog').join(','),
      NOTIFICATIONS_URL: a.httpUrls('notifications').join(','),
      ORDERS_URL: a.httpUrls('orders').join(','),
      WEB_ROOT: a.webRoot,
      // The system view (/system in the storefront): every replica's admin port, and the events exchange.
      SYSTEM_VIEW_ENABLED: 'true',
      SYSTEM_TARGETS: SERVICES.map((s) => `${s.name}=${a.adminUrls(s.name).join(',')}`).join(';'),
      AMQP_URL: a.amqpUrl,
    }),
  },
];

/** The gRPC port of a replica, when the service serves gRPC. */
export function grpcPort(service: ServiceDefinition, basePort: number, replica: number): number | undefined {
  return service.grpcPortOffset === undefined ? undefined : basePort + 1000 + service.grpcPortOffset + 100 * replica;
}

/** The API port of a replica (0-based) of a service, when it has an HTTP API. */
export function httpPort(service: ServiceDefinition, basePort: number, replica: number): number | undefined {
  return service.api ? basePort + service.httpPortOffset + 100 * replica : undefined;
}

/**
 * Admin ports are the HTTP base + 2500 (gateway 10580). Not + 2000: that gives the gateway 10080, one of
 * the ports the Fetch standard blocks, so fetch() - the runner's readiness wait, any browser - fails on
 * it with "bad port" while curl succeeds.
 */
export const ADMIN_OFFSET = 2500;

/** The admin port (/healthz, /readyz, /metrics) of a replica of a service. */
export function adminPort(service: ServiceDefinition, basePort: number, replica: number): number {
  return basePort + ADMIN_OFFSET + service.httpPortOffset + 100 * replica;
}

/**
 * The module every service is started with (`node --import`), before its own: OpenTelemetry's
 * bootstrap, which must patch modules before they load, and does nothing unless tracing is configured.
 */
export const TRACING_BOOTSTRAP = '@switchyard/kit/tracing/register';

/**
 * How a service runs: `compiled` is node on its dist/main.js (what `npm start` runs, after building);
 * `sources` is its TypeScript entry through tsx, no build needed (`npm run dev`, the test suites).
 */
export type ServiceRuntime = 'compiled' | 'sources';

/**
 * The node arguments that start a service (V8 flags, then the tracing bootstrap), relative to the
 * repository root.
 */
export function serviceCommand(name: string, runtime: ServiceRuntime, v8Flags: readonly string[] = []): string[] {
  return runtime === 'compiled'
    ? [...v8Flags, '--import', TRACING_BOOTSTRAP, `services/${name}/dist/main.js`]
    : [...v8Flags, '--import', 'tsx', '--conditions=development', '--import', TRACING_BOOTSTRAP, `services/${name}/src/main.ts`];
}

/** The name of a service's database and login role. */
export function databaseName(service: string): string {
  return `switchyard_${service.replace(/-/g, '_')}`;
}
