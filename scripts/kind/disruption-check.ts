/**
 * Keeps a steady load on the gateway while deleting one pod of every Deployment that runs two or
 * more replicas, one after another, and fails if any request failed. Used by the kind workflow; it
 * needs kubectl pointed at the cluster.
 *
 *   node --import tsx scripts/kind/disruption-check.ts --base http://127.0.0.1:8080 --namespace switchyard
 */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { base: { type: 'string', default: 'http://127.0.0.1:8080' }, namespace: { type: 'string', default: 'switchyard' } } });
const kubectl = (...args: string[]) => execFileSync('kubectl', ['-n', values.namespace!, ...args], { encoding: 'utf8' });

const deployments = JSON.parse(kubectl('get', 'deployments', '-o', 'json')) as {
  items: Array<{ metadata: { name: string }; spec: { replicas: number; selector: { matchLabels: Record<string, string> } } }>;
};
const targets = deployments.items.filter((d) => d.spec.replicas >= 2);
if (targets.length === 0) throw new Error('no Deployment runs two replicas: install with ci/ha-values.yaml');

let stop = false;
let sent = 0;
const failures: string[] = [];
// Reads through the gateway to catalog, and users via the token check: both cross two hops.
async function worker(): Promise<void> {
  while (!stop) {
    sent += 1;
    try {
      const res = await fetch(`${values.base}/api/products?limit=5`, { signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status !== 200) failures.push(`GET /api/products → ${res.status}`);
    } catch (err) {
      failures.push(`GET /api/products → ${(err as Error).message}`);
    }
  }
}

const workers = Array.from({ length: 8 }, () => worker());
for (const deployment of targets) {
  const selector = Object.entries(deployment.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
  const pod = kubectl('get', 'pods', '-l', selector, '-o', 'jsonpath={.items[0].metadata.name}').trim();
  process.stdout.write(`deleting ${pod} of ${deployment.metadata.name}\n`);
  kubectl('delete', 'pod', pod, '--wait=true');
  kubectl('rollout', 'status', `deployment/${deployment.metadata.name}`, '--timeout=180s');
  await sleep(2000);
}
stop = true;
await Promise.all(workers);
process.stdout.write(`${sent} requests, ${failures.length} failed\n`);
if (failures.length > 0) {
  process.stdout.write(`${failures.slice(0, 20).join('\n')}\n`);
  process.exit(1);
}
