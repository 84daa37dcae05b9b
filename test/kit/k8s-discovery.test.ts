import { createServer } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry } from 'prom-client';
import { SERVICE_NAMES, usersV1, type UsersDefinition } from '@switchyard/contracts/grpc-contracts';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { GrpcServer } from '@switchyard/kit/grpc-server';
import { EndpointSliceWatcher } from '@switchyard/kit/endpoint-slices';
import { configureK8sDiscovery } from '@switchyard/kit/k8s-resolver';
import { Readiness } from '@switchyard/kit/readiness';
import { eventually } from '../support/broker.js';
import { FakeKubeApi } from '../support/fake-kube-api.js';
import { capturedLogger } from '../support/logs.js';
import { request } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { withinDeadline } from '../support/tcp.js';
import { startTestGateway } from '../support/services.js';

const discovery = suite('k8s discovery: EndpointSlices → grpc-js resolver (against a FAKE API server)');
const { log, lines } = capturedLogger('discovery-test');
const registry = new Registry();
const api = new FakeKubeApi();
let port = 0;
const servers: GrpcServer[] = [];
let client: GrpcClient<UsersDefinition>;
// Three "pods": the same port on three loopback addresses, as pods share a port on different IPs.
const PODS = { a: '127.0.0.2', b: '127.0.0.3', c: '127.0.0.4' } as const;

discovery.before(async () => {
  await api.start();
  port = await freePort();
  configureK8sDiscovery(() => ({ kubeConfig: api.kubeConfig(), log, registry, initialBackoffMs: 200, maxBackoffMs: 1000 }));
  for (const [name, ip] of Object.entries(PODS)) {
    const server = new GrpcServer({ log, registry: new Registry(), readiness: new Readiness(), maxConnectionAgeMs: 300_000, maxConnectionAgeGraceMs: 10_000 });
    server.addService(SERVICE_NAMES.users, usersV1().Users.service, { GetUser: async ({ id }) => ({ id, email: `${name}@pods`, name }) });
    await server.listen(port, ip);
    servers.push(server);
  }
  api.setEndpoints('users', 'grpc', port, [{ ip: PODS.a }]);
  client = new GrpcClient(usersV1().Users, { dependency: 'users', serviceName: SERVICE_NAMES.users, target: 'k8s:///users.test:grpc', deadlineMs: 2000, maxAttempts: 3 });
});

discovery.after(async () => {
  client.close();
  await Promise.all(servers.map((s) => s.shutdown(500)));
  await api.stop().catch(() => undefined);
});

/** Which pods answered n calls. */
async function answeredBy(n = 30): Promise<Set<string>> {
  const names = new Set<string>();
  for (let i = 0; i < n; i++) names.add((await client.call('GetUser', { id: String(i) })).name);
  return names;
}

discovery('calls go to the ready endpoints of the Service, and reach a newly added one within one second', async () => {
  assert.equal(await answeredBy(), new Set(['a']));
  api.setEndpoints('users', 'grpc', port, [{ ip: PODS.a }, { ip: PODS.b }]);
  const started = Date.now();
  await eventually(async () => ((await answeredBy(10)).has('b') ? true : undefined), 1000, 'b receives calls');
  assert.ok(Date.now() - started <= 1000);
  assert.equal(await answeredBy(), new Set(['a', 'b']));
});

discovery('a not-ready or terminating endpoint gets no new calls within one second', async () => {
  api.setEndpoints('users', 'grpc', port, [{ ip: PODS.a }, { ip: PODS.b, ready: false }]);
  await eventually(async () => ((await answeredBy(10)).has('b') ? undefined : true), 1000, 'b gets no calls');
  assert.equal(await answeredBy(40), new Set(['a']));
  api.setEndpoints('users', 'grpc', port, [{ ip: PODS.a, terminating: true }, { ip: PODS.b }]);
  await eventually(async () => ((await answeredBy(10)).has('a') ? undefined : true), 1000, 'a gets no calls');
  assert.equal(await answeredBy(40), new Set(['b']));
});

