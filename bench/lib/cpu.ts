import { readFileSync } from 'node:fs';
import { processTree } from './memory.js';

// Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every platform Node.js runs here.
const TICK_MS = 10;

/** CPU time (user + system) a process has used so far, in milliseconds; NaN when it is gone. */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command.
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

/** CPU time of a process and all its descendants (nginx's master and worker), in milliseconds. */
export function treeCpuTimeMs(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + (cpuTimeMs(p) || 0), 0);
}
