import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** An endpoint of a fake EndpointSlice. */
export interface FakeEndpoint {
  ip: string;
  ready?: boolean;
  terminating?: boolean;
}

interface SliceEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Record<string, unknown>;
}

/**
 * A FAKE of the Kubernetes API server, only what EndpointSlice discovery uses: list and watch of
 * discovery.k8s.io/v1 EndpointSlices in a namespace, with resourceVersions, 410 Gone for a watch that
 * resumes from before the compaction point, and switches to drop watches, hang, or go away entirely.
 * A watch stays open until dropped: timeoutSeconds is not honoured.
 * (No real API server can run on the machine the tests run on.)
 */
export class FakeKubeApi {
  readonly requests: Array<{ at: number; watch: boolean; resourceVersion: string | null }> = [];
  #server: Server | undefined;
  #port = 0;
  #rv = 100;
  #compactedBefore = 0;
  readonly #slices = new Map<string, Record<string, unknown>>();
  readonly #log: SliceEvent[] = [];
  readonly #watchers = new Set<{ res: ServerResponse; service: string }>();
  readonly #sockets = new Set<Socket>();
  #stalled = false;

  async start(port = 0): Promise<this> {
    this.#server = createServer((req, res) => this.#handle(req.url ?? '', res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  get port(): number {
    return this.#port;
  }

  /** A KubeConfig pointing at this fake. */
  kubeConfig(): KubeConfig {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${this.#port}`, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'fake-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester', namespace: 'test' }],
      currentContext: 'fake',
    });
    return config;
  }

  /** Creates or replaces the slice of a Service (one slice per Service here). */
  setEndpoints(service: string, portName: string, port: number, endpoints: FakeEndpoint[]): void {
    const name = `${service}-abc12`;
    const type = this.#slices.has(name) ? 'MODIFIED' : 'ADDED';
    const object = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: 'test', labels: { 'kubernetes.io/service-name': service }, resourceVersion: String(++this.#rv) },
      addressType: 'IPv4',
      ports: [{ name: portName, port, protocol: 'TCP' }],
      endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: e.terminating ?? false } })),
    };
    this.#slices.set(name, object);
    this.#emit({ rv: this.#rv, type, object });
  }

  /** Closes every open watch (as an API server restart or a load balancer timeout would). */
  dropWatches(): void {
    for (const watcher of this.#watchers) watcher.res.destroy();
    this.#watchers.clear();
  }

  /** Forgets history up to now: a watch resuming from any resourceVersion seen so far gets 410 Gone. */
  compact(): void {
    this.#compactedBefore = this.#rv + 1;
  }

  /**
   * While on, every request is taken and never answered (an API server that accepted the connection
   * and hangs); the open watches stay as they are.
   */
  stall(on: boolean): void {
    this.#stalled = on;
  }

  /** Stops answering at all (connections refused) until start() again on the same port. */
  async stop(): Promise<void> {
    this.dropWatches();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  #emit(event: SliceEvent): void {
    this.#log.push(event);
    const service = (event.object.metadata as { labels: Record<string, string> }).labels['kubernetes.io/service-name'];
    for (const watcher of this.#watchers) if (watcher.service === service) watcher.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }

  #handle(url: string, res: ServerResponse): void {
    const parsed = new URL(url, 'http://fake');
    const match = /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/.exec(parsed.pathname);
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }));
      return;
    }
    const service = (parsed.searchParams.get('labelSelector') ?? '').replace('kubernetes.io/service-name=', '');
    const watch = parsed.searchParams.get('watch') === 'true' || parsed.searchParams.get('watch') === '1';
    const resourceVersion = parsed.searchParams.get('resourceVersion');
    this.requests.push({ at: Date.now(), watch, resourceVersion });
    if (this.#stalled) return;
    const ofService = (o: Record<string, unknown>) => (o.metadata as { labels: Record<string, string> }).labels['kubernetes.io/service-name'] === service;

    if (!watch) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSliceList', metadata: { resourceVersion: String(this.#rv) }, items: [...this.#slices.values()].filter(ofService) }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const from = Number(resourceVersion ?? 0);
    if (from < this.#compactedBefore) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' } })}\n`);
      return;
    }
    for (const event of this.#log) if (event.rv > from && ofService(event.object)) res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    const watcher = { res, service };
    this.#watchers.add(watcher);
    res.on('close', () => this.#watchers.delete(watcher));
  }
}
