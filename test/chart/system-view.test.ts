import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { k8sTools } from '../../scripts/k8s-tools.js';
import { containerPolicyProblems, networkPolicyProblems, parseManifests, type K8sObject } from './manifest-checks.js';

const view = suite('charts/switchyard systemView (static checks)');
const CHART = join(resolve(import.meta.dirname, '../..'), 'charts/switchyard');
const { helm } = k8sTools();
const SERVICES = ['catalog', 'gateway', 'notifications', 'orders', 'payments', 'users'];

const render = (args: string[] = []): K8sObject[] =>
  parseManifests(execFileSync(helm, ['template', 'switchyard', '.', '--namespace', 'switchyard', ...args], { encoding: 'utf8', cwd: CHART }));
const named = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const gatewayEnv = (objects: K8sObject[]) =>
  (named(objects, 'Deployment', 'switchyard-gateway')!.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>);
const mentionsView = (o: K8sObject) => /system-view|SYSTEM_|-admin"/.test(JSON.stringify(o));

view('is off by default: no admin Services, no policies for it, and the gateway gets no broker or targets', () => {
  const objects = render();
  assert.equal(objects.filter(mentionsView).map((o) => `${o.kind}/${o.metadata.name}`), []);
  assert.equal(gatewayEnv(objects).filter((e) => /^(AMQP_|SYSTEM_)/.test(e.name)), []);
});

view('on, the gateway polls every service through a headless -admin Service that lists pods ready or not, and taps RabbitMQ', () => {
  const objects = render(['--set', 'systemView.enabled=true']);
  const env = gatewayEnv(objects);
  assert.equal(env.filter((e) => /^(AMQP_URL|SYSTEM_)/.test(e.name)), [
    { name: 'AMQP_URL', value: 'amqp://switchyard:$(AMQP_PASSWORD)@switchyard-rabbitmq:5672' },
    { name: 'SYSTEM_VIEW_ENABLED', value: 'true' },
    { name: 'SYSTEM_TARGETS', value: SERVICES.map((s) => `${s}=dns://switchyard-${s}-admin:9091`).join(';') },
  ]);
  for (const service of SERVICES) {
    const admin = named(objects, 'Service', `switchyard-${service}-admin`)!;
    assert.equal(admin.spec, {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { 'app.kubernetes.io/name': service, 'app.kubernetes.io/instance': 'switchyard' },
      ports: [{ name: 'admin', port: 9091, targetPort: 'admin', protocol: 'TCP' }],
    }, service);
  }
  assert.equal(containerPolicyProblems(objects), []);
  assert.equal(networkPolicyProblems(objects), []);
});

view('on, the policies let the gateway reach every service pod\'s admin port and RabbitMQ, and nothing else new', () => {
  const objects = render(['--set', 'systemView.enabled=true']);
  const services = { 'app.kubernetes.io/instance': 'switchyard', 'app.kubernetes.io/component': 'service' };
  const gateway = { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/instance': 'switchyard' };
  assert.equal(named(objects, 'NetworkPolicy', 'switchyard-system-view-egress')!.spec, {
    podSelector: { matchLabels: gateway },
    policyTypes: ['Egress'],
    egress: [{ to: [{ podSelector: { matchLabels: services } }], ports: [{ protocol: 'TCP', port: 9091 }] }],
  });
  assert.equal(named(objects, 'NetworkPolicy', 'switchyard-system-view-ingress')!.spec, {
    podSelector: { matchLabels: services },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: gateway } }], ports: [{ protocol: 'TCP', port: 9091 }] }],
  });
  const brokerClients = (o: K8sObject | undefined) => o?.spec.podSelector.matchExpressions.find((e: { key: string }) => e.key === 'app.kubernetes.io/name').values;
  assert.ok(brokerClients(named(objects, 'NetworkPolicy', 'switchyard-rabbitmq-clients')).includes('gateway'));
  assert.not.ok(brokerClients(named(render(), 'NetworkPolicy', 'switchyard-rabbitmq-clients')).includes('gateway'));
  const ingress = named(objects, 'NetworkPolicy', 'switchyard-rabbitmq-ingress')!.spec.ingress[0].from[0].podSelector.matchExpressions;
  assert.ok(brokerClients({ spec: { podSelector: { matchExpressions: ingress } } } as K8sObject).includes('gateway'));
});

view('the schema refuses an unknown systemView key', () => {
  const run = spawnSync(helm, ['template', 'switchyard', '.', '--set', 'systemView.on=true'], { encoding: 'utf8', cwd: CHART });
  assert.is.not(run.status, 0);
  assert.match(run.stderr, /values don't meet the specifications of the schema/);
  assert.match(run.stderr, /systemView/);
});

view.run();
