import { AmqpConnection } from './amqp-connection.js';
import { pause, throwIfStopping } from './backoff.js';
import { declareEventExchange } from './event-consumer.js';
import { registerOutboxMetrics } from './event-metrics.js';
import { pruneInbox } from './inbox.js';
import type { ShutdownStep } from './lifecycle.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { OutboxRelay } from './outbox.js';
import type { Pool } from './postgres.js';
import type { Readiness } from './readiness.js';

interface EventingConfig {
  AMQP_URL: string;
  EVENTS_EXCHANGE: string;
  AMQP_RECONNECT_MAX_MS: number;
  DATABASE_URL: string;
  INSTANCE_ID?: string | undefined;
  OUTBOX_POLL_INTERVAL_MS?: number;
  OUTBOX_BATCH_SIZE?: number;
  OUTBOX_RETENTION_MS?: number;
  INBOX_RETENTION_MS?: number;
}

export interface EventingOptions {
  service: string;
  /** Run the outbox relay (the service publishes events). */
  relay: boolean;
  /** Registers the service's consumers on the connection (they also prune the inbox). */
  consumers?: (connection: AmqpConnection) => void;
}

/** How long a starting service waits for the broker before it serves anyway (the outbox covers the rest). */
const STARTUP_WAIT_MS = 5_000;

/**
 * The event plumbing of a service, written once: one supervised RabbitMQ connection (reported on
 * /readyz without making the service unready: the outbox absorbs an outage), the outbox relay for
 * producers, the consumers and inbox pruning for consumers, and the shutdown steps in order. It waits
 * a few seconds for the first connection, so a healthy system has its queues bound before it serves.
 */
export async function startEventing(
  config: Readonly<EventingConfig>,
  deps: { log: Logger; metrics: Metrics; readiness: Readiness; pool: Pool; signal?: AbortSignal | undefined },
  options: EventingOptions,
): Promise<{ connection: AmqpConnection; stop: ShutdownStep[] }> {
  const log = deps.log.child({ area: 'events' });
  const connection = new AmqpConnection({
    url: config.AMQP_URL,
    connectionName: config.INSTANCE_ID ?? options.service,
    log,
    registry: deps.metrics.registry,
    reconnectMaxMs: config.AMQP_RECONNECT_MAX_MS,
  });
  deps.readiness.add('broker', connection.check(), { critical: false });
  // Producers declare the exchange too, so publishing never depends on a consumer having started.
  connection.declare((channel) => declareEventExchange(channel, config.EVENTS_EXCHANGE));
  options.consumers?.(connection);
  connection.start();
  const connected = await Promise.race([connection.whenConnected().then(() => true), pause(STARTUP_WAIT_MS, deps.signal).then(() => false)]);
  if (deps.signal?.aborted) {
    await connection.close();
    throwIfStopping(deps.signal, 'waiting for RabbitMQ');
  }
  if (!connected) log.warn({ waitedMs: STARTUP_WAIT_MS }, 'RabbitMQ is not reachable yet; starting anyway, events wait in the outbox');

  const stop: ShutdownStep[] = [];
  if (options.relay) {
    const relay = new OutboxRelay({
      pool: deps.pool,
      databaseUrl: config.DATABASE_URL,
      amqp: connection,
      exchange: config.EVENTS_EXCHANGE,
      log,
      registry: deps.metrics.registry,
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS ?? 1000,
      batchSize: config.OUTBOX_BATCH_SIZE ?? 100,
      retentionMs: config.OUTBOX_RETENTION_MS ?? 3_600_000,
    }).start();
    stop.push({ name: 'outbox relay', run: () => relay.stop() });
    registerOutboxMetrics(deps.metrics.registry, deps.pool);
  }
  if (options.consumers) {
    const retention = config.INBOX_RETENTION_MS ?? 3_600_000;
    const timer = setInterval(() => void pruneInbox(deps.pool, retention).catch((err) => log.warn({ err }, 'inbox pruning failed')), Math.min(retention, 60_000));
    timer.unref();
    stop.push({ name: 'inbox pruning', run: async () => clearInterval(timer) });
  }
  stop.push({ name: 'rabbitmq', run: () => connection.close() });
  return { connection, stop };
}
