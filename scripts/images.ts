/**
 * Builds every image the chart deploys with the local docker:
 *
 *   npm run images                  the six services as switchyard-<service>:<chart appVersion>, the load
 *                                   generator as switchyard-loadgen, plus switchyard-postgres and
 *                                   switchyard-rabbitmq (Debian's packages)
 *   npm run images -- --tag dev     another tag for the six services
 *
 * The Dockerfile's shared stages (dependencies, compilation) are built by the first service and reused
 * from docker's cache by the other five. Where no registry is reachable the base images come from
 * `../shared/k8s/cluster base-images` (node) and its local/debian:bookworm (Postgres, RabbitMQ).
 * Prints one line per image with its size and build time.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
export const SERVICES = ['gateway', 'users', 'catalog', 'orders', 'payments', 'notifications'] as const;
export type ServiceName = (typeof SERVICES)[number];
/** The images the chart's infrastructure values point at when they run on the stand-ins built here. */
export const INFRA_IMAGES = { postgres: 'switchyard-postgres:15-bookworm', rabbitmq: 'switchyard-rabbitmq:3.10-bookworm' } as const;
export const SHARED_K8S = resolve(ROOT, '../shared/k8s/cluster');
const LOCAL_DEBIAN = 'local/debian:bookworm';

export interface BuiltImage {
  /** switchyard-users:0.1.0 */
  ref: string;
  /** docker's image id (sha256:…), which changes whenever the content does */
  id: string;
  sizeBytes: number;
  seconds: number;
}

/** The chart's appVersion: the tag the chart deploys when image.tag is empty. */
export function chartAppVersion(): string {
  return String(parse(readFileSync(join(ROOT, 'charts/switchyard/Chart.yaml'), 'utf8')).appVersion);
}

/** Runs a command; resolves with its output, rejects with the output's tail when it fails. */
/**
 * Runs a command to its end; resolves with its output (stdout and stderr together, unless
 * `stdoutOnly`: output that is parsed must not pick up a warning a tool printed on stderr).
 */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; stdoutOnly?: boolean } = {}): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (options.stdoutOnly ? (errors += chunk.toString()) : (output += chunk.toString())));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code === 0) done(output);
      else fail(new Error(`${command} ${args.join(' ')} exited ${code}:\n${(output + errors).split('\n').slice(-40).join('\n')}`));
    });
    // A child that exits without reading its input must not crash this process with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

const exists = async (image: string) => run('docker', ['image', 'inspect', image]).then(() => true, () => false);

/**
 * docker build's own flags. With BuildKit (buildx), provenance attestations are switched off: with
 * Docker's containerd image store they make `docker save` archives that `kind load` and `ctr import`
 * reject. The legacy builder (docker without buildx, as here) has neither the flag nor attestations.
 */
export function buildFlags(buildx: boolean): string[] {
  return buildx ? ['--provenance=false'] : [];
}

async function inspect(ref: string): Promise<{ id: string; sizeBytes: number }> {
  const [id, size] = (await run('docker', ['image', 'inspect', '-f', '{{.Id}} {{.Size}}', ref])).trim().split(' ');
  return { id: id!, sizeBytes: Number(size) };
}

/** Builds the six service images, the load generator's and the two infrastructure images; reports each as it is done. */
export async function buildImages(options: { tag: string; report?: (line: string) => void }): Promise<Map<string, BuiltImage>> {
  const report = options.report ?? (() => undefined);
  const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1]!;
  if (!(await exists(nodeImage)) && existsSync(SHARED_K8S)) {
    report(`${nodeImage} is not here: building it with ${SHARED_K8S} base-images`);
    await run(SHARED_K8S, ['base-images', nodeImage]);
  }
  const debianImage = (await exists(LOCAL_DEBIAN)) ? LOCAL_DEBIAN : 'debian:bookworm-slim';
  const flags = buildFlags(await run('docker', ['buildx', 'version']).then(() => true, () => false));
  // The legacy builder prints a deprecation notice on every build; BuildKit is used where present.
  const env = { ...process.env, DOCKER_CLI_HINTS: 'false' };
  const built = new Map<string, BuiltImage>();
  const build = async (ref: string, args: string[]) => {
    const started = performance.now();
    await run('docker', ['build', ...flags, '-t', ref, ...args], { env });
    const image = { ref, ...(await inspect(ref)), seconds: (performance.now() - started) / 1000 };
    built.set(ref, image);
    report(`${ref.padEnd(40)} ${(image.sizeBytes / 1e6).toFixed(0).padStart(4)} MB  ${image.seconds.toFixed(0).padStart(4)} s`);
  };
  for (const service of SERVICES) {
    await build(`switchyard-${service}:${options.tag}`, ['--target', 'runtime', '--build-arg', `SERVICE=${service}`, '.']);
  }
  // The chart's optional load generator (loadgen.enabled): packages/loadgen on the same runtime.
  await build(`switchyard-loadgen:${options.tag}`, ['--target', 'loadgen', '--build-arg', 'SERVICE=loadgen', '.']);
  await build(INFRA_IMAGES.postgres, ['--build-arg', `DEBIAN_IMAGE=${debianImage}`, 'images/postgres']);
  await build(INFRA_IMAGES.rabbitmq, ['--build-arg', `DEBIAN_IMAGE=${debianImage}`, 'images/rabbitmq']);
  return built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { tag: { type: 'string', default: chartAppVersion() } } });
  const started = performance.now();
  const out = (line: string) => process.stdout.write(`${line}\n`);
  buildImages({ tag: values.tag!, report: out })
    .then((built) => {
      const services = [...built.values()].filter((i) => i.ref.startsWith('switchyard-') && SERVICES.some((s) => i.ref.startsWith(`switchyard-${s}:`)));
      const largest = Math.max(...services.map((i) => i.sizeBytes));
      out(`${built.size} images in ${((performance.now() - started) / 1000).toFixed(0)} s; largest service image ${(largest / 1e6).toFixed(0)} MB`);
    })
    .catch((err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    });
}
