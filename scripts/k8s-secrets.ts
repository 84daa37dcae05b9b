/**
 * Prints the Secret the plain manifests (k8s/switchyard.yaml) expect, with fresh random passwords and
 * a new Ed25519 JWT signing key - the same keys the chart generates on `helm install`:
 *
 *   node --import tsx scripts/k8s-secrets.ts | kubectl -n switchyard apply -f -
 *
 * Run it once per environment and keep the Secret: a new one would not match the database volume.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const SERVICES_WITH_DATABASE = ['users', 'catalog', 'orders', 'payments', 'notifications'];
const RELEASE = process.env.RELEASE ?? 'switchyard';
const password = () => randomBytes(24).toString('base64url').replace(/[-_]/g, 'x');
const b64 = (text: string) => Buffer.from(text).toString('base64');

const data: Record<string, string> = {
  'jwt-private-key': generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  'postgres-password': password(),
};
for (const service of SERVICES_WITH_DATABASE) {
  const pw = password();
  data[`${service}-db-password`] = pw;
  data[`${service}-database-url`] = `postgres://${service}:${pw}@${RELEASE}-postgres:5432/${service}`;
}
const rabbit = password();
data['rabbitmq-password'] = rabbit;
data['amqp-url'] = `amqp://switchyard:${rabbit}@${RELEASE}-rabbitmq:5672`;

const lines = Object.entries(data).map(([key, value]) => `  ${key}: ${b64(value)}`);
process.stdout.write(
  [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${RELEASE}-secrets`,
    '  labels:',
    '    app.kubernetes.io/part-of: switchyard',
    'type: Opaque',
    'data:',
    ...lines,
    '',
  ].join('\n'),
);
