import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LatencyRecorder } from '@switchyard/loadgen/latency';

const run = promisify(execFile);
const H2LOAD = '/usr/bin/h2load';

/** Whether h2load (Debian's nghttp2-client) is installed. */
export const h2loadAvailable = (): boolean => existsSync(H2LOAD);

export interface GrpcLoadOptions {
  /** host:port of the gRPC server. */
  address: string;
  /** `/package.Service/Method` */
  path: string;
  /** The serialized request message (protobuf). */
  message: Buffer;
  /** Streams in flight on one HTTP/2 connection, as one grpc-js channel multiplexes them. */
  streams: number;
  durationS: number;
  warmupS: number;
  metadata?: Record<string, string>;
}

/**
 * Unary gRPC calls from h2load, a load generator written in C, so that the server and not the client is
 * what gets measured: one connection with `streams` calls in flight, each a POST with a length-prefixed
 * message and a deadline (`grpc-timeout`), as every call in this system has one. h2load sees HTTP
 * statuses only (gRPC reports failures in trailers), so callers count failures from the server's metrics.
 * Latency percentiles come from h2load's per-request log.
 */
export async function h2loadGrpc(options: GrpcLoadOptions): Promise<{ rps: number; p50: number; p99: number; requests: number; httpErrors: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-h2load-'));
  try {
    const body = join(dir, 'request.bin');
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(options.message.length, 1);
    await writeFile(body, Buffer.concat([frame, options.message]));
    const headers = { 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '2S', ...options.metadata };
    const args = ['-c', '1', '-m', String(options.streams), '-t', '1', '-D', String(options.durationS), '--warm-up-time', String(options.warmupS), '-d', body, '--log-file', join(dir, 'requests.log')];
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
    args.push(`http://${options.address}${options.path}`);
    const { stdout } = await run(H2LOAD, args, { maxBuffer: 1 << 20, timeout: (options.durationS + options.warmupS + 30) * 1000 });
    const rps = /finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(stdout);
    const status = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
    if (!rps || !status) throw new Error(`unexpected h2load output:\n${stdout}`);
    const latency = new LatencyRecorder();
    let non200 = 0;
    for (const line of (await readFile(join(dir, 'requests.log'), 'utf8')).split('\n')) {
      const [, code, micros] = line.split('\t');
      if (!micros) continue;
      latency.record(Number(micros) / 1000);
      if (code !== '200') non200 += 1;
    }
    const l = latency.summary();
    return { rps: Number(rps[1]), p50: l.p50, p99: l.p99, requests: Number(status[1]), httpErrors: non200 + Number(status[4]) + Number(status[5]) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
