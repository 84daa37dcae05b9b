/**
 * Calls one gRPC method of a running Switchyard service and prints the answer as JSON.
 *
 *   npm run grpc -- catalog GetProduct '{"id":"5eed0000-0000-4000-8000-000000000001"}'
 *   npm run grpc -- payments Charge '{"orderId":"…","amountCents":100,"currency":"EUR","card":{"number":"4242424242424242","expiry":"12/30","cvc":"123"}}'
 *   npm run grpc -- users GetUser '{"id":"…"}' --target dns:///users-grpc.switchyard:9090
 *
 * Targets default to the local system's ports (users 9081, catalog 9082, payments 9084). Every call
 * carries a service token, as between services: the tool asks users (--auth-url, default the local
 * http://127.0.0.1:8081) for one in the name of --as (default orders, the only caller the services
 * accept), with that service's secret from SERVICE_CLIENT_SECRET or from the local system's
 * .data/secrets.json (SWITCHYARD_DATA_DIR).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { status } from '@grpc/grpc-js';
import { SERVICE_NAMES, catalogV1, paymentsV1, usersV1 } from '@switchyard/contracts/grpc-contracts';
import { ServiceTokens } from '@switchyard/kit/auth-client';
import { AppError } from '@switchyard/kit/errors';
import { GrpcClient } from '@switchyard/kit/grpc-client';

const SERVICES = {
  users: { ctor: () => usersV1().Users, target: 'ipv4:127.0.0.1:9081' },
  catalog: { ctor: () => catalogV1().Catalog, target: 'ipv4:127.0.0.1:9082' },
  payments: { ctor: () => paymentsV1().Payments, target: 'ipv4:127.0.0.1:9084' },
} as const;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    target: { type: 'string' },
    deadline: { type: 'string', default: '5000' },
    as: { type: 'string', default: 'orders' },
    'auth-url': { type: 'string', default: 'http://127.0.0.1:8081' },
  },
});
const [name, method, body = '{}'] = positionals;
if (!name || !(name in SERVICES) || !method) {
  process.stderr.write('usage: npm run grpc -- <users|catalog|payments> <Method> [json] [--target t] [--deadline ms]\n');
  process.exit(2);
}
const service = SERVICES[name as keyof typeof SERVICES];
const ctor = service.ctor();
const secretsFile = resolve(import.meta.dirname, '..', process.env.SWITCHYARD_DATA_DIR ?? '.data', 'secrets.json');
const clientSecret = process.env.SERVICE_CLIENT_SECRET ?? (JSON.parse(readFileSync(secretsFile, 'utf8')) as { serviceSecrets: Record<string, string> }).serviceSecrets[values.as];
if (!clientSecret) {
  process.stderr.write(`no secret for ${values.as}: set SERVICE_CLIENT_SECRET or run the local system (npm start) first\n`);
  process.exit(2);
}
const tokens = new ServiceTokens({ urls: [values['auth-url']], clientId: values.as, clientSecret });
const client = new GrpcClient(ctor as never, {
  dependency: name,
  serviceName: SERVICE_NAMES[name as keyof typeof SERVICES],
  target: values.target ?? service.target,
  deadlineMs: Number(values.deadline),
  maxAttempts: 1,
  token: () => tokens.token(name),
});
try {
  const response = await (client as GrpcClient<Record<string, never>>).call(method as never, JSON.parse(body) as never);
  process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
} catch (err) {
  if (!(err instanceof AppError)) throw err;
  const grpc = (err.cause as { code?: number; details?: string }) ?? {};
  process.stdout.write(`${JSON.stringify({ grpcStatus: status[grpc.code ?? status.UNKNOWN], code: err.code, message: err.message, ...err.extensions }, null, 2)}\n`);
  process.exitCode = 1;
} finally {
  client.close();
}
