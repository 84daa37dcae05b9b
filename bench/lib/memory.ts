import { readFileSync, readdirSync } from 'node:fs';

/** The memory of one process, in kB, from /proc/<pid>/smaps. */
export interface ProcessMemory {
  pid: number;
  command: string;
  rssKb: number;
  pssKb: number;
}

export interface TreeMemory {
  processes: ProcessMemory[];
  /** RSS summed over the processes: shared pages (the node binary, Postgres' shared buffers) count once per process. */
  rssKb: number;
  /**
   * Shared pages counted once: every process's private pages plus, per shared mapping (the same file
   * or the same shared memory), the most any of the processes has resident of it. What the processes
   * take together, whatever else runs on the machine (PSS would divide the node binary's pages by every
   * node process on it, other people's included).
   */
  footprintKb: number;
}

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command may contain spaces and parentheses: the fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = byParent.get(ppid) ?? [];
      list.push(Number(entry));
      byParent.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  return byParent;
}

/** A process and all its descendants. */
export function processTree(root: number): number[] {
  const byParent = children();
  const pids: number[] = [];
  const visit = (pid: number) => {
    pids.push(pid);
    for (const child of byParent.get(pid) ?? []) visit(child);
  };
  visit(root);
  return pids;
}

/** RSS, PSS and the shared-once footprint of processes (and, with `tree`, all their descendants). */
export function measureMemory(pids: readonly number[], tree = true): TreeMemory {
  const all = [...new Set(tree ? pids.flatMap(processTree) : pids)];
  const processes: ProcessMemory[] = [];
  const sharedMax = new Map<string, number>();
  let privateKb = 0;
  for (const pid of all) {
    let smaps: string;
    let command: string;
    try {
      smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    let rss = 0;
    let pss = 0;
    let key = '';
    let shared = 0;
    const flush = () => {
      if (key && shared > 0) sharedMax.set(key, Math.max(sharedMax.get(key) ?? 0, shared));
      shared = 0;
    };
    for (const line of smaps.split('\n')) {
      const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/.exec(line);
      if (header) {
        flush();
        const [, start, end, offset, device, inode, path] = header;
        // A file or shared-memory object by device and inode; memory shared after fork (Postgres) by address.
        key = inode !== '0' ? `${device}:${inode}:${offset}` : `anon:${start}-${end}:${path}`;
        continue;
      }
      const field = /^(\w+):\s+(\d+) kB$/.exec(line);
      if (!field) continue;
      const kb = Number(field[2]);
      if (field[1] === 'Rss') rss += kb;
      else if (field[1] === 'Pss') pss += kb;
      else if (field[1] === 'Private_Clean' || field[1] === 'Private_Dirty') privateKb += kb;
      else if (field[1] === 'Shared_Clean' || field[1] === 'Shared_Dirty') shared += kb;
    }
    flush();
    processes.push({ pid, command: command.slice(0, 120), rssKb: rss, pssKb: pss });
  }
  const sharedKb = [...sharedMax.values()].reduce((a, b) => a + b, 0);
  return {
    processes,
    rssKb: processes.reduce((sum, p) => sum + p.rssKb, 0),
    footprintKb: privateKb + sharedKb,
  };
}
