import type { Registry } from 'prom-client';
import type { BreakerState, BreakerStateName, ServiceHealth, SystemSnapshot, TappedEvent } from '@switchyard/contracts/system-view';
import type { Logger } from '@switchyard/kit/log';
import { replicaDirectory, type ReplicaDirectory, type WatchK8sTarget } from './replica-directory.js';
import type { ReplicaProbe } from './replica-probe.js';
import type { SystemTarget } from './system-targets.js';
import type { EventTap } from './event-tap.js';

/** What a stream receives: a new snapshot, or an event seen on the exchange. */
export type ViewUpdate = { kind: 'snapshot'; snapshot: SystemSnapshot } | { kind: 'event'; event: TappedEvent };

export interface SystemViewOptions {
  targets: readonly SystemTarget[];
  probe: ReplicaProbe;
  pollMs: number;
  /** The gateway's own metrics: its breakers' and ejections' gauges are read from there. */
  registry: Registry;
  /** Starts the event tap (when the first stream opens); none without a broker URL. */
  openTap?: () => EventTap;
  watchK8s: WatchK8sTarget;
  log: Logger;
}

const BREAKER_STATES: Record<number, BreakerStateName> = { 0: 'closed', 1: 'open', 2: 'half-open' };

/**
 * The system view's source: while at least one stream is open, one loop (shared by all streams) polls
 * every replica's admin endpoints each `pollMs` and the event tap follows the events exchange; with no
 * stream open nothing is polled and the tap is closed. Each subscriber gets every snapshot and event.
 */
export class SystemView {
  readonly #subscribers = new Set<(update: ViewUpdate) => void>();
  #directories: Promise<Array<{ target: SystemTarget; directory: ReplicaDirectory | Error }>> | undefined;
  #tap: EventTap | undefined;
  #untap: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #latest: SystemSnapshot | undefined;
  #polling: Promise<SystemSnapshot> | undefined;
  #closed = false;

  constructor(private readonly options: SystemViewOptions) {}

  /** The newest snapshot, if one was taken since the view last went idle. */
  get latest(): SystemSnapshot | undefined {
    return this.#latest;
  }

  /** The events the tap kept so far, newest first (none while no stream is open). */
  get recentEvents(): TappedEvent[] {
    return this.#tap?.recent ?? [];
  }

  /** Follows the view; the first subscriber starts the polls and the tap, the last one to leave stops them. */
  subscribe(listener: (update: ViewUpdate) => void): () => void {
    if (this.#closed) throw new Error('the system view is closed');
    this.#subscribers.add(listener);
    if (this.#subscribers.size === 1) this.#wake();
    return () => {
      if (!this.#subscribers.delete(listener) || this.#subscribers.size > 0) return;
      this.#sleep();
    };
  }

  /** A snapshot taken now (or the one being taken). */
  poll(): Promise<SystemSnapshot> {
    this.#polling ??= this.#takeSnapshot().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    this.#sleep();
    const directories = await this.#directories;
    await Promise.all((directories ?? []).map(({ directory }) => (directory instanceof Error ? undefined : directory.close())));
    await this.options.probe.close();
  }

  #wake(): void {
    if (this.options.openTap) {
      this.#tap = this.options.openTap();
      this.#untap = this.#tap.subscribe((event) => this.#publish({ kind: 'event', event }));
    }
    const loop = async () => {
      const snapshot = await this.poll().catch((err: unknown) => {
        this.options.log.warn({ err }, 'system view poll failed');
        return undefined;
      });
      if (snapshot) this.#publish({ kind: 'snapshot', snapshot });
      if (this.#subscribers.size > 0 && !this.#closed) this.#timer = setTimeout(loop, this.options.pollMs);
    };
    void loop();
  }

  #sleep(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#latest = undefined;
    this.#untap?.();
    this.#untap = undefined;
    const tap = this.#tap;
    this.#tap = undefined;
    if (tap) void tap.close().catch((err: unknown) => this.options.log.warn({ err }, 'closing the event tap failed'));
  }

  #publish(update: ViewUpdate): void {
    for (const subscriber of this.#subscribers) subscriber(update);
  }

  async #takeSnapshot(): Promise<SystemSnapshot> {
    this.#directories ??= Promise.all(
      this.options.targets.map(async (target) => ({
        target,
        directory: await replicaDirectory(target.source, this.options.watchK8s).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
      })),
    );
    const services = await Promise.all((await this.#directories).map(({ target, directory }) => this.#service(target.service, directory)));
    const snapshot: SystemSnapshot = { at: new Date().toISOString(), services, breakers: await this.#breakers(), eventsConnected: this.#tap?.connected ?? false };
    if (this.#subscribers.size > 0) this.#latest = snapshot;
    return snapshot;
  }

  async #service(name: string, directory: ReplicaDirectory | Error): Promise<ServiceHealth> {
    let addresses: string[];
    try {
      if (directory instanceof Error) throw directory;
      addresses = await directory.list();
    } catch (err) {
      return { name, replicas: [], outboxLagSeconds: null, deadLetters: null, error: (err as Error).message };
    }
    const replicas = await Promise.all(addresses.map((url) => this.options.probe.probe(url)));
    // The replicas of a service share its tables and queues: the largest figure any of them reports.
    const largest = (values: Array<number | null>) => values.reduce<number | null>((max, v) => (v === null ? max : Math.max(max ?? v, v)), null);
    return { name, replicas, outboxLagSeconds: largest(replicas.map((r) => r.outboxLagSeconds)), deadLetters: largest(replicas.map((r) => r.deadLetters)) };
  }

  async #breakers(): Promise<BreakerState[]> {
    const values = async (metric: string) => (await this.options.registry.getSingleMetric(metric)?.get())?.values ?? [];
    const [states, ejected] = await Promise.all([values('gateway_upstream_circuit_state'), values('gateway_upstream_ejected_replicas')]);
    return states
      .map((s) => ({
        upstream: String(s.labels.upstream),
        state: BREAKER_STATES[s.value] ?? 'closed',
        ejectedReplicas: ejected.find((e) => e.labels.upstream === s.labels.upstream)?.value ?? 0,
      }))
      .sort((a, b) => a.upstream.localeCompare(b.upstream));
  }
}
