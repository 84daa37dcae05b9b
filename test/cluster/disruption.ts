/**
 * The disruption run: steady load through the gateway while one pod of every service is deleted, then
 * while every Deployment is restarted; no request may fail, every pod that goes must stop cleanly (exit
 * 0 within its grace period); and a pod deleted while its service is still starting stops promptly.
 */
import * as assert from 'uvu/assert';
import { SERVICES } from '../../scripts/images.js';
import type { Checks } from './checks.js';
import type { Kube } from './cluster.js';
import { diagnose } from './diagnosis.js';
import { loadUsers, startLoad, type PhaseStats } from './load.js';
import { PodTerminations, type Termination } from './pod-terminations.js';
import type { Release } from './release.js';
import { request } from '../support/http.js';

const RATE = 60;
const MIN_RATE = 50;
/**
 * How long the load runs with nothing happening, before the disruption. With DNS discovery a gRPC client
 * knows the pods its last resolution returned: orders, if it resolved while the second payments pod was
 * not ready yet, reaches that pod only once the server closes the connection at its max age (the chart's
 * discovery.dnsMaxConnectionAgeMs, 30 s) and the client resolves again. So in dns mode the baseline
 * outlasts that age, and the spread check sees what the configuration guarantees, not how the pods'
 * start-up happened to interleave (2 of 60 Charge calls on the second pod in a 10 s baseline was seen).
 */
const baselineMs = (release: Release) => (release.mode === 'dns' ? 40_000 : 10_000);

interface PodList {
  items: Array<{ metadata: { name: string; labels: Record<string, string> }; status: { phase: string } }>;
}

const podsOf = async (kube: Kube, release: Release, service: string) =>
  (await kube.json<PodList>(['get', 'pods', '-n', release.namespace, '-l', `app.kubernetes.io/instance=${release.name},app.kubernetes.io/name=${service}`])).items
    .filter((p) => p.status.phase === 'Running')
    .map((p) => p.metadata.name);

