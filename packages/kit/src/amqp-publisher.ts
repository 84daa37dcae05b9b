import type { ConfirmChannel, Options } from 'amqplib';
import { UnavailableError } from './errors.js';

/**
 * Publishes persistent messages on one confirm channel with their confirms in flight together: each
 * message is written at once, in call order, and its promise settles when the broker confirms or
 * nacks it. A batch of a hundred costs one round trip to the broker, not a hundred (waiting for each
 * confirm before the next publish capped a relay at the broker's round-trip rate). When the socket
 * buffer is full (`publish` returns false), later messages wait, still in order, for `drain`. When
 * the channel closes, every message not yet confirmed rejects, so the caller keeps it for later.
 */
export class ConfirmPublisher {
  readonly #waiting: Array<() => void> = [];
  readonly #outstanding = new Set<Promise<void>>();
  #full = false;
  #closed = false;

  constructor(readonly channel: ConfirmChannel) {
    channel.on('drain', () => this.#flush());
    channel.once('close', () => {
      this.#closed = true;
      this.#flush();
    });
  }

  /**
   * Resolves when the broker confirmed the message; rejects with a 503 UnavailableError when it nacked
   * it or the channel closed before the confirm (the message may or may not have been routed).
   */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
    const confirmed = new Promise<void>((resolve, reject) => {
      const write = () => {
        if (this.#closed) return reject(new UnavailableError('broker_unavailable', 'The channel closed before the message was sent.'));
        try {
          const accepted = this.channel.publish(exchange, routingKey, content, { persistent: true, ...options }, (err: unknown) =>
            err ? reject(new UnavailableError('publish_not_confirmed', 'RabbitMQ did not confirm the message.', { cause: err })) : resolve(),
          );
          if (!accepted) this.#full = true;
        } catch (err) {
          reject(new UnavailableError('broker_unavailable', 'The channel closed before the message was sent.', { cause: err }));
        }
      };
      if (this.#full || this.#waiting.length > 0) this.#waiting.push(write);
      else write();
    });
    this.#outstanding.add(confirmed);
    const forget = () => void this.#outstanding.delete(confirmed);
    confirmed.then(forget, forget);
    return confirmed;
  }

  /** Resolves once every message published so far was confirmed, nacked or lost with the channel. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#outstanding]);
  }

  #flush(): void {
    this.#full = false;
    while (this.#waiting.length > 0 && !this.#full) this.#waiting.shift()!();
  }
}
