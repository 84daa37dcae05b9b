import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readConfig as readCatalogConfig } from '@switchyard/catalog/config';
import { ConfigError } from '@switchyard/kit/config';
import { readConfig as readOrdersConfig } from '@switchyard/orders/config';
import { readConfig as readPaymentsConfig } from '@switchyard/payments/config';
import { freshDatabase } from '../support/database.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { startTestCatalog, type TestService } from '../support/services.js';

const failpoints = suite('failpoints: armed over HTTP in tests, absent unless enabled, refused in production');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let enabled: TestService;
let disabled: TestService;

failpoints.before(async () => {
  db = await freshDatabase('failpoints');
  const { log } = capturedLogger('failpoints');
  enabled = await startTestCatalog(db.url, log, { FAILPOINTS_ENABLED: 'true' });
  disabled = await startTestCatalog(db.url, log);
});

failpoints.after(async () => {
  await enabled.stop();
  await disabled.stop();
  await db.drop();
});

// On the admin port: internal, never exposed by the public edge.
const arm = (service: TestService, name: string, body: unknown) => request(`${service.adminUrl}/failpoints/${name}`, { method: 'PUT', json: body });

failpoints('every service with failpoints refuses to start with them in production, naming the variable', async () => {
  const env = {
    NODE_ENV: 'production',
    FAILPOINTS_ENABLED: 'true',
    DATABASE_URL: 'postgres://x@127.0.0.1/x',
    AMQP_URL: 'amqp://127.0.0.1',
    SERVICE_CLIENT_SECRET: 'a-secret-of-at-least-thirty-two-characters',
  };
  for (const readConfig of [readCatalogConfig, readOrdersConfig, readPaymentsConfig]) {
    try {
      readConfig(env);
      assert.unreachable('started with failpoints in production');
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.equal((err as ConfigError).problems, ['FAILPOINTS_ENABLED: failpoints are refused when NODE_ENV=production']);
    }
  }
});

failpoints('a known failpoint is armed with 204; an unknown one is 404 naming the known ones; a bad action is 400', async () => {
  assert.is((await arm(enabled, 'catalog.reserve.after-commit', { action: 'delay', ms: 10 })).status, 204);
  assert.is((await arm(enabled, 'catalog.reserve.after-commit', { action: 'off' })).status, 204);
  const unknown = await arm(enabled, 'catalog.nope', { action: 'kill' });
  assert.equal([unknown.status, unknown.body.code, unknown.body.detail], [404, 'failpoint_not_found', 'No failpoint named catalog.nope; there are: catalog.reserve.after-commit.']);
  const bad = await arm(enabled, 'catalog.reserve.after-commit', { action: 'explode' });
  assert.equal([bad.status, bad.body.errors[0].field], [400, 'action']);
});

failpoints('without FAILPOINTS_ENABLED there is no failpoint route at all, and never one on the public port', async () => {
  const res = await arm(disabled, 'catalog.reserve.after-commit', { action: 'kill' });
  assert.equal([res.status, res.body.code], [404, 'route_not_found']);
  const publicPort = await request(`${enabled.url}/failpoints/catalog.reserve.after-commit`, { method: 'PUT', json: { action: 'kill' } });
  assert.equal([publicPort.status, publicPort.body.code], [404, 'route_not_found']);
});

failpoints.run();
