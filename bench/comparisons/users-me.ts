import type { Comparison } from '../lib/comparison.js';
import { fmtMs, ratio, signedMs, thousands } from '../lib/format.js';
import { signUp, type BenchUser } from '../lib/shop.js';
import { closedLoopHttp, errorsNote } from './http-proxies.js';

let session: BenchUser | undefined;

/** An authenticated read: the gateway (JWT verify + proxy) against the users service itself. */
export const usersMe: Comparison = {
  id: 'users-me',
  title: 'GET /api/users/me through the gateway vs users direct (wrk -t2 -c50)',
  description:
    'Closed loop with wrk (2 threads, 50 connections): GET /api/users/me with a bearer token through the gateway (which verifies the ' +
    "JWT and proxies), against users' own GET /users/me with the same token (users verifies it too, from its cache of verified tokens).",
  setup: async (env) => {
    session = await signUp((await env.system('after')).gatewayUrl, 'bench-me');
  },
  variants: () => [
    {
      id: 'gateway',
      label: 'through the gateway',
      measure: async (env) => closedLoopHttp(env, `${(await env.system('after')).gatewayUrl}/api/users/me`, { authorization: `Bearer ${session!.token}` }),
    },
    {
      id: 'direct',
      label: 'users direct',
      measure: async (env) => closedLoopHttp(env, `${(await env.system('after')).service('users').url}/users/me`, { authorization: `Bearer ${session!.token}` }),
    },
  ],
  rows: (m) => [
    {
      what: '`GET /api/users/me` through the gateway vs users direct',
      result: `${thousands(m.gateway!.rps)} vs ${thousands(m.direct!.rps)} req/s`,
      p50: `${fmtMs(m.gateway!.p50)} vs ${fmtMs(m.direct!.p50)}`,
      p99: `${fmtMs(m.gateway!.p99)} vs ${fmtMs(m.direct!.p99)}`,
      comparedWith: `JWT verify + proxy: ${ratio(m.gateway!.rps, m.direct!.rps)} direct, ${signedMs(m.gateway!.p50! - m.direct!.p50!)} p50${errorsNote(m.gateway, m.direct)}`,
    },
  ],
};
