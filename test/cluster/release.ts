/**
 * One release of the chart on the cluster, installed the way the README says (helm install --wait), with
 * the HA values (two replicas of every service), the images built here, and the gateway on a NodePort.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import * as assert from 'uvu/assert';
import { run, SERVICES } from '../../scripts/images.js';
import { eventually } from '../support/broker.js';
import type { Kube } from './cluster.js';
import type { DeployedImages } from './images.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const CHART = join(ROOT, 'charts/switchyard');

export interface Release {
  name: string;
  namespace: string;
  mode: 'dns' | 'k8s';
  /** The values given on install, to be given again on upgrade. */
  valueArgs: string[];
  /** http://<node>:<nodePort> */
  base: string;
  /** `<release>-switchyard-<component>` */
  fullname: (component: string) => string;
}

export async function installRelease(kube: Kube, mode: 'dns' | 'k8s', images: DeployedImages): Promise<Release> {
  const name = 'sw';
  const namespace = `switchyard-ci-${mode}`;
  await kube.deleteNamespace(namespace); // what a crashed earlier run may have left
  await kube.createNamespace(namespace);
  const valueArgs = [
    '-f', join(CHART, 'ci/ha-values.yaml'),
    '--set', `discovery.mode=${mode}`,
    '--set', `networkPolicy.apiServerCidrs={${(await kube.apiServerCidrs()).join(',')}}`,
    '--set', 'gatewayService.type=NodePort',
    // The system view is off by default; on here, so its admin Services and targets are tried for real.
    '--set', 'systemView.enabled=true',
    '--set', `postgresql.image=${images.postgres}`,
    '--set', `rabbitmq.image=${images.rabbitmq}`,
    ...SERVICES.flatMap((s) => ['--set', `services.${s}.image=${images.services[s]}`]),
  ];
  if (mode === 'k8s') {
    // This release brings its own Secret (existingSecret), made as the README tells kubectl users to.
    const secret = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/k8s-secrets.ts'), '--name', `${name}-own-secrets`]);
    await kube.kubectl(['apply', '-n', namespace, '-f', '-'], secret);
    valueArgs.push('--set', `existingSecret=${name}-own-secrets`);
  }
  await kube.helm(['install', name, CHART, '-n', namespace, ...valueArgs, '--wait', '--wait-for-jobs', '--timeout', '8m']);
  const nodePort = (await kube.kubectl(['get', 'service', `${name}-switchyard-gateway`, '-n', namespace, '-o', 'jsonpath={.spec.ports[0].nodePort}'])).trim();
  return { name, namespace, mode, valueArgs, base: `http://${await kube.nodeAddress()}:${nodePort}`, fullname: (c) => `${name}-switchyard-${c}` };
}

/** Every Deployment of the release has its two pods ready. */
export async function assertTwoReadyPodsEach(kube: Kube, release: Release): Promise<void> {
  const deployments = await kube.json<{ items: Array<{ metadata: { name: string }; status: { readyReplicas?: number } }> }>(['get', 'deployments', '-n', release.namespace]);
  const ready = Object.fromEntries(deployments.items.map((d) => [d.metadata.name, d.status.readyReplicas ?? 0]));
  assert.equal(ready, Object.fromEntries(SERVICES.map((s) => [release.fullname(s), 2])));
}

/**
 * Every pod of the services behind the gateway (all of them publish or consume events; the gateway's
 * own connection only feeds the system view) reports its RabbitMQ connection up (`amqp_connected 1` on its admin
 * port, read through the API server's pod proxy). A pod is ready before that on purpose: without the
 * broker its events wait in the outbox. But a journey that waits for a notification a few seconds
 * after a fresh install would otherwise race the connection's backoff (up to 15 s between attempts
 * while RabbitMQ's pod was still starting).
 */
export async function waitForBrokerConnections(kube: Kube, release: Release): Promise<void> {
  const services = SERVICES.filter((s) => s !== 'gateway').join(',');
  const pods = await kube.json<{ items: Array<{ metadata: { name: string } }> }>(['get', 'pods', '-n', release.namespace, '-l', `app.kubernetes.io/instance=${release.name},app.kubernetes.io/component=service,app.kubernetes.io/name in (${services})`]);
  assert.is(pods.items.length, 10, 'two pods of each of the five services behind the gateway');
  await Promise.all(
    pods.items.map(({ metadata: { name } }) =>
      eventually(
        async () => {
          const metrics = await kube.podAdmin(release.namespace, name, '/metrics').catch(() => '');
          // amqp_connected{service="orders"} 1
          return /^amqp_connected(\{[^}]*\})? 1$/m.test(metrics) ? true : undefined;
        },
        90_000,
        `${name}'s RabbitMQ connection`,
        // A kubectl process per try and pod: once a second, not twenty times, on two cores while pods start.
        1000,
      ),
    ),
  );
}

export async function uninstallRelease(kube: Kube, release: Pick<Release, 'name' | 'namespace'>): Promise<void> {
  await kube.helm(['uninstall', release.name, '-n', release.namespace, '--wait', '--timeout', '3m']).catch(() => undefined);
  await kube.deleteNamespace(release.namespace);
}

/** Runs test/e2e/system.test.ts (the journey through any deployment) against the release's gateway (E2E_BASE_URL); the other e2e suites watch the local system itself. Resolves with uvu's counts. */
export function runE2e(base: string, out: (line: string) => void): Promise<{ passed: number; failed: number }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', join(ROOT, 'node_modules/uvu/bin.js'), 'test', 'e2e/system', '--no-color'], {
      cwd: ROOT,
      env: { ...process.env, E2E_BASE_URL: base, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => {
      // eslint-disable-next-line no-control-regex
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
      const failed = total - passed || (code === 0 ? 0 : 1);
      out(`      e2e against ${base}: ${passed} passed, ${failed} failed`);
      if (failed > 0) out(plain.split('\n').filter((l) => l.trim()).slice(-30).map((l) => `      | ${l}`).join('\n'));
      done({ passed, failed });
    });
  });
}
