/**
 * The cluster the suite runs on, and kubectl/helm against it. Two kinds, one interface:
 * - `sy-k8s` (default): the machine's local cluster, ../shared/k8s/cluster (install, up, load, down);
 * - `kind` (SWITCHYARD_CLUSTER=kind, the GitHub workflow): a kind cluster, images loaded as archives.
 * kubectl and helm are the npm-packaged ones (scripts/k8s-tools.ts) in both, so both run one test.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { run, SHARED_K8S } from '../../scripts/images.js';
import { k8sTools } from '../../scripts/k8s-tools.js';
import { eventually } from '../support/broker.js';

export interface Cluster {
  kind: 'sy-k8s' | 'kind';
  kubeconfig: string;
  /** Starts the cluster when it is not running; true when this call started it. */
  up(): Promise<boolean>;
  /** Makes local docker images available to the kubelet (no registry involved). */
  load(images: string[]): Promise<void>;
  /** Removes the project's images (switchyard-*) other than `keep` from the node; returns what it removed. */
  pruneImages(keep: string[]): Promise<string[]>;
  /** The folder the node keeps its images in, where its disk can be measured (undefined: not on this machine). */
  imageFs: string | undefined;
  down(): Promise<void>;
}

const KIND_NAME = 'switchyard-ci';

function localCluster(): Cluster {
  const cluster = (...args: string[]) => run(SHARED_K8S, args);
  return {
    kind: 'sy-k8s',
    kubeconfig: '/var/lib/sy-k8s/pki/admin.kubeconfig',
    async up() {
      await cluster('install');
      const status = await cluster('status').then((output) => ({ ok: true, output }), (err: Error) => ({ ok: false, output: err.message }));
      if (status.ok) return false;
      // `up` starts whatever is not running; the cluster counts as started here only if its API server was down.
      await cluster('up');
      return !/^apiserver\s+running/m.test(status.output);
    },
    async load(images) {
      await cluster('load', ...images);
    },
    async pruneImages(keep) {
      // The cluster's own containerd (the shared kit's state folder), through Debian's ctr.
      const ctr = ['-a', '/var/lib/sy-k8s/containerd/containerd.sock', '-n', 'k8s.io', 'images'];
      const stale = (await run('ctr', [...ctr, 'ls', '-q'], { stdoutOnly: true }))
        .split('\n')
        .filter((ref) => ref.startsWith('docker.io/library/switchyard-') && !keep.includes(ref.slice('docker.io/library/'.length)));
      if (stale.length > 0) await run('ctr', [...ctr, 'rm', '--sync', ...stale]);
      return stale;
    },
    imageFs: '/var/lib/sy-k8s',
    async down() {
      await cluster('down');
    },
  };
}

function kindCluster(): Cluster {
  const kubeconfig = join(tmpdir(), `${KIND_NAME}.kubeconfig`);
  return {
    kind: 'kind',
    kubeconfig,
    async up() {
      const clusters = (await run('kind', ['get', 'clusters'])).split('\n');
      if (clusters.includes(KIND_NAME)) {
        await run('kind', ['export', 'kubeconfig', '--name', KIND_NAME, '--kubeconfig', kubeconfig]);
        return false;
      }
      await run('kind', ['create', 'cluster', '--name', KIND_NAME, '--kubeconfig', kubeconfig, '--wait', '120s']);
      return true;
    },
    async load(images) {
      // Archives, not `kind load docker-image`: that fails on images with attestation manifests
      // (Docker's containerd image store); the images script also builds without provenance.
      const dir = mkdtempSync(join(tmpdir(), 'kind-images-'));
      try {
        const archive = join(dir, 'images.tar');
        await run('docker', ['save', '-o', archive, ...images]);
        await run('kind', ['load', 'image-archive', archive, '--name', KIND_NAME]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    // A kind cluster is created for the run and deleted with it (down): nothing of earlier runs is on it.
    pruneImages: async () => [],
    imageFs: undefined,
    async down() {
      await run('kind', ['delete', 'cluster', '--name', KIND_NAME]);
    },
  };
}

/** The cluster named by SWITCHYARD_CLUSTER, or the local one; undefined when neither is available. */
export function chooseCluster(): Cluster | undefined {
  if (process.env.SWITCHYARD_CLUSTER === 'kind') return kindCluster();
  return existsSync(SHARED_K8S) ? localCluster() : undefined;
}

/** kubectl and helm pointed at one cluster; every call is asynchronous (the load keeps flowing). */
export class Kube {
  readonly config = new KubeConfig();
  readonly #tools = k8sTools();
  readonly #env: NodeJS.ProcessEnv;

  constructor(readonly kubeconfig: string) {
    this.config.loadFromFile(kubeconfig);
    this.#env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${dirname(this.#tools.kubectl)}:${process.env.PATH}` };
  }

  kubectl(args: string[], input?: string): Promise<string> {
    return run(this.#tools.kubectl, args, { env: this.#env, input });
  }

  /** kubectl's stdout alone, for output that is parsed or compared (a warning on stderr stays out). */
  kubectlOutput(args: string[]): Promise<string> {
    return run(this.#tools.kubectl, args, { env: this.#env, stdoutOnly: true });
  }

  helm(args: string[]): Promise<string> {
    return run(this.#tools.helm, args, { env: this.#env });
  }

  /** GET a path on a pod's admin port (9091: /readyz, /metrics) through the API server's pod proxy. */
  podAdmin(namespace: string, pod: string, path: string): Promise<string> {
    return this.kubectlOutput(['get', '--raw', `/api/v1/namespaces/${namespace}/pods/${pod}:9091/proxy${path}`]);
  }

  async json<T = any>(args: string[]): Promise<T> {
    return JSON.parse(await this.kubectlOutput([...args, '-o', 'json'])) as T;
  }

  /** Creates a namespace and waits for its default ServiceAccount (pods are refused before it exists). */
  async createNamespace(namespace: string): Promise<void> {
    await this.kubectl(['create', 'namespace', namespace]);
    await eventually(() => this.kubectl(['get', 'serviceaccount', 'default', '-n', namespace]).catch(() => undefined), 60_000, `ServiceAccount ${namespace}/default`);
  }

  async deleteNamespace(namespace: string): Promise<void> {
    await this.kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', '--timeout=180s']);
  }

  /** The address NodePorts answer on from this machine (the first node's InternalIP). */
  async nodeAddress(): Promise<string> {
    const nodes = await this.json<{ items: Array<{ status: { addresses: Array<{ type: string; address: string }> } }> }>(['get', 'nodes']);
    return nodes.items[0]!.status.addresses.find((a) => a.type === 'InternalIP')!.address;
  }

  /** The API server's endpoint addresses as /32 CIDRs (for the chart's API egress policy). */
  async apiServerCidrs(): Promise<string[]> {
    const slices = await this.json<{ items: Array<{ endpoints: Array<{ addresses: string[] }> }> }>([
      'get', 'endpointslices', '-n', 'default', '-l', 'kubernetes.io/service-name=kubernetes',
    ]);
    return [...new Set(slices.items.flatMap((s) => s.endpoints.flatMap((e) => e.addresses)))].map((ip) => `${ip}/32`);
  }

  /** Image names the kubelet already holds (node status), to skip loading them again. */
  async nodeImages(): Promise<Set<string>> {
    const nodes = await this.json<{ items: Array<{ status: { images?: Array<{ names?: string[] }> } }> }>(['get', 'nodes']);
    return new Set(nodes.items.flatMap((n) => (n.status.images ?? []).flatMap((i) => i.names ?? [])));
  }
}
