/**
 * The running system, black box, through the gateway. By default it starts the local system the way
 * `npm start` does; with E2E_BASE_URL set it drives that deployment instead (the kind workflow).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVICE_NAMES, paymentsV1 } from '@switchyard/contracts/grpc-contracts';
import type { LocalSystem } from '@switchyard/devstack/system';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceTokens } from '@switchyard/kit/auth-client';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { eventually } from '../support/broker.js';
import { request, withoutRequestId } from '../support/http.js';
import { SseClient } from '../support/sse.js';
import { isAlive, startTestSystem } from '../support/local-system.js';
import { freeSystemPorts, isListening, type SystemPorts } from '../support/ports.js';

const e2e = suite('the local system, through the gateway');
let PORTS: SystemPorts;
let base = process.env.E2E_BASE_URL ?? '';
let local: Awaited<ReturnType<typeof startTestSystem>> | undefined;
const email = `e2e-${Date.now()}@Example.com`;
const password = 'a long enough password';
let token = '';
let userId = '';

e2e.before(async () => {
  if (base) return;
  PORTS = await freeSystemPorts();
  // Two replicas of catalog and payments, so load balancing is exercised end to end.
  local = await startTestSystem(PORTS, { replicas: { catalog: 2, payments: 2 } });
  base = local.system.gatewayUrl;
});

e2e.after(async () => {
  await local?.cleanUp();
});

e2e('registers a user: 201 with the normalised email', async () => {
  const res = await request(`${base}/api/users`, { method: 'POST', json: { email, password, name: 'End To End' } });
  assert.is(res.status, 201);
  assert.is(res.body.email, email.toLowerCase());
  assert.is(res.body.name, 'End To End');
  userId = res.body.id;
});

e2e('refuses the same email in another letter case with 409', async () => {
  const res = await request(`${base}/api/users`, { method: 'POST', json: { email: email.toUpperCase(), password, name: 'Again' } });
  assert.is(res.status, 409);
  assert.is(res.body.code, 'email_taken');
});

e2e('rejects bad registrations with problem documents', async () => {
  const missing = await request(`${base}/api/users`, { method: 'POST', json: { email } });
  assert.is(missing.status, 400);
  assert.equal(missing.body.errors.map((e: { field: string }) => e.field), ['password', 'name']);
  const form = await request(`${base}/api/users`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
  assert.is(form.status, 415);
  const huge = await request(`${base}/api/users`, { method: 'POST', json: { email, password, name: 'x'.repeat(3_000_000) } });
  assert.is(huge.status, 413);
  const malformed = await request(`${base}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
  assert.is(malformed.status, 400);
  assert.is(malformed.body.code, 'malformed_json');
  assert.is(malformed.headers.get('content-type'), 'application/problem+json');
});

e2e('logs in and reads /api/users/me with the token', async () => {
  const session = await request(`${base}/api/sessions`, { method: 'POST', json: { email, password } });
  assert.is(session.status, 200);
  assert.match(session.body.expiresAt, /^\d{4}-\d\d-\d\dT/);
  token = session.body.token;
  const me = await request(`${base}/api/users/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.is(me.status, 200);
  assert.equal(me.body, { id: userId, email: email.toLowerCase(), name: 'End To End' });
});

e2e('welcomes the new user: the notification is readable by REST and arrives on the SSE stream', async () => {
  const auth = { authorization: `Bearer ${token}` };
  const listed = await eventually(async () => {
    const res = await request(`${base}/api/notifications`, { headers: auth });
    return res.body.items?.length > 0 ? res : undefined;
  }, 15_000, 'the welcome notification');
  assert.is(listed.body.items[0].message, 'Welcome to Switchyard, End To End!');
  const stream = await SseClient.open(`${base}/api/notifications/stream`, { ...auth, 'last-event-id': '0' });
  try {
    const [welcome] = await stream.waitFor(1);
    assert.equal(JSON.parse(welcome!.data), listed.body.items[0]);
  } finally {
    await stream.close();
  }
});

e2e('answers a wrong password and an unknown email with the same 401', async () => {
  const wrong = await request(`${base}/api/sessions`, { method: 'POST', json: { email, password: 'wrong password!' } });
  const unknown = await request(`${base}/api/sessions`, { method: 'POST', json: { email: 'nobody@example.com', password } });
  assert.is(wrong.status, 401);
  assert.equal(withoutRequestId(wrong.body), withoutRequestId(unknown.body));
});

e2e('refuses /api/users/me without a token and ignores a client identity header', async () => {
  const res = await request(`${base}/api/users/me`, { headers: { 'x-switchyard-user-id': userId } });
  assert.is(res.status, 401);
  assert.is(res.body.code, 'missing_token');
});

e2e('answers an unknown route with a 404 problem', async () => {
  const res = await request(`${base}/api/unknown`);
  assert.is(res.status, 404);
  assert.is(res.body.code, 'route_not_found');
});

e2e('every service instance serves /healthz, /readyz and /metrics', async () => {
  if (!local) return; // a remote deployment exposes only the gateway
  for (const instance of local.system.instances) {
    assert.equal((await request(`${instance.adminUrl}/healthz`)).body, { status: 'ok' }, instance.label);
    const ready = await request(`${instance.adminUrl}/readyz`);
    assert.is(ready.status, 200, `${instance.label} ready`);
    const metrics = await request(`${instance.adminUrl}/metrics`);
    assert.match(metrics.text, new RegExp(`process_resident_memory_bytes\\{service="${instance.service}"\\}`));
    // The public API port serves only the API.
    if (instance.url) assert.is((await request(`${instance.url}/metrics`)).status, 404, `${instance.label} /metrics on the API port`);
  }
});

e2e('lists the seeded products through the gateway, across two catalog replicas', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const res = await request(`${base}/api/products?limit=100`);
    assert.is(res.status, 200);
    res.body.items.forEach((p: { id: string }) => seen.add(p.id));
  }
  assert.ok(seen.size >= 12);
  const whistle = await request(`${base}/api/products/5eed0000-0000-4000-8000-000000000001`);
  assert.is(whistle.body.name, 'Brass Locomotive Whistle');
  assert.is((await request(`${base}/api/products/5eed0000-0000-4000-8000-000000000001`, { headers: { 'if-none-match': whistle.headers.get('etag')! } })).status, 304);
});

e2e('the journey: products → place → declined card (402) → good card (PAID) → notification by REST and SSE → stock down → history', async () => {
  const auth = { authorization: `Bearer ${token}` };
  const products = await request(`${base}/api/products?limit=100`);
  const whistle = products.body.items.find((p: { name: string }) => p.name === 'Brass Locomotive Whistle');
  const stockBefore = whistle.stock as number;

  const placed = await request(`${base}/api/orders`, {
    method: 'POST',
    json: { items: [{ productId: whistle.id, quantity: 3 }] },
    headers: { ...auth, 'idempotency-key': `journey-${Date.now()}` },
  });
  assert.is(placed.status, 201);
  assert.equal([placed.body.status, placed.body.totalCents, placed.body.currency], ['PENDING_PAYMENT', 3 * whistle.priceCents, 'EUR']);
  const orderId = placed.body.id as string;

  const card = { number: '4000000000000002', expiry: '12/40', cvc: '123' };
  const declined = await request(`${base}/api/orders/${orderId}/pay`, { method: 'POST', json: { card }, headers: auth });
  assert.equal([declined.status, declined.body.code], [402, 'card_declined']);
  const paid = await request(`${base}/api/orders/${orderId}/pay`, { method: 'POST', json: { card: { ...card, number: '4242424242424242' } }, headers: auth });
  assert.equal([paid.status, paid.body.status], [200, 'PAID']);

  const paidNote = await eventually(async () => {
    const res = await request(`${base}/api/notifications`, { headers: auth });
    return res.body.items.find((n: { type: string; orderId?: string }) => n.type === 'order_paid' && n.orderId === orderId);
  }, 15_000, 'the order_paid notification');
  const stream = await SseClient.open(`${base}/api/notifications/stream`, { ...auth, 'last-event-id': '0' });
  try {
    const events = await stream.waitFor(4);
    assert.ok(events.some((e) => JSON.parse(e.data).id === paidNote.id), 'the paid notification arrived on the stream');
  } finally {
    await stream.close();
  }

  // Product answers may be kept for their max-age (5 s) by the gateway: the new stock shows within it.
  await eventually(async () => ((await request(`${base}/api/products/${whistle.id}`)).body.stock === stockBefore - 3 ? true : undefined), 10_000, 'the sold stock');
  const history = await request(`${base}/api/orders/${orderId}/history`, { headers: auth });
  assert.equal(history.body.items.map((e: { type: string }) => e.type), ['OrderPlaced', 'OrderPaymentRequested', 'OrderPaymentDeclined', 'OrderPaymentRequested', 'OrderPaid']);
});

e2e('cancelling an order gives its stock back within seconds', async () => {
  const auth = { authorization: `Bearer ${token}` };
  const lantern = '5eed0000-0000-4000-8000-000000000003';
  const before = (await request(`${base}/api/products/${lantern}`)).body.stock as number;
  const placed = await request(`${base}/api/orders`, { method: 'POST', json: { items: [{ productId: lantern, quantity: 2 }] }, headers: { ...auth, 'idempotency-key': `cancel-${Date.now()}` } });
  assert.is(placed.status, 201);
  assert.is((await request(`${base}/api/orders/${placed.body.id}/cancel`, { method: 'POST', headers: auth })).body.status, 'CANCELLED');
  await eventually(async () => ((await request(`${base}/api/products/${lantern}`)).body.stock === before ? true : undefined), 10_000, 'stock back');
});

e2e('spreads gRPC calls over both payments replicas (round robin over the local address list)', async () => {
  if (!local) return;
  const replicas = local.system.instances.filter((i) => i.service === 'payments');
  assert.is(replicas.length, 2);
  // Every replica counts the calls it served in its grpc_server_handled_total counter (OK calls are logged at debug level only).
  const served = async (adminUrl: string) => {
    const metrics = (await request(`${adminUrl}/metrics`)).text;
    const line = metrics.split('\n').find((l) => l.startsWith('grpc_server_handled_total{') && l.includes('grpc_service="switchyard.payments.v1.Payments",grpc_method="Charge",grpc_code="OK"'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  // As orders: a service token from users, with orders' secret from the local system's secrets.
  const secrets = JSON.parse(await readFile(join(local.dataDir, 'secrets.json'), 'utf8')) as { serviceSecrets: Record<string, string> };
  const tokens = new ServiceTokens({ urls: [local.system.instances.find((i) => i.service === 'users')!.url!], clientId: 'orders', clientSecret: secrets.serviceSecrets.orders! });
  const before = await Promise.all(replicas.map((r) => served(r.adminUrl)));
  const payments = new GrpcClient(paymentsV1().Payments, {
    dependency: 'payments',
    serviceName: SERVICE_NAMES.payments,
    target: `ipv4:${replicas.map((r) => r.grpcAddress!).join(',')}`,
    deadlineMs: 5000,
    maxAttempts: 2,
    token: () => tokens.token('payments'),
  });
  for (let i = 0; i < 20; i++) {
    await payments.call('Charge', { orderId: crypto.randomUUID(), amountCents: 100 + i, currency: 'EUR', card: { number: '4242424242424242', expiry: '12/40', cvc: '123' } });
  }
  payments.close();
  const after = await Promise.all(replicas.map((r) => served(r.adminUrl)));
  const [first, second] = after.map((n, i) => n - before[i]!) as [number, number];
  assert.is(first + second, 20);
  assert.ok(first >= 6 && second >= 6, `payments#1=${first} payments#2=${second}`);
});

e2e('stops leaving no process and no listening port behind', async () => {
  if (!local) return;
  const system: LocalSystem = local.system;
  const pids = system.pids();
  assert.is(pids.length, 8 + 3, 'eight service processes, postgres, rabbitmq and epmd');
  await system.stop();
  assert.equal(pids.filter(isAlive), []);
  const portOf = (url: string | undefined) => (url ? Number(new URL(url).port) : 0);
  const ports = [...local.system.instances.flatMap((i) => [portOf(i.url), portOf(i.adminUrl), Number(i.grpcAddress?.split(':')[1] ?? 0)]).filter(Boolean), PORTS.postgresPort, PORTS.amqpPort, PORTS.distPort, PORTS.epmdPort];
  const listening = [];
  for (const port of ports) if (await isListening(port)) listening.push(port);
  assert.equal(listening, []);
});

e2e.run();
