import type { ChildService } from './child-service.js';

/** One row of the status table `npm start` prints. */
export interface RunnerRow {
  name: string;
  api: string;
  admin: string;
  grpc: string;
  pids: number[];
}

/** Waits for the runner's status table (it is running) and returns its rows. */
export async function waitForTable(child: ChildService, timeoutMs = 120_000): Promise<RunnerRow[]> {
  const deadline = Date.now() + timeoutMs;
  while (!child.lines.some((l) => l.startsWith('Press Ctrl-C to stop.'))) {
    if (!child.process.running || Date.now() > deadline) throw new Error(`the runner did not come up:\n${child.lines.slice(-60).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const header = child.lines.findIndex((l) => l.startsWith('SERVICE'));
  const rows = child.lines.slice(header + 1, child.lines.findIndex((l, i) => i > header && l === ''));
  return rows.map((row) => {
    const [name, api, admin, grpc, ...pids] = row.split(/\s+/);
    return { name: name!, api: api!, admin: admin!, grpc: grpc!, pids: pids.map(Number).filter((n) => n > 0) };
  });
}
