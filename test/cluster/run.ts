/**
 * The cluster suite: Switchyard on a real Kubernetes cluster, end to end.
 *
 *   npm run test:cluster          (npm test runs it too, after the other suites, when ../shared/k8s exists)
 *
 * Takes the machine's cluster lock; brings the cluster up if it is down; builds the images and loads
 * them; dry-runs every manifest variant on the API server; then, for each discovery mode (dns, k8s),
 * installs the chart with two replicas of every service, runs the e2e suite and `helm test` against it,
 * and disrupts it under load. Removes what it installed - also on failure or interruption - and stops
 * the cluster again if it started it (SWITCHYARD_CLUSTER_KEEP=1 keeps it). Ends with `N passed, N failed`.
 */
import type { SystemSnapshot } from '@switchyard/contracts/system-view';
import { SERVICES } from '../../scripts/images.js';
import { eventually } from '../support/broker.js';
import { ShopClient } from '../support/shop-client.js';
import { SseClient } from '../support/sse.js';
import { Checks } from './checks.js';
import { chooseCluster, Kube } from './cluster.js';
import { disruptionChecks } from './disruption.js';
import { dryRunChecks } from './dry-run.js';
import { prepareImages } from './images.js';
import { infrastructureChecks, upgradeCheck } from './infrastructure.js';
import { acquireClusterLock } from './lock.js';
import { PodTerminations } from './pod-terminations.js';
import { assertTwoReadyPodsEach, installRelease, runE2e, uninstallRelease, waitForBrokerConnections, type Release } from './release.js';
import { startingPodCheck } from './starting-pod.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const checks = new Checks(out);
const started = performance.now();
const MODES = ['dns', 'k8s'] as const;

const cluster = chooseCluster();
if (!cluster) {
  out('cluster suite skipped: ../shared/k8s/cluster (the local Kubernetes cluster) is not here, and SWITCHYARD_CLUSTER=kind is not set');
  out(checks.summary);
  process.exit(0);
}

const release = await acquireClusterLock(3600, out);
let startedCluster = false;
let kube: Kube | undefined;
const installed = new Set<Pick<Release, 'name' | 'namespace'>>();

