import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AmqpConnection } from '@switchyard/kit/amqp-connection';
import { PoisonMessageError, deadLetterQueue, registerEventConsumer } from '@switchyard/kit/event-consumer';
import { BrokerProbe, amqpUrl, eventually, isolatedNames } from '../support/broker.js';
import { capturedLogger } from '../support/logs.js';

const consumer = suite('registerEventConsumer: retries, dead letters, poison messages');
const { log } = capturedLogger('consumer-test');
let probe: BrokerProbe;
let connection: AmqpConnection;
let names: { exchange: string; queue: string };
const handled: string[] = [];
const tries = new Map<string, number>();

consumer.before(async () => {
  probe = await BrokerProbe.open();
  names = isolatedNames('consumer');
  connection = new AmqpConnection({ url: amqpUrl(), connectionName: 'consumer-test', log });
  registerEventConsumer<{ id: string; type: string; fail?: 'always' | 'twice' }>({
    connection,
    topology: { ...names, routingKeys: ['thing.#'], retryDelaysMs: [100, 200] },
    prefetch: 4,
    maxAttempts: 3,
    log,
    decode: (content) => {
      try {
        return JSON.parse(content.toString());
      } catch (err) {
        throw new PoisonMessageError('the body is not JSON', { cause: err });
      }
    },
    handle: async (event) => {
      const count = (tries.get(event.id) ?? 0) + 1;
      tries.set(event.id, count);
      if (event.fail === 'always') throw new Error(`cannot handle ${event.id}`);
      if (event.fail === 'twice' && count <= 2) throw new Error('not yet');
      handled.push(event.id);
    },
  });
  connection.start();
  await connection.whenConnected();
});

consumer.after(async () => {
  await connection.close();
  await probe.close();
});

consumer('parks a message that always fails after the configured attempts, with its reason, while the ones behind it are processed', async () => {
  const poison = randomUUID();
  await probe.publish(names.exchange, 'thing.created', { id: poison, type: 'thing.created', fail: 'always' }, { messageId: poison });
  const behind = Array.from({ length: 5 }, () => randomUUID());
  for (const id of behind) await probe.publish(names.exchange, 'thing.created', { id, type: 'thing.created' }, { messageId: id });

  await eventually(async () => (behind.every((id) => handled.includes(id)) ? true : undefined), 5000, 'the messages behind the poison one were handled');
  const parked = await eventually(async () => {
    const messages = await probe.drain(deadLetterQueue(names.queue));
    return messages.length > 0 ? messages : undefined;
  }, 10_000, 'the poison message was parked');
  assert.is(parked.length, 1);
  const headers = parked[0]!.properties.headers!;
  assert.is(parked[0]!.properties.messageId, poison);
  assert.is(headers['x-failure-reason'], `Error: cannot handle ${poison}`);
  assert.is(headers['x-failed-attempts'], 3);
  assert.is(headers['x-original-routing-key'], 'thing.created');
  assert.is(tries.get(poison), 3);
  assert.not.ok(handled.includes(poison));
});

consumer('retries a message that fails twice and then handles it once', async () => {
  const id = randomUUID();
  await probe.publish(names.exchange, 'thing.updated', { id, type: 'thing.updated', fail: 'twice' }, { messageId: id });
  await eventually(async () => (handled.includes(id) ? true : undefined), 5000, 'the flaky message was handled');
  assert.is(tries.get(id), 3);
  assert.is(handled.filter((h) => h === id).length, 1);
  assert.is(await probe.depth(deadLetterQueue(names.queue)), 0);
});

consumer('parks an unparseable message at once, with the reason', async () => {
  await probe.publish(names.exchange, 'thing.created', 'not json {', { messageId: 'garbage-1' });
  const parked = await eventually(async () => {
    const messages = await probe.drain(deadLetterQueue(names.queue));
    return messages.length > 0 ? messages : undefined;
  }, 5000, 'the garbage was parked');
  assert.is(parked[0]!.content.toString(), 'not json {');
  assert.is(parked[0]!.properties.headers!['x-failure-reason'], 'PoisonMessageError: the body is not JSON');
  assert.is(parked[0]!.properties.headers!['x-failed-attempts'], 1);
});

consumer('declares the topology idempotently: a second connection with the same names starts cleanly', async () => {
  const again = new AmqpConnection({ url: amqpUrl(), connectionName: 'consumer-test-2', log });
  registerEventConsumer({
    connection: again,
    topology: { ...names, routingKeys: ['thing.#'], retryDelaysMs: [100, 200] },
    prefetch: 1,
    maxAttempts: 3,
    log,
    decode: (content) => JSON.parse(content.toString()) as { id: string; type: string },
    handle: async () => undefined,
  });
  again.start();
  await again.whenConnected();
  assert.ok(again.connected);
  await again.close();
});

consumer.run();
