/**
 * How pods end: a watch on every pod of a namespace that keeps, for each pod being deleted, when the
 * deletion was asked for, its grace period, and the final state of its container (exit code, finish
 * time) as the kubelet reports it just before the pod object goes away.
 */
import { PassThrough } from 'node:stream';
import { CoreV1Api, Log, makeInformer, type Informer, type V1Pod } from '@kubernetes/client-node';
import type { Kube } from './cluster.js';

export interface Termination {
  pod: string;
  /** The app.kubernetes.io/name label: the service. */
  app: string;
  /** When the deletion was asked for (ms since the epoch, to the second). */
  deletedAt: number;
  graceSeconds: number;
  exitCode?: number;
  reason?: string;
  /** When the container's process ended (ms since the epoch, to the second). */
  finishedAt?: number;
  /** The last log line of the container, for pods deleted through deleteAndFollow. */
  lastMessage?: string;
}

export class PodTerminations {
  readonly ended = new Map<string, Termination>();
  readonly #deleting = new Map<string, Termination>();
  readonly #waiters = new Map<string, (t: Termination) => void>();
  #informer: Informer<V1Pod> | undefined;
  #stopped = false;

  private constructor(
    private readonly kube: Kube,
    readonly namespace: string,
  ) {}

  static async start(kube: Kube, namespace: string): Promise<PodTerminations> {
    const terminations = new PodTerminations(kube, namespace);
    // An informer (list, then watch, resumed whenever the API server ends the watch): a bare watch here
    // ends after a few seconds and would miss the deletions that come later.
    const core = kube.config.makeApiClient(CoreV1Api);
    const informer = makeInformer(kube.config, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace }));
    informer.on('update', (pod) => terminations.#onEvent('MODIFIED', pod));
    informer.on('delete', (pod) => terminations.#onEvent('DELETED', pod));
    informer.on('error', () => {
      if (!terminations.#stopped) setTimeout(() => void informer.start(), 500);
    });
    await informer.start();
    terminations.#informer = informer;
    return terminations;
  }

  #onEvent(type: string, pod: V1Pod): void {
    const name = pod.metadata!.name!;
    if (!pod.metadata!.deletionTimestamp) return;
    if (this.ended.has(name)) return;
    const grace = pod.metadata!.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const record = this.#deleting.get(name) ?? {
      pod: name,
      app: pod.metadata!.labels?.['app.kubernetes.io/name'] ?? '',
      deletedAt: new Date(pod.metadata!.deletionTimestamp).getTime() - grace * 1000,
      graceSeconds: grace,
    };
    this.#deleting.set(name, record);
    const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
    if (terminated) {
      record.exitCode = terminated.exitCode;
      record.reason = terminated.reason;
      record.finishedAt = terminated.finishedAt ? new Date(terminated.finishedAt).getTime() : undefined;
    }
    if (type === 'DELETED') {
      this.ended.set(name, record);
      this.#waiters.get(name)?.(record);
    }
  }

  /** Resolves once the pod object is gone, with how its container ended. */
  waitFor(pod: string, timeoutMs: number): Promise<Termination> {
    const done = this.ended.get(pod);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pod ${pod} still exists after ${timeoutMs / 1000} s`)), timeoutMs);
      this.#waiters.set(pod, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }

  /** Deletes a pod while following its log; resolves when it is gone, with its last log line. */
  async deleteAndFollow(pod: string, container: string, timeoutMs: number): Promise<Termination> {
    const lines: string[] = [];
    const stream = new PassThrough();
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
    });
    const logEnded = new Promise<void>((resolve) => stream.on('end', resolve));
    const follow = await new Log(this.kube.config).log(this.namespace, pod, container, stream, { follow: true, tailLines: 1 });
    try {
      await this.kube.config.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: pod, namespace: this.namespace });
      const termination = await this.waitFor(pod, timeoutMs);
      // The log stream ends with the container; give it a moment to deliver the last lines.
      await Promise.race([logEnded, new Promise((r) => setTimeout(r, 2000).unref())]);
      if (buffered) lines.push(buffered);
      const last = lines.at(-1);
      termination.lastMessage = last ? messageOf(last) : undefined;
      return termination;
    } finally {
      follow.abort();
    }
  }

  stop(): void {
    this.#stopped = true;
    void this.#informer?.stop();
  }
}

/** The `msg` of a pino JSON line, or the line itself. */
function messageOf(line: string): string {
  try {
    return String((JSON.parse(line) as { msg?: string }).msg ?? line);
  } catch {
    return line;
  }
}
