import { status as grpcStatusCode } from '@grpc/grpc-js';
import { AppError } from '@switchyard/kit/errors';
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import { GrpcServer, type ServiceHandlers } from '@switchyard/kit/grpc-server';
import { createMetrics } from '@switchyard/kit/metrics';
import { Readiness } from '@switchyard/kit/readiness';
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { Logger } from '@switchyard/kit/log';
import type { Registry } from 'prom-client';
import { SERVICE_NAMES, catalogV1, type CatalogDefinition } from '@switchyard/contracts/grpc-contracts';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { testIssuer } from './identity.js';

/** A gRPC client of a test catalog, as orders calls it (orders' service token, two attempts). */
export function catalogClient(grpcAddress: string): GrpcClient<CatalogDefinition> {
  return new GrpcClient(catalogV1().Catalog, {
    dependency: 'catalog',
    serviceName: SERVICE_NAMES.catalog,
    target: `ipv4:${grpcAddress}`,
    deadlineMs: 10_000,
    maxAttempts: 2,
    token: async () => (await testIssuer()).serviceToken('orders', 'catalog'),
  });
}

/** A kit gRPC server on a free loopback port with the given handlers. */
export async function startGrpcServer<D extends ServiceDefinition>(
  log: Logger,
  name: string,
  definition: D,
  handlers: ServiceHandlers<D>,
): Promise<{ server: GrpcServer; readiness: Readiness; address: string; registry: Registry }> {
  const readiness = new Readiness();
  const { registry } = createMetrics('grpc-test');
  const server = new GrpcServer({ log, registry, readiness, maxConnectionAgeMs: 300_000, maxConnectionAgeGraceMs: 10_000 });
  server.addService(name, definition, handlers);
  const port = await server.listen(0, '127.0.0.1');
  return { server, readiness, address: `127.0.0.1:${port}`, registry };
}

type HealthClient = Client & {
  check(request: { service: string }, callback: (err: ServiceError | null, res?: { status: string }) => void): void;
};

/** Asks grpc.health.v1.Health/Check at an address; resolves with the status name. */
export async function healthStatus(address: string, service = ''): Promise<string> {
  const definition = loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
  const Health = (loadPackageDefinition(definition) as any).grpc.health.v1.Health as new (a: string, c: unknown) => HealthClient;
  const client = new Health(address, credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) => client.check({ service }, (err, res) => (err ? reject(err) : resolve(res!.status))));
  } finally {
    client.close();
  }
}

/** What a failed gRPC call told the caller: the AppError's status and code, and the gRPC status name. */
export interface GrpcFailure {
  httpStatus: number;
  code: string;
  grpcStatus: string;
  message: string;
  extensions: Record<string, unknown>;
}

/** Awaits a call that must fail and describes the failure. */
export async function grpcFailure(call: Promise<unknown>): Promise<GrpcFailure> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const cause = err.cause as { code?: number } | undefined;
    return { httpStatus: err.status, code: err.code, grpcStatus: grpcStatusCode[cause?.code ?? 0] ?? 'UNKNOWN', message: err.message, extensions: err.extensions };
  }
  throw new Error('the call succeeded but should have failed');
}
