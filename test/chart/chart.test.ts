import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { k8sTools } from '../../scripts/k8s-tools.js';
import { RENDERED, renderPlainManifests } from '../../scripts/render-k8s.js';
import {
  containerPolicyProblems,
  disruptionBudgetProblems,
  networkPolicyProblems,
  parseManifests,
  podTemplateProblems,
  rabbitmqProblems,
  schemaProblems,
  unknownFieldProblems,
  type K8sObject,
} from './manifest-checks.js';

const chart = suite('charts/switchyard, k8s/ and skaffold.yaml (static checks)');
const ROOT = resolve(import.meta.dirname, '../..');
const CHART = join(ROOT, 'charts/switchyard');
const VARIANTS = ['', ...readdirSync(join(CHART, 'ci')).map((f) => `ci/${f}`)];
const { helm } = k8sTools();

function helmRun(args: string[]): { status: number; output: string } {
  const run = spawnSync(helm, args, { encoding: 'utf8', cwd: CHART });
  return { status: run.status ?? 1, output: `${run.stdout}${run.stderr}` };
}

function render(valuesFile = '', extra: string[] = []): K8sObject[] {
  const args = ['template', 'switchyard', '.', '--namespace', 'switchyard', ...(valuesFile ? ['-f', valuesFile] : []), ...extra];
  return parseManifests(execFileSync(helm, args, { encoding: 'utf8', cwd: CHART }));
}

const label = (file: string) => file || 'defaults';

chart('passes helm lint --strict with the defaults and every ci/*-values.yaml', () => {
  assert.ok(VARIANTS.length >= 4, 'defaults plus at least three variants');
  for (const file of VARIANTS) {
    const lint = helmRun(['lint', '--strict', '.', ...(file ? ['-f', file] : [])]);
    assert.is(lint.status, 0, `${label(file)}: ${lint.output}`);
  }
});

chart('renders every variant into objects that validate against the Kubernetes schemas, with no unknown fields', async () => {
  for (const file of VARIANTS) {
    const objects = render(file);
    assert.ok(objects.length > 20, `${label(file)} renders`);
    assert.equal(await schemaProblems(objects), [], `${label(file)} schema`);
    assert.equal(unknownFieldProblems(objects), [], `${label(file)} unknown fields`);
  }
});

chart('locks down every container and covers every workload with NetworkPolicies and PDBs', () => {
  for (const file of VARIANTS) {
    const objects = render(file);
    assert.equal(containerPolicyProblems(objects), [], `${label(file)} containers`);
    assert.equal(disruptionBudgetProblems(objects), [], `${label(file)} PDBs`);
    if (!file.includes('minimal')) assert.equal(networkPolicyProblems(objects), [], `${label(file)} network policies`);
  }
});

chart('gives each multi-replica service a PDB, and none when one pod runs', () => {
  const ha = render('ci/ha-values.yaml');
  const pdbs = ha.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name).sort();
  assert.equal(pdbs, ['switchyard-catalog', 'switchyard-gateway', 'switchyard-notifications', 'switchyard-orders', 'switchyard-payments', 'switchyard-users']);
  assert.equal(render().filter((o) => o.kind === 'PodDisruptionBudget'), []);
});

chart('wires gRPC servers to headless Services and native gRPC probes, and callers to dns:/// targets', () => {
  const objects = render();
  const headless = objects.filter((o) => o.kind === 'Service' && o.spec.clusterIP === 'None').map((o) => o.metadata.name).sort();
  assert.equal(headless, ['switchyard-catalog-grpc', 'switchyard-payments-grpc', 'switchyard-users-grpc']);
  const deployment = (n: string) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `switchyard-${n}`)!;
  assert.equal(deployment('payments').spec.template.spec.containers[0].startupProbe.grpc, { port: 9090 });
  const env = Object.fromEntries(deployment('orders').spec.template.spec.containers[0].env.filter((e: { value?: string }) => e.value).map((e: { name: string; value: string }) => [e.name, e.value]));
  assert.is(env.PAYMENTS_GRPC_TARGET, 'dns:///switchyard-payments-grpc:9090');
  assert.is(env.SHUTDOWN_TIMEOUT_MS, '22000', '30 s grace - 5 s preStop - 3 s margin');
  const gatewayEnv = deployment('gateway').spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
  assert.ok(gatewayEnv.includes('ORDERS_URL') && !gatewayEnv.includes('DATABASE_URL'));
  for (const sa of objects.filter((o) => o.kind === 'ServiceAccount')) assert.is(sa.automountServiceAccountToken, false, sa.metadata.name);
});

