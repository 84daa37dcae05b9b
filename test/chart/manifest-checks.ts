/**
 * Static checks of rendered Kubernetes manifests, each a pure function from objects to a list of
 * problems (empty = passes), so the tests can show every check failing on a broken input.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  [key: string]: unknown;
}

const name = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

/** Every document of a multi-document YAML text, skipping empty ones. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

function modelPath(o: K8sObject): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
}

/** Validates every object against the Kubernetes schemas (kubernetes-models). */
export async function schemaProblems(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    try {
      const module = (await import(modelPath(o))) as Record<string, new (data: unknown) => { validate(): void }>;
      new module[o.kind]!(o).validate();
    } catch (err) {
      problems.push(`${name(o)}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return problems;
}

/**
 * Fields the Kubernetes API does not know (kubernetes-models' validators accept them). Each object is
 * type-checked as an object literal of its kubernetes-models interface, so TypeScript's excess-property
 * check names every unknown field, at any depth.
 */
export function unknownFieldProblems(objects: K8sObject[]): string[] {
  const dir = join(ROOT, 'node_modules/.cache/manifest-check');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `objects-${process.pid}.ts`);
  const lines = objects.flatMap((o, i) => [`import type { I${o.kind} as T${i} } from '${modelPath(o)}';`, `export const o${i}: T${i} = ${JSON.stringify(o)};`]);
  writeFileSync(file, lines.join('\n'));
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => {
      const line = d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line;
      const index = Math.floor(line / 2);
      return `${name(objects[index]!)}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 300)}`;
    });
}

interface PodTemplate {
  owner: K8sObject;
  spec: any;
  workload: boolean;
}

function podTemplates(objects: K8sObject[]): PodTemplate[] {
  return objects.flatMap((o): PodTemplate[] => {
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'DaemonSet') return [{ owner: o, spec: o.spec.template.spec, workload: true }];
    if (o.kind === 'Pod') return [{ owner: o, spec: o.spec, workload: false }];
    return [];
  });
}

/**
 * Every container: requests and limits for cpu and memory; liveness and readiness probes (workloads
 * that serve: the load generator serves nothing, so nothing could probe it);
 * non-root, read-only root file system, no privilege escalation, all capabilities dropped, seccomp
 * RuntimeDefault; an image with a tag that is not `latest`.
 */
export function containerPolicyProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { owner, spec, workload } of podTemplates(objects)) {
    const pod = spec.securityContext ?? {};
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const where = `${name(owner)} container ${c.name}`;
      const sc = c.securityContext ?? {};
      for (const kind of ['requests', 'limits']) {
        for (const resource of ['cpu', 'memory']) {
          if (!c.resources?.[kind]?.[resource]) problems.push(`${where}: no ${kind}.${resource}`);
        }
      }
      const serves = workload && owner.spec.template.metadata.labels?.['app.kubernetes.io/component'] !== 'load-generator';
      if (serves && !c.livenessProbe) problems.push(`${where}: no liveness probe`);
      if (serves && !c.readinessProbe) problems.push(`${where}: no readiness probe`);
      if (!(sc.runAsNonRoot ?? pod.runAsNonRoot)) problems.push(`${where}: may run as root`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: root file system is writable`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: privilege escalation allowed`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: capabilities not all dropped`);
      if ((sc.seccompProfile ?? pod.seccompProfile)?.type !== 'RuntimeDefault') problems.push(`${where}: seccomp profile is not RuntimeDefault`);
      const image = String(c.image ?? '');
      const tag = image.includes('@') ? 'digest' : image.split('/').at(-1)!.split(':')[1];
      if (!tag || tag === 'latest') problems.push(`${where}: image ${image} has no fixed tag`);
    }
  }
  return problems;
}

const selects = (selector: any, labels: Record<string, string>): boolean => {
  if (!selector) return false;
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const matchExpressions = (selector.matchExpressions ?? []).every((e: { key: string; operator: string; values?: string[] }) =>
    e.operator === 'In' ? (e.values ?? []).includes(labels[e.key] ?? '') : e.operator === 'Exists' ? e.key in labels : true,
  );
  return matchLabels && matchExpressions;
};

