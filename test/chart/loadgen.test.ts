import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { k8sTools } from '../../scripts/k8s-tools.js';
import { containerPolicyProblems, networkPolicyProblems, parseManifests, type K8sObject } from './manifest-checks.js';

const loadgen = suite('charts/switchyard loadgen (static checks)');
const CHART = join(resolve(import.meta.dirname, '../..'), 'charts/switchyard');
const { helm } = k8sTools();

const render = (args: string[] = []): K8sObject[] =>
  parseManifests(execFileSync(helm, ['template', 'switchyard', '.', '--namespace', 'switchyard', ...args], { encoding: 'utf8', cwd: CHART }));
const named = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const mentionsLoadgen = (o: K8sObject) => JSON.stringify(o).includes('loadgen');

loadgen('is off by default: nothing of it renders', () => {
  assert.equal(render().filter(mentionsLoadgen), []);
  assert.equal(render(['--set', 'networkPolicy.enabled=false']).filter(mentionsLoadgen), []);
});

loadgen('on, renders one Deployment running the load generator against the gateway\'s Service with the values given', () => {
  const objects = render(['-f', 'ci/loadgen-values.yaml']);
  assert.equal(objects.filter(mentionsLoadgen).map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['Deployment/switchyard-loadgen', 'NetworkPolicy/switchyard-loadgen-egress']);
  const deployment = named(objects, 'Deployment', 'switchyard-loadgen')!;
  assert.is(deployment.spec.replicas, 1);
  assert.equal(deployment.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'loadgen', 'app.kubernetes.io/instance': 'switchyard' });
  const pod = deployment.spec.template.spec;
  assert.equal(deployment.spec.template.metadata.labels, {
    'app.kubernetes.io/name': 'loadgen',
    'app.kubernetes.io/instance': 'switchyard',
    'app.kubernetes.io/part-of': 'switchyard',
    'app.kubernetes.io/component': 'load-generator',
  });
  assert.equal(pod.containers.length, 1);
  const [container] = pod.containers;
  assert.equal(container, {
    name: 'loadgen',
    image: 'switchyard-loadgen:0.1.0',
    imagePullPolicy: 'IfNotPresent',
    args: ['--url', 'http://switchyard-gateway:8080', '--rate', '10', '--duration', '30m', '--mix', 'browse=70,order=20,listen=10', '--users', '10'],
    env: [{ name: 'NODE_ENV', value: 'production' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } },
  });
  assert.is(pod.automountServiceAccountToken, false);
  assert.is(pod.enableServiceLinks, false);
  assert.is(pod.terminationGracePeriodSeconds, 45);
  assert.equal(pod.topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey), ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
  assert.equal(pod.securityContext, {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    fsGroup: 10001,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  });
  // The same pod security as the services' pods.
  assert.equal(pod.securityContext, named(objects, 'Deployment', 'switchyard-gateway')!.spec.template.spec.securityContext);
  assert.is(named(objects, 'Service', 'switchyard-loadgen'), undefined, 'nothing calls it: no Service');
  assert.equal(containerPolicyProblems(objects), []);
  assert.equal(networkPolicyProblems(objects), []);
});

loadgen('on, may reach only the gateway\'s HTTP port (and DNS, as every pod)', () => {
  const objects = render(['-f', 'ci/loadgen-values.yaml']);
  const egress = named(objects, 'NetworkPolicy', 'switchyard-loadgen-egress')!;
  assert.equal(egress.spec, {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'loadgen', 'app.kubernetes.io/instance': 'switchyard' } },
    policyTypes: ['Egress'],
    egress: [{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/instance': 'switchyard' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
  });
  // Every other policy that lets a pod send somewhere selects other pods than the load generator's.
  const loadgenLabels = named(objects, 'Deployment', 'switchyard-loadgen')!.spec.template.metadata.labels as Record<string, string>;
  const selecting = objects
    .filter((o) => o.kind === 'NetworkPolicy' && (o.spec.policyTypes as string[]).includes('Egress') && o.spec.egress?.length)
    .filter((o) => Object.entries(o.spec.podSelector.matchLabels ?? {}).every(([k, v]) => loadgenLabels[k] === v) && !o.spec.podSelector.matchExpressions)
    .map((o) => o.metadata.name)
    .sort();
  assert.equal(selecting, ['switchyard-allow-dns', 'switchyard-loadgen-egress']);
  assert.is(render(['-f', 'ci/loadgen-values.yaml', '--set', 'networkPolicy.enabled=false']).some((o) => o.kind === 'NetworkPolicy'), false);
});

loadgen('the schema refuses a journey mix with an unknown journey, a rate of 0 and unknown keys', () => {
  // --set splits on commas: the mix's comma is escaped.
  for (const bad of ['loadgen.mix=browse=70\\,shop=30', 'loadgen.rate=0', 'loadgen.replicas=2']) {
    const run = spawnSync(helm, ['template', 'switchyard', '.', '--set', 'loadgen.enabled=true', '--set', bad], { encoding: 'utf8', cwd: CHART });
    assert.is.not(run.status, 0, bad);
    assert.match(run.stderr, /values don't meet the specifications of the schema/, bad);
    assert.match(run.stderr, /loadgen/, bad);
  }
});

loadgen.run();
