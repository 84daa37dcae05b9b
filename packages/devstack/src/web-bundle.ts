import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type { Logger } from 'pino';
import { ManagedProcess } from './managed-process.js';

/** What the bundle is built from: a change to any of these makes the built one stale. */
const INPUTS = ['index.html', 'vite.config.ts', 'tsconfig.json', 'package.json', 'src', 'public'];
// Inside dist, but a dotfile: the gateway never serves it.
const STAMP = '.build-inputs';

async function filesUnder(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true, recursive: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return [path];
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A hash of the storefront's sources and of the lockfile (a dependency upgrade changes the bundle too). */
export async function webInputsHash(webDir: string, lockfile: string): Promise<string> {
  const files = (await Promise.all(INPUTS.map((name) => filesUnder(join(webDir, name))))).flat().sort();
  const hash = createHash('sha256');
  for (const file of [...files, lockfile]) {
    hash.update(`${relative(webDir, file)}\0`);
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

export interface WebBundleOptions {
  /** The web workspace (its dist/ is what the gateway serves). */
  webDir: string;
  lockfile: string;
  log: Logger;
  onLine: (label: string, line: string) => void;
  /** Receives the build process, so whoever runs this can stop it by its pid. */
  onProcess?: (process: ManagedProcess) => void;
}

/**
 * Builds the storefront with `vite build` when dist/ is missing or older than its sources; a fresh
 * clone thus shows the storefront at its first `npm start`, and later starts cost only the hash.
 * Resolves to whether it built.
 */
export async function ensureWebBundle(options: WebBundleOptions): Promise<'built' | 'fresh'> {
  const { webDir, log } = options;
  const dist = join(webDir, 'dist');
  const inputs = await webInputsHash(webDir, options.lockfile);
  const stamp = await readFile(join(dist, STAMP), 'utf8').catch(() => '');
  const hasIndex = await readFile(join(dist, 'index.html')).then(() => true, () => false);
  if (stamp === inputs && hasIndex) {
    log.info({ dist }, 'storefront bundle is up to date');
    return 'fresh';
  }
  log.info({ dist }, 'building the storefront (vite build)');
  // Resolved from the web workspace, which declares vite.
  const vitePackage = createRequire(join(webDir, 'package.json')).resolve('vite/package.json');
  const build = await ManagedProcess.start('vite', process.execPath, [join(dirname(vitePackage), 'bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: webDir,
    env: { ...process.env, NODE_ENV: 'production' },
    onLine: (line) => options.onLine('vite', line),
  });
  options.onProcess?.(build);
  const exit = await build.exited;
  if (exit.code !== 0) throw new Error(`the storefront build failed (vite exited with ${exit.code ?? exit.signal}; its output is above)`);
  await writeFile(join(dist, STAMP), inputs);
  return 'built';
}