/** Every Deployment or StatefulSet that can run more than one pod has a PodDisruptionBudget selecting it. */
export function disruptionBudgetProblems(objects: K8sObject[]): string[] {
  const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  const scaled = new Set(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.spec.scaleTargetRef.name));
  return objects
    .filter((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && ((o.spec.replicas ?? 1) > 1 || scaled.has(o.metadata.name)))
    .filter((o) => !budgets.some((b) => selects(b.spec.selector, o.spec.template.metadata.labels)))
    .map((o) => `${name(o)}: runs several pods but no PodDisruptionBudget selects them`);
}

/** Every workload's pods are selected by a NetworkPolicy (deny by default, then what is allowed). */
export function networkPolicyProblems(objects: K8sObject[]): string[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  return podTemplates(objects)
    .filter(({ workload }) => workload)
    .filter(({ owner }) => !policies.some((p) => selects(p.spec.podSelector, owner.spec.template.metadata.labels)))
    .map(({ owner }) => `${name(owner)}: no NetworkPolicy selects its pods`);
}

const PROBES = ['startupProbe', 'readinessProbe', 'livenessProbe'] as const;

/**
 * Pod templates: no chart or app version label (a chart bump alone would restart every pod, Postgres and
 * RabbitMQ included), a topology spread for the services, and a timeoutSeconds of at least 2 on every
 * probe (the default 1 s is the whole budget of a /readyz database check).
 */
export function podTemplateProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { owner, spec, workload } of podTemplates(objects)) {
    if (!workload) continue;
    const labels = owner.spec.template.metadata.labels ?? {};
    for (const label of ['helm.sh/chart', 'app.kubernetes.io/version']) if (label in labels) problems.push(`${name(owner)}: pod template label ${label}`);
    if (owner.kind === 'Deployment' && !(spec.topologySpreadConstraints ?? []).some((c: { topologyKey: string }) => c.topologyKey === 'kubernetes.io/hostname')) {
      problems.push(`${name(owner)}: no topology spread`);
    }
    for (const c of spec.containers ?? []) {
      for (const probe of PROBES) if (c[probe] && !(c[probe].timeoutSeconds >= 2)) problems.push(`${name(owner)} container ${c.name}: ${probe} without timeoutSeconds >= 2`);
    }
  }
  return problems;
}

/**
 * The bundled RabbitMQ: a writable /var/log/rabbitmq (it writes an upgrade log there whatever the log
 * settings), startup and readiness probes that do not boot an Erlang VM, fsGroupChangePolicy
 * OnRootMismatch (a recursive chmod makes the Erlang cookie group-readable, which Erlang refuses), and an
 * absolute memory watermark (a relative one is a share of the node's RAM, not of the pod's limit).
 */
export function rabbitmqProblems(objects: K8sObject[]): string[] {
  const rabbit = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name.endsWith('-rabbitmq'));
  if (!rabbit) return ['RabbitMQ: no StatefulSet'];
  const pod = rabbit.spec.template.spec;
  const container = pod.containers[0];
  const problems: string[] = [];
  if (!(container.volumeMounts ?? []).some((m: { mountPath: string }) => m.mountPath === '/var/log/rabbitmq')) problems.push('RabbitMQ: /var/log/rabbitmq is not writable (read-only root)');
  for (const probe of ['startupProbe', 'readinessProbe'] as const) if (container[probe]?.exec) problems.push(`RabbitMQ: ${probe} boots an Erlang VM (exec)`);
  if (container.livenessProbe?.exec && container.livenessProbe.periodSeconds < 30) problems.push('RabbitMQ: livenessProbe boots an Erlang VM more often than every 30 s');
  if (pod.securityContext?.fsGroupChangePolicy !== 'OnRootMismatch') problems.push('RabbitMQ: fsGroupChangePolicy is not OnRootMismatch');
  const configs = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-rabbitmq-config'));
  if (!configs.some((c) => Object.values((c as { data?: Record<string, string> }).data ?? {}).some((text) => /^vm_memory_high_watermark\.absolute\s*=/m.test(text)))) {
    problems.push('RabbitMQ: no absolute memory watermark');
  }
  return problems;
}
