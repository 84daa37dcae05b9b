import type { ConsumerSettings, EventConsumerOptions } from './event-consumer.js';

/** The part of a consumer's options that configuration decides, for a service queue bound to routingKeys. */
export function consumerOptions(settings: ConsumerSettings, routingKeys: readonly string[]): Pick<EventConsumerOptions<never>, 'topology' | 'prefetch' | 'maxAttempts'> {
  return {
    topology: { exchange: settings.exchange, queue: settings.queue, routingKeys, retryDelaysMs: settings.retryDelaysMs },
    prefetch: settings.prefetch,
    maxAttempts: settings.maxAttempts,
  };
}
