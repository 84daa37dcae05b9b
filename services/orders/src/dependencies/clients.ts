import { SERVICE_NAMES, catalogV1, paymentsV1, usersV1, type CatalogDefinition, type PaymentsDefinition, type UsersDefinition } from '@switchyard/contracts/grpc-contracts';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';

/** The services orders calls, over gRPC. */
export interface Dependencies {
  users: GrpcClient<UsersDefinition>;
  catalog: GrpcClient<CatalogDefinition>;
  payments: GrpcClient<PaymentsDefinition>;
  close(): void;
}

/** One client per dependency, each with the default deadline and retry policy from configuration. */
export function connectDependencies(config: Readonly<Config>, registry: Registry): Dependencies {
  const common = { deadlineMs: config.GRPC_DEADLINE_MS, maxAttempts: config.GRPC_MAX_ATTEMPTS, registry };
  const users = new GrpcClient(usersV1().Users, { ...common, dependency: 'users', serviceName: SERVICE_NAMES.users, target: config.USERS_GRPC_TARGET });
  const catalog = new GrpcClient(catalogV1().Catalog, { ...common, dependency: 'catalog', serviceName: SERVICE_NAMES.catalog, target: config.CATALOG_GRPC_TARGET });
  const payments = new GrpcClient(paymentsV1().Payments, { ...common, dependency: 'payments', serviceName: SERVICE_NAMES.payments, target: config.PAYMENTS_GRPC_TARGET });
  return {
    users,
    catalog,
    payments,
    close: () => [users, catalog, payments].forEach((client) => client.close()),
  };
}
