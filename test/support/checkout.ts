import { execFileSync } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Copies this checkout as a fresh clone would have it — every tracked file, plus files not yet committed
 * that git does not ignore — into `dest`, and gives it node_modules as `npm ci` made them here (hard
 * links: the same files, no second install). Returns the copied paths (relative).
 */
export async function copyCheckout(dest: string): Promise<string[]> {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    await mkdir(dirname(join(dest, file)), { recursive: true });
    await cp(join(ROOT, file), join(dest, file), { preserveTimestamps: true, verbatimSymlinks: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // deleted in the working tree, not yet committed
    });
  }
  execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(dest, 'node_modules')]);
  // Caches tools left here are not what npm ci makes (vite's config cache, say).
  for (const cache of ['.vite', '.vite-temp', '.cache']) await rm(join(dest, 'node_modules', cache), { recursive: true, force: true });
  return files;
}

/** Whether this checkout is a git work tree (a tarball of the sources is not). */
export function isGitCheckout(): boolean {
  try {
    execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
