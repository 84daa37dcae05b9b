/**
 * The local system watching itself, as `npm start` runs it: every service exports its spans to the
 * runner's OTLP receiver, and Debian's Prometheus scrapes every replica with the chart's alerting rules.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { spanTree, type ReceivedSpan, type SpanNode } from '@switchyard/devstack/span-tree';
import { eventually } from '../support/broker.js';
import { startCommand } from '../support/child-service.js';
import { queryRows } from '../support/database.js';
import { request } from '../support/http.js';
import { startTestSystem } from '../support/local-system.js';
import { freeSystemPorts } from '../support/ports.js';
import { SseClient } from '../support/sse.js';

const obs = suite('observability of the local system: traces end to end, Prometheus and its alerts');
const ROOT = resolve(import.meta.dirname, '../..');
const WHISTLE = '5eed0000-0000-4000-8000-000000000001';
const CARD = { number: '4242424242424242', expiry: '12/40', cvc: '123' };
let local: Awaited<ReturnType<typeof startTestSystem>>;
let base = '';
let auth: Record<string, string> = {};
let stream: SseClient | undefined;
/** The order the trace tests follow, and the trace ids its two requests were sent with. */
const followed = { orderId: '', payRequestId: '', placeTrace: randomBytes(16).toString('hex'), payTrace: randomBytes(16).toString('hex') };

const receiver = () => local.system.observability!.receiver!;
const prometheus = () => local.system.observability!.prometheus!.url;
/** A traceparent as a browser's instrumented click would send it: the caller's own span, sampled. */
const clickFrom = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

/** Places and pays an order: its id, and the pay request's id (x-request-id) as a user would see it. */
async function placeAndPay(traces: { place?: string; pay?: string } = {}): Promise<{ orderId: string; payRequestId: string }> {
  const placed = await request(`${base}/api/orders`, {
    method: 'POST',
    json: { items: [{ productId: WHISTLE, quantity: 1 }] },
    headers: { ...auth, 'idempotency-key': randomUUID(), ...(traces.place ? { traceparent: clickFrom(traces.place) } : {}) },
  });
  assert.is(placed.status, 201);
  const paid = await request(`${base}/api/orders/${placed.body.id}/pay`, { method: 'POST', json: { card: CARD }, headers: { ...auth, ...(traces.pay ? { traceparent: clickFrom(traces.pay) } : {}) } });
  assert.is(paid.status, 200);
  return { orderId: placed.body.id as string, payRequestId: paid.headers.get('x-request-id')! };
}

