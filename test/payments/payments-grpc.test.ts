import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVICE_NAMES, paymentsV1, type PaymentsDefinition } from '@switchyard/contracts/grpc-contracts';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { freshDatabase, queryRows } from '../support/database.js';
import { grpcFailure } from '../support/grpc.js';
import { buildEvent } from '@switchyard/contracts/events';
import { BrokerProbe, amqpUrl, eventually, isolatedNames } from '../support/broker.js';
import { testIssuer } from '../support/identity.js';
import { capturedLogger } from '../support/logs.js';
import { startTestPayments, type TestService } from '../support/services.js';

const payments = suite('payments gRPC API');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let service: TestService;
let client: GrpcClient<PaymentsDefinition>;
let probe: BrokerProbe;
const names = isolatedNames('payments');
const { log, lines } = capturedLogger('payments');
const GOOD = '4242424242424242';
const DECLINED = '4000000000000002';
const NO_FUNDS = '4000000000009995';
const TRANSIENT = '4000000000000119';
const MAX_ATTEMPTS = 3;

const card = (number: string) => ({ number, expiry: '12/40', cvc: '123' });
const charge = (orderId: string, number = GOOD, amountCents = 4900) => client.call('Charge', { orderId, amountCents, currency: 'EUR', card: card(number) });
const attempts = (orderId: string) => queryRows<{ outcome: string }>(db.url, 'SELECT outcome FROM payment_attempts WHERE order_id = $1 ORDER BY id', [orderId]);

payments.before(async () => {
  db = await freshDatabase('payments');
  probe = await BrokerProbe.open();
  service = await startTestPayments(db.url, log, { AMQP_URL: amqpUrl(), EVENTS_EXCHANGE: names.exchange, EVENTS_QUEUE: names.queue });
  client = new GrpcClient(paymentsV1().Payments, {
    dependency: 'payments',
    serviceName: SERVICE_NAMES.payments,
    target: `ipv4:${service.grpcAddress}`,
    deadlineMs: 10_000,
    maxAttempts: MAX_ATTEMPTS,
    token: async () => (await testIssuer()).serviceToken('orders', 'payments'),
  });
});

payments.after(async () => {
  client.close();
  await service.stop();
  await probe.close();
  await db.drop();
});

payments('charges a good card and stores only its brand and last four digits', async () => {
  const orderId = randomUUID();
  const payment = await charge(orderId);
  assert.equal({ ...payment, id: '', createdAt: '' }, {
    id: '',
    orderId,
    amountCents: 4900,
    currency: 'EUR',
    status: 'PAYMENT_STATUS_SUCCEEDED',
    cardBrand: 'visa',
    cardLast4: '4242',
    createdAt: '',
  });
  const stored = await queryRows<{ row: string }>(db.url, 'SELECT row_to_json(p)::text AS row FROM payments p WHERE order_id = $1', [orderId]);
  assert.not.ok(stored[0]!.row.includes(GOOD));
  const columns = await queryRows<{ column_name: string }>(
    db.url,
    "SELECT column_name FROM information_schema.columns WHERE table_name IN ('payments', 'payment_attempts') AND column_name LIKE 'card%' ORDER BY column_name",
  );
  assert.equal([...new Set(columns.map((c) => c.column_name))], ['card_brand', 'card_last4']);
});

payments('returns the first result to a repeated charge and charges once', async () => {
  const orderId = randomUUID();
  const first = await charge(orderId);
  const second = await charge(orderId);
  assert.equal(second, first);
  assert.equal(await attempts(orderId), [{ outcome: 'succeeded' }]);
});

payments('rejects the same order id with another amount', async () => {
  const orderId = randomUUID();
  await charge(orderId, GOOD, 4900);
  const failure = await grpcFailure(charge(orderId, GOOD, 5000));
  assert.equal([failure.grpcStatus, failure.code], ['FAILED_PRECONDITION', 'idempotency_mismatch']);
  assert.equal(await attempts(orderId), [{ outcome: 'succeeded' }]);
});

payments('charges 20 concurrent requests for one order exactly once', async () => {
  const orderId = randomUUID();
  const results = await Promise.all(Array.from({ length: 20 }, () => charge(orderId)));
  assert.is(new Set(results.map((r) => r.id)).size, 1);
  assert.equal(await attempts(orderId), [{ outcome: 'succeeded' }]);
});

