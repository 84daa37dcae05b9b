import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServiceHealth, SystemSnapshot, TappedEvent } from '@switchyard/contracts/system-view';
import { readConfig } from '@switchyard/gateway/config';
import type { ConfigError } from '@switchyard/kit/config';
import { BrokerProbe, amqpUrl, eventually, isolatedNames } from '../support/broker.js';
import { request } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { freePort } from '../support/ports.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestGateway, type TestService } from '../support/services.js';
import { SseClient } from '../support/sse.js';
import { jwksOf, signToken } from '../support/tokens.js';

/**
 * The system view's stream, against a gateway whose SYSTEM_TARGETS are admin endpoints this test
 * scripts (real HTTP servers answering /readyz and /metrics as the services do, so readiness and the
 * figures can be set exactly) and one port nothing listens on, with its event tap on the harness's
 * real RabbitMQ.
 */
const view = suite('gateway system view (GET /api/system/stream)');
const KEY = ed25519Pem();
const { exchange } = isolatedNames('system-view');
let users: ScriptedUpstream;
let catalogA: ScriptedUpstream;
let catalogB: ScriptedUpstream;
let usersUrl = '';
let catalogAUrl = '';
let catalogBUrl = '';
let deadPort = 0;
let gateway: TestService;
let broker: BrokerProbe;
let catalogBReady = true;
const streams: SseClient[] = [];

const METRICS_A = [
  '# HELP outbox_oldest_pending_age_seconds Age of the oldest unpublished event.',
  '# TYPE outbox_oldest_pending_age_seconds gauge',
  'outbox_oldest_pending_age_seconds 12.5',
  'amqp_connected 1',
  'events_queue_messages{queue="catalog",kind="main"} 4',
  'events_queue_messages{queue="catalog.parking",kind="dead_letter"} 3',
  '',
].join('\n');

