import type { Server } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { ConflictError } from '@switchyard/kit/errors';
import { boundPort, closeServer, createAdminApp, createHttpApp, listen } from '@switchyard/kit/http-service';
import { createMetrics } from '@switchyard/kit/metrics';
import { Readiness } from '@switchyard/kit/readiness';
import { parseInput } from '@switchyard/kit/validate';
import { request, withoutRequestId } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';

const httpService = suite('createHttpApp');
let server: Server;
let admin: Server;
let base: string;
let adminBase: string;
let databaseUp = true;
const { log, lines } = capturedLogger('kit-test');
const readiness = new Readiness().add('database', async () => {
  if (!databaseUp) throw new Error('down');
});
readiness.markStarted();

const metrics = createMetrics('kit-test');

httpService.before(async () => {
  const app = createHttpApp({
    log,
    metrics,
    readiness,
    bodyLimitBytes: 1024 * 1024,
    routes: (router) => {
      router.post('/things', (ctx) => {
        const input = parseInput(z.object({ name: z.string().min(2), count: z.number().int() }), ctx.request.body);
        ctx.status = 201;
        ctx.body = input;
      });
      router.get('/things/:id', (ctx) => {
        if (ctx.params.id === 'taken') throw new ConflictError('thing_taken', 'That thing is taken.');
        ctx.body = { id: ctx.params.id };
      });
      router.get('/boom', () => {
        throw new Error('secret internals at /var/lib/db');
      });
    },
  });
  server = await listen(app, 0, '127.0.0.1');
  base = `http://127.0.0.1:${boundPort(server)}`;
  admin = await listen(createAdminApp({ log, metrics, readiness }), 0, '127.0.0.1');
  adminBase = `http://127.0.0.1:${boundPort(admin)}`;
});

httpService.after(async () => {
  await closeServer(server);
  await closeServer(admin);
});