chart('probes and Prometheus use the admin port, which no Service exposes; payments has no HTTP port at all', () => {
  const objects = render();
  for (const service of ['gateway', 'users', 'catalog', 'orders', 'payments', 'notifications']) {
    const pod = deploymentOf(objects, service).spec.template;
    const container = pod.spec.containers[0];
    assert.equal(container.readinessProbe.httpGet, { path: '/readyz', port: 'admin' }, service);
    assert.equal(container.livenessProbe.httpGet, { path: '/healthz', port: 'admin' }, service);
    assert.ok(container.ports.some((p: { name: string; containerPort: number }) => p.name === 'admin' && p.containerPort === 9091), service);
    assert.is(envOf(deploymentOf(objects, service)).ADMIN_PORT, '9091');
    assert.equal([pod.metadata.annotations['prometheus.io/scrape'], pod.metadata.annotations['prometheus.io/port']], ['true', '9091']);
  }
  const servicePorts = objects.filter((o) => o.kind === 'Service').flatMap((o) => o.spec.ports.map((p: { port: number }) => p.port));
  assert.not.ok(servicePorts.includes(9091));
  assert.not.ok(objects.some((o) => o.kind === 'Service' && o.metadata.name === 'switchyard-payments'), 'payments has only its gRPC Service');
  assert.not.ok('HTTP_PORT' in envOf(deploymentOf(objects, 'payments')));
  assert.is(envOf(deploymentOf(objects, 'orders')).STARTUP_TIMEOUT_MS, '55000', '2 s x 30 startup probes - 5 s');
});

chart('allows each service only the callers named in `calls` (and users every service that verifies tokens)', () => {
  const objects = render();
  const ingressFrom = (n: string) => {
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `switchyard-${n}-callers`);
    return policy?.spec.ingress[0].from[0].podSelector.matchExpressions.find((e: { key: string }) => e.key === 'app.kubernetes.io/name').values;
  };
  assert.equal(ingressFrom('payments'), ['orders']);
  assert.equal(ingressFrom('users'), ['catalog', 'gateway', 'notifications', 'orders', 'payments']);
  const egressTo = (n: string) =>
    objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `switchyard-${n}-calls`)?.spec.egress[0].to[0].podSelector.matchExpressions.find((e: { key: string }) => e.key === 'app.kubernetes.io/name').values;
  assert.equal(egressTo('payments'), ['users'], 'payments reaches users for its key set only');
  assert.equal(egressTo('orders'), ['users', 'catalog', 'payments']);
  assert.equal(ingressFrom('orders'), ['gateway']);
  assert.is(ingressFrom('gateway'), undefined, 'the gateway has its own public ingress policy');
});

chart('wires service identity: users gets the client registry, orders its client secret, every verifier users\' URL', () => {
  const objects = render();
  const envOf = (service: string) => deploymentOf(objects, service).spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } }>;
  const secretKey = (service: string, name: string) => envOf(service).find((e) => e.name === name)?.valueFrom?.secretKeyRef.key;
  assert.is(secretKey('users', 'SERVICE_CLIENTS'), 'service-clients');
  assert.is(secretKey('orders', 'SERVICE_CLIENT_SECRET'), 'orders-client-secret');
  for (const service of ['gateway', 'users', 'catalog', 'payments', 'notifications']) assert.is(secretKey(service, 'SERVICE_CLIENT_SECRET'), undefined, service);
  for (const service of ['orders', 'catalog', 'payments', 'notifications']) {
    assert.is(envOf(service).find((e) => e.name === 'AUTH_URL')?.value, 'http://switchyard-users:8080', service);
  }
});

