import { SERVICE_NAMES, catalogV1, paymentsV1, usersV1, type CatalogDefinition, type PaymentsDefinition, type UsersDefinition } from '@switchyard/contracts/grpc-contracts';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import type { Logger } from '@switchyard/kit/log';
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
export async function connectDependencies(config: Readonly<Config>, registry: Registry, log: Logger): Promise<Dependencies> {
  const targets = [config.USERS_GRPC_TARGET, config.CATALOG_GRPC_TARGET, config.PAYMENTS_GRPC_TARGET];
  if (targets.some((t) => t.startsWith('k8s:'))) {
    // k8s:/// targets watch EndpointSlices with this pod's service-account token (in-cluster config);
    // the Kubernetes client is loaded only here, for processes that use it.
    const [{ defaultKubeConfig }, { ensureK8sDiscovery }] = await Promise.all([import('@switchyard/kit/endpoint-slices'), import('@switchyard/kit/k8s-resolver')]);
    ensureK8sDiscovery(() => ({ kubeConfig: defaultKubeConfig(), log: log.child({ area: 'discovery' }), registry }));
  }
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
