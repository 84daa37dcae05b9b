import { resolve } from 'node:path';
import { ManagedProcess, type ProcessExit } from '@switchyard/devstack/managed-process';
import { TRACING_BOOTSTRAP } from '@switchyard/devstack/service-catalog';

const ROOT = resolve(import.meta.dirname, '../..');

/** A TypeScript entry file run as a real process (the way the local system runs services). */
export interface ChildService {
  process: ManagedProcess;
  lines: string[];
  /** Resolves with the first JSON log line that matches. */
  waitForLine(predicate: (entry: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<ProcessExit>;
}

/**
 * Starts `entry` (relative to the repository root) with the given environment. `wrapper` runs node
 * through another command (e.g. `unshare … --pid --fork`, to be PID 1 as in a container); `nodeArgs`
 * come before node's own (e.g. another `--import`); `bootstrap` loads the tracing bootstrap before the
 * entry, as every service is started.
 */
export function startChild(entry: string, env: Record<string, string>, options: { wrapper?: string[]; nodeArgs?: string[]; bootstrap?: boolean } = {}): Promise<ChildService> {
  const tracing = options.bootstrap ? ['--import', TRACING_BOOTSTRAP] : [];
  const node = [process.execPath, ...(options.nodeArgs ?? []), '--import', 'tsx', '--conditions=development', ...tracing, entry];
  return startCommand([...(options.wrapper ?? []), ...node], env, ROOT);
}

/** Starts any command line in `cwd` (in its own process group) and reads its output line by line. */
export async function startCommand(commandLine: string[], env: Record<string, string>, cwd: string): Promise<ChildService> {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const [command, ...args] = commandLine;
  const child = await ManagedProcess.start('child', command!, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    onLine: (line) => {
      lines.push(line);
      for (const wake of waiters) wake();
    },
  });
  const parsed = (line: string) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  return {
    process: child,
    lines,
    exited: child.exited,
    waitForLine: (predicate, timeoutMs = 15_000) =>
      new Promise((resolvePromise, reject) => {
        const check = () => {
          const found = lines.map(parsed).find((entry) => entry !== undefined && predicate(entry));
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolvePromise(found);
          } else if (!child.running) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited before the expected line; output:\n${lines.join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching line within ${timeoutMs} ms; output:\n${lines.join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        void child.exited.then(check);
        check();
      }),
  };
}