async function cleanUp(): Promise<void> {
  for (const r of installed) await uninstallRelease(kube!, r).catch((err: Error) => out(`cleanup of ${r.namespace} failed: ${err.message}`));
  installed.clear();
  if (startedCluster && process.env.SWITCHYARD_CLUSTER_KEEP !== '1') {
    out(`stopping the ${cluster!.kind} cluster this suite started (SWITCHYARD_CLUSTER_KEEP=1 keeps it)`);
    await cluster!.down().catch((err: Error) => out(`cluster down failed: ${err.message}`));
  }
  release();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    out(`${signal}: removing what the cluster suite installed`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** After a failed e2e run: every service pod's warn-or-worse log lines (the last 20 each), to say why. */
async function printServiceWarnings(k: Kube, r: Release, out: (line: string) => void): Promise<void> {
  const pods = await k.json<{ items: Array<{ metadata: { name: string } }> }>(['get', 'pods', '-n', r.namespace, '-l', 'app.kubernetes.io/component=service']);
  for (const pod of pods.items) {
    const lines = (await k.kubectlOutput(['logs', pod.metadata.name, '-n', r.namespace]).catch((err: Error) => err.message))
      .split('\n')
      .filter((line) => /"level":"(warn|error|fatal)"/.test(line))
      .slice(-20);
    if (lines.length > 0) out(`      ${pod.metadata.name} warnings:\n${lines.map((l) => `      | ${l.slice(0, 400)}`).join('\n')}`);
  }
}

async function runMode(k: Kube, mode: (typeof MODES)[number], images: NonNullable<Awaited<ReturnType<typeof prepareImages>>>): Promise<void> {
  out(`\n${mode} discovery`);
  let r: Release | undefined;
  const namespace = `switchyard-ci-${mode}`;
  installed.add({ name: 'sw', namespace });
  const up = await checks.check(`${mode}: helm install --wait brings up two ready pods of every service${mode === 'k8s' ? ' (existingSecret)' : ''}, each connected to RabbitMQ`, async () => {
    r = await installRelease(k, mode, images);
    await assertTwoReadyPodsEach(k, r);
    await waitForBrokerConnections(k, r);
  });
  if (!up || !r) return checks.notRun(`${mode}: e2e, helm test and disruption`, 'the release did not install');
  const e2e = await runE2e(r.base, out);
  checks.add(e2e.passed, e2e.failed);
  if (e2e.failed > 0) await printServiceWarnings(k, r, out);
  await checks.check(`${mode}: helm test passes`, async () => {
    await k.helm(['test', r!.name, '-n', r!.namespace, '--timeout', '2m']);
  });
  await checks.check(`${mode}: the in-cluster gateway serves the storefront at / with its security headers, and its hashed assets`, async () => {
    const page = await fetch(`${r!.base}/`, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(10_000) });
    const html = await page.text();
    if (page.status !== 200 || !html.includes('<div id="app">')) throw new Error(`/ answered ${page.status}: ${html.slice(0, 200)}`);
    for (const header of ['content-security-policy', 'x-content-type-options', 'referrer-policy']) {
      if (!page.headers.get(header)) throw new Error(`/ has no ${header} header`);
    }
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    if (!asset) throw new Error('index.html names no hashed script');
    const script = await fetch(`${r!.base}${asset}`, { signal: AbortSignal.timeout(10_000) });
    await script.arrayBuffer();
    if (script.status !== 200 || script.headers.get('cache-control') !== 'public, max-age=31536000, immutable') {
      throw new Error(`${asset} answered ${script.status} with cache-control ${script.headers.get('cache-control')}`);
    }
  });
  await checks.check(`${mode}: the system view lists both ready pods of every service through their -admin Services, and an order's event`, async () => {
    const shop = new ShopClient(r!.base);
    const auth = await shop.signUp();
    const stream = await SseClient.open(`${r!.base}/api/system/stream`, auth);
    try {
      if (stream.status !== 200) throw new Error(`/api/system/stream answered ${stream.status}`);
      const ready = (snapshot: SystemSnapshot) => snapshot.services.map((s) => `${s.name} ${s.replicas.filter((x) => x.ready).length}`);
      const expected = [...SERVICES].sort().map((s) => `${s} 2`);
      const latest = () => stream.events.filter((e) => e.event === 'snapshot').map((e) => JSON.parse(e.data) as SystemSnapshot).at(-1);
      await eventually(async () => (latest() && JSON.stringify(ready(latest()!)) === JSON.stringify(expected) ? true : undefined), 30_000, `every service with 2 ready pods (last: ${JSON.stringify(latest() && ready(latest()!))})`);
      await eventually(async () => (latest()?.eventsConnected ? true : undefined), 30_000, 'the event tap connected');
      const placed = await shop.place(auth, [{ productId: '5eed0000-0000-4000-8000-000000000001', quantity: 1 }]);
      if (placed.status !== 201) throw new Error(`placing an order answered ${placed.status}`);
      await eventually(async () => (stream.events.some((e) => e.event === 'event' && JSON.parse(e.data).type === 'order.placed' && JSON.parse(e.data).subject === placed.body.id) ? true : undefined), 30_000, 'the order.placed event on the stream');
    } finally {
      await stream.close();
    }
  });
  if (mode === 'dns') await infrastructureChecks(k, r, checks);
  await disruptionChecks(k, r, checks, out);
  const terminations = await PodTerminations.start(k, r.namespace);
  await startingPodCheck(k, r, terminations, checks, out).finally(() => terminations.stop());
  if (mode === 'dns') await upgradeCheck(k, r, checks);
}

try {
  out(`cluster suite on ${cluster.kind}`);
  const upStarted = performance.now();
  startedCluster = await cluster.up();
  out(`cluster ${startedCluster ? 'started' : 'already running'} (${((performance.now() - upStarted) / 1000).toFixed(0)} s)`);
  kube = new Kube(cluster.kubeconfig);
  const images = await prepareImages(cluster, kube, checks, out);
  await dryRunChecks(kube, checks);
  if (images) {
    for (const mode of MODES) {
      await runMode(kube, mode, images);
      for (const r of installed) await uninstallRelease(kube, r);
      installed.clear();
    }
  } else {
    checks.notRun('both discovery modes', 'no images');
  }
} catch (err) {
  checks.notRun('the cluster suite', (err as Error).stack ?? String(err));
} finally {
  await cleanUp();
}
out(`\ncluster suite: ${((performance.now() - started) / 1000).toFixed(0)} s`);
out(checks.summary);
process.exit(checks.failed > 0 ? 1 : 0);
