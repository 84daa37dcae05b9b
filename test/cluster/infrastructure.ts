/**
 * The bundled Postgres and RabbitMQ as they run, and what a chart upgrade does to a running release.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import type { Checks } from './checks.js';
import type { Kube } from './cluster.js';
import { CHART, type Release } from './release.js';

const DATABASES = ['catalog', 'notifications', 'orders', 'payments', 'users'];

export async function infrastructureChecks(kube: Kube, release: Release, checks: Checks): Promise<void> {
  const { namespace } = release;
  const exec = (pod: string, command: string[]) => kube.kubectlOutput(['exec', pod, '-n', namespace, '--', ...command]);
  const rabbit = `${release.fullname('rabbitmq')}-0`;
  const postgres = `${release.fullname('postgres')}-0`;
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));

  await checks.check('RabbitMQ runs on a read-only root file system with an absolute memory watermark below its memory limit', async () => {
    const pod = await kube.json(['get', 'pod', rabbit, '-n', namespace]);
    assert.is(pod.spec.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.is(pod.status.containerStatuses[0].ready, true);
    const limit = Number((await exec(rabbit, ['rabbitmqctl', '-q', 'eval', 'vm_memory_monitor:get_memory_limit().'])).trim());
    assert.is(limit, 256 * 1024 * 1024, `watermark ${limit} bytes`);
  });

  await checks.check('the Erlang cookie stays owner-read-only (fsGroupChangePolicy OnRootMismatch)', async () => {
    const pod = await kube.json(['get', 'pod', rabbit, '-n', namespace]);
    assert.is(pod.spec.securityContext.fsGroupChangePolicy, 'OnRootMismatch');
    assert.is((await exec(rabbit, ['stat', '-c', '%a %u', '/var/lib/rabbitmq/.erlang.cookie'])).trim(), '400 999');
  });

  await checks.check(`Postgres allows postgresql.maxConnections (${values.postgresql.maxConnections}) and the setup Job made one database per service`, async () => {
    assert.is((await exec(postgres, ['psql', '-U', 'postgres', '-Atc', 'SHOW max_connections'])).trim(), String(values.postgresql.maxConnections));
    const owners = (await exec(postgres, ['psql', '-U', 'postgres', '-Atc', "SELECT datname || ':' || pg_get_userbyid(datdba) FROM pg_database WHERE datname <> ALL ('{postgres,template0,template1}') ORDER BY 1"])).trim().split('\n');
    assert.equal(owners, DATABASES.map((d) => `${d}:${d}`));
    const log = await kube.kubectlOutput(['logs', `job/${release.fullname('postgres')}-setup-1`, '-n', namespace]);
    assert.equal(log.trim().split('\n'), DATABASES.map((d) => `database ${d}: role and database ready`));
  });
}

interface PodSnapshot {
  [name: string]: { uid: string; restarts: number };
}

async function runningPods(kube: Kube, release: Release): Promise<PodSnapshot> {
  const pods = await kube.json<{ items: Array<{ metadata: { name: string; uid: string; labels: Record<string, string> }; status: { containerStatuses?: Array<{ restartCount: number }> } }> }>([
    'get', 'pods', '-n', release.namespace, '-l', 'app.kubernetes.io/component in (service,database,broker)',
  ]);
  return Object.fromEntries(pods.items.map((p) => [p.metadata.name, { uid: p.metadata.uid, restarts: p.status.containerStatuses?.[0]?.restartCount ?? 0 }]));
}

/**
 * A chart upgrade that bumps the chart's version and adds a service with a database (`reviews`, no
 * pods): no running pod is restarted but the gateway's when the system view is on (its targets name
 * every service), the new service gets its role and database from the setup Job,
 * and the generated Secret keeps every existing password.
 */
export async function upgradeCheck(kube: Kube, release: Release, checks: Checks): Promise<void> {
  await checks.check('a chart upgrade (new version, a new service with a database) restarts no pod but the gateway (its system view now polls the new service too) and gives the new service its database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-chart-'));
    try {
      const chart = join(dir, 'switchyard');
      cpSync(CHART, chart, { recursive: true });
      const meta = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8'));
      writeFileSync(join(chart, 'Chart.yaml'), stringify({ ...meta, version: '0.1.1-ci', appVersion: '0.1.1-ci' }));
      const values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8'));
      values.services.reviews = { database: true, replicas: 0 };
      writeFileSync(join(chart, 'values.yaml'), stringify(values));
      const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8'));
      schema.properties.services.properties.reviews = { $ref: '#/definitions/serviceSettings' };
      writeFileSync(join(chart, 'values.schema.json'), JSON.stringify(schema));

      const secretName = release.valueArgs.some((a) => a.startsWith('existingSecret=')) ? undefined : release.fullname('secrets');
      assert.ok(secretName, 'this check needs the generated Secret');
      const secretBefore = (await kube.json(['get', 'secret', secretName, '-n', release.namespace])).data as Record<string, string>;
      const before = await runningPods(kube, release);
      await kube.helm(['upgrade', release.name, chart, '-n', release.namespace, ...release.valueArgs, '--set', 'services.reviews.image=switchyard-reviews:0.1.1-ci', '--wait', '--wait-for-jobs', '--timeout', '5m']);
      const after = await runningPods(kube, release);
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((pod) => JSON.stringify(before[pod]) !== JSON.stringify(after[pod]));
      // With the system view on, the gateway's SYSTEM_TARGETS name every service: it rolls to poll the new one too.
      const gateway = (pod: string) => release.valueArgs.includes('systemView.enabled=true') && pod.startsWith(`${release.fullname('gateway')}-`);
      const unexpected = changed.filter((pod) => !gateway(pod));
      assert.equal(unexpected, [], `pods changed by the upgrade: ${unexpected.map((pod) => `${pod} ${JSON.stringify(before[pod])} -> ${JSON.stringify(after[pod])}`).join('; ')}`);
      const targets = (await kube.kubectlOutput(['get', 'deployment', release.fullname('gateway'), '-n', release.namespace, '-o', 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="SYSTEM_TARGETS")].value}'])).trim();
      assert.match(targets, `reviews=dns://${release.fullname('reviews')}-admin:9091`);
      const log = await kube.kubectlOutput(['logs', `job/${release.fullname('postgres')}-setup-2`, '-n', release.namespace]);
      assert.match(log, 'database reviews: role and database ready');
      const secretAfter = (await kube.json(['get', 'secret', secretName, '-n', release.namespace])).data as Record<string, string>;
      assert.equal(Object.keys(secretAfter).sort(), [...Object.keys(secretBefore), 'reviews-db-password'].sort());
      for (const [key, value] of Object.entries(secretBefore)) assert.is(secretAfter[key], value, `${key} kept`);
      const owner = await kube.kubectlOutput(['exec', `${release.fullname('postgres')}-0`, '-n', release.namespace, '--', 'psql', '-U', 'postgres', '-Atc', "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'reviews'"]);
      assert.is(owner.trim(), 'reviews');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
