import type { ServerResponse } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually } from '../support/broker.js';
import { request } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { scrape } from '../support/metrics.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestGateway, type TestService } from '../support/services.js';
import { jwksOf, signToken } from '../support/tokens.js';

const streams = suite('gateway SSE streams: pools of their own, per-user and global caps');
const KEY = ed25519Pem();
let users: ScriptedUpstream;
let notifications: ScriptedUpstream;
let usersUrl = '';
let notificationsUrl = '';
let upstreamStreams: Set<ServerResponse>;
let gateway: TestService | undefined;
let clients: AbortController[] = [];

streams.before.each(async () => {
  const jwks = await jwksOf(KEY);
  users = new ScriptedUpstream().on('GET /.well-known/jwks.json', (_req, res) => json(res, 200, jwks));
  upstreamStreams = new Set();
  // Streams stay open until the client (the gateway) goes away, like the real notifications stream.
  notifications = new ScriptedUpstream()
    .on('GET /notifications/stream', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n');
      upstreamStreams.add(res);
      req.socket.once('close', () => upstreamStreams.delete(res));
    })
    .on('GET /notifications', (_req, res) => json(res, 200, { items: [], nextCursor: null }));
  usersUrl = await users.start();
  notificationsUrl = await notifications.start();
});

streams.after.each(async () => {
  clients.forEach((c) => c.abort());
  clients = [];
  await gateway?.stop();
  gateway = undefined;
  await notifications.stop();
  await users.stop();
});

async function startGateway(env: Record<string, string> = {}): Promise<TestService> {
  gateway = await startTestGateway(usersUrl, capturedLogger('gateway').log, { NOTIFICATIONS_URL: notificationsUrl, ...env });
  return gateway;
}

const tokenFor = (n: number) => signToken(KEY, { sub: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });

interface OpenedStream {
  status: number;
  body: Record<string, unknown> | undefined;
  retryAfter: string | null;
  /** Resolves when the stream's body ends (the gateway closed it). */
  ended: Promise<void>;
  close: () => void;
}

/** Opens a stream through the gateway: its status, and the problem document when it was refused. */
async function openStream(token: string): Promise<OpenedStream> {
  const controller = new AbortController();
  clients.push(controller);
  const res = await fetch(`${gateway!.url}/api/notifications/stream`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
  const body = res.status === 200 ? undefined : ((await res.json()) as Record<string, unknown>);
  const ended = res.status === 200 ? (async () => {
    try {
      for await (const _chunk of res.body!) void _chunk;
    } catch {
      // aborted by close()
    }
  })() : Promise.resolve();
  return { status: res.status, body, retryAfter: res.headers.get('retry-after'), ended, close: () => controller.abort() };
}

streams('a user holds at most SSE_MAX_STREAMS_PER_USER streams: one more is 429 too_many_streams, and closing one frees a slot', async () => {
  await startGateway({ SSE_MAX_STREAMS_PER_USER: '2', SSE_MAX_STREAMS: '10' });
  const ada = await tokenFor(1);
  const first = await openStream(ada);
  const second = await openStream(ada);
  assert.equal([first.status, second.status], [200, 200]);
  const third = await openStream(ada);
  assert.is(third.status, 429);
  assert.equal([third.body?.code, third.body?.detail, third.body?.limit], ['too_many_streams', 'At most 2 live streams per user may be open at once; close one first.', 2]);
  assert.is((await openStream(await tokenFor(2))).status, 200, 'another user is not held back');
  assert.is(await scrape(gateway!.adminUrl, 'gateway_open_streams'), 3);
  first.close();
  await eventually(async () => ((await scrape(gateway!.adminUrl, 'gateway_open_streams')) === 2 ? true : undefined), 5000, 'the closed stream released');
  assert.is((await openStream(ada)).status, 200);
});

streams('the gateway holds at most SSE_MAX_STREAMS streams in all: one more is 503 stream_capacity_reached with Retry-After', async () => {
  await startGateway({ SSE_MAX_STREAMS_PER_USER: '2', SSE_MAX_STREAMS: '3' });
  const opened = [await openStream(await tokenFor(1)), await openStream(await tokenFor(1)), await openStream(await tokenFor(2))];
  assert.equal(opened.map((s) => s.status), [200, 200, 200]);
  const refused = await openStream(await tokenFor(3));
  assert.equal([refused.status, refused.body?.code, refused.retryAfter], [503, 'stream_capacity_reached', '5']);
  assert.is(upstreamStreams.size, 3, 'the refused stream never reached notifications');
});

streams('with 150 streams open (more than the 128 connections of the ordinary pool), every stream got its headers and other notifications calls are answered', async () => {
  await startGateway();
  const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => tokenFor(100 + i)));
  const opened = await Promise.all(tokens.flatMap((token) => Array.from({ length: 5 }, () => openStream(token))));
  assert.is(opened.filter((s) => s.status === 200).length, 150);
  assert.is(upstreamStreams.size, 150);
  const list = await request(`${gateway!.url}/api/notifications`, { headers: { authorization: `Bearer ${tokens[0]}` }, signal: AbortSignal.timeout(3000) });
  assert.equal([list.status, list.body], [200, { items: [], nextCursor: null }]);
  // A sixth stream of one user is refused by the default cap of 5.
  assert.is((await openStream(tokens[0]!)).status, 429);
});

streams('open streams end when the gateway drains, and the upstream streams with them', async () => {
  await startGateway();
  const stream = await openStream(await tokenFor(1));
  assert.is(stream.status, 200);
  assert.is(upstreamStreams.size, 1);
  let ended = false;
  void stream.ended.then(() => (ended = true));
  await gateway!.stop();
  gateway = undefined;
  await eventually(async () => (ended ? true : undefined), 5000, 'the client stream ended');
  await eventually(async () => (upstreamStreams.size === 0 ? true : undefined), 5000, 'the upstream stream closed');
});

streams.run();