payments('declines with FAILED_PRECONDITION and the reason, and the order can be paid with another card', async () => {
  const orderId = randomUUID();
  const declined = await grpcFailure(charge(orderId, DECLINED));
  assert.equal(declined, {
    httpStatus: 409,
    code: 'card_declined',
    grpcStatus: 'FAILED_PRECONDITION',
    message: 'The card was declined.',
    extensions: { reason: 'card_declined' },
  });
  const noFunds = await grpcFailure(charge(orderId, NO_FUNDS));
  assert.equal([noFunds.grpcStatus, noFunds.code, noFunds.message], ['FAILED_PRECONDITION', 'insufficient_funds', 'The card has insufficient funds.']);
  const paid = await charge(orderId, GOOD);
  assert.is(paid.status, 'PAYMENT_STATUS_SUCCEEDED');
  assert.equal((await attempts(orderId)).map((a) => a.outcome), ['card_declined', 'insufficient_funds', 'succeeded']);
});

payments('answers UNAVAILABLE for the transient card after the client retried it, never charging', async () => {
  const orderId = randomUUID();
  const failure = await grpcFailure(charge(orderId, TRANSIENT));
  assert.equal([failure.httpStatus, failure.grpcStatus, failure.code], [503, 'UNAVAILABLE', 'processor_unavailable']);
  const tried = await attempts(orderId);
  assert.is(tried.length, MAX_ATTEMPTS, 'the retry policy repeated the call');
  assert.ok(tried.every((a) => a.outcome === 'processor_unavailable'));
  const row = await queryRows<{ status: string }>(db.url, 'SELECT status FROM payments WHERE order_id = $1', [orderId]);
  assert.is(row[0]!.status, 'PENDING');
});

payments('rejects a card number failing the Luhn check, an expired card and a bad amount with INVALID_ARGUMENT', async () => {
  const luhn = await grpcFailure(charge(randomUUID(), '4242424242424241'));
  assert.equal([luhn.grpcStatus, luhn.extensions], ['INVALID_ARGUMENT', { errors: [{ field: 'card.number', message: 'fails the Luhn check' }] }]);
  const expired = await grpcFailure(client.call('Charge', { orderId: randomUUID(), amountCents: 100, currency: 'EUR', card: { ...card(GOOD), expiry: '01/20' } }));
  assert.equal(expired.extensions, { errors: [{ field: 'card.expiry', message: 'the card has expired' }] });
  const amount = await grpcFailure(client.call('Charge', { orderId: randomUUID(), amountCents: 0, currency: 'EUR', card: card(GOOD) }));
  assert.equal(amount.extensions, { errors: [{ field: 'amountCents', message: 'must be positive' }] });
  const noCard = await grpcFailure(client.call('Charge', { orderId: randomUUID(), amountCents: 100, currency: 'EUR' }));
  assert.equal(noCard.grpcStatus, 'INVALID_ARGUMENT');
  const count = await queryRows<{ n: string }>(db.url, 'SELECT count(*) AS n FROM payments WHERE amount_cents = 100');
  assert.is(count[0]!.n, '0');
});

payments('refunds a successful charge once and refuses orders without one', async () => {
  const orderId = randomUUID();
  await charge(orderId);
  const refunded = await client.call('Refund', { orderId });
  assert.is(refunded.status, 'PAYMENT_STATUS_REFUNDED');
  assert.equal(await client.call('Refund', { orderId }), refunded);
  const nothing = await grpcFailure(client.call('Refund', { orderId: randomUUID() }));
  assert.equal([nothing.grpcStatus, nothing.code], ['FAILED_PRECONDITION', 'nothing_to_refund']);
});

payments('never answers a repeated Charge after a refund as a success, whatever the card', async () => {
  const orderId = randomUUID();
  await charge(orderId);
  await client.call('Refund', { orderId });
  for (const number of [GOOD, DECLINED]) {
    const repeat = await grpcFailure(charge(orderId, number));
    assert.equal([repeat.grpcStatus, repeat.code], ['FAILED_PRECONDITION', 'payment_refunded'], number);
  }
  assert.equal(await attempts(orderId), [{ outcome: 'succeeded' }]);
});

payments('GetPayment tells what became of an order\'s charge', async () => {
  const orderId = randomUUID();
  const none = await grpcFailure(client.call('GetPayment', { orderId }));
  assert.equal([none.grpcStatus, none.code], ['NOT_FOUND', 'payment_not_found']);
  await grpcFailure(charge(orderId, DECLINED));
  assert.is((await client.call('GetPayment', { orderId })).status, 'PAYMENT_STATUS_PENDING');
  const paid = await charge(orderId);
  assert.equal(await client.call('GetPayment', { orderId }), paid);
  await client.call('Refund', { orderId });
  assert.is((await client.call('GetPayment', { orderId })).status, 'PAYMENT_STATUS_REFUNDED');
});

