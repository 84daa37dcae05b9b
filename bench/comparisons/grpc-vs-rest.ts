import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVICE_NAMES, usersV1 } from '@switchyard/contracts/grpc-contracts';
import { ServiceTokens } from '@switchyard/kit/auth-client';
import type { Comparison, Measurement, Row, Variant } from '../lib/comparison.js';
import { cpuTimeMs } from '../lib/cpu.js';
import type { BenchEnv, RunningSystem, Side } from '../lib/environment.js';
import { fmtMs, ratio, thousands } from '../lib/format.js';
import { h2loadAvailable, h2loadGrpc } from '../lib/h2load.js';
import { signUp } from '../lib/shop.js';
import { wrk } from '../lib/wrk.js';

const IN_FLIGHT = 50;
const METHOD = `/${SERVICE_NAMES.users}/GetUser`;

/**
 * What each side's calls carry. Since service identity (after the baseline), users answers REST only
 * to a user's token and gRPC only to a service token: the REST call is the user's own GET /users/me
 * (the same lookup by id as GetUser), the gRPC call carries a token for orders. The baseline took the
 * gateway's identity header on /users/me and no credentials on gRPC.
 */
interface Caller {
  userId: string;
  restHeaders: Record<string, string>;
  /** A current service token (kept and renewed by ServiceTokens: they live 5 minutes). */
  grpcToken?: () => Promise<string>;
}
let callers: Partial<Record<Side, Caller>> = {};

async function prepareCaller(system: RunningSystem): Promise<Caller> {
  const user = await signUp(system.gatewayUrl);
  if (system.side === 'before') return { userId: user.id, restHeaders: { 'x-switchyard-user-id': user.id } };
  const secrets = JSON.parse(await readFile(join(system.dataDir, 'secrets.json'), 'utf8')) as { serviceSecrets: Record<string, string> };
  const tokens = new ServiceTokens({ urls: [system.service('users').url!], clientId: 'orders', clientSecret: secrets.serviceSecrets.orders! });
  return { userId: user.id, restHeaders: { authorization: `Bearer ${user.token}` }, grpcToken: () => tokens.token('users') };
}

