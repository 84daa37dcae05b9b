import { lookup } from 'node:dns/promises';
import type { EndpointWatch } from '../upstream/upstream.js';
import type { ReplicaSource } from './system-targets.js';

/** Starts following the pods of a `service.namespace:port-name` (the gateway's shared EndpointSlice watchers). */
export type WatchK8sTarget = (target: string) => Promise<EndpointWatch>;

/** The admin base URLs of one service's replicas, as they are now. */
export interface ReplicaDirectory {
  /** Rejects with a reason to show when the replicas cannot be listed. */
  list(): Promise<string[]>;
  close(): Promise<void>;
}

const origin = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
const byAddress = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * The directory of one SYSTEM_TARGETS entry. A `dns://` name is looked up at every poll: behind a headless
 * Service with publishNotReadyAddresses it returns every pod, ready or not, so one that fails its
 * readiness stays in the view, as not ready, instead of vanishing from it. A `k8s://` target lists the
 * pods the EndpointSlices hold (the kit keeps only those not terminating).
 */
export async function replicaDirectory(source: ReplicaSource, watchK8s: WatchK8sTarget): Promise<ReplicaDirectory> {
  switch (source.kind) {
    case 'static':
      return { list: async () => source.urls, close: async () => undefined };
    case 'dns':
      return {
        list: async () => {
          const found = await lookup(source.host, { all: true }).catch((err: NodeJS.ErrnoException) => {
            throw new Error(`${source.host} does not resolve (${err.code ?? err.message})`);
          });
          return [...new Set(found.map((a) => origin(a.address, source.port)))].sort(byAddress);
        },
        close: async () => undefined,
      };
    case 'k8s': {
      const { watcher, release } = await watchK8s(source.target);
      let synced = false;
      void watcher.whenSynced().then(() => (synced = true));
      return {
        list: async () => {
          if (!synced) throw new Error(`the pods of ${source.target} are not listed yet`);
          return watcher.addresses.map((a) => origin(a.host, a.port)).sort(byAddress);
        },
        close: release,
      };
    }
  }
}
