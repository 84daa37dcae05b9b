import amqp, { type Channel, type ChannelModel, type ConsumeMessage, type Options } from 'amqplib';
import { Gauge, type Registry } from 'prom-client';
import { ConfirmPublisher } from './amqp-publisher.js';
import { backoffDelay, pause } from './backoff.js';
import { UnavailableError } from './errors.js';
import type { Logger } from './log.js';
import { sharedMetric } from './metrics.js';

/** Declares exchanges, queues and bindings; run again (idempotently) after every reconnect. */
export type TopologySetup = (channel: Channel) => Promise<void>;

/** A consumer the supervisor (re)creates on every connection, each on its own channel. */
export interface ConsumerSpec {
  queue: string;
  prefetch: number;
  /** Exclusive consumers (a per-replica queue) are declared by their topology setup too. */
  exclusive?: boolean;
  /** Handles one delivery; acks/rejects it on `channel` itself. */
  onMessage: (message: ConsumeMessage, channel: Channel) => Promise<void>;
}

export interface AmqpOptions {
  url: string;
  /** Shown in the broker's management UI. */
  connectionName: string;
  log: Logger;
  registry?: Registry;
  heartbeatSeconds?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
}

interface LiveConsumer {
  spec: ConsumerSpec;
  channel: Channel;
  tag: string;
}

/**
 * One RabbitMQ connection per process, supervised: it reconnects with exponential backoff and jitter
 * after `error` or `close`, re-declares the topology, re-creates every consumer on its own channel
 * with its prefetch, and keeps one confirm channel for publishing (see ConfirmPublisher: confirms in
 * flight together, `drain` respected). Every channel has an error listener, so a channel-level error
 * never crashes the process.
 */
export class AmqpConnection {
  #model: ChannelModel | undefined;
  #publisher: ConfirmPublisher | undefined;
  readonly #topology: TopologySetup[] = [];
  readonly #consumers: ConsumerSpec[] = [];
  readonly #live: LiveConsumer[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #connectedGauge: Gauge | undefined;
  #closing = false;
  #loop: Promise<void> | undefined;
  readonly #closed = new AbortController();
  #firstConnect: { promise: Promise<void>; resolve: () => void };

  constructor(private readonly options: AmqpOptions) {
    let resolve: () => void = () => undefined;
    this.#firstConnect = { promise: new Promise((r) => (resolve = r)), resolve };
    if (options.registry) {
      const registry = options.registry;
      this.#connectedGauge = sharedMetric(registry, 'amqp_connected', () => new Gauge({ name: 'amqp_connected', help: '1 while the RabbitMQ connection is up.', registers: [registry] }));
    }
  }

  /** True while connected with the topology declared. */
  get connected(): boolean {
    return this.#publisher !== undefined;
  }

  /** Adds topology to declare on every connection (call before start). */
  declare(setup: TopologySetup): this {
    this.#topology.push(setup);
    return this;
  }