chart('passes the edge settings to the gateway, trusting one proxy hop behind the Ingress unless told otherwise', () => {
  const gatewayEnv = (args: string[]) =>
    Object.fromEntries((deploymentOf(render('', args), 'gateway').spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
  const plain = gatewayEnv([]);
  assert.equal([plain.RATE_LIMIT_IP, plain.RATE_LIMIT_SESSIONS, plain.RATE_LIMIT_REGISTRATIONS, plain.TRUSTED_PROXIES, plain.SSE_MAX_STREAMS_PER_USER], ['6000/60s', '30/60s', '30/600s', '0', '5']);
  assert.is(gatewayEnv(['--set', 'ingress.enabled=true']).TRUSTED_PROXIES, '1');
  assert.is(gatewayEnv(['--set', 'ingress.enabled=true', '--set', 'edge.trustedProxies=2']).TRUSTED_PROXIES, '2');
  assert.is(gatewayEnv(['--set', 'ingress.enabled=true', '--set', 'edge.trustedProxies=0']).TRUSTED_PROXIES, '0');
  assert.is(gatewayEnv(['--set', 'edge.rateLimits.sessions=5/60s']).RATE_LIMIT_SESSIONS, '5/60s');
});

chart('generates secrets on install (an Ed25519 JWT key among them) and never puts one in values', () => {
  const secret = render().find((o) => o.kind === 'Secret')!;
  const data = secret.data as Record<string, string>;
  const pem = Buffer.from(data['jwt-private-key']!, 'base64').toString();
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(Object.keys(data).sort(), [
    'catalog-db-password',
    'jwt-private-key',
    'notifications-db-password',
    'orders-client-secret',
    'orders-db-password',
    'payments-db-password',
    'postgres-password',
    'rabbitmq-password',
    'service-clients',
    'users-db-password',
  ]);
  // users' registry holds the hash of orders' secret, never the secret.
  const secretOf = (key: string) => Buffer.from(data[key]!, 'base64').toString();
  assert.is(secretOf('service-clients'), `orders:${createHash('sha256').update(secretOf('orders-client-secret')).digest('hex')}`);
  const values = readFileSync(join(CHART, 'values.yaml'), 'utf8');
  assert.not.match(values, /password:|PRIVATE KEY/i);
});

chart('with existingSecret makes no Secret and takes every password and the key from that one', () => {
  const objects = render('', ['--set', 'existingSecret=shop-secrets']);
  assert.equal(objects.filter((o) => o.kind === 'Secret'), []);
  const refs = JSON.stringify(objects).match(/"secretKeyRef":\{"name":"[^"]+"/g)!;
  assert.ok(refs.length > 10);
  assert.equal([...new Set(refs)], ['"secretKeyRef":{"name":"shop-secrets"']);
  const orders = deploymentOf(objects, 'orders').spec.template.spec.containers[0].env;
  assert.equal(orders.find((e: { name: string }) => e.name === 'DATABASE_URL'), { name: 'DATABASE_URL', value: 'postgres://orders:$(DATABASE_PASSWORD)@switchyard-postgres:5432/orders' });
  assert.ok(orders.findIndex((e: { name: string }) => e.name === 'DATABASE_PASSWORD') < orders.findIndex((e: { name: string }) => e.name === 'DATABASE_URL'), 'the password is defined before the URL that expands it');
});

chart("creates each service's role and database in an idempotent Job per release revision, not in the Postgres pod", () => {
  const objects = render();
  const job = objects.find((o) => o.kind === 'Job')!;
  assert.is(job.metadata.name, 'switchyard-postgres-setup-1');
  const script = (objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'switchyard-postgres-setup') as any).data['ensure-databases.sh'] as string;
  assert.equal([...script.matchAll(/^ensure (\w+) "\$(\w+)"$/gm)].map((m) => `${m[1]}:${m[2]}`), [
    'catalog:CATALOG_DB_PASSWORD', 'notifications:NOTIFICATIONS_DB_PASSWORD', 'orders:ORDERS_DB_PASSWORD', 'payments:PAYMENTS_DB_PASSWORD', 'users:USERS_DB_PASSWORD',
  ]);
  assert.match(script, "SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name') WHERE NOT EXISTS");
  const jobEnv = job.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
  assert.ok(jobEnv.includes('USERS_DB_PASSWORD') && jobEnv.includes('PGPASSWORD'));
  const postgres = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'switchyard-postgres')!;
  assert.equal(postgres.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name), ['PGDATA', 'POSTGRES_PASSWORD']);
});