discovery('a dropped watch resumes from the last resourceVersion without a relist', async () => {
  const lists = () => api.requests.filter((r) => !r.watch).length;
  const listsBefore = lists();
  const watchesBefore = api.requests.filter((r) => r.watch).length;
  api.dropWatches();
  await eventually(async () => (api.requests.filter((r) => r.watch).length > watchesBefore ? true : undefined), 2000, 'the watch reconnected');
  const resumed = api.requests.filter((r) => r.watch).at(-1)!;
  assert.match(resumed.resourceVersion ?? '', /^\d+$/);
  api.setEndpoints('users', 'grpc', port, [{ ip: PODS.c }]);
  await eventually(async () => ((await answeredBy(10)).has('c') ? true : undefined), 1000, 'c receives calls');
  assert.equal(await answeredBy(), new Set(['c']));
  assert.is(lists(), listsBefore, 'no relist was needed');
});

discovery('a 410 Gone makes the watcher relist and converge on the current endpoints', async () => {
  const lists = () => api.requests.filter((r) => !r.watch).length;
  const listsBefore = lists();
  // While the watch is down, history is compacted and the endpoints change: resuming is impossible.
  api.dropWatches();
  api.compact();
  api.setEndpoints('users', 'grpc', port, [{ ip: PODS.a }, { ip: PODS.c }]);
  await eventually(async () => (lists() > listsBefore ? true : undefined), 3000, 'a relist after 410');
  await eventually(async () => {
    const names = await answeredBy(20);
    return names.has('a') && names.has('c') ? true : undefined;
  }, 2000, 'calls spread over a and c');
  assert.equal(await answeredBy(), new Set(['a', 'c']));
});

discovery('with the API server unreachable, the last known endpoints keep serving and reconnects back off', async () => {
  lines.length = 0;
  await api.stop();
  const started = Date.now();
  let calls = 0;
  while (Date.now() - started < 3000) {
    await client.call('GetUser', { id: 'x' });
    calls += 1;
  }
  assert.ok(calls > 10);
  const retries = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'EndpointSlice list/watch failed; keeping the last known endpoints');
  assert.ok(retries.length >= 2 && retries.length <= 8, `${retries.length} reconnect attempts in 3 s`);
  assert.ok(retries.every((r) => r.endpoints === 2), 'the last known endpoints were kept');
  const delays = retries.map((r) => r.retryInMs as number);
  assert.ok(delays.at(-1)! > delays[0]!, `delays grow: ${delays.join(', ')}`);

  await api.start(api.port);
  api.setEndpoints('users', 'grpc', port, [{ ip: PODS.b }]);
  await eventually(async () => ((await answeredBy(10)).has('b') ? true : undefined), 5000, 'recovered after the API server returned');
});

discovery('the gateway balances an HTTP upstream over the ready pods of its EndpointSlices', async () => {
  const httpPort = await freePort();
  const pods = await Promise.all(
    (['a', 'b'] as const).map(async (name) => {
      const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [], nextCursor: null, pod: name })));
      await new Promise<void>((resolve) => server.listen(httpPort, PODS[name], resolve));
      return server;
    }),
  );
  api.setEndpoints('catalog', 'http', httpPort, [{ ip: PODS.a }, { ip: PODS.b }]);
  const gateway = await startTestGateway('http://127.0.0.1:9', log, { CATALOG_URL: 'k8s://catalog.test:http' });
  try {
    const seen = async (n: number) => {
      const pods = new Set<string>();
      for (let i = 0; i < n; i++) pods.add((await request(`${gateway.url}/api/products`)).body.pod);
      return pods;
    };
    await eventually(async () => ((await seen(20)).size === 2 ? true : undefined), 3000, 'both pods answer');
    api.setEndpoints('catalog', 'http', httpPort, [{ ip: PODS.a }, { ip: PODS.b, ready: false }]);
    await eventually(async () => ((await seen(20)).has('b') ? undefined : true), 3000, 'only a answers');
    assert.equal(await seen(20), new Set(['a']));
  } finally {
    await gateway.stop();
    for (const server of pods) {
      server.closeAllConnections();
      server.close();
    }
  }
});

