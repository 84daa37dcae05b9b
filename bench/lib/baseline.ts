import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The code the "before" columns run: a commit, checked out beside the working tree. */
export interface Baseline {
  ref: string;
  sha: string;
  root: string;
}

/** The default baseline: the commit named in bench/baseline-ref (the last one before the performance work). */
export function defaultBaselineRef(root: string): string {
  return readFileSync(join(root, 'bench/baseline-ref'), 'utf8').split('\n').find((l) => l.trim() && !l.startsWith('#'))!.trim();
}

/**
 * Extracts `ref` into .data/bench/baseline-<sha> (git archive: the committed files only) and gives it
 * this checkout's node_modules as hard links (no second install; its workspace links are relative, so
 * they point into the baseline). Made once per commit and reused.
 */
export async function prepareBaseline(root: string, ref: string): Promise<Baseline> {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: root, encoding: 'utf8' }).trim();
  const dir = join(root, '.data/bench', `baseline-${sha.slice(0, 12)}`);
  const ready = join(dir, '.bench-ready');
  if (!existsSync(ready)) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive --format=tar ${sha} | tar -x -C "${dir}"`], { cwd: root });
    execFileSync('cp', ['-al', join(root, 'node_modules'), join(dir, 'node_modules')]);
    await writeFile(ready, `${sha}\n`);
  }
  return { ref, sha, root: dir };
}
