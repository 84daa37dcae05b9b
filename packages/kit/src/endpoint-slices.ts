import { DiscoveryV1Api, KubeConfig, Observable, Watch, type ConfigurationOptions, type V1EndpointSlice } from '@kubernetes/client-node';
import { Counter, Gauge, type Registry } from 'prom-client';
import { backoffDelay, pause } from './backoff.js';
import type { Logger } from './log.js';
import { sharedMetric } from './metrics.js';

/** One ready endpoint of a Service port. */
export interface EndpointAddress {
  host: string;
  port: number;
}

export interface EndpointTarget {
  service: string;
  namespace: string;
  /** The Service port's name (`grpc`, `http`). */
  portName: string;
}

export interface WatcherOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  registry?: Registry;
  /** First reconnect delay; doubles up to maxBackoffMs, with jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Deadline of a list request, and how long a watch may outlive its timeoutSeconds (10 s). */
  requestTimeoutMs?: number;
  /** The watch's timeoutSeconds: the API server ends it then, and the watcher resumes (300). */
  watchTimeoutSeconds?: number;
}

/** Request options that abort the call after `ms` (client-node's middleware is the only way to give a generated call a signal). */
function deadline(ms: number): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (request) => {
          request.setSignal(AbortSignal.timeout(ms));
          return new Observable(Promise.resolve(request));
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** The Kubernetes config of this process: in-cluster on Kubernetes, else ~/.kube/config. */
export function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  if (process.env.KUBERNETES_SERVICE_HOST) config.loadFromCluster();
  else config.loadFromDefault();
  return config;
}

/** The ready, non-terminating addresses of one named port across a Service's EndpointSlices. */
export function readyAddresses(slices: Iterable<V1EndpointSlice>, portName: string): EndpointAddress[] {
  const found = new Map<string, EndpointAddress>();
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName)?.port;
    if (port === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      // Kubernetes: a nil `ready` means ready; terminating endpoints take no new calls.
      if (endpoint.conditions?.ready === false || endpoint.conditions?.terminating === true) continue;
      for (const host of endpoint.addresses ?? []) found.set(`${host}:${port}`, { host, port });
    }
  }
  return [...found.values()].sort((a, b) => `${a.host}:${a.port}`.localeCompare(`${b.host}:${b.port}`));
}

type Listener = (addresses: EndpointAddress[]) => void;

/** Waits for `work` unless `signal` aborts first (then resolves undefined); never leaves a listener behind. */
async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  work.catch(() => undefined); // a late failure after the abort is of no interest
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Keeps the ready addresses of a Service port current from its EndpointSlices: list, then watch from
 * the list's resourceVersion, resume from the last one seen after the watch ends, relist after 410 Gone,
 * and back off (exponentially, with jitter) after errors, so an unreachable API server sees no storm;
 * meanwhile the last known addresses stay in use.
 */
export class EndpointSliceWatcher {
  readonly #slices = new Map<string, V1EndpointSlice>();
  readonly #listeners = new Set<Listener>();
  #addresses: EndpointAddress[] = [];
  #resourceVersion: string | undefined;
  readonly #stop = new AbortController();
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #synced: { promise: Promise<void>; resolve: () => void };
  readonly #metrics: { endpoints?: Gauge; restarts?: Counter; updates?: Counter };
  readonly #label: string;
  readonly #requestTimeoutMs: number;
  readonly #watchTimeoutSeconds: number;

