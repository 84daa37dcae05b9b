/**
 * The broker's own pace, the baseline for the event path: plain amqplib, a persistent message published
 * on a confirm channel to a topic exchange, routed to a quorum queue (as the services' queues are),
 * consumed on another connection and acked on receipt. No database on either side.
 *
 * env: AMQP_URL, MODE=rate (RATE messages/s open loop for DURATION_S; latency from each message's
 * intended send to its receipt) or MODE=drain (EVENTS messages published with up to 1,000 confirms
 * outstanding while the consumer takes them: messages/s until the last one was received).
 */
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { LatencyRecorder } from '@switchyard/loadgen/latency';
import { runOpenLoop } from '@switchyard/loadgen/loops';
import { deleteTopology, printResult, requiredEnv, settledWithin } from './io.js';

const url = requiredEnv('AMQP_URL');
const mode = requiredEnv('MODE');
const tag = randomBytes(4).toString('hex');
const exchange = `bench.${tag}.raw`;
const queue = `bench.${tag}.raw`;

const publisherConnection = await amqp.connect(url);
const consumerConnection = await amqp.connect(url);
try {
  const publisher = await publisherConnection.createConfirmChannel();
  const consumer = await consumerConnection.createChannel();
  await publisher.assertExchange(exchange, 'topic', { durable: true });
  await publisher.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await publisher.bindQueue(queue, exchange, 'bench.happened');
  await consumer.prefetch(100);

  const sentAt = new Map<number, number>();
  const latency = new LatencyRecorder();
  let received = 0;
  let expected = Number.POSITIVE_INFINITY;
  let lastReceived = 0;
  let allReceived: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  await consumer.consume(queue, (message) => {
    if (!message) return;
    const n = Number(message.content.toString());
    const sent = sentAt.get(n);
    lastReceived = performance.now();
    if (sent !== undefined) latency.record(lastReceived - sent);
    consumer.ack(message);
    received += 1;
    if (received >= expected) allReceived();
  });
  const publish = (n: number) =>
    new Promise<void>((resolve, reject) => {
      publisher.publish(exchange, 'bench.happened', Buffer.from(String(n)), { persistent: true, messageId: String(n) }, (err: unknown) => (err ? reject(err) : resolve()));
    });
  const wait = (ms: number) => settledWithin(done, ms);

  if (mode === 'drain') {
    const events = Number(requiredEnv('EVENTS'));
    expected = events;
    const started = performance.now();
    const window = new Set<Promise<void>>();
    for (let n = 0; n < events; n++) {
      const confirmed = publish(n);
      window.add(confirmed);
      void confirmed.finally(() => window.delete(confirmed));
      if (window.size >= 1000) await Promise.race(window);
    }
    await wait(300_000);
    printResult({ eventsPerSecond: (received * 1000) / (lastReceived - started), applied: received, events });
  } else {
    const rate = Number(requiredEnv('RATE'));
    const started = performance.now();
    let errors = 0;
    const loop = await runOpenLoop({
      rate,
      durationMs: Number(requiredEnv('DURATION_S')) * 1000,
      maxInFlight: 1000,
      task: async (n) => {
        // The intended time is the loop's; the latency is taken from when the message was handed to the socket.
        sentAt.set(n, performance.now());
        await publish(n);
        return { outcome: 'confirmed', ok: true };
      },
      onDone: (_, outcome) => void (outcome.ok || (errors += 1)),
    });
    const windowEnd = performance.now();
    const inWindow = received;
    expected = loop.started;
    if (received >= expected) allReceived();
    await wait(60_000);
    const l = latency.summary();
    printResult({ offered: rate, eventsPerSecond: (inWindow * 1000) / (windowEnd - started), p50: l.p50, p99: l.p99, max: l.max, lost: loop.started - received, errors, lateStarts: loop.lateStarts });
  }
} finally {
  await publisherConnection.close().catch(() => undefined);
  await consumerConnection.close().catch(() => undefined);
  await deleteTopology(url, queue, exchange).catch(() => undefined);
}
