import { SERVICE_NAMES, catalogV1, paymentsV1, usersV1, type CatalogDefinition, type PaymentsDefinition, type UsersDefinition } from '@switchyard/contracts/grpc-contracts';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { ServiceTokens } from '@switchyard/kit/auth-client';
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
  // Every call carries a token naming orders, issued by users for the service called.
  const tokens = new ServiceTokens({ urls: config.AUTH_URL, clientId: config.SERVICE_CLIENT_ID, clientSecret: config.SERVICE_CLIENT_SECRET });
  const common = { deadlineMs: config.GRPC_DEADLINE_MS, maxAttempts: config.GRPC_MAX_ATTEMPTS, registry };
  const client = <D extends ServiceDefinition>(ctor: ConstructorParameters<typeof GrpcClient<D>>[0], dependency: string, serviceName: string, target: string) =>
    new GrpcClient(ctor, { ...common, dependency, serviceName, target, token: () => tokens.token(dependency) });
  const users = client(usersV1().Users, 'users', SERVICE_NAMES.users, config.USERS_GRPC_TARGET);
  const catalog = client(catalogV1().Catalog, 'catalog', SERVICE_NAMES.catalog, config.CATALOG_GRPC_TARGET);
  const payments = client(paymentsV1().Payments, 'payments', SERVICE_NAMES.payments, config.PAYMENTS_GRPC_TARGET);
  return {
    users,
    catalog,
    payments,
    close: () => [users, catalog, payments].forEach((client) => client.close()),
  };
}