chart('refuses to render pools that do not fit in postgresql.maxConnections, and the HA values fit', () => {
  const ha = render('ci/ha-values.yaml');
  const postgres = ha.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'switchyard-postgres')!;
  assert.equal(postgres.spec.template.spec.containers[0].args, ['postgres', '-c', 'max_connections=250']);
  const env = envOf(deploymentOf(ha, 'catalog'));
  assert.is(env.DATABASE_POOL_MAX, '20');
  const tooMany = helmRun(['template', 'switchyard', '.', '--set', 'defaults.replicas=4']);
  assert.is.not(tooMany.status, 0);
  // 5 pods (4 and one more in a rolling update) x (pool + LISTEN connections) per service, + 10.
  assert.match(tooMany.output, 'postgresql.maxConnections is 250, but the services may open 330 connections');
});

chart('renders the EndpointSlice RBAC and k8s:/// targets only in k8s discovery mode', () => {
  const dns = render();
  assert.equal(dns.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding'), []);
  assert.ok(dns.filter((o) => o.kind === 'ServiceAccount').every((sa) => sa.automountServiceAccountToken === false));
  const k8s = render('ci/k8s-discovery-values.yaml');
  assert.equal(k8s.filter((o) => o.kind === 'Role').map((o) => o.metadata.name).sort(), ['switchyard-gateway-endpointslices', 'switchyard-orders-endpointslices']);
  const role = k8s.find((o) => o.kind === 'Role' && o.metadata.name === 'switchyard-orders-endpointslices')!;
  assert.equal((role as any).rules, [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }]);
  const binding = k8s.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'switchyard-orders-endpointslices')!;
  assert.equal((binding as any).subjects, [{ kind: 'ServiceAccount', name: 'switchyard-orders', namespace: 'switchyard' }]);
  const tokens = k8s.filter((o) => o.kind === 'ServiceAccount' && o.automountServiceAccountToken === true).map((o) => o.metadata.name);
  assert.equal(tokens.sort(), ['switchyard-gateway', 'switchyard-orders'], 'only the callers that watch get a token');
  const gatewayEnv = Object.fromEntries(deploymentOf(k8s, 'gateway').spec.template.spec.containers[0].env.filter((e: { value?: string }) => e.value).map((e: { name: string; value: string }) => [e.name, e.value]));
  assert.is(gatewayEnv.CATALOG_URL, 'k8s://switchyard-catalog.switchyard:http');
  assert.is(gatewayEnv.JWKS_URL, undefined, 'the gateway gets the key set through its users upstream');
  const orders = deploymentOf(k8s, 'orders').spec.template.spec;
  assert.is(orders.automountServiceAccountToken, true);
  const env = Object.fromEntries(orders.containers[0].env.filter((e: { value?: string }) => e.value).map((e: { name: string; value: string }) => [e.name, e.value]));
  assert.is(env.PAYMENTS_GRPC_TARGET, 'k8s:///switchyard-payments-grpc.switchyard:grpc');
});

chart('keeps chart and app versions out of pod templates, spreads service pods, and gives every probe a timeout', () => {
  for (const file of VARIANTS) {
    const objects = render(file);
    assert.equal(podTemplateProblems(objects), [], label(file));
  }
});

chart('runs RabbitMQ with a writable log directory, an absolute watermark, cheap probes and a stable cookie mode', () => {
  assert.equal(rabbitmqProblems(render()), []);
  const config = (render().find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'switchyard-rabbitmq-config') as any).data['20-switchyard.conf'];
  assert.match(config, /^vm_memory_high_watermark\.absolute = 256MiB$/m);
});

