/**
 * Closed-loop load on one users process, by REST (`GET /users/{id}`, an undici pool as the gateway uses)
 * or gRPC (`Users/GetUser` through the kit's GrpcClient, as orders calls it, from the kit of the side
 * being measured). Prints `{"result": …}`: throughput, latency, errors, and the CPU the server and this
 * client used per call, which tells whether the server or the client was the limit.
 *
 * env: PROTOCOL=rest|grpc, KIT_ROOT (the repository whose kit and contracts to load), TARGET (REST base
 * URL or gRPC host:port), USER_ID, REST_HEADERS (JSON: the credentials of GET /users/me), GRPC_TOKEN
 * (a service token, empty for none), SERVER_PID, CONCURRENCY, DURATION_S, WARMUP_S
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { LatencyRecorder } from '@switchyard/loadgen/latency';
import { runClosedLoop, type Task } from '@switchyard/loadgen/loops';
import { cpuTimeMs } from '../lib/cpu.js';
import { printResult, requiredEnv as env } from './io.js';
const protocol = env('PROTOCOL');
const root = env('KIT_ROOT');
const userId = env('USER_ID');
const serverPid = Number(env('SERVER_PID'));
const concurrency = Number(env('CONCURRENCY'));

let task: Task;
let close: () => Promise<void> | void;
if (protocol === 'grpc') {
  const load = (path: string) => import(pathToFileURL(join(root, path)).href);
  const [{ GrpcClient }, { usersV1, SERVICE_NAMES }] = await Promise.all([load('packages/kit/src/grpc-client.ts'), load('packages/contracts/src/grpc-contracts.ts')]);
  const token = process.env.GRPC_TOKEN;
  const client = new GrpcClient(usersV1().Users, {
    dependency: 'users',
    serviceName: SERVICE_NAMES.users,
    target: `ipv4:${env('TARGET')}`,
    deadlineMs: 2000,
    maxAttempts: 3,
    ...(token ? { token: async () => token } : {}),
  });
  task = async () => {
    try {
      await client.call('GetUser', { id: userId });
      return { outcome: 'OK', ok: true };
    } catch (err) {
      return { outcome: String((err as { code?: string }).code ?? 'error'), ok: false };
    }
  };
  close = () => client.close();
} else {
  const pool = new Pool(env('TARGET'), { connections: concurrency });
  const headers = JSON.parse(env('REST_HEADERS')) as Record<string, string>;
  task = async () => {
    const res = await pool.request({ method: 'GET', path: '/users/me', headers });
    await res.body.dump();
    return { outcome: String(res.statusCode), ok: res.statusCode === 200 };
  };
  close = () => pool.close();
}

const latency = new LatencyRecorder();
let errors = 0;
await runClosedLoop({ concurrency, durationMs: Number(env('WARMUP_S')) * 1000, task, onDone: () => undefined });
const serverBefore = cpuTimeMs(serverPid);
const clientBefore = process.cpuUsage();
const result = await runClosedLoop({
  concurrency,
  durationMs: Number(env('DURATION_S')) * 1000,
  task,
  onDone: (ms, outcome) => {
    latency.record(ms);
    if (!outcome.ok) errors += 1;
  },
});
const client = process.cpuUsage(clientBefore);
const serverMs = cpuTimeMs(serverPid) - serverBefore;
await close();
const l = latency.summary();
const calls = result.finished;
printResult({
  rps: result.achievedRate,
  p50: l.p50,
  p99: l.p99,
  errors,
  serverCpuUsPerCall: (serverMs * 1000) / calls,
  clientCpuUsPerCall: (client.user + client.system) / calls,
});