/** GetUser calls that did not end OK, from the users process's own metrics (either side's names). */
async function failedGetUsers(adminUrl: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  let failed = 0;
  for (const line of text.split('\n')) {
    const now = line.startsWith('grpc_server_handled_total{') && line.includes('grpc_method="GetUser"') && !line.includes('grpc_code="OK"');
    const then = line.startsWith('grpc_server_handled_seconds_count{') && line.includes(`method="${METHOD}"`) && !line.includes('code="OK"');
    if (now || then) failed += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return failed;
}

type Client = 'c' | 'node';
type Protocol = 'rest' | 'grpc';

/** The server's CPU per call over a measured run, and the run's figures. */
async function withServerCpu(pid: number, measure: () => Promise<Measurement & { calls: number }>): Promise<Measurement> {
  const before = cpuTimeMs(pid);
  const { calls, ...result } = await measure();
  return { ...result, serverCpuUsPerCall: ((cpuTimeMs(pid) - before) * 1000) / calls };
}

function variant(side: Side, protocol: Protocol, client: Client): Variant {
  const what = protocol === 'grpc' ? 'gRPC GetUser' : 'REST GET /users/me';
  return {
    id: `${client}-${protocol}-${side}`,
    label: `${what} from ${client === 'c' ? 'a C client' : 'Node.js'} (${side})`,
    measure: async (env: BenchEnv) => {
      const system = await env.system(side);
      const users = system.service('users');
      const caller = callers[side]!;
      const id = caller.userId;
      const { durationS, warmupS } = env.options;
      if (client === 'node') {
        return env.runDriver<Measurement>(`users-load-${protocol}-${side}`, 'users-load.ts', {
          PROTOCOL: protocol,
          KIT_ROOT: system.root,
          TARGET: protocol === 'grpc' ? users.grpcAddress! : users.url!,
          USER_ID: id,
          REST_HEADERS: JSON.stringify(caller.restHeaders),
          GRPC_TOKEN: (await caller.grpcToken?.()) ?? '',
          SERVER_PID: String(users.pid),
          CONCURRENCY: String(IN_FLIGHT),
          DURATION_S: String(durationS),
          WARMUP_S: String(warmupS),
        }, (durationS + warmupS + 60) * 1000);
      }
      if (protocol === 'rest') {
        const url = `${users.url}/users/me`;
        const headers = caller.restHeaders;
        await wrk({ url, headers, threads: 1, connections: IN_FLIGHT, durationS: warmupS });
        return withServerCpu(users.pid, async () => {
          const r = await wrk({ url, headers, threads: 1, connections: IN_FLIGHT, durationS });
          return { rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors, calls: r.requests };
        });
      }
      const token = await caller.grpcToken?.();
      const failedBefore = await failedGetUsers(users.adminUrl);
      const cpuBefore = cpuTimeMs(users.pid);
      // The server's CPU is read over warm-up and run together here (h2load runs both in one go).
      const r = await h2loadGrpc({
        address: users.grpcAddress!,
        path: METHOD,
        message: usersV1().Users.service.GetUser.requestSerialize({ id }),
        streams: IN_FLIGHT,
        durationS,
        warmupS,
        metadata: { 'x-request-id': 'bench-grpc', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
      const serverMs = cpuTimeMs(users.pid) - cpuBefore;
      const errors = (await failedGetUsers(users.adminUrl)) - failedBefore + r.httpErrors;
      return { rps: r.rps, p50: r.p50, p99: r.p99, errors, serverCpuUsPerCall: (serverMs * 1000) / (r.rps * (durationS + warmupS)) };
    },
  };
}

const cpu = (m: Measurement | undefined) =>
  m?.clientCpuUsPerCall !== undefined ? `${Math.round(m.serverCpuUsPerCall!)} µs server + ${Math.round(m.clientCpuUsPerCall)} µs client` : `${Math.round(m?.serverCpuUsPerCall ?? Number.NaN)} µs server`;

/** gRPC GetUser and REST GET /users/{id} on the same users process, before and after. */
export const grpcVsRest: Comparison = {
  id: 'grpc-vs-rest',
  title: `users: gRPC GetUser vs REST GET /users/me, same process (${IN_FLIGHT} in flight)`,
  description:
    `Closed loop, ${IN_FLIGHT} calls in flight on the same users process and the same Postgres query. Server capacity: clients written in C ` +
    `(wrk with ${IN_FLIGHT} keep-alive connections for REST; h2load with ${IN_FLIGHT} streams on one HTTP/2 connection for gRPC, as a channel ` +
    "multiplexes them, each call with a deadline; gRPC failures counted from the server's metrics). As services call each other: Node.js " +
    "clients (an undici pool for REST, as the gateway calls; the kit's GrpcClient on one channel, as orders calls users). CPU per call from " +
    '/proc shows whether the server or the client was the limit. Before and after: the baseline and the working tree, each its own system.',
  setup: async (env) => {
    if (!h2loadAvailable()) throw new Error('h2load is not installed (Debian: apt-get install -y nghttp2-client)');
    const sides: Side[] = env.baseline ? ['before', 'after'] : ['after'];
    callers = {};
    for (const side of sides) callers[side] = await prepareCaller(await env.system(side));
  },
  variants: (env) =>
    (env.baseline ? (['before', 'after'] as const) : (['after'] as const)).flatMap((side) =>
      (['c', 'node'] as const).flatMap((client) => [variant(side, 'rest', client), variant(side, 'grpc', client)]),
    ),
  rows: (m) => {
    const rows: Row[] = [];
    for (const client of ['c', 'node'] as const) {
      for (const side of ['before', 'after'] as const) {
        const rest = m[`${client}-rest-${side}`];
        const grpc = m[`${client}-grpc-${side}`];
        if (!rest || !grpc) continue;
        const how = client === 'c' ? 'C clients (wrk, h2load)' : 'Node.js clients (undici, kit GrpcClient)';
        rows.push({
          what: `gRPC \`GetUser\` vs REST \`GET /users/me\`, same process, ${how} (${side})`,
          result: `${thousands(grpc.rps)} vs ${thousands(rest.rps)} req/s`,
          p50: `${fmtMs(grpc.p50)} vs ${fmtMs(rest.p50)}`,
          p99: `${fmtMs(grpc.p99)} vs ${fmtMs(rest.p99)}`,
          comparedWith:
            `**gRPC ${ratio(grpc.rps, rest.rps)} REST**${client === 'c' ? ' (target ≥ 1.5×, p99 ≤ REST’s)' : ''}; CPU per call: gRPC ${cpu(grpc)}, REST ${cpu(rest)}` +
            (grpc.errors || rest.errors ? `; errors gRPC ${grpc.errors}, REST ${rest.errors}` : ''),
        });
      }
    }
    return rows;
  },
};