/** Publishes order.cancelled or order.expired the way the orders relay would. */
async function orderEnded(type: 'order.cancelled' | 'order.expired', orderId: string): Promise<string> {
  const event = buildEvent(type, '/test', { orderId, userId: randomUUID() }, orderId);
  await probe.publish(names.exchange, type, event, { messageId: event.id, type });
  return event.id;
}
const statusOf = async (orderId: string) => (await queryRows<{ status: string }>(db.url, 'SELECT status FROM payments WHERE order_id = $1', [orderId]))[0]?.status;
const becomes = (orderId: string, status: string) => eventually(async () => ((await statusOf(orderId)) === status ? true : undefined), 10_000, `payment ${status}`);

payments('an order that ended unpaid before any charge is voided: a Charge arriving later is refused, and never charged', async () => {
  const orderId = randomUUID();
  await orderEnded('order.cancelled', orderId);
  await becomes(orderId, 'VOIDED');
  const late = await grpcFailure(charge(orderId));
  assert.equal([late.grpcStatus, late.code], ['FAILED_PRECONDITION', 'order_closed']);
  assert.equal(await attempts(orderId), []);
  assert.is((await client.call('GetPayment', { orderId })).status, 'PAYMENT_STATUS_VOIDED');
});

payments('an order that ended unpaid after its charge succeeded (a lost reply) is refunded, once however often the event arrives', async () => {
  const orderId = randomUUID();
  await charge(orderId);
  const eventId = await orderEnded('order.expired', orderId);
  await becomes(orderId, 'REFUNDED');
  const event = buildEvent('order.expired', '/test', { orderId, userId: randomUUID() }, orderId);
  await probe.publish(names.exchange, 'order.expired', { ...event, id: eventId }, { messageId: eventId, type: 'order.expired' });
  const consumed = async () => {
    const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text();
    return Number(/events_consumed_total\{[^}]*type="order.expired",outcome="processed"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
  };
  await eventually(async () => ((await consumed()) === 2 ? true : undefined), 5_000, 'the redelivery consumed');
  const rows = await queryRows<{ closed_by: string; n: string }>(db.url, 'SELECT closed_by, (SELECT count(*) FROM inbox WHERE message_id = $2) AS n FROM payments WHERE order_id = $1', [orderId, eventId]);
  assert.equal(rows, [{ closed_by: 'order.expired', n: '1' }]);
  assert.ok(lines.filter((l) => l.includes('"msg":"payment refunded"') && l.includes(orderId)).length === 1, 'refunded once');
});

payments('never writes a card number to the log', async () => {
  const all = lines.join('\n');
  for (const number of [GOOD, DECLINED, NO_FUNDS, TRANSIENT]) assert.not.ok(all.includes(number), number);
  assert.ok(lines.some((l) => l.includes('"msg":"payment succeeded"')));
});

payments('charges and refunds only for orders: no token → UNAUTHENTICATED, another service → PERMISSION_DENIED, nothing stored', async () => {
  const issuer = await testIssuer();
  const as = (token?: () => Promise<string>) =>
    new GrpcClient(paymentsV1().Payments, { dependency: 'payments', serviceName: SERVICE_NAMES.payments, target: `ipv4:${service.grpcAddress}`, deadlineMs: 5000, maxAttempts: 1, ...(token ? { token } : {}) });
  const anonymous = as();
  const catalog = as(() => issuer.serviceToken('catalog', 'payments'));
  const userToken = as(() => issuer.userToken(randomUUID()));
  const orderId = randomUUID();
  try {
    const request = { orderId, amountCents: 4900, currency: 'EUR', card: card(GOOD) };
    assert.equal((await grpcFailure(anonymous.call('Charge', request))).grpcStatus, 'UNAUTHENTICATED');
    assert.equal(await grpcFailure(catalog.call('Charge', request)), {
      httpStatus: 403,
      code: 'caller_not_allowed',
      grpcStatus: 'PERMISSION_DENIED',
      message: 'catalog may not call payments.Charge.',
      extensions: {},
    });
    assert.equal((await grpcFailure(catalog.call('Refund', { orderId }))).grpcStatus, 'PERMISSION_DENIED');
    assert.equal((await grpcFailure(userToken.call('Refund', { orderId }))).grpcStatus, 'UNAUTHENTICATED', 'a user token is not a service token');
    assert.equal(await queryRows(db.url, 'SELECT order_id FROM payments WHERE order_id = $1', [orderId]), []);
  } finally {
    [anonymous, catalog, userToken].forEach((c) => c.close());
  }
});

payments.run();
