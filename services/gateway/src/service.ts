import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService, type StartOptions } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { LoadShedder } from './http/load-shedder.js';
import { Upstream, type EndpointWatch, type UpstreamOptions } from './upstream/upstream.js';
import { EventTap } from './system/event-tap.js';
import { ReplicaProbe } from './system/replica-probe.js';
import { SystemView } from './system/system-view.js';

const UPSTREAMS = ['users', 'catalog', 'notifications', 'orders'] as const;

/** Wires the gateway (upstreams, load shedding, rate limits, JWT verification, routes) and starts listening. */
export function startGateway(config: Readonly<Config>, log: Logger, start: StartOptions = {}): Promise<StartedService> {
  return hostService(
    config,
    log,
    {
      name: 'gateway',
      // Ready as soon as it listens (and, with k8s:// upstreams, knows their pods): an upstream that
      // is down fails its own routes with 503, while the edge keeps serving everything else.
      build: async ({ metrics, readiness }) => {
        const urls = { users: config.USERS_URL, catalog: config.CATALOG_URL, notifications: config.NOTIFICATIONS_URL, orders: config.ORDERS_URL };
        const watches = await watchEndpoints(urls, log, metrics.registry);
        if (watches.size > 0) {
          // Ready only once every k8s:// upstream listed its pods: right after a rollout, a gateway
          // that took traffic before that would answer 503 for lack of endpoints.
          let synced = false;
          void Promise.all([...watches.values()].map((w) => w.watcher.whenSynced())).then(() => (synced = true));
          readiness.add('discovery', async () => {
            if (!synced) throw new Error('the endpoints of the k8s:// upstreams are not listed yet');
          });
        }
        const common = upstreamOptions(config, log, metrics.registry);
        const upstreams = new Map(UPSTREAMS.map((name) => [name as string, new Upstream(name, urls[name], { ...common, endpoints: watches.get(name) })]));
        const loadShedder = new LoadShedder({
          thresholdMs: config.LOAD_SHED_EVENT_LOOP_DELAY_MS,
          sampleMs: config.LOAD_SHED_SAMPLE_MS,
          consecutiveSamples: config.LOAD_SHED_CONSECUTIVE_SAMPLES,
          log: log.child({ area: 'load-shedding' }),
          registry: metrics.registry,
        });
        loadShedder.start();
        const systemView = config.SYSTEM_VIEW_ENABLED ? createSystemView(config, log, metrics.registry) : undefined;
        return {
          app: createApp({ config, log, metrics, readiness, upstreams, loadShedder, systemView }),
          stop: [
            ...(systemView ? [{ name: 'system view', run: () => systemView.close() }] : []),
            { name: 'upstreams', run: async () => void (await Promise.all([...upstreams.values()].map((u) => u.close()))) },
            { name: 'load shedding', run: async () => loadShedder.stop() },
          ],
        };
      },
    },
    start,
  );
}

/** The system view's poller and event tap (they start only while a view is open). */
function createSystemView(config: Readonly<Config>, log: Logger, registry: import('prom-client').Registry): SystemView {
  const viewLog = log.child({ area: 'system-view' });
  const amqpUrl = config.AMQP_URL;
  return new SystemView({
    targets: config.SYSTEM_TARGETS ?? [],
    probe: new ReplicaProbe(config.SYSTEM_PROBE_TIMEOUT_MS),
    pollMs: config.SYSTEM_POLL_MS,
    registry,
    ...(amqpUrl ? { openTap: () => new EventTap({ url: amqpUrl, exchange: config.EVENTS_EXCHANGE, instance: config.INSTANCE_ID ?? 'gateway', log: viewLog }) } : {}),
    watchK8s: async (target) => (await k8sDiscovery(viewLog, registry))(target),
    log: viewLog,
  });
}

/** What every upstream shares: deadlines, retries and their budget, ejection and breaker settings. */
function upstreamOptions(config: Readonly<Config>, log: Logger, registry: import('prom-client').Registry): Omit<UpstreamOptions, 'endpoints'> {
  return {
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    retries: config.UPSTREAM_RETRIES,
    retryBudgetRatio: config.UPSTREAM_RETRY_BUDGET_RATIO,
    ejection: {
      consecutiveFailures: config.UPSTREAM_EJECTION_CONSECUTIVE_FAILURES,
      baseMs: config.UPSTREAM_EJECTION_BASE_MS,
      maxMs: config.UPSTREAM_EJECTION_MAX_MS,
      maxPercent: config.UPSTREAM_EJECTION_MAX_PERCENT,
    },
    breaker: {
      consecutiveFailures: config.UPSTREAM_BREAKER_CONSECUTIVE_FAILURES,
      failureRatio: config.UPSTREAM_BREAKER_FAILURE_RATIO,
      window: config.UPSTREAM_BREAKER_WINDOW,
      minCalls: config.UPSTREAM_BREAKER_MIN_CALLS,
      openMs: config.UPSTREAM_BREAKER_OPEN_MS,
    },
    streamConnections: config.SSE_MAX_STREAMS,
    log: log.child({ area: 'upstream' }),
    registry,
  };
}

/** The EndpointSlice watches of the k8s:// upstreams. */
async function watchEndpoints(urls: Record<string, readonly string[]>, log: Logger, registry: import('prom-client').Registry): Promise<Map<string, EndpointWatch>> {
  const discovered = Object.entries(urls).filter(([, list]) => list[0]!.startsWith('k8s://'));
  const watches = new Map<string, EndpointWatch>();
  if (discovered.length === 0) return watches;
  const watch = await k8sDiscovery(log.child({ area: 'discovery' }), registry);
  for (const [name, list] of discovered) watches.set(name, watch(list[0]!.slice('k8s://'.length)));
  return watches;
}

/**
 * Follows the pods of `service.namespace:port-name` targets through the shared EndpointSlice watchers.
 * The Kubernetes client is imported only here, so a gateway with plain URLs never loads it.
 */
async function k8sDiscovery(log: Logger, registry: import('prom-client').Registry): Promise<(target: string) => EndpointWatch> {
  const [{ defaultKubeConfig }, { acquireWatcher, ensureK8sDiscovery, parseK8sTarget }] = await Promise.all([
    import('@switchyard/kit/endpoint-slices'),
    import('@switchyard/kit/k8s-resolver'),
  ]);
  ensureK8sDiscovery(() => ({ kubeConfig: defaultKubeConfig(), log, registry }));
  return (target) => acquireWatcher(parseK8sTarget(target), log);
}
