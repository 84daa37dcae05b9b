/**
 * A pod deleted while its service is still starting must stop promptly, not sit out its grace period
 * (node as PID 1 ignores SIGTERM unless the service handles it). The pod is the orders Deployment's own
 * template, run as a bare pod that no Service selects, with a database host that does not resolve: the
 * service keeps trying to reach Postgres (within STARTUP_TIMEOUT_MS) - it is starting when it is deleted.
 */
import * as assert from 'uvu/assert';
import type { Checks } from './checks.js';
import type { Kube } from './cluster.js';
import type { PodTerminations } from './pod-terminations.js';
import type { Release } from './release.js';

/** How long after the preStop sleep a starting service may take to exit. */
const PROMPT_MS = 5_000;

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
    await kube.kubectl(['wait', `pod/${name}`, '-n', release.namespace, '--for=jsonpath={.status.phase}=Running', '--timeout=60s']);
    const running = await kube.json(['get', 'pod', name, '-n', release.namespace]);
    const state = running.status.containerStatuses[0];
    assert.ok(state.state.running && !state.ready, `the probe pod is not starting: ${JSON.stringify(state.state)}`);
    const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    const ended = await terminations.deleteAndFollow(name, container.name, 120_000);
    const tookMs = (ended.finishedAt ?? Infinity) - ended.deletedAt;
    out(`      ${name}: exit ${ended.exitCode} (${ended.reason}) ${(tookMs / 1000).toFixed(0)} s after deletion (preStop ${preStopMs / 1000} s, grace ${ended.graceSeconds} s), last line "${ended.lastMessage}"`);
    assert.ok(tookMs <= preStopMs + PROMPT_MS + 1000, `it took ${(tookMs / 1000).toFixed(0)} s to stop`);
    assert.is.not(ended.exitCode, 137, 'it was killed at the end of its grace period');
  });
}