/** Prometheus' answer to an instant query, as `labels → value`. */
async function promQuery(query: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const res = await request(`${prometheus()}/api/v1/query?query=${encodeURIComponent(query)}`);
  assert.is(res.body.status, 'success', `${query}: ${JSON.stringify(res.body)}`);
  return (res.body.data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/**
 * A trace's shape: each span as `service kind name`, its children indented under it. Children are
 * listed in name order, not start order: start times have millisecond resolution, so two spans of one
 * millisecond (an INSERT and the outbox's create span) would otherwise come in either order.
 */
function shape(spans: readonly ReceivedSpan[]): string[] {
  const lines = (node: SpanNode): string[] => {
    const children = node.children.map(lines).sort((a, b) => a.join('\n').localeCompare(b.join('\n')));
    return [`${node.span.service} ${node.span.kind} ${node.span.name}`, ...children.flat().map((line) => `  ${line}`)];
  };
  return spanTree(spans).flatMap(lines);
}

obs.before(async () => {
  const ports = await freeSystemPorts();
  // Two payments replicas: Prometheus must scrape every replica, and one of them is stopped at the end.
  local = await startTestSystem(ports, { replicas: { payments: 2 }, observability: { otlpPort: ports.otlpPort, prometheusPort: ports.prometheusPort } });
  base = local.system.gatewayUrl;
  const email = `observed-${Date.now()}@example.com`;
  await request(`${base}/api/users`, { method: 'POST', json: { email, password: 'long enough pw', name: 'Observed' } });
  auth = { authorization: `Bearer ${(await request(`${base}/api/sessions`, { method: 'POST', json: { email, password: 'long enough pw' } })).body.token}` };
  stream = await SseClient.open(`${base}/api/notifications/stream`, { ...auth, 'last-event-id': '0' });
  await stream.waitFor(1); // the welcome notification
  // Warm the caches the followed requests would otherwise fill on the way (service tokens, key sets):
  // orders until both payments replicas have charged one, so its trace does not depend on which gets it.
  const payments = local.system.instances.filter((i) => i.service === 'payments');
  let warmUps = 0;
  await eventually(async () => {
    await placeAndPay();
    warmUps += 1;
    const counts = await Promise.all(payments.map(async (p) => /grpc_method="Charge",grpc_code="OK"/.test(await (await fetch(`${p.adminUrl}/metrics`)).text())));
    return counts.every(Boolean) || undefined;
  }, 60_000, 'a charge on each payments replica');
  // Each warm-up order's two notifications are in before the followed order's are counted.
  await stream.waitFor(1 + 2 * warmUps, 15_000);
});

obs.after(async () => {
  await stream?.close();
  await local?.cleanUp();
});

const PLACEMENT = [
  'gateway server POST /api/orders',
  '  gateway client POST',
  '    orders server POST /orders',
  '      orders client grpc.switchyard.catalog.v1.Catalog/GetProduct',
  '        catalog server grpc.switchyard.catalog.v1.Catalog/GetProduct',
  '          catalog client pg.query:SELECT switchyard_catalog',
  '      orders client grpc.switchyard.catalog.v1.Catalog/ReserveStock',
  '        catalog server grpc.switchyard.catalog.v1.Catalog/ReserveStock',
  '          catalog client pg.query:BEGIN switchyard_catalog',
  '          catalog client pg.query:COMMIT switchyard_catalog',
  '          catalog client pg.query:INSERT switchyard_catalog',
  '          catalog client pg.query:INSERT switchyard_catalog',
  '          catalog client pg.query:UPDATE switchyard_catalog',
  '      orders client grpc.switchyard.users.v1.Users/GetUser',
  '        users server grpc.switchyard.users.v1.Users/GetUser',
  '          users client pg.query:SELECT switchyard_users',
  '      orders client pg.query:BEGIN switchyard_orders',
  '      orders client pg.query:COMMIT switchyard_orders',
  '      orders client pg.query:INSERT switchyard_orders',
  '      orders client pg.query:INSERT switchyard_orders',
  '      orders client pg.query:INSERT switchyard_orders',
  '      orders client pg.query:SAVEPOINT switchyard_orders',
  '      orders client pg.query:UPDATE switchyard_orders',
  '      orders client pg.query:WITH switchyard_orders',
  '      orders producer create order.placed',
  '        orders producer publish switchyard.events',
  '          notifications consumer notifications process',
  '            notifications client pg.query:BEGIN switchyard_notifications',
  '            notifications client pg.query:COMMIT switchyard_notifications',
  '            notifications client pg.query:INSERT switchyard_notifications',
  '            notifications client pg.query:INSERT switchyard_notifications',
  '            notifications client pg.query:INSERT switchyard_notifications',
  '            notifications client pg.query:SELECT switchyard_notifications',
  '            notifications client pg.query:SELECT switchyard_notifications',
  '            notifications internal sse push',
];

const PAYMENT = [
  'gateway server POST /api/orders/:id/pay',
  '  gateway client POST',
  '    orders server POST /orders/:id/pay',
  '      orders client grpc.switchyard.payments.v1.Payments/Charge',
  '        payments server grpc.switchyard.payments.v1.Payments/Charge',
  '          payments client pg.query:BEGIN switchyard_payments',
  '          payments client pg.query:COMMIT switchyard_payments',
  '          payments client pg.query:INSERT switchyard_payments',
  '          payments client pg.query:INSERT switchyard_payments',
  '          payments client pg.query:SELECT switchyard_payments',
  '          payments client pg.query:UPDATE switchyard_payments',
  '      orders client pg.query:BEGIN switchyard_orders',
  '      orders client pg.query:BEGIN switchyard_orders',
  '      orders client pg.query:COMMIT switchyard_orders',
  '      orders client pg.query:COMMIT switchyard_orders',
  '      orders client pg.query:INSERT switchyard_orders',
  '      orders client pg.query:INSERT switchyard_orders',
  '      orders client pg.query:INSERT switchyard_orders',
  '      orders client pg.query:INSERT switchyard_orders',
  '      orders client pg.query:SAVEPOINT switchyard_orders',
  '      orders client pg.query:SAVEPOINT switchyard_orders',
  '      orders client pg.query:SELECT switchyard_orders',
  '      orders client pg.query:WITH switchyard_orders',
  '      orders producer create order.paid',
  '        orders producer publish switchyard.events',
  '          catalog consumer catalog process',
  '            catalog client pg.query:BEGIN switchyard_catalog',
  '            catalog client pg.query:COMMIT switchyard_catalog',
  '            catalog client pg.query:INSERT switchyard_catalog',
  '            catalog client pg.query:SELECT switchyard_catalog',
  '            catalog client pg.query:UPDATE switchyard_catalog',
  '          notifications consumer notifications process',
  '            notifications client pg.query:BEGIN switchyard_notifications',
  '            notifications client pg.query:COMMIT switchyard_notifications',
  '            notifications client pg.query:INSERT switchyard_notifications',
  '            notifications client pg.query:INSERT switchyard_notifications',
  '            notifications client pg.query:INSERT switchyard_notifications',
  '            notifications client pg.query:SELECT switchyard_notifications',
  '            notifications client pg.query:SELECT switchyard_notifications',
  '            notifications internal sse push',
];

obs('an order placed and paid: each request is one trace, from the gateway through the services, Postgres, the relay and RabbitMQ to the SSE push', async () => {
  const before = stream!.events.length;
  ({ orderId: followed.orderId, payRequestId: followed.payRequestId } = await placeAndPay({ place: followed.placeTrace, pay: followed.payTrace }));
  assert.equal((await stream!.waitFor(before + 2, 15_000)).slice(before).map((e) => JSON.parse(e.data).type), ['order_placed', 'order_paid']);
  // Complete once the push of the notification each request caused has arrived.
  for (const trace of [followed.placeTrace, followed.payTrace]) await receiver().waitFor(() => receiver().trace(trace).some((s) => s.name === 'sse push'), 15_000);
  // Spans arrive in export batches, a parent often after its children: complete = one root and every span in.
  const complete = (trace: string, expected: readonly string[]) => spanTree(receiver().trace(trace)).length === 1 && shape(receiver().trace(trace)).length >= expected.length;
  await receiver().waitFor(() => complete(followed.placeTrace, PLACEMENT) && complete(followed.payTrace, PAYMENT), 10_000).catch(() => undefined);
  assert.equal(shape(receiver().trace(followed.placeTrace)), PLACEMENT);
  assert.equal(shape(receiver().trace(followed.payTrace)), PAYMENT);
  // Each tree hangs from the caller's own span (the browser's click), and nothing of the order broke off into a trace of its own.
  for (const trace of [followed.placeTrace, followed.payTrace]) assert.is(spanTree(receiver().trace(trace)).length, 1);
  // Found by the order id its spans carry (in the order the spans came in, so compared as sets).
  assert.equal(receiver().find(followed.orderId).sort(), [followed.placeTrace, followed.payTrace].sort());
});

obs('npm run trace prints the trees of an order\'s requests, or of one trace id, with service, kind, offset and duration', async () => {
  const run = async (query: string) => {
    const child = await startCommand([process.execPath, '--import', 'tsx', '--conditions=development', 'packages/devstack/src/trace-cli.ts', query], { SWITCHYARD_OTLP_PORT: new URL(receiver().url).port }, ROOT);
    return { exit: await child.exited, lines: child.lines };
  };
  const byOrder = await run(followed.orderId);
  assert.equal(byOrder.exit, { code: 0, signal: null });
  const headers = byOrder.lines.filter((line) => line.startsWith('trace '));
  assert.equal(headers.map((h) => h.replace(/, [\d.]+ ms$/, '')), [`trace ${followed.placeTrace}: ${PLACEMENT.length} spans, 5 services`, `trace ${followed.payTrace}: ${PAYMENT.length} spans, 5 services`]);
  assert.match(byOrder.lines[1]!, /^ {4}\+0 ms +[\d.]+ ms {2}gateway {8}server {4}POST \/api\/orders \(parent not received\)$/);
  assert.is(byOrder.lines.filter((l) => /^ +\+\d+ ms +[\d.]+ ms {2}notifications {2}consumer {2}[│ ]+[├└]─ notifications process$/.test(l)).length, 2, byOrder.lines.join('\n'));
  const byTrace = await run(followed.payTrace);
  assert.equal(byTrace.lines, byOrder.lines.slice(byOrder.lines.indexOf('') + 1));
  // The request id a user sees (x-request-id, a problem body's requestId) finds its trace too, as does a trace id in upper case.
  assert.equal((await run(followed.payRequestId)).lines, byTrace.lines);
  assert.equal((await run(followed.payTrace.toUpperCase())).lines, byTrace.lines);
  const unknown = await run(randomUUID());
  assert.equal(unknown.exit, { code: 1, signal: null });
  assert.match(unknown.lines.join('\n'), /no trace found for /);
});

obs('service log lines carry the trace_id and span_id of the span they were written in', () => {
  const entries = local.lines.flatMap((line) => {
    const [label, ...json] = line.split(' ');
    try {
      return [{ label, entry: JSON.parse(json.join(' ')) as Record<string, unknown> }];
    } catch {
      return [];
    }
  });
  const spans = receiver().trace(followed.placeTrace);
  const placed = entries.find((e) => e.label === 'orders' && e.entry.msg === 'order placed' && e.entry.orderId === followed.orderId)!.entry;
  const server = spans.find((s) => s.service === 'orders' && s.kind === 'server' && s.name === 'POST /orders')!;
  assert.equal([placed.trace_id, placed.span_id], [followed.placeTrace, server.spanId]);
  const finished = entries.find((e) => e.label === 'gateway' && e.entry.msg === 'request finished' && e.entry.trace_id === followed.placeTrace)!.entry;
  assert.is(finished.span_id, spans.find((s) => s.service === 'gateway' && s.kind === 'server')!.spanId);
});

obs('the outbox row keeps the trace context of the transaction that wrote it: its create span', async () => {
  const url = new URL(local.system.databaseUrl);
  url.pathname = '/switchyard_orders';
  const [row] = await queryRows<{ headers: Record<string, string> }>(url.href, "SELECT headers FROM outbox WHERE routing_key = 'order.placed' AND payload->>'subject' = $1", [followed.orderId]);
  const create = receiver().trace(followed.placeTrace).find((s) => s.name === 'create order.placed')!;
  assert.is(row!.headers.traceparent, `00-${followed.placeTrace}-${create.spanId}-01`);
  assert.match(row!.headers['x-request-id']!, /^[0-9a-f-]{36}$/);
  assert.equal(create.attributes['messaging.message.id'], (await queryRows<{ id: string }>(url.href, "SELECT id FROM outbox WHERE routing_key = 'order.placed' AND payload->>'subject' = $1", [followed.orderId]))[0]!.id);
});

obs("a notification stream the client closes: the gateway's server and client spans last as long as it, and a client leaving is no error", async () => {
  const traceId = randomBytes(16).toString('hex');
  const sse = await SseClient.open(`${base}/api/notifications/stream`, { ...auth, 'last-event-id': '0', traceparent: clickFrom(traceId) });
  await sse.waitFor(1);
  await sse.close();
  // The gateway's two spans and the notifications server span end when the stream does (the replay
  // of the backlog adds Postgres spans under the last).
  const by = (service: string, kind: string) => receiver().trace(traceId).find((span) => span.service === service && span.kind === kind);
  const [server, client, upstream] = await eventually(async () => {
    const found = [by('gateway', 'server'), by('gateway', 'client'), by('notifications', 'server')];
    return found.every(Boolean) ? (found as ReceivedSpan[]) : undefined;
  }, 10_000, 'the spans of the closed stream');
  assert.equal(
    [server!.name, client!.name, upstream!.name, client!.parentSpanId, upstream!.parentSpanId],
    ['GET /api/notifications/stream', 'GET', 'GET /notifications/stream', server!.spanId, client!.spanId],
  );
  // Cancelled, not failed: the status the stream opened with, no error; the server side counts it 499 without an error.
  assert.equal([client!.error, client!.attributes['http.response.status_code'], client!.attributes['error.type']], [false, 200, undefined]);
  assert.equal([server!.error, server!.attributes['http.response.status_code']], [false, 499]);
});

obs('Prometheus scrapes every replica', async () => {
  const up = await eventually(async () => {
    const series = await promQuery('up');
    return series.length === 7 && series.every((s) => s.value === 1) ? series : undefined;
  }, 30_000, 'every replica up');
  assert.equal(up.map((s) => `${s.metric.service} ${s.metric.instance}`).sort(), [
    'catalog catalog-1', 'gateway gateway-1', 'notifications notifications-1', 'orders orders-1', 'payments payments-1', 'payments payments-2', 'users users-1',
  ]);
});

obs('the series the alerts and the dashboard read are scraped: gRPC, upstream RED, outbox lag, queue depths, order states', async () => {
  const value = async (query: string) => (await promQuery(query))[0]?.value;
  // Scrapes come every 5 s (and a busy machine can miss one): each reading is waited for.
  const atLeast = (query: string, least: number) => eventually(async () => (((await value(query)) ?? -1) >= least ? true : undefined), 60_000, query);
  await atLeast('max(orders_by_status{status="PAID"})', 3);
  await atLeast('sum(grpc_server_handled_total{service="payments",grpc_service="switchyard.payments.v1.Payments",grpc_method="Charge",grpc_code="OK"})', 3);
  await atLeast('sum(grpc_client_handled_total{service="orders",grpc_service="switchyard.payments.v1.Payments",grpc_method="Charge",grpc_code="OK"})', 3);
  await atLeast('sum(gateway_upstream_request_duration_seconds_count{upstream="orders",route="/api/orders",method="POST",status="201"})', 3);
  await atLeast('max(outbox_oldest_pending_age_seconds{service="orders"}) < bool 10', 1);
  await atLeast('max(events_queue_messages{service="notifications",queue="notifications.dead-letter",kind="dead_letter"}) == bool 0', 1);
  assert.equal((await promQuery('events_queue_messages{service="notifications"}')).map((s) => s.metric.kind).sort(), ['dead_letter', 'retry', 'retry', 'retry', 'retry', 'service']);
  // Every metric the dashboard and the rules name is one Prometheus has, and every panel's query runs.
  const dashboard = JSON.parse(readFileSync(resolve(ROOT, 'charts/switchyard/files/dashboard.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  const rules = parse(readFileSync(resolve(ROOT, 'charts/switchyard/files/alert-rules.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
  const exprs = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', '.+'))),
    ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
  ];
  const named = new Set(exprs.flatMap((expr) => [...expr.replace(/\b(by|without)\s*\([^)]*\)/g, '').matchAll(/(?<![\w"$])([a-z][a-z0-9_]*)\s*(?=[{[)])/g)].map((m) => m[1]!)));
  assert.ok(named.size >= 12, [...named].join(' '));
  // A counter exists from its first increment (events_consumed_total: the first event consumed), and
  // Prometheus knows it from the next scrape: waited for, then asserted by name.
  const missing = async () => {
    const names = new Set((await request(`${prometheus()}/api/v1/label/__name__/values`)).body.data as string[]);
    return [...named].filter((name) => !names.has(name)).sort();
  };
  await eventually(async () => ((await missing()).length === 0 ? true : undefined), 60_000, 'every metric named by the dashboard and the rules scraped').catch(() => undefined);
  assert.equal(await missing(), []);
  for (const expr of exprs) await promQuery(expr);
});

obs('a stopped payments replica raises SwitchyardReplicaDown for that replica (pending: firing after a minute)', async () => {
  const replica = local.system.instances.find((i) => i.label === 'payments#2')!;
  assert.equal(await replica.process.stop('SIGTERM', 30_000), { code: 0, signal: null });
  const alert = await eventually(async () => {
    const res = await request(`${prometheus()}/api/v1/alerts`);
    const alerts = res.body.data.alerts as Array<{ labels: Record<string, string>; state: string }>;
    return alerts.find((a) => a.labels.alertname === 'SwitchyardReplicaDown' && a.labels.instance === 'payments-2');
  }, 60_000, 'the ReplicaDown alert of payments-2');
  assert.equal(alert.labels, { alertname: 'SwitchyardReplicaDown', job: 'switchyard', service: 'payments', instance: 'payments-2', severity: 'critical' });
  assert.ok(['pending', 'firing'].includes(alert.state), alert.state);
  // The other replica still answers its scrapes.
  await eventually(async () => ((await promQuery('up{instance="payments-1"}'))[0]?.value === 1 ? true : undefined), 30_000, 'payments-1 up');
});

obs.run();