httpService('echoes a well-formed x-request-id and creates one otherwise', async () => {
  const given = await request(`${base}/things/1`, { headers: { 'x-request-id': 'abc-123' } });
  assert.is(given.headers.get('x-request-id'), 'abc-123');
  const created = await request(`${base}/things/1`, { headers: { 'x-request-id': 'bad id with spaces' } });
  assert.match(created.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
});

httpService('parses a JSON body and answers with the handler result', async () => {
  const res = await request(`${base}/things`, { method: 'POST', json: { name: 'box', count: 3 } });
  assert.is(res.status, 201);
  assert.equal(res.body, { name: 'box', count: 3 });
});

httpService('lists every bad field of a validation failure', async () => {
  const res = await request(`${base}/things`, { method: 'POST', json: { name: 'x', count: 'three' } });
  assert.is(res.status, 400);
  assert.is(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(withoutRequestId(res.body), {
    type: 'urn:switchyard:problem:validation_failed',
    title: 'Bad Request',
    status: 400,
    detail: 'The request has invalid fields.',
    code: 'validation_failed',
    errors: [
      { field: 'name', message: 'Too small: expected string to have >=2 characters' },
      { field: 'count', message: 'Invalid input: expected number, received string' },
    ],
  });
  assert.is(res.body.requestId, res.headers.get('x-request-id'));
});

httpService('rejects malformed JSON with 400 malformed_json', async () => {
  const res = await request(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "x",' });
  assert.is(res.status, 400);
  assert.is(res.body.code, 'malformed_json');
});

httpService('rejects a form-encoded body with 415', async () => {
  const res = await request(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=box' });
  assert.is(res.status, 415);
  assert.is(res.body.code, 'unsupported_media_type');
});

httpService('rejects a body over 1 MiB with 413, also when sent chunked', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024), count: 1 });
  const declared = await request(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
  assert.is(declared.status, 413);
  assert.equal(withoutRequestId(declared.body), {
    type: 'urn:switchyard:problem:payload_too_large',
    title: 'Payload Too Large',
    status: 413,
    detail: 'The request body exceeds the limit of 1048576 bytes.',
    code: 'payload_too_large',
    limitBytes: 1048576,
  });
  const stream = new Blob([big]).stream();
  const chunked = await request(`${base}/things`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  assert.is(chunked.status, 413);
});

httpService('maps an AppError to its status and code', async () => {
  const res = await request(`${base}/things/taken`);
  assert.is(res.status, 409);
  assert.equal(withoutRequestId(res.body), {
    type: 'urn:switchyard:problem:thing_taken',
    title: 'Conflict',
    status: 409,
    detail: 'That thing is taken.',
    code: 'thing_taken',
  });
});

httpService('answers an unexpected error with a 500 that leaks nothing, and logs it once', async () => {
  lines.length = 0;
  const res = await request(`${base}/boom`);
  assert.is(res.status, 500);
  assert.equal(withoutRequestId(res.body), {
    type: 'urn:switchyard:problem:internal',
    title: 'Internal Server Error',
    status: 500,
    detail: 'An unexpected error occurred.',
    code: 'internal',
  });
  assert.not.match(res.text, /secret internals|at .*\.ts/);
  const failures = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request failed');
  assert.is(failures.length, 1);
  assert.is(failures[0].err.message, 'secret internals at /var/lib/db');
});

httpService('answers an unknown route with a 404 problem and a wrong method with 405', async () => {
  const missing = await request(`${base}/nowhere`);
  assert.is(missing.status, 404);
  assert.is(missing.body.code, 'route_not_found');
  assert.is(missing.body.detail, 'No route matches GET /nowhere.');
  const wrongMethod = await request(`${base}/things/1`, { method: 'DELETE' });
  assert.equal([wrongMethod.status, wrongMethod.body.code, wrongMethod.headers.get('allow'), wrongMethod.headers.get('content-type')], [405, 'method_not_allowed', 'HEAD, GET', 'application/problem+json']);
  // A method no route has at all: 501, also with what the path takes.
  const unknown = await request(`${base}/things/1`, { method: 'PROPFIND' });
  assert.equal([unknown.status, unknown.body.code, unknown.headers.get('allow')], [501, 'not_implemented', 'HEAD, GET']);
});

httpService('the admin app answers /readyz 503 starting until the service has started, and /healthz 200 meanwhile', async () => {
  const fresh = new Readiness();
  const starting = await listen(createAdminApp({ log, metrics, readiness: fresh }), 0, '127.0.0.1');
  const url = `http://127.0.0.1:${boundPort(starting)}`;
  try {
    assert.equal((await request(`${url}/healthz`)).body, { status: 'ok' });
    const before = await request(`${url}/readyz`);
    assert.equal([before.status, before.body], [503, { status: 'starting', checks: {} }]);
    fresh.markStarted();
    const after = await request(`${url}/readyz`);
    assert.equal([after.status, after.body], [200, { status: 'ready', checks: {} }]);
  } finally {
    await closeServer(starting);
  }
});

httpService('the admin app serves /healthz, and a /readyz that follows its checks', async () => {
  assert.equal((await request(`${adminBase}/healthz`)).body, { status: 'ok' });
  const ready = await request(`${adminBase}/readyz`);
  assert.is(ready.status, 200);
  assert.equal(ready.body, { status: 'ready', checks: { database: 'up' } });
  databaseUp = false;
  const unready = await request(`${adminBase}/readyz`);
  databaseUp = true;
  assert.is(unready.status, 503);
  assert.equal(unready.body, { status: 'unready', checks: { database: 'down' } });
});

httpService('the public app serves only the API: health and metrics are not on it', async () => {
  for (const path of ['/healthz', '/readyz', '/metrics']) {
    const res = await request(`${base}${path}`);
    assert.equal([res.status, res.body.code], [404, 'route_not_found'], path);
  }
});

httpService('exports process metrics and a request histogram labelled by route template', async () => {
  await request(`${base}/things/42`);
  const res = await request(`${adminBase}/metrics`);
  assert.is(res.status, 200);
  assert.match(res.text, /process_cpu_user_seconds_total\{service="kit-test"\}/);
  assert.match(res.text, /http_server_request_duration_seconds_count\{service="kit-test",method="GET",route="\/things\/:id",status="200"\} \d+/);
  assert.not.match(res.text, /route="\/things\/42"/);
});

httpService('logs one line per request with method, route, status and duration', async () => {
  lines.length = 0;
  await request(`${base}/things/7`, { headers: { 'x-request-id': 'log-check' } });
  await new Promise((r) => setTimeout(r, 20));
  const entry = lines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'log-check');
  assert.ok(entry, 'a request log line');
  assert.is(entry.msg, 'request finished');
  assert.is(entry.method, 'GET');
  assert.is(entry.route, '/things/:id');
  assert.is(entry.status, 200);
  assert.type(entry.durationMs, 'number');
  assert.match(entry.traceId, /^[0-9a-f]{32}$/);
});

httpService('turns readiness to 503 draining once shutdown starts, and asks API clients to close keep-alive connections', async () => {
  readiness.startDraining();
  const res = await request(`${adminBase}/readyz`);
  assert.is(res.status, 503);
  assert.equal(res.body, { status: 'draining', checks: {} });
  const api = await request(`${base}/things/1`);
  assert.is(api.headers.get('connection'), 'close');
});

httpService.run();