/** Waits for a Deployment's rollout; when it does not finish, the error says what its pods were doing. */
const rolloutStatus = (kube: Kube, release: Release, service: string) =>
  kube.kubectl(['rollout', 'status', `deployment/${release.fullname(service)}`, '-n', release.namespace, '--timeout=300s']).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await diagnose(kube, release, service)}`);
  });

const describe = (p: PhaseStats) =>
  `${p.name}: ${p.sent} requests in ${p.seconds.toFixed(0)} s (${(p.sent / p.seconds).toFixed(0)}/s), ${p.failed} failed` +
  (p.failed ? `\n${Object.entries(p.reasons).map(([r, n]) => `        ${n} x ${r} (${p.spans[r]?.join('–')})`).join('\n')}` : '');

function assertPhase(p: PhaseStats | undefined): void {
  assert.ok(p, 'phase missing');
  assert.ok(p.sent / p.seconds >= MIN_RATE, `${p.name}: only ${(p.sent / p.seconds).toFixed(0)} requests/s`);
  assert.is(p.failed, 0, describe(p));
}

/** Every termination: exit 0, and the process ended within the pod's grace period. */
function cleanStops(terminations: Termination[]): string[] {
  return terminations
    .filter((t) => t.exitCode !== 0 || t.finishedAt === undefined || t.finishedAt - t.deletedAt > t.graceSeconds * 1000)
    .map((t) => `${t.pod}: exit ${t.exitCode} (${t.reason}) ${t.finishedAt ? `${((t.finishedAt - t.deletedAt) / 1000).toFixed(0)} s` : 'no finish time'} after deletion (grace ${t.graceSeconds} s)`);
}

export async function disruptionChecks(kube: Kube, release: Release, checks: Checks, out: (line: string) => void): Promise<void> {
  const products = await request(`${release.base}/api/products?limit=100`);
  // Orders hold a unit until the cancellation's event releases it: only products with plenty of stock.
  const productIds = (products.body.items as Array<{ id: string; stock: number }>).filter((p) => p.stock >= 20).map((p) => p.id);
  const tokens = await loadUsers(release.base, 3);
  const terminations = await PodTerminations.start(kube, release.namespace);
  const load = startLoad({ base: release.base, rate: RATE, connections: 64, tokens, productIds });
  let phases: PhaseStats[] = [];
  let deleted: Termination[] = [];
  const paymentsCalls = new Map<string, number>();
  try {
    const baselineEnds = new Promise((r) => setTimeout(r, baselineMs(release)));
    const paymentsPods = await podsOf(kube, release, 'payments');
    await baselineEnds;
    // Counted now, on the pods that served the baseline (replacements come later and would blur it).
    for (const pod of paymentsPods) {
      const log = await kube.kubectlOutput(['logs', pod, '-n', release.namespace]);
      paymentsCalls.set(pod, log.split('\n').filter((l) => l.includes('"grpcMethod":"/switchyard.payments.v1.Payments/Charge"') && l.includes('"msg":"gRPC call finished"')).length);
    }

    // One service after another, as a node drain does under the PodDisruptionBudgets (one pod of a
    // service at a time): each pod is deleted once the previous service has its two pods ready again.
    load.phase('one pod of each service deleted');
    for (const service of SERVICES) {
      const pod = (await podsOf(kube, release, service))[0]!;
      deleted.push(await terminations.deleteAndFollow(pod, service, 90_000));
      await rolloutStatus(kube, release, service);
    }

    // Every Deployment restarted, one after another as a release pipeline rolls them out (all six at
    // once on two cores starves the pods that stay of CPU while six new ones boot).
    load.phase('rollout restart of every deployment');
    const before = terminations.ended.size;
    for (const service of SERVICES) {
      const from = new Date();
      await kube.kubectl(['rollout', 'restart', `deployment/${release.fullname(service)}`, '-n', release.namespace]);
      await rolloutStatus(kube, release, service);
      // When each one rolled, to tell which service a failed request (listed with its time) fell on.
      out(`      ${service} rolled ${from.toISOString().slice(11, 23)}–${new Date().toISOString().slice(11, 23)}`);
    }
    // The last old pods may still be draining when the rollout counts as done.
    const rolled = await waitForRolledPods(kube, release, terminations, before);
    phases = await load.stop();
    for (const p of phases) out(`      ${describe(p)}`);

    await checks.check(`${release.mode}: the load keeps ≥ ${MIN_RATE} requests/s through the gateway with none failing while nothing happens`, () => assertPhase(phases[0]));
    await checks.check(`${release.mode}: orders spreads its payments calls over both payments pods`, () => {
      out(`      Charge calls per payments pod during the baseline: ${JSON.stringify(Object.fromEntries(paymentsCalls))}`);
      assert.is(paymentsCalls.size, 2);
      for (const [pod, calls] of paymentsCalls) assert.ok(calls > 0, `${pod} served no Charge call`);
    });
    await checks.check(`${release.mode}: deleting one pod of each service under load fails no request`, () => assertPhase(phases[1]));
    await checks.check(`${release.mode}: each deleted pod exits 0 within its grace period, its last log line "shutdown complete"`, () => {
      for (const t of deleted) out(`      ${t.pod}: exit ${t.exitCode} after ${(((t.finishedAt ?? NaN) - t.deletedAt) / 1000).toFixed(0)} s, last line "${t.lastMessage}"`);
      assert.equal(cleanStops(deleted), []);
      assert.equal(deleted.filter((t) => t.lastMessage !== 'shutdown complete').map((t) => `${t.pod}: ${t.lastMessage}`), []);
    });
    await checks.check(`${release.mode}: a rollout restart of every deployment under load fails no request`, () => assertPhase(phases[2]));
    await checks.check(`${release.mode}: every pod the rollout replaced exits 0 within its grace period`, () => {
      out(`      ${rolled.length} pods replaced`);
      assert.is(rolled.length, 2 * SERVICES.length);
      assert.equal(cleanStops(rolled), []);
    });
  } finally {
    if (phases.length === 0) await load.stop().catch(() => undefined);
    terminations.stop();
  }
}

/** The pods the rollout replaced, once every one of them is gone (they drain after the rollout is done). */
async function waitForRolledPods(kube: Kube, release: Release, terminations: PodTerminations, before: number): Promise<Termination[]> {
  const remaining = (await kube.json<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }>(['get', 'pods', '-n', release.namespace])).items
    .filter((p) => p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name);
  await Promise.all(remaining.map((pod) => terminations.waitFor(pod, 90_000)));
  return [...terminations.ended.values()].slice(before).filter((t) => (SERVICES as readonly string[]).includes(t.app));
}
