import { randomBytes } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage, type Options } from 'amqplib';
import { declareEventExchange } from '@switchyard/kit/event-consumer';

/** The harness's RabbitMQ. */
export function amqpUrl(): string {
  const url = process.env.TEST_AMQP_URL;
  if (!url) throw new Error('TEST_AMQP_URL is not set: run the suites through `npm test`');
  return url;
}

/** An exchange and queue name of their own per suite, so suites sharing the broker never see each other's messages. */
export function isolatedNames(prefix: string): { exchange: string; queue: string } {
  const tag = randomBytes(4).toString('hex');
  return { exchange: `test.${prefix}.${tag}.events`, queue: `test.${prefix}.${tag}` };
}

/**
 * A plain amqplib connection for a test to act as an outside party: publish raw messages, read what
 * a queue holds. Everything the services do goes through the kit instead.
 */
export class BrokerProbe {
  private constructor(
    private readonly model: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  static async open(url = amqpUrl()): Promise<BrokerProbe> {
    const model = await amqp.connect(url);
    const channel = await model.createConfirmChannel();
    return new BrokerProbe(model, channel);
  }

  /** Publishes a raw message to an exchange and waits for the confirm. */
  async publish(exchange: string, routingKey: string, body: string | object, options: Options.Publish = {}): Promise<void> {
    const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    this.channel.publish(exchange, routingKey, content, { persistent: true, contentType: 'application/json', ...options });
    await this.channel.waitForConfirms();
  }

  /** Declares the system's exchange (with its unrouted queue) the way services do. */
  async declare(exchange: string): Promise<void> {
    await declareEventExchange(this.channel, exchange);
  }

  /** Declares a queue bound to every routing key of an exchange (a wiretap). */
  async tap(exchange: string, queue: string): Promise<void> {
    await declareEventExchange(this.channel, exchange);
    await this.channel.assertQueue(queue, { durable: false, autoDelete: false });
    await this.channel.bindQueue(queue, exchange, '#');
  }

  /** Takes every message a queue holds right now (acking them). */
  async drain(queue: string): Promise<GetMessage[]> {
    const messages: GetMessage[] = [];
    for (;;) {
      const message = await this.channel.get(queue, { noAck: true });
      if (!message) return messages;
      messages.push(message);
    }
  }

  /**
   * Declares a queue bound to every routing key of an exchange that holds at most `maxLength` messages
   * and refuses more (`reject-publish`: the broker nacks them to a publisher with confirms).
   */
  async limitedTap(exchange: string, queue: string, maxLength: number): Promise<void> {
    await declareEventExchange(this.channel, exchange);
    await this.channel.assertQueue(queue, { durable: false, autoDelete: false, arguments: { 'x-max-length': maxLength, 'x-overflow': 'reject-publish' } });
    await this.channel.bindQueue(queue, exchange, '#');
  }

  /** How many ready messages a queue holds. */
  async depth(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  async close(): Promise<void> {
    await this.model.close();
  }
}

/** Polls until `check` returns a value that is not undefined, or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'the condition', intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