  constructor(
    readonly target: EndpointTarget,
    private readonly options: WatcherOptions,
  ) {
    let resolve: () => void = () => undefined;
    this.#synced = { promise: new Promise((r) => (resolve = r)), resolve };
    this.#label = `${target.service}.${target.namespace}:${target.portName}`;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
    const registry = options.registry;
    const metric = <T>(name: string, make: () => T): T | undefined => (registry ? sharedMetric(registry, name, make) : undefined);
    this.#metrics = {
      endpoints: metric('discovery_endpoints', () => new Gauge({ name: 'discovery_endpoints', help: 'Ready endpoints per discovered target.', labelNames: ['target'], registers: [registry!] })),
      restarts: metric('discovery_watch_restarts_total', () => new Counter({ name: 'discovery_watch_restarts_total', help: 'EndpointSlice watches restarted, by reason.', labelNames: ['target', 'reason'], registers: [registry!] })),
      updates: metric('discovery_resolution_updates_total', () => new Counter({ name: 'discovery_resolution_updates_total', help: 'Changes of the ready endpoint set.', labelNames: ['target'], registers: [registry!] })),
    };
  }

  /** The current ready addresses. */
  get addresses(): EndpointAddress[] {
    return this.#addresses;
  }

  /** Resolves after the first successful list. */
  whenSynced(): Promise<void> {
    return this.#synced.promise;
  }

  /** Calls `listener` with the addresses whenever the set changes; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  /** Ends the watch and any backoff pause at once, and waits for the loop to finish. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#abort?.abort();
    await this.#loop;
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  #publish(): void {
    const next = readyAddresses(this.#slices.values(), this.target.portName);
    const key = (list: EndpointAddress[]) => list.map((a) => `${a.host}:${a.port}`).join(',');
    if (key(next) === key(this.#addresses)) return;
    this.#addresses = next;
    this.#metrics.endpoints?.set({ target: this.#label }, next.length);
    this.#metrics.updates?.inc({ target: this.#label });
    this.options.log.info({ target: this.#label, endpoints: next.map((a) => `${a.host}:${a.port}`) }, 'endpoints changed');
    for (const listener of this.#listeners) listener(next);
  }

  async #list(): Promise<void> {
    const api = this.options.kubeConfig.makeApiClient(DiscoveryV1Api);
    const list = await api.listNamespacedEndpointSlice(
      { namespace: this.target.namespace, labelSelector: `kubernetes.io/service-name=${this.target.service}` },
      deadline(this.#requestTimeoutMs),
    );
    this.#slices.clear();
    for (const slice of list.items) this.#slices.set(slice.metadata?.name ?? '', slice);
    this.#resourceVersion = list.metadata?.resourceVersion;
    this.#publish();
    this.#synced.resolve();
  }

  /**
   * Watches from the last resourceVersion until the stream ends; 'gone' asks for a relist. The API server
   * ends a watch after its timeoutSeconds; one still open a request deadline later was lost on the way
   * (a dead connection, or a server that took the request and never answered): it is given up as an error.
   */
  async #watch(): Promise<'ended' | 'gone'> {
    const watch = new Watch(this.options.kubeConfig);
    const timeoutSeconds = this.#watchTimeoutSeconds;
    this.#abort = undefined;
    return new Promise((resolve, reject) => {
      let gone = false;
      let expired = false;
      const expiry = setTimeout(() => {
        expired = true;
        this.#abort?.abort();
        reject(new Error(`the watch was still open ${this.#requestTimeoutMs} ms after its ${timeoutSeconds} s timeout`));
      }, timeoutSeconds * 1000 + this.#requestTimeoutMs);
      const path = `/apis/discovery.k8s.io/v1/namespaces/${this.target.namespace}/endpointslices`;
      const query = {
        labelSelector: `kubernetes.io/service-name=${this.target.service}`,
        resourceVersion: this.#resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
      };
      watch
        .watch(
          path,
          query,
          (phase: string, object: V1EndpointSlice & { code?: number }) => {
            if (phase === 'ERROR') {
              if (object.code === 410) gone = true;
              return;
            }
            this.#resourceVersion = object.metadata?.resourceVersion ?? this.#resourceVersion;
            if (phase === 'BOOKMARK') return;
            const name = object.metadata?.name ?? '';
            if (phase === 'DELETED') this.#slices.delete(name);
            else this.#slices.set(name, object);
            this.#publish();
          },
          (err: unknown) => {
            clearTimeout(expiry);
            if (gone || (err as { statusCode?: number; code?: number })?.statusCode === 410) resolve('gone');
            else if (err && !this.#stopped) reject(err);
            else resolve('ended');
          },
        )
        .then(
          (abort) => {
            this.#abort = abort;
            // stop() or the expiry may have come while the watch request was being made.
            if (this.#stopped || expired) abort.abort();
          },
          (err: unknown) => {
            clearTimeout(expiry);
            reject(err);
          },
        );
    });
  }

  async #run(): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    let failures = 0;
    let relist = true;
    while (!this.#stopped) {
      try {
        if (relist) {
          // A list that hangs (an API server that accepted and never answers) must not hold up stop().
          await unlessAborted(this.#list(), this.#stop.signal);
          if (this.#stopped) break;
          failures = 0;
        }
        relist = false;
        // A watch request that never got an answer must not hold up stop() either.
        const outcome = (await unlessAborted(this.#watch(), this.#stop.signal)) ?? 'ended';
        failures = 0;
        if (this.#stopped) break;
        relist = outcome === 'gone';
        this.#metrics.restarts?.inc({ target: this.#label, reason: outcome });
        this.options.log.debug({ target: this.#label, outcome, resourceVersion: this.#resourceVersion }, 'EndpointSlice watch ended');
        if (outcome === 'ended') continue; // resume at once from the last resourceVersion
      } catch (err) {
        if (this.#stopped) break;
        failures += 1;
        this.#metrics.restarts?.inc({ target: this.#label, reason: 'error' });
        const delay = backoffDelay(failures - 1, initial, max);
        this.options.log.warn({ err, target: this.#label, retryInMs: delay, endpoints: this.#addresses.length }, 'EndpointSlice list/watch failed; keeping the last known endpoints');
        await pause(delay, this.#stop.signal);
      }
    }
  }
}