view.before(async () => {
  const jwks = await jwksOf(KEY);
  users = new ScriptedUpstream().on('GET /.well-known/jwks.json', (_req, res) => json(res, 200, jwks));
  catalogA = new ScriptedUpstream()
    .on('GET /readyz', (_req, res) => json(res, 200, { status: 'ready', checks: { database: 'up', broker: 'up' } }))
    .on('GET /metrics', (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(METRICS_A));
  catalogB = new ScriptedUpstream()
    .on('GET /readyz', (_req, res) => (catalogBReady ? json(res, 200, { status: 'ready', checks: { database: 'up' } }) : json(res, 503, { status: 'unready', checks: { database: 'down' } })))
    .on('GET /metrics', (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('amqp_connected 0\n'));
  usersUrl = await users.start();
  catalogAUrl = await catalogA.start();
  catalogBUrl = await catalogB.start();
  deadPort = await freePort();
  broker = await BrokerProbe.open();
  await broker.declare(exchange);
  gateway = await startTestGateway(usersUrl, capturedLogger('gateway').log, {
    SYSTEM_VIEW_ENABLED: 'true',
    SYSTEM_TARGETS: `catalog=${catalogAUrl},${catalogBUrl};payments=http://127.0.0.1:${deadPort}`,
    SYSTEM_POLL_MS: '200',
    SYSTEM_PROBE_TIMEOUT_MS: '150',
    AMQP_URL: amqpUrl(),
    EVENTS_EXCHANGE: exchange,
  });
});

view.after(async () => {
  for (const stream of streams) await stream.close();
  await gateway?.stop();
  await broker?.close();
  for (const server of [users, catalogA, catalogB]) await server?.stop();
});

async function open(): Promise<SseClient> {
  const stream = await SseClient.open(`${gateway.url}/api/system/stream`, { authorization: `Bearer ${await signToken(KEY, { sub: randomUUID() })}` });
  streams.push(stream);
  return stream;
}

const snapshots = (stream: SseClient) => stream.events.filter((e) => e.event === 'snapshot').map((e) => JSON.parse(e.data) as SystemSnapshot);
const hostOf = (url: string) => new URL(url).host;

view('asks for a signed-in user: 401 problem without a token', async () => {
  const res = await request(`${gateway.url}/api/system/stream`);
  assert.is(res.status, 401);
  assert.is(res.headers.get('content-type'), 'application/problem+json');
  assert.is(res.body.code, 'missing_token');
});

view('streams snapshots of every replica: readiness and checks, outbox lag, dead letters, and an unreachable one', async () => {
  const stream = await open();
  assert.equal([stream.status, stream.contentType], [200, 'text/event-stream; charset=utf-8']);
  const [recent] = await stream.waitFor(1);
  assert.equal([recent!.event, JSON.parse(recent!.data)], ['recent', { items: [] }]);
  const snapshot = await eventually(async () => snapshots(stream).at(-1), 10_000, 'a snapshot');
  const catalog = snapshot.services.find((s) => s.name === 'catalog')!;
  const payments = snapshot.services.find((s) => s.name === 'payments')!;
  assert.equal(snapshot.services.map((s) => s.name), ['catalog', 'payments']);
  assert.equal(catalog, {
    name: 'catalog',
    replicas: [
      { address: hostOf(catalogAUrl), ready: true, status: 'ready', checks: { database: 'up', broker: 'up' }, brokerConnected: true, outboxLagSeconds: 12.5, deadLetters: 3 },
      { address: hostOf(catalogBUrl), ready: true, status: 'ready', checks: { database: 'up' }, brokerConnected: false, outboxLagSeconds: null, deadLetters: null },
    ],
    outboxLagSeconds: 12.5,
    deadLetters: 3,
  } satisfies ServiceHealth);
  assert.is(payments.replicas.length, 1);
  const dead = payments.replicas[0]!;
  assert.equal([dead.address, dead.ready, dead.status, dead.brokerConnected], [`127.0.0.1:${deadPort}`, false, 'unreachable', null]);
  assert.match(dead.error!, /ECONNREFUSED/);
  // The gateway's own breakers, one per upstream, all closed here.
  assert.equal(snapshot.breakers.map((b) => [b.upstream, b.state, b.ejectedReplicas]), [['catalog', 'closed', 0], ['notifications', 'closed', 0], ['orders', 'closed', 0], ['users', 'closed', 0]]);
});

view('shows a replica turning unready and ready again in the next snapshots', async () => {
  const stream = await open();
  const replicaB = (s: SystemSnapshot) => s.services.find((x) => x.name === 'catalog')!.replicas[1]!;
  catalogBReady = false;
  const down = await eventually(async () => snapshots(stream).map(replicaB).find((r) => r.status === 'unready'), 10_000, 'catalog B unready');
  assert.equal([down.ready, down.checks], [false, { database: 'down' }]);
  catalogBReady = true;
  const seen = snapshots(stream).length;
  const up = await eventually(async () => snapshots(stream).slice(seen).map(replicaB).find((r) => r.status === 'ready'), 10_000, 'catalog B ready again');
  assert.equal([up.ready, up.checks], [true, { database: 'up' }]);
});

view('pushes each event on the exchange with its type, time, subject and trace id, and lists it in `recent` for a new stream', async () => {
  const stream = await open();
  await eventually(async () => snapshots(stream).at(-1)?.eventsConnected || undefined, 10_000, 'the tap connected');
  const id = randomUUID();
  const trace = 'abcdefabcdefabcdefabcdefabcdef12';
  await broker.publish(exchange, 'order.placed', { id, type: 'order.placed', source: '/switchyard/orders', subject: 'order-42', time: '2026-11-26T10:00:00.000Z', data: {} }, { messageId: id, headers: { traceparent: `00-${trace}-00f067aa0ba902b7-01` } });
  // Not an envelope: the view skips it, and the events after it still come.
  await broker.publish(exchange, 'junk', 'not json', { messageId: randomUUID() });
  const expected: TappedEvent = { id, type: 'order.placed', time: '2026-11-26T10:00:00.000Z', source: '/switchyard/orders', subject: 'order-42', traceId: trace };
  const event = await eventually(async () => stream.events.find((e) => e.event === 'event'), 10_000, 'the event on the stream');
  assert.equal(JSON.parse(event.data), expected);
  assert.is(stream.events.filter((e) => e.event === 'event').length, 1);
  const late = await open();
  const [recent] = await late.waitFor(1);
  assert.equal([recent!.event, JSON.parse(recent!.data)], ['recent', { items: [expected] }]);
});

view('is off by default: 404 problem, and a configuration that enables it names what it lacks', async () => {
  const plain = await startTestGateway(usersUrl, capturedLogger('gateway-plain').log);
  try {
    const res = await request(`${plain.url}/api/system/stream`, { headers: { authorization: `Bearer ${await signToken(KEY, { sub: randomUUID() })}` } });
    assert.is(res.status, 404);
    assert.is(res.body.code, 'system_view_disabled');
  } finally {
    await plain.stop();
  }
  try {
    readConfig({ SYSTEM_VIEW_ENABLED: 'true', SYSTEM_POLL_MS: '500', SYSTEM_PROBE_TIMEOUT_MS: '500' });
    assert.unreachable('the configuration was accepted');
  } catch (err) {
    assert.equal((err as ConfigError).problems, ['SYSTEM_TARGETS: must be set when SYSTEM_VIEW_ENABLED is true', 'SYSTEM_PROBE_TIMEOUT_MS: must be less than SYSTEM_POLL_MS (500)']);
  }
  try {
    readConfig({ SYSTEM_VIEW_ENABLED: 'yes', SYSTEM_TARGETS: 'users=ftp://x;catalog=http://a:1;catalog=dns://a:1;Bad Name=http://x:1' });
    assert.unreachable('the configuration was accepted');
  } catch (err) {
    assert.equal((err as ConfigError).problems, [
      'SYSTEM_VIEW_ENABLED: Invalid option: expected one of "true"|"false"',
      'SYSTEM_TARGETS: users: ftp://x is not an http(s) URL, dns://host:port or k8s://service.namespace:port-name',
      'SYSTEM_TARGETS: names catalog twice',
      'SYSTEM_TARGETS: "Bad Name=http://x:1" must be <service>=<admin URLs>[;<service>=…], each service with http(s) URLs (comma-separated), one dns://host:port or one k8s://service.namespace:port-name',
    ]);
  }
  assert.equal(readConfig({ SYSTEM_TARGETS: 'users=http://127.0.0.1:10581/x, http://127.0.0.1:10681;catalog=dns://switchyard-catalog-admin:9091;orders=k8s://switchyard-orders.shop:admin' }).SYSTEM_TARGETS, [
    { service: 'users', source: { kind: 'static', urls: ['http://127.0.0.1:10581', 'http://127.0.0.1:10681'] } },
    { service: 'catalog', source: { kind: 'dns', host: 'switchyard-catalog-admin', port: 9091 } },
    { service: 'orders', source: { kind: 'k8s', target: 'switchyard-orders.shop:admin' } },
  ]);
});

view('polls only while a view is open', async () => {
  for (const stream of streams.splice(0)) await stream.close();
  // Let a poll that was under way finish, then count: no new /readyz for five poll intervals.
  const count = () => catalogA.hits.filter((h) => h.path === '/readyz').length;
  const settled = await eventually(async () => {
    const before = count();
    await new Promise((r) => setTimeout(r, 400));
    return count() === before ? before : undefined;
  }, 10_000, 'the polls to stop');
  await new Promise((r) => setTimeout(r, 1_000));
  assert.is(count(), settled);
});

view.run();
