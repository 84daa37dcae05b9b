/**
 * The manifests against the live API server: every chart variant (defaults and ci/*-values.yaml) and
 * the plain manifests in k8s/ pass `kubectl apply --dry-run=server --validate=strict` - the server's
 * own validation and admission, which the static checks only approximate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as assert from 'uvu/assert';
import type { Checks } from './checks.js';
import type { Kube } from './cluster.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHART = join(ROOT, 'charts/switchyard');
const NAMESPACE = 'switchyard-ci-dryrun';

const serverDryRun = (kube: Kube, manifests: string) =>
  kube.kubectl(['apply', '--dry-run=server', '--validate=strict', '-n', NAMESPACE, '-f', '-'], manifests).then(
    () => '',
    (err: Error) => err.message,
  );

export async function dryRunChecks(kube: Kube, checks: Checks): Promise<void> {
  await kube.deleteNamespace(NAMESPACE);
  await kube.createNamespace(NAMESPACE);
  try {
    const variants = ['', ...readdirSync(join(CHART, 'ci')).map((f) => `ci/${f}`)];
    const render = (file: string) => kube.helm(['template', 'switchyard', CHART, '--namespace', NAMESPACE, ...(file ? ['-f', join(CHART, file)] : [])]);
    await checks.check(`every chart variant (${variants.map((v) => v || 'defaults').join(', ')}) passes a strict server-side dry run`, async () => {
      for (const file of variants) assert.is(await serverDryRun(kube, await render(file)), '', file || 'defaults');
    });
    await checks.check('k8s/switchyard.yaml passes a strict server-side dry run', async () => {
      assert.is(await serverDryRun(kube, readFileSync(join(ROOT, 'k8s/switchyard.yaml'), 'utf8')), '');
    });
    await checks.check('the strict server-side dry run rejects a misspelt field', async () => {
      const broken = (await render('ci/ha-values.yaml')).replace('imagePullPolicy: IfNotPresent', 'imagePullPolicyy: IfNotPresent');
      assert.match(await serverDryRun(kube, broken), /unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolicyy"/);
    });
  } finally {
    await kube.deleteNamespace(NAMESPACE);
  }
}
