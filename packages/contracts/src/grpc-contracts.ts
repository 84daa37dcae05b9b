import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { ProtoGrpcType as CatalogProto } from './generated/catalog.js';
import type { ProtoGrpcType as PaymentsProto } from './generated/payments.js';
import type { ProtoGrpcType as UsersProto } from './generated/users.js';

export type { CatalogClient, CatalogDefinition } from './generated/switchyard/catalog/v1/Catalog.js';
export type { Product__Output as Product } from './generated/switchyard/catalog/v1/Product.js';
export type { StockLine__Output as StockLine } from './generated/switchyard/catalog/v1/StockLine.js';
export type { PaymentsClient, PaymentsDefinition } from './generated/switchyard/payments/v1/Payments.js';
export type { Payment__Output as Payment } from './generated/switchyard/payments/v1/Payment.js';
export type { UsersClient, UsersDefinition } from './generated/switchyard/users/v1/Users.js';
export type { User__Output as GrpcUser } from './generated/switchyard/users/v1/User.js';

/** How every process loads the contracts; must match the flags of scripts/generate-grpc-types.sh. */
export const LOADER_OPTIONS: Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

/** proto/ at the repository root (also copied to the same place in container images). */
export const PROTO_ROOT = fileURLToPath(new URL('../../../proto', import.meta.url));

function load<T>(file: string): T {
  return loadPackageDefinition(loadSync(file, { ...LOADER_OPTIONS, includeDirs: [PROTO_ROOT] })) as unknown as T;
}

/** switchyard.users.v1: the Users service constructor and its definition. */
export const usersV1 = () => load<UsersProto>('switchyard/users/v1/users.proto').switchyard.users.v1;
/** switchyard.catalog.v1 */
export const catalogV1 = () => load<CatalogProto>('switchyard/catalog/v1/catalog.proto').switchyard.catalog.v1;
/** switchyard.payments.v1 */
export const paymentsV1 = () => load<PaymentsProto>('switchyard/payments/v1/payments.proto').switchyard.payments.v1;

/** Fully qualified service names, as used in health checks and the retry service config. */
export const SERVICE_NAMES = {
  users: 'switchyard.users.v1.Users',
  catalog: 'switchyard.catalog.v1.Catalog',
  payments: 'switchyard.payments.v1.Payments',
} as const;
