/**
 * What the cluster looked like when a wait on it failed: enough to tell a service that would not become
 * ready from a node that would not start or stop a container, without the cluster (CI stops it).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Kube } from './cluster.js';
import type { Release } from './release.js';

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  status: {
    phase: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{
      ready: boolean;
      restartCount: number;
      state?: Record<string, { reason?: string; exitCode?: number }>;
      lastState?: Record<string, { reason?: string; exitCode?: number; finishedAt?: string }>;
    }>;
  };
}

interface Event {
  lastTimestamp?: string;
  eventTime?: string;
  type: string;
  reason: string;
  message: string;
  count?: number;
  involvedObject: { kind: string; name: string };
}

/** Where the local cluster (../shared/k8s) keeps the kubelet's log; absent on kind. */
const KUBELET_LOG = '/var/lib/sy-k8s/kubelet/kubelet.log';

const indent = (lines: string[]) => lines.map((l) => `        ${l}`);
const safely = async (what: string, work: () => Promise<string[]>): Promise<string[]> => work().catch((err: Error) => [`(${what} failed: ${err.message.split('\n')[0]})`]);

function describePod(pod: Pod): string {
  const c = pod.status.containerStatuses?.[0];
  const state = c?.state ? Object.entries(c.state).map(([k, v]) => `${k}${v.reason ? ` ${v.reason}` : ''}${v.exitCode !== undefined ? ` exit ${v.exitCode}` : ''}`).join(',') : 'no container status';
  const last = c?.lastState && Object.keys(c.lastState).length > 0 ? `, last ${Object.entries(c.lastState).map(([k, v]) => `${k} ${v.reason ?? ''} exit ${v.exitCode ?? '?'} at ${v.finishedAt ?? '?'}`).join(',')}` : '';
  const unready = pod.status.conditions?.filter((x) => x.status !== 'True').map((x) => `${x.type}=${x.status}${x.reason ? ` (${x.reason}${x.message ? `: ${x.message}` : ''})` : ''}`) ?? [];
  return `${pod.metadata.name}: ${pod.status.phase}, ${state}, restarts ${c?.restartCount ?? 0}${last}${pod.metadata.deletionTimestamp ? `, deleting since ${pod.metadata.deletionTimestamp}` : ''}${unready.length ? `; ${unready.join('; ')}` : ''}`;
}

/**
 * A report on one service of a release: its Deployment's status, every pod of it (phase, container state,
 * restarts, unready conditions, deletion), what /readyz and the last log lines say on the pods that are
 * not ready or are stopping, the namespace's recent events about it, and the kubelet's lines about its
 * pods when the local cluster's log is at hand.
 */
export async function diagnose(kube: Kube, release: Release, service: string): Promise<string> {
  const fullname = release.fullname(service);
  const out: string[] = [`diagnosis of ${fullname} at ${new Date().toISOString()}:`];
  out.push(
    ...(await safely('deployment status', async () => {
      const d = await kube.json<{ status: Record<string, unknown> }>(['get', 'deployment', fullname, '-n', release.namespace]);
      return indent([`deployment status: ${JSON.stringify({ ...d.status, conditions: undefined })}`]);
    })),
  );
  const pods = await kube
    .json<{ items: Pod[] }>(['get', 'pods', '-n', release.namespace, '-l', `app.kubernetes.io/instance=${release.name},app.kubernetes.io/name=${service}`])
    .then((l) => l.items, () => [] as Pod[]);
  out.push(...indent(pods.map(describePod)));
  // The last lines of a pod's container, or of the one before it (`--previous`) after a restart.
  const logLines = (name: string, title: string, args: string[] = []) =>
    safely(`${name} ${title}`, async () => indent([`${name} ${title}:`, ...(await kube.kubectlOutput(['logs', name, '-n', release.namespace, '--tail=15', ...args])).trim().split('\n').map((l) => `| ${l.slice(0, 300)}`)]));
  for (const pod of pods.filter((p) => p.metadata.deletionTimestamp || !p.status.containerStatuses?.[0]?.ready)) {
    const name = pod.metadata.name;
    out.push(...(await safely(`${name} /readyz`, async () => indent([`${name} /readyz: ${(await kube.podAdmin(release.namespace, name, '/readyz')).trim()}`]))));
    out.push(...(await logLines(name, 'last log lines')));
    if ((pod.status.containerStatuses?.[0]?.restartCount ?? 0) > 0) out.push(...(await logLines(name, "previous container's last lines", ['--previous'])));
  }
  out.push(
    ...(await safely('events', async () => {
      const events = (await kube.json<{ items: Event[] }>(['get', 'events', '-n', release.namespace])).items
        .filter((e) => e.involvedObject.name.startsWith(fullname))
        .sort((a, b) => (a.lastTimestamp ?? a.eventTime ?? '').localeCompare(b.lastTimestamp ?? b.eventTime ?? ''))
        .slice(-25);
      return indent(['events:', ...events.map((e) => `${e.lastTimestamp ?? e.eventTime} ${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}${e.count && e.count > 1 ? ` x${e.count}` : ''}: ${e.message.slice(0, 300)}`)]);
    })),
  );
  if (existsSync(KUBELET_LOG) && pods.length > 0) {
    const names = pods.map((p) => p.metadata.name);
    const lines = readFileSync(KUBELET_LOG, 'utf8').split('\n').filter((l) => names.some((n) => l.includes(n))).slice(-30);
    out.push(...indent([`kubelet log lines about these pods (last ${lines.length}):`, ...lines.map((l) => `| ${l.slice(0, 400)}`)]));
  }
  return out.join('\n');
}