chart('lets DNS out to any address on port 53 and the API server only to the CIDRs given (k8s discovery)', () => {
  const objects = render('ci/k8s-discovery-values.yaml');
  const policy = (n: string) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `switchyard-${n}`)!;
  assert.equal(policy('allow-dns').spec.egress, [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }]);
  assert.equal(policy('kube-api-egress').spec.egress, [{ to: [{ ipBlock: { cidr: '10.244.0.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] }]);
  const missing = helmRun(['template', 'switchyard', '.', '--set', 'discovery.mode=k8s']);
  assert.is.not(missing.status, 0);
  assert.match(missing.output, 'discovery.mode k8s with networkPolicy.enabled needs networkPolicy.apiServerCidrs');
});

chart('accepts image references with a registry port or a digest, and rejects latest or no tag', () => {
  for (const image of ['registry.local:5000/postgres:17.5-bookworm', 'postgres@sha256:' + 'a'.repeat(64), 'ghcr.io/acme/rabbitmq:4.1.4@sha256:' + 'b'.repeat(64)]) {
    const lint = helmRun(['lint', '--strict', '.', '--set', `postgresql.image=${image}`, '--set', `services.users.image=${image}`]);
    assert.is(lint.status, 0, `${image}: ${lint.output}`);
  }
  for (const image of ['postgres:latest', 'postgres', 'registry.local:5000/postgres']) {
    assert.is.not(helmRun(['lint', '--strict', '.', '--set', `postgresql.image=${image}`]).status, 0, image);
  }
});

chart("runs the helm test pod on the gateway's own image, also when services.gateway.image names another", () => {
  const image = 'registry.local:5000/acme/switchyard-gateway:1.2.3-ci';
  const imagesOf = (objects: K8sObject[]) => {
    const gateway = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'switchyard-gateway')!;
    const test = objects.find((o) => o.kind === 'Pod' && o.metadata.annotations?.['helm.sh/hook'] === 'test')!;
    return [gateway.spec.template.spec.containers[0].image, test.spec.containers[0].image];
  };
  assert.equal(imagesOf(render('', ['--set', `services.gateway.image=${image}`])), [image, image]);
  assert.equal(imagesOf(render()), ['switchyard-gateway:0.1.0', 'switchyard-gateway:0.1.0']);
});

chart('the schema rejects a misspelt key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'values-'));
  try {
    writeFileSync(join(dir, 'typo.yaml'), 'services:\n  users:\n    replica: 2\n');
    const lint = helmRun(['lint', '--strict', '.', '-f', join(dir, 'typo.yaml')]);
    assert.is.not(lint.status, 0);
    assert.match(lint.output, /services\.users: Additional property replica is not allowed/);
    writeFileSync(join(dir, 'top.yaml'), 'networkPolicies:\n  enabled: false\n');
    assert.match(helmRun(['lint', '--strict', '.', '-f', join(dir, 'top.yaml')]).output, /Additional property networkPolicies is not allowed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

chart('k8s/switchyard.yaml is exactly a fresh render of the chart (run npm run render:k8s after changing it)', () => {
  assert.ok(readFileSync(RENDERED, 'utf8') === renderPlainManifests(), 'k8s/switchyard.yaml is stale');
});

chart('skaffold.yaml refers only to Dockerfiles, targets, services, charts and files that exist', () => {
  const skaffold = parse(readFileSync(join(ROOT, 'skaffold.yaml'), 'utf8'));
  const builds = [skaffold.build, ...skaffold.profiles.map((p: { build?: unknown }) => p.build).filter(Boolean)];
  const deploys = [skaffold.deploy, ...skaffold.profiles.map((p: { deploy?: unknown }) => p.deploy).filter(Boolean)];
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const targets = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
  const artifacts = builds.flatMap((b: { artifacts: unknown[] }) => b.artifacts) as Array<{
    image: string;
    docker: { dockerfile: string; target: string; buildArgs: { SERVICE: string } };
    sync?: { manual: Array<{ src: string }> };
  }>;
  assert.is(artifacts.length, 12);
  for (const a of artifacts) {
    assert.ok(existsSync(join(ROOT, a.docker.dockerfile)), a.docker.dockerfile);
    assert.ok(targets.includes(a.docker.target), `target ${a.docker.target}`);
    assert.ok(existsSync(join(ROOT, 'services', a.docker.buildArgs.SERVICE, 'src/main.ts')), a.docker.buildArgs.SERVICE);
    assert.is(a.image, `switchyard-${a.docker.buildArgs.SERVICE}`);
    for (const rule of a.sync?.manual ?? []) {
      const base = rule.src.split('/**')[0]!;
      assert.ok(existsSync(join(ROOT, base)), `sync source ${rule.src}`);
    }
  }
  for (const d of deploys) {
    for (const release of d.helm?.releases ?? []) {
      assert.ok(existsSync(join(ROOT, release.chartPath, 'Chart.yaml')), release.chartPath);
      for (const key of Object.keys(release.setValueTemplates ?? {})) {
        const service = /^services\.([a-z]+)\.image$/.exec(key)?.[1];
        assert.ok(service && existsSync(join(ROOT, 'services', service)), key);
      }
    }
  }
  for (const profile of skaffold.profiles) for (const file of profile.manifests?.rawYaml ?? []) assert.ok(existsSync(join(ROOT, file)), file);
});

/**
 * A profile as skaffold applies it: each field the profile sets is merged into the base config (maps
 * recursively, so a profile's deploy.kubectl joins the base deploy.helm), then its JSON patches run.
 * Only `remove` patches are modelled: the only kind skaffold.yaml uses.
 */
function activateProfile(config: any, name: string): any {
  const profile = config.profiles.find((p: { name: string }) => p.name === name);
  const merge = (base: any, over: any): any =>
    over && typeof over === 'object' && !Array.isArray(over) && base && typeof base === 'object' && !Array.isArray(base)
      ? Object.fromEntries([...new Set([...Object.keys(base), ...Object.keys(over)])].map((k) => [k, k in over ? merge(base[k], over[k]) : base[k]]))
      : over ?? base;
  const { name: _name, patches = [], ...fields } = profile;
  const result = merge(structuredClone(config), fields);
  for (const patch of patches) {
    assert.is(patch.op, 'remove', 'only remove patches are modelled');
    const keys = patch.path.split('/').slice(1);
    const parent = keys.slice(0, -1).reduce((o: any, k: string) => o[k], result);
    delete parent[keys.at(-1)];
  }
  return result;
}

chart('skaffold -p kubectl deploys only the plain manifests, and the gateway forward does not collide with kind', () => {
  const skaffold = parse(readFileSync(join(ROOT, 'skaffold.yaml'), 'utf8'));
  const kubectl = activateProfile(skaffold, 'kubectl');
  assert.equal(Object.keys(kubectl.deploy).sort(), ['kubeContext', 'kubectl']);
  assert.equal(kubectl.manifests.rawYaml, ['k8s/switchyard.yaml']);
  const dev = activateProfile(skaffold, 'dev');
  assert.equal(Object.keys(dev.deploy).sort(), ['helm', 'kubeContext']);
  assert.is(dev.deploy.helm.releases[0].setValues.devMode, true);
  const kind = parse(readFileSync(join(ROOT, 'k8s/kind-cluster.yaml'), 'utf8'));
  const hostPorts = kind.nodes.flatMap((n: { extraPortMappings?: Array<{ hostPort: number }> }) => (n.extraPortMappings ?? []).map((m) => m.hostPort));
  for (const forward of skaffold.portForward) assert.not.ok(hostPorts.includes(forward.localPort), `localhost:${forward.localPort} is also a kind host port`);
  // Without the patch, skaffold would run the chart's helm deploy as well (the finding this guards).
  const unpatched = { ...skaffold, profiles: skaffold.profiles.map((p: { name: string; patches?: unknown }) => (p.name === 'kubectl' ? { ...p, patches: [] } : p)) };
  assert.equal(Object.keys(activateProfile(unpatched, 'kubectl').deploy).sort(), ['helm', 'kubeContext', 'kubectl']);
});

// The checks themselves, on deliberately broken inputs: each must fail when its rule is broken.
const good = () => render('ci/ha-values.yaml');
const deploymentOf = (objects: K8sObject[], n: string) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `switchyard-${n}`)!;
const envOf = (o: K8sObject): Record<string, string> =>
  Object.fromEntries(o.spec.template.spec.containers[0].env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));

chart('checks catch broken manifests: a missing limit, a writable root, a root user, latest, no probe', () => {
  const objects = good();
  const container = deploymentOf(objects, 'orders').spec.template.spec.containers[0];
  delete container.resources.limits.memory;
  container.securityContext.readOnlyRootFilesystem = false;
  container.image = 'switchyard-orders:latest';
  delete container.livenessProbe;
  deploymentOf(objects, 'users').spec.template.spec.securityContext.runAsNonRoot = false;
  assert.equal(containerPolicyProblems(objects), [
    'Deployment/switchyard-orders container orders: no limits.memory',
    'Deployment/switchyard-orders container orders: no liveness probe',
    'Deployment/switchyard-orders container orders: root file system is writable',
    'Deployment/switchyard-orders container orders: image switchyard-orders:latest has no fixed tag',
    'Deployment/switchyard-users container users: may run as root',
  ]);
});

chart('checks catch broken manifests: a multi-replica Deployment without PDB, a workload without NetworkPolicy', () => {
  const withoutPdb = good().filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'switchyard-payments'));
  assert.equal(disruptionBudgetProblems(withoutPdb), ['Deployment/switchyard-payments: runs several pods but no PodDisruptionBudget selects them']);
  const withoutPolicies = good().filter((o) => o.kind !== 'NetworkPolicy');
  assert.is(networkPolicyProblems(withoutPolicies).length, 8);
  assert.ok(networkPolicyProblems(withoutPolicies).includes('Deployment/switchyard-gateway: no NetworkPolicy selects its pods'));
});

chart('checks catch broken manifests: a version label on a pod template, no spread, a probe without timeout', () => {
  const objects = good();
  const orders = deploymentOf(objects, 'orders');
  orders.spec.template.metadata.labels['helm.sh/chart'] = 'switchyard-0.1.0';
  delete orders.spec.template.spec.topologySpreadConstraints;
  delete orders.spec.template.spec.containers[0].readinessProbe.timeoutSeconds;
  const postgres = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'switchyard-postgres')!;
  postgres.spec.template.metadata.labels['app.kubernetes.io/version'] = '0.1.0';
  assert.equal(podTemplateProblems(objects), [
    'Deployment/switchyard-orders: pod template label helm.sh/chart',
    'Deployment/switchyard-orders: no topology spread',
    'Deployment/switchyard-orders container orders: readinessProbe without timeoutSeconds >= 2',
    'StatefulSet/switchyard-postgres: pod template label app.kubernetes.io/version',
  ]);
});

chart('checks catch broken manifests: RabbitMQ without log volume, relative watermark, exec readiness, recursive fsGroup', () => {
  const objects = render();
  const rabbit = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'switchyard-rabbitmq')!;
  const pod = rabbit.spec.template.spec;
  pod.containers[0].volumeMounts = pod.containers[0].volumeMounts.filter((m: { mountPath: string }) => m.mountPath !== '/var/log/rabbitmq');
  pod.containers[0].readinessProbe = { exec: { command: ['rabbitmq-diagnostics', '-q', 'check_port_connectivity'] }, periodSeconds: 10, timeoutSeconds: 10 };
  delete pod.securityContext.fsGroupChangePolicy;
  const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'switchyard-rabbitmq-config') as any;
  config.data['20-switchyard.conf'] = 'vm_memory_high_watermark.relative = 0.4\n';
  assert.equal(rabbitmqProblems(objects), [
    'RabbitMQ: /var/log/rabbitmq is not writable (read-only root)',
    'RabbitMQ: readinessProbe boots an Erlang VM (exec)',
    'RabbitMQ: fsGroupChangePolicy is not OnRootMismatch',
    'RabbitMQ: no absolute memory watermark',
  ]);
});

chart('checks catch broken manifests: an invalid value and an unknown field', async () => {
  const objects = good();
  deploymentOf(objects, 'catalog').spec.replicas = 'two';
  const schema = await schemaProblems(objects);
  assert.is(schema.length, 1);
  assert.match(schema[0]!, /^Deployment\/switchyard-catalog: /);
  const typo = good();
  deploymentOf(typo, 'catalog').spec.template.spec.containers[0].imagePullPolicyy = 'Never';
  const unknown = unknownFieldProblems(typo);
  assert.is(unknown.length, 1);
  assert.match(unknown[0]!, /^Deployment\/switchyard-catalog: .*'"imagePullPolicyy"' does not exist in type 'IContainer'/);
});

chart.run();