discovery('a gateway with a k8s:// upstream is not ready until that upstream\'s endpoints were listed', async () => {
  await api.stop();
  const gateway = await startTestGateway('http://127.0.0.1:9', log, { ORDERS_URL: 'k8s://orders.test:http' });
  try {
    const unready = await request(`${gateway.adminUrl}/readyz`);
    assert.equal([unready.status, unready.body], [503, { status: 'unready', checks: { discovery: 'down' } }]);
    await api.start(api.port);
    await eventually(async () => ((await request(`${gateway.adminUrl}/readyz`)).status === 200 ? true : undefined), 5000, 'ready once listed');
  } finally {
    await gateway.stop();
  }
});

discovery('stop() ends a watcher at once while it backs off from an unreachable API server', async () => {
  const captured = capturedLogger('discovery-backoff');
  const down = new FakeKubeApi();
  await down.start();
  const kubeConfig = down.kubeConfig();
  await down.stop(); // nothing answers there any more
  const watcher = new EndpointSliceWatcher({ service: 'users', namespace: 'test', portName: 'grpc' }, { kubeConfig, log: captured.log, initialBackoffMs: 60_000, maxBackoffMs: 60_000 }).start();
  await eventually(async () => (captured.lines.some((l) => l.includes('EndpointSlice list/watch failed')) ? true : undefined), 5000, 'the failed list');
  // A pause far longer than the deadline: only an abortable pause lets stop() meet it.
  await withinDeadline(watcher.stop(), 1000, 'stop() during the backoff');
});

discovery('a list or a watch the API server takes and never answers is given up at its deadline and tried again', async () => {
  const captured = capturedLogger('discovery-stall');
  const hanging = await new FakeKubeApi().start();
  hanging.setEndpoints('users', 'grpc', 9000, [{ ip: PODS.a }]);
  hanging.stall(true);
  const options = { kubeConfig: hanging.kubeConfig(), log: captured.log, initialBackoffMs: 50, maxBackoffMs: 100, requestTimeoutMs: 300, watchTimeoutSeconds: 1 };
  const watcher = new EndpointSliceWatcher({ service: 'users', namespace: 'test', portName: 'grpc' }, options).start();
  try {
    await eventually(async () => (hanging.requests.length >= 2 ? true : undefined), 5000, 'the hanging list given up and tried again');
    assert.ok(captured.lines.some((l) => l.includes('EndpointSlice list/watch failed') && l.includes('"name":"AbortError"')), 'the list failed at its deadline');
    hanging.stall(false);
    await withinDeadline(watcher.whenSynced(), 2000, 'the list once the API server answers');
    assert.equal(watcher.addresses, [{ host: PODS.a, port: 9000 }]);
    // The fake keeps the watch open past its timeoutSeconds (1 s), as a dead connection would: the
    // watcher gives it up after the request deadline and resumes from the last resourceVersion.
    const watches = () => hanging.requests.filter((r) => r.watch);
    await eventually(async () => (watches().length >= 1 ? true : undefined), 2000, 'the first watch');
    await eventually(async () => (watches().length >= 2 ? true : undefined), 3000, 'the overdue watch given up and resumed');
    assert.is(watches()[1]!.resourceVersion, watches()[0]!.resourceVersion);
    assert.ok(captured.lines.some((l) => l.includes('the watch was still open 300 ms after its 1 s timeout')));
    hanging.setEndpoints('users', 'grpc', 9000, [{ ip: PODS.b }]);
    await eventually(async () => (watcher.addresses[0]?.host === PODS.b ? true : undefined), 2000, 'a change seen on the resumed watch');
  } finally {
    await withinDeadline(watcher.stop(), 1000, 'stop()');
    await hanging.stop();
  }
});

discovery('exports current endpoints, watch restarts and resolution updates', async () => {
  const text = await registry.metrics();
  assert.match(text, /discovery_endpoints\{target="users\.test:grpc"\} 1/);
  assert.match(text, /discovery_watch_restarts_total\{target="users\.test:grpc",reason="gone"\} [1-9]/);
  assert.match(text, /discovery_watch_restarts_total\{target="users\.test:grpc",reason="error"\} [1-9]/);
  assert.match(text, /discovery_resolution_updates_total\{target="users\.test:grpc"\} [1-9]/);
});

discovery.run();
