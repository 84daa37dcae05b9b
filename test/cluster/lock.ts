/**
 * One cluster suite at a time on a machine: an exclusive flock(1) on a file in /tmp, held by a child
 * process for as long as this process lives (the lock goes with the pipe if this process dies, however).
 * flock(1), not a lock file of our own: the kernel releases it, so a crashed run never leaves it behind.
 */
import { spawn } from 'node:child_process';

export const LOCK_FILE = '/tmp/switchyard-cluster-suite.lock';

/** Waits (up to maxWaitSeconds) for the lock; resolves with its release function. */
export function acquireClusterLock(maxWaitSeconds: number, onWait: (message: string) => void): Promise<() => void> {
  const holder = spawn('flock', ['--exclusive', '--wait', String(maxWaitSeconds), LOCK_FILE, '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = setTimeout(() => onWait(`waiting for ${LOCK_FILE}: another cluster suite runs on this machine`), 1000);
  return new Promise((resolve, reject) => {
    holder.stdout.once('data', () => {
      clearTimeout(waiting);
      resolve(() => holder.stdin.end());
    });
    holder.once('error', (err) => {
      clearTimeout(waiting);
      reject(err);
    });
    holder.once('exit', (code) => {
      clearTimeout(waiting);
      reject(new Error(`no cluster lock after ${maxWaitSeconds} s (flock exited ${code})`));
    });
  });
}
