/**
 * Prints a Secret with everything the chart's `existingSecret` (and the plain manifests in k8s/) expect:
 * fresh random passwords (letters and digits: they are embedded in connection URLs), a new Ed25519
 * JWT signing key, the service clients' secrets and users' registry of their hashes - the same keys the
 * chart generates on `helm install`:
 *
 *   node --import tsx scripts/k8s-secrets.ts | kubectl -n switchyard apply -f -
 *   node --import tsx scripts/k8s-secrets.ts --name shop-secrets      (then existingSecret=shop-secrets)
 *
 * Run it once per environment and keep the Secret: Postgres takes its superuser password from it on the
 * first start only (the setup Job keeps the service roles' passwords in step with it afterwards).
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const SERVICES_WITH_DATABASE = ['users', 'catalog', 'orders', 'payments', 'notifications'];
/** The services that call others over gRPC with service tokens (the chart's serviceClients). */
const SERVICE_CLIENTS = ['orders'];
const { values } = parseArgs({ options: { name: { type: 'string', default: 'switchyard-secrets' } } });
const password = () => randomBytes(24).toString('base64url').replace(/[-_]/g, 'x');
const b64 = (text: string) => Buffer.from(text).toString('base64');

const data: Record<string, string> = {
  'jwt-private-key': generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  'postgres-password': password(),
  'rabbitmq-password': password(),
};
for (const service of SERVICES_WITH_DATABASE) data[`${service}-db-password`] = password();
// Each calling service's secret, and users' registry of their SHA-256.
for (const client of SERVICE_CLIENTS) data[`${client}-client-secret`] = randomBytes(36).toString('base64url');
data['service-clients'] = SERVICE_CLIENTS.map((client) => `${client}:${createHash('sha256').update(data[`${client}-client-secret`]!).digest('hex')}`).join(',');

const lines = Object.entries(data).map(([key, value]) => `  ${key}: ${b64(value)}`);
process.stdout.write(
  ['apiVersion: v1', 'kind: Secret', 'metadata:', `  name: ${values.name}`, '  labels:', '    app.kubernetes.io/part-of: switchyard', 'type: Opaque', 'data:', ...lines, ''].join('\n'),
);
