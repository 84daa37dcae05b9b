import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const WRK = '/usr/bin/wrk';

/** What one wrk run measured. */
export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  /** Responses other than 2xx/3xx plus socket errors: a fast 404 must not pass for throughput. */
  errors: number;
  requests: number;
}

export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** Parses wrk's report (run with --latency). */
export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const requests = /(\d+) requests in/.exec(output);
  const latency = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    return m ? toMs(m[1]!, m[2]!) : Number.NaN;
  };
  if (!rps || !requests) throw new Error(`unexpected wrk output:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { rps: Number(rps[1]), p50: latency('50'), p99: latency('99'), errors: non2xx + socketErrors, requests: Number(requests[1]) };
}

/** Whether wrk (Debian's package) is installed. */
export const wrkAvailable = (): boolean => existsSync(WRK);

/** A closed-loop run of wrk: `threads` threads keeping `connections` keep-alive connections busy. */
export async function wrk(options: WrkOptions): Promise<WrkResult> {
  const args = ['-t', String(options.threads), '-c', String(options.connections), '-d', `${options.durationS}s`, '--latency'];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(options.url);
  const { stdout } = await run(WRK, args, { maxBuffer: 1 << 20, timeout: (options.durationS + 30) * 1000 });
  return parseWrk(stdout);
}