  /** Adds a consumer, started now if connected and after every reconnect. */
  consume(spec: ConsumerSpec): this {
    this.#consumers.push(spec);
    if (this.#model) void this.#startConsumer(this.#model, spec).catch((err) => this.#onFailure(err, 'consumer start failed'));
    return this;
  }

  /** Starts the supervision loop; resolves at once (the service runs while the broker is away). */
  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  /** Resolves after the first successful connection (tests and tools wait for it). */
  whenConnected(): Promise<void> {
    return this.#firstConnect.promise;
  }

  /** A readiness check that reports the broker link. */
  check(): () => Promise<void> {
    return async () => {
      if (!this.connected) throw new Error('not connected to RabbitMQ');
    };
  }

  /**
   * The messages waiting in each queue, read with passive declares on a short-lived channel (metrics
   * ask at scrape time); undefined while disconnected. A queue that does not exist closes that
   * channel, so the queues after it are left out.
   */
  async queueDepths(queues: readonly string[]): Promise<Map<string, number> | undefined> {
    const model = this.#model;
    if (!model) return undefined;
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    const depths = new Map<string, number>();
    try {
      for (const queue of queues) depths.set(queue, (await channel.checkQueue(queue)).messageCount);
    } catch {
      // the queue is missing: the channel is gone, and so are the rest
    }
    await channel.close().catch(() => undefined);
    return depths;
  }

  /**
   * Publishes one persistent message and resolves when the broker confirmed it, without waiting for
   * the confirms of earlier publishes. Rejects with a 503 UnavailableError while disconnected, when the
   * broker nacks the message, or when the channel closes before the confirm, so callers (the outbox
   * relay) keep the message for later.
   */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
    if (!this.#publisher) return Promise.reject(new UnavailableError('broker_unavailable', 'RabbitMQ is not connected.'));
    return this.#publisher.publish(exchange, routingKey, content, options);
  }

  /** Stops consuming, lets handlers in flight finish, then closes channels and the connection. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#closed.abort();
    await Promise.all(this.#live.map((c) => c.channel.cancel(c.tag).catch(() => undefined)));
    await Promise.all([...this.#inFlight]);
    await this.#publisher?.settled();
    const model = this.#model;
    this.#reset();
    await model?.close().catch(() => undefined);
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { log } = this.options;
    const initial = this.options.reconnectInitialMs ?? 200;
    const max = this.options.reconnectMaxMs ?? 15_000;
    for (let attempt = 0; !this.#closing; ) {
      try {
        const { dropped } = await this.#connect();
        attempt = 0;
        this.#firstConnect.resolve();
        await dropped;
      } catch (err) {
        log.warn({ err, attempt }, 'RabbitMQ connection failed');
      }
      this.#reset();
      if (this.#closing) break;
      const delay = backoffDelay(attempt, initial, max);
      attempt += 1;
      log.info({ delayMs: delay, attempt }, 'reconnecting to RabbitMQ');
      await pause(delay, this.#closed.signal);
    }
  }

  /** Connects, declares, starts consumers; `dropped` settles when the link goes down. */
  async #connect(): Promise<{ dropped: Promise<void> }> {
    const { log } = this.options;
    const url = new URL(this.options.url);
    // Heartbeats notice a dead broker (or a dead network path) within about two intervals.
    url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds ?? 15));
    const model = await amqp.connect(url.href, { clientProperties: { connection_name: this.options.connectionName }, timeout: 5000 });
    const dropped = new Promise<void>((resolve) => {
      model.on('error', (err: Error) => log.warn({ err }, 'RabbitMQ connection error'));
      model.on('close', () => resolve());
      model.on('blocked', (reason: string) => log.warn({ reason }, 'RabbitMQ blocked the connection'));
    });
    this.#model = model;
    try {
      const setupChannel = await model.createChannel();
      setupChannel.on('error', (err: Error) => log.error({ err }, 'topology declaration failed'));
      for (const setup of this.#topology) await setup(setupChannel);
      await setupChannel.close();
      await this.#openPublisher(model);
      for (const spec of this.#consumers) await this.#startConsumer(model, spec);
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err;
    }
    this.#connectedGauge?.set(1);
    log.info({ consumers: this.#consumers.length }, 'connected to RabbitMQ');
    return { dropped };
  }

  async #openPublisher(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (err: Error) => this.options.log.warn({ err }, 'publish channel error'));
    const publisher = new ConfirmPublisher(channel);
    channel.on('close', () => {
      if (this.#publisher !== publisher) return;
      this.#publisher = undefined;
      // A channel error (not a dropped connection): open a new publisher on the same connection.
      if (this.#model === model && !this.#closing) void this.#openPublisher(model).catch((err) => this.#onFailure(err, 'publish channel reopen failed'));
    });
    this.#publisher = publisher;
  }

  async #startConsumer(model: ChannelModel, spec: ConsumerSpec): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', (err: Error) => this.options.log.warn({ err, queue: spec.queue }, 'consumer channel error'));
    await channel.prefetch(spec.prefetch);
    const { consumerTag } = await channel.consume(
      spec.queue,
      (message) => {
        if (!message) return; // cancelled by the broker (queue deleted); the reconnect loop recovers
        const work = spec.onMessage(message, channel).catch((err: unknown) => this.options.log.error({ err, queue: spec.queue }, 'message handler failed'));
        this.#inFlight.add(work);
        void work.finally(() => this.#inFlight.delete(work));
      },
      { noAck: false, exclusive: spec.exclusive ?? false },
    );
    const live = { spec, channel, tag: consumerTag };
    this.#live.push(live);
    channel.on('close', () => {
      const index = this.#live.indexOf(live);
      if (index >= 0) this.#live.splice(index, 1);
      if (this.#model === model && !this.#closing) {
        void pause(500, this.#closed.signal).then(() => (this.#model === model && !this.#closing ? this.#startConsumer(model, spec) : undefined)).catch((err) => this.#onFailure(err, 'consumer restart failed'));
      }
    });
  }

  #onFailure(err: unknown, message: string): void {
    this.options.log.warn({ err }, message);
    // Closing the connection sends the supervisor through a clean reconnect.
    void this.#model?.close().catch(() => undefined);
  }

  #reset(): void {
    this.#model = undefined;
    this.#publisher = undefined;
    this.#live.length = 0;
    this.#connectedGauge?.set(0);
  }
}
