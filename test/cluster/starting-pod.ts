/**
 * A pod deleted while its service is still starting must stop promptly, not sit out its grace period
 * (node as PID 1 ignores SIGTERM unless the service handles it). The pod is the orders Deployment's own
 * template, run as a bare pod that no Service selects, with a database host that does not resolve: the
 * service keeps trying to reach Postgres (within STARTUP_TIMEOUT_MS) - it is starting when it is deleted.
 */
import * as assert from 'uvu/assert';
import { eventually } from '../support/broker.js';
import type { Checks } from './checks.js';
import type { Kube } from './cluster.js';
import type { PodTerminations } from './pod-terminations.js';
import type { Release } from './release.js';

/** How long after the preStop sleep a starting service may take to exit. */
const PROMPT_MS = 5_000;
/** How long the process must have been running (and not ready) before it counts as starting. */
const STARTING_MS = 3_000;

export async function startingPodCheck(kube: Kube, release: Release, terminations: PodTerminations, checks: Checks, out: (line: string) => void): Promise<void> {
  await checks.check(`${release.mode}: a pod deleted while its service is still starting exits promptly`, async () => {
    const deployment = await kube.json(['get', 'deployment', release.fullname('orders'), '-n', release.namespace]);
    const spec = deployment.spec.template.spec;
    const container = spec.containers[0];
    container.env = container.env.map((e: { name: string }) =>
      e.name === 'DATABASE_URL' ? { name: 'DATABASE_URL', value: 'postgres://orders:nothing@starting-probe-nowhere:5432/orders' } : e,
    );
    const name = `${release.name}-starting-probe`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      // Not an orders endpoint: no Service selects this name label.
      metadata: { name, labels: { 'app.kubernetes.io/name': 'starting-probe', 'app.kubernetes.io/instance': release.name } },
      spec: { ...spec, restartPolicy: 'Never' },
    };
    await kube.kubectl(['apply', '-n', release.namespace, '-f', '-'], JSON.stringify(pod));
    // Starting = its process has run for a while without becoming ready (and without giving up).
    const state = await eventually(async () => {
      const status = (await kube.json(['get', 'pod', name, '-n', release.namespace])).status.containerStatuses?.[0];
      if (status?.state.terminated) return status;
      const since = status?.state.running ? Date.now() - new Date(status.state.running.startedAt).getTime() : 0;
      return since >= STARTING_MS ? status : undefined;
    }, 90_000, 'the probe pod running');
    const log = await kube.kubectlOutput(['logs', name, '-n', release.namespace]).catch(() => '');
    assert.ok(state.state.running && !state.ready, `the probe pod is not starting after ${STARTING_MS / 1000} s: ${JSON.stringify(state.state)}; its log ends:\n${log.trim().split('\n').slice(-3).join('\n')}`);
    const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    const ended = await terminations.deleteAndFollow(name, container.name, 120_000);
    const tookMs = (ended.finishedAt ?? Infinity) - ended.deletedAt;
    out(`      ${name}: exit ${ended.exitCode} (${ended.reason}) ${(tookMs / 1000).toFixed(0)} s after deletion (preStop ${preStopMs / 1000} s, grace ${ended.graceSeconds} s), last line "${ended.lastMessage}"`);
    assert.ok(tookMs <= preStopMs + PROMPT_MS + 1000, `it took ${(tookMs / 1000).toFixed(0)} s to stop`);
    assert.is.not(ended.exitCode, 137, 'it was killed at the end of its grace period');
  });
}
