import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { k8sTools } from '../../scripts/k8s-tools.js';
import { parseManifests, type K8sObject } from './manifest-checks.js';

const obs = suite('the chart\'s observability: tracing wiring, Prometheus objects, alerting rules, Grafana dashboard');
const ROOT = resolve(import.meta.dirname, '../..');
const CHART = join(ROOT, 'charts/switchyard');
const RULES = join(CHART, 'files/alert-rules.yaml');
const DASHBOARD = join(CHART, 'files/dashboard.json');
const { helm } = k8sTools();

/** The chart rendered with `--set` for each `key=value` (`--set-json` for a `json:key=value`). */
const render = (...sets: string[]): K8sObject[] =>
  parseManifests(
    execFileSync(helm, ['template', 'switchyard', '.', '--namespace', 'shop', ...sets.flatMap((s) => (s.startsWith('json:') ? ['--set-json', s.slice(5)] : ['--set', s]))], { encoding: 'utf8', cwd: CHART }),
  );
const promtool = (...args: string[]) => spawnSync('/usr/bin/promtool', args, { encoding: 'utf8', cwd: ROOT });
const envOf = (deployment: K8sObject) => deployment.spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: unknown }>;

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Array<{ refId: string; expr: string; datasource: { uid: string } }>;
}

obs('the alerting rules pass promtool check rules', () => {
  const check = promtool('check', 'rules', RULES);
  assert.is(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, 'SUCCESS: 4 rules found');
});

obs('each alert fires when it should and stays quiet when it should not (promtool test rules)', () => {
  const run = promtool('test', 'rules', 'test/chart/alert-rules.promtest.yaml');
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, 'SUCCESS');
});

obs('the dashboard is a Grafana dashboard whose panels each query the chosen Prometheus with valid PromQL', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: Array<{ name: string; type: string }> } };
  assert.equal([dashboard.uid, dashboard.title], ['switchyard-overview', 'Switchyard']);
  assert.equal(dashboard.templating.list.map((v) => [v.name, v.type]), [['datasource', 'datasource'], ['service', 'query']]);
  const ids = dashboard.panels.map((p) => p.id);
  assert.is(new Set(ids).size, ids.length, 'panel ids are unique');
  const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
  assert.equal(rows, ['RED per service (HTTP API)', 'Gateway upstreams', 'gRPC', 'Events', 'Saga (orders)']);
  const queries = dashboard.panels.filter((p) => p.type !== 'row');
  for (const panel of queries) {
    assert.equal(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, panel.title);
    assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has queries`);
    assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits the grid`);
  }
  // Every expression, with Grafana's variables filled in, as a recording rule: promtool parses each one.
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-dashboard-'));
  try {
    const rules = queries.flatMap((p) => p.targets!.map((t) => ({ record: `dashboard:panel_${p.id}:${t.refId}`, expr: t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$service', '.+') })));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const check = promtool('check', 'rules', join(dir, 'rules.yaml'));
    assert.is(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, `SUCCESS: ${rules.length} rules found`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

obs('ships the dashboard as a ConfigMap for Grafana\'s sidecar, the JSON unchanged', () => {
  const configMap = render().find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'switchyard-dashboard')!;
  assert.is(configMap.metadata.labels!.grafana_dashboard, '1');
  assert.equal(JSON.parse((configMap.data as Record<string, string>)['switchyard.json']!), JSON.parse(readFileSync(DASHBOARD, 'utf8')));
  assert.is(render('observability.grafanaDashboard.enabled=false').find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'switchyard-dashboard'), undefined);
});

obs('renders a PodMonitor and a PrometheusRule (the rules file\'s groups) valid under prometheus-operator\'s schemas', async () => {
  const objects = render('observability.podMonitor.enabled=true', 'observability.podMonitor.labels.release=kube-prometheus', 'observability.prometheusRule.enabled=true');
  const monitor = objects.find((o) => o.kind === 'PodMonitor')!;
  const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
  const { PodMonitor } = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor');
  const { PrometheusRule } = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule');
  new PodMonitor(monitor as never).validate();
  new PrometheusRule(rule as never).validate();
  assert.is(monitor.metadata.labels!.release, 'kube-prometheus');
  assert.equal(monitor.spec.selector.matchLabels, { 'app.kubernetes.io/instance': 'switchyard', 'app.kubernetes.io/component': 'service' });
  assert.equal(monitor.spec.podMetricsEndpoints[0].relabelings.map((r: { targetLabel: string }) => r.targetLabel), ['service', 'instance']);
  const { parse } = await import('yaml');
  assert.equal(rule.spec, parse(readFileSync(RULES, 'utf8')));
  // Neither exists by default: they need the monitoring.coreos.com CRDs.
  assert.equal(render().filter((o) => o.kind === 'PodMonitor' || o.kind === 'PrometheusRule'), []);
});

obs('wires the OTLP endpoint, sampler and the pod\'s identity into every service, and lets them reach only the collector\'s port', () => {
  const objects = render('observability.otlpEndpoint=https://collector.observability:4318', 'json:observability.samplerArg=0.25');
  const deployments = objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'service');
  assert.is(deployments.length, 6);
  for (const deployment of deployments) {
    const env = envOf(deployment);
    const value = (name: string) => env.find((e) => e.name === name)?.value;
    const service = deployment.metadata.labels!['app.kubernetes.io/name'];
    assert.equal(
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_SERVICE_NAME'].map(value),
      // The gateway, the public edge, does not let a client's sampled flag decide; the rest follow the gateway.
      ['https://collector.observability:4318', 'http/protobuf', service === 'gateway' ? 'traceidratio' : 'parentbased_traceidratio', '0.25', service],
    );
    assert.equal(env.find((e) => e.name === 'K8S_NODE_NAME')!.valueFrom, { fieldRef: { fieldPath: 'spec.nodeName' } });
    assert.is(
      value('OTEL_RESOURCE_ATTRIBUTES'),
      `k8s.pod.name=$(K8S_POD_NAME),k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.node.name=$(K8S_NODE_NAME),k8s.deployment.name=switchyard-${service}`,
    );
    // Kubernetes expands $(VAR) only of variables defined before it.
    assert.ok(env.findIndex((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES') > env.findIndex((e) => e.name === 'K8S_NODE_NAME'));
  }
  const egress = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'switchyard-otlp-egress')!;
  assert.equal(egress.spec.egress, [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 4318 }] }]);
  const https = render('observability.otlpEndpoint=https://otlp.example.com');
  assert.equal(https.find((o) => o.metadata.name === 'switchyard-otlp-egress')!.spec.egress[0].ports, [{ protocol: 'TCP', port: 443 }]);
  // Without an endpoint, no OTEL_* variable and no egress: the services do not trace.
  const plain = render();
  assert.equal(plain.filter((o) => o.kind === 'Deployment').flatMap((d) => envOf(d).filter((e) => e.name.startsWith('OTEL_'))), []);
  assert.is(plain.find((o) => o.metadata.name === 'switchyard-otlp-egress'), undefined);
});

obs('the schema refuses an endpoint without a scheme and an unknown observability key', () => {
  for (const set of ['observability.otlpEndpoint=collector:4318', 'observability.sampler=sometimes', 'observability.edgeSampler=sometimes', 'observability.podMonitor.intervall=5s']) {
    const run = spawnSync(helm, ['template', 'switchyard', '.', '--set', set], { encoding: 'utf8', cwd: CHART });
    assert.is.not(run.status, 0, set);
    assert.match(run.stderr, 'values don\'t meet the specifications of the schema', set);
  }
});

obs.run();
