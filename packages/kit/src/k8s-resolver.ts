import { Metadata, experimental, status, type ChannelOptions } from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { EndpointSliceWatcher, defaultKubeConfig, type EndpointAddress, type EndpointTarget } from './endpoint-slices.js';
import { createLogger, type Logger } from './log.js';

export interface DiscoverySettings {
  kubeConfig: KubeConfig;
  log: Logger;
  registry?: Registry;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

let settings: (() => DiscoverySettings) | undefined;
let fallback: Logger | undefined;
// Used only when a k8s: target is resolved before configureK8sDiscovery was called.
const fallbackLog = () => (fallback ??= createLogger({ service: 'k8s-discovery', level: 'info' }));
const shared = new Map<string, { watcher: EndpointSliceWatcher; users: number }>();

/**
 * Parses `payments.switchyard:grpc` (a k8s:/// target's path, or a k8s:// URL's host and port):
 * Service `payments` in namespace `switchyard`, port named `grpc`.
 */
export function parseK8sTarget(text: string): EndpointTarget {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+):([a-z0-9-]+)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not <service>.<namespace>:<port-name>`);
  return { service: match[1]!, namespace: match[2]!, portName: match[3]! };
}

/**
 * Enables `k8s:` targets in this process: registers the grpc-js resolver and sets how the process talks
 * to the Kubernetes API (tests point it at a fake; the in-cluster configuration otherwise). Import this
 * module dynamically, only when a k8s: target is configured: @kubernetes/client-node costs every process
 * that loads it ~50 MB and half a second of start-up.
 */
export function configureK8sDiscovery(provider: () => DiscoverySettings): void {
  settings = provider;
  registerK8sResolver();
}

/** configureK8sDiscovery unless the process configured it already (a test pointing it at a fake API server). */
export function ensureK8sDiscovery(provider: () => DiscoverySettings): void {
  if (settings) registerK8sResolver();
  else configureK8sDiscovery(provider);
}

/** One watcher per target per process, shared by every channel and pool that uses it. */
export function acquireWatcher(target: EndpointTarget, log: Logger): { watcher: EndpointSliceWatcher; release: () => Promise<void> } {
  const key = `${target.service}.${target.namespace}:${target.portName}`;
  let entry = shared.get(key);
  if (!entry) {
    const s = settings?.() ?? { kubeConfig: defaultKubeConfig(), log };
    entry = { watcher: new EndpointSliceWatcher(target, s).start(), users: 0 };
    shared.set(key, entry);
  }
  entry.users += 1;
  const held = entry;
  return {
    watcher: held.watcher,
    release: async () => {
      held.users -= 1;
      if (held.users === 0 && shared.get(key) === held) {
        shared.delete(key);
        await held.watcher.stop();
      }
    },
  };
}

/**
 * grpc-js resolver for `k8s:///<service>.<namespace>:<port-name>`: feeds the ready pods of the Service
 * straight from its EndpointSlices to the channel, so round_robin balances over exactly those and
 * follows every change at once (DNS would be re-resolved every 30 s at best).
 */
class K8sResolver implements experimental.Resolver {
  readonly #target: EndpointTarget;
  #held: ReturnType<typeof acquireWatcher> | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    _options: ChannelOptions,
  ) {
    this.#target = parseK8sTarget(target.path);
  }

  /** The Service's DNS name: the :authority of calls (the port part of the target is a port name). */
  static getDefaultAuthority(target: experimental.GrpcUri): string {
    const { service, namespace } = parseK8sTarget(target.path);
    return `${service}.${namespace}`;
  }

  updateResolution(): void {
    if (!this.#held) {
      this.#held = acquireWatcher(this.#target, settings?.().log ?? fallbackLog());
      this.#unsubscribe = this.#held.watcher.subscribe((addresses) => this.#report(addresses));
      void this.#held.watcher.whenSynced().then(() => this.#report(this.#held?.watcher.addresses ?? []));
      return;
    }
    // Never call the listener synchronously from updateResolution.
    const addresses = this.#held.watcher.addresses;
    setImmediate(() => this.#report(addresses));
  }

  destroy(): void {
    this.#unsubscribe?.();
    void this.#held?.release();
    this.#held = undefined;
  }

  #report(addresses: EndpointAddress[]): void {
    if (!this.#held) return;
    if (addresses.length === 0) {
      const target = `${this.#target.service}.${this.#target.namespace}:${this.#target.portName}`;
      this.listener({ ok: false, error: { code: status.UNAVAILABLE, details: `no ready endpoints for ${target}`, metadata: new Metadata() } }, {}, null, '');
      return;
    }
    this.listener({ ok: true, value: addresses.map((a) => ({ addresses: [{ host: a.host, port: a.port }] })) }, {}, null, '');
  }
}

let registered = false;

/** Registers the k8s: scheme with grpc-js (once per process). */
export function registerK8sResolver(): void {
  if (registered) return;
  experimental.registerResolver('k8s', K8sResolver);
  registered = true;
}
