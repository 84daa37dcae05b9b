import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVICE_NAMES, paymentsV1, type PaymentsDefinition } from '@switchyard/contracts/grpc-contracts';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { freshDatabase, queryRows } from '../support/database.js';
import { grpcFailure } from '../support/grpc.js';
import { amqpUrl, isolatedNames } from '../support/broker.js';
import { capturedLogger } from '../support/logs.js';
import { startTestPayments, type TestService } from '../support/services.js';

const payments = suite('payments gRPC API');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let service: TestService;
let client: GrpcClient<PaymentsDefinition>;
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
  const names = isolatedNames('payments');
  service = await startTestPayments(db.url, log, { AMQP_URL: amqpUrl(), EVENTS_EXCHANGE: names.exchange, EVENTS_QUEUE: names.queue });
  client = new GrpcClient(paymentsV1().Payments, {
    dependency: 'payments',
    serviceName: SERVICE_NAMES.payments,
    target: `ipv4:${service.grpcAddress}`,
    deadlineMs: 10_000,
    maxAttempts: MAX_ATTEMPTS,
  });
});

payments.after(async () => {
  client.close();
  await service.stop();
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

payments('never writes a card number to the log', async () => {
  const all = lines.join('\n');
  for (const number of [GOOD, DECLINED, NO_FUNDS, TRANSIENT]) assert.not.ok(all.includes(number), number);
  assert.ok(lines.some((l) => l.includes('"msg":"payment succeeded"')));
});

payments.run();
