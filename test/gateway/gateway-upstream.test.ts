import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { freePort } from '../support/ports.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestGateway, type TestService } from '../support/services.js';
import { jwksOf, signToken } from '../support/tokens.js';

const upstream = suite('gateway upstream calls');
const KEY = ed25519Pem();
let fake: ScriptedUpstream;
let gateway: TestService;
const { log } = capturedLogger('gateway');

upstream.before.each(async () => {
  fake = new ScriptedUpstream();
  const jwks = await jwksOf(KEY);
  fake.on('GET /.well-known/jwks.json', (_req, res) => json(res, 200, jwks));
  const url = await fake.start();
  gateway = await startTestGateway(url, log, { UPSTREAM_TIMEOUT_MS: '400', UPSTREAM_RETRIES: '2', JWKS_REFRESH_COOLDOWN_MS: '0' });
});

upstream.after.each(async () => {
  await gateway.stop();
  await fake.stop();
});

const hitsOf = (path: string) => fake.hits.filter((h) => h.path === path).length;

upstream('forwards only allow-listed headers and never the client identity header', async () => {
  fake.on('POST /users', (_req, res) => json(res, 201, { id: 'u1' }));
  const res = await request(`${gateway.url}/api/users`, {
    method: 'POST',
    json: { email: 'a@b.c' },
    headers: { 'x-switchyard-user-id': 'forged', cookie: 'sid=1', 'x-request-id': 'req-7' },
  });
  assert.is(res.status, 201);
  const hit = fake.hits.find((h) => h.path === '/users')!;
  assert.is(hit.headers['x-switchyard-user-id'], undefined);
  assert.is(hit.headers.cookie, undefined);
  assert.is(hit.headers['x-request-id'], 'req-7');
  assert.match(String(hit.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.is(hit.body, '{"email":"a@b.c"}');
});

upstream('answers 504 upstream_timeout when the service is slower than the deadline', async () => {
  fake.on('POST /sessions', (_req, res) => void setTimeout(() => json(res, 200, { late: true }), 3000));
  const res = await request(`${gateway.url}/api/sessions`, { method: 'POST', json: {}, signal: AbortSignal.timeout(2500) });
  assert.is(res.status, 504);
  assert.is(res.body.code, 'upstream_timeout');
  assert.is(res.body.detail, 'The users service did not answer within 400 ms.');
  assert.is(hitsOf('/sessions'), 1, 'a POST without an idempotency key is not repeated');
});

upstream('answers 503 upstream_unavailable with Retry-After when nothing listens', async () => {
  const deadUrl = `http://127.0.0.1:${await freePort()}`;
  // A refused connection is not a slow one: the budget is the default's, so a loaded machine (whose
  // event loop once lagged past a 400 ms budget here, giving 504) cannot turn the refusal into a timeout.
  const dead = await startTestGateway(deadUrl, log, { UPSTREAM_TIMEOUT_MS: '5000' });
  try {
    const res = await request(`${dead.url}/api/users`, { method: 'POST', json: {}, signal: AbortSignal.timeout(10_000) });
    assert.is(res.status, 503);
    assert.is(res.body.code, 'upstream_unavailable');
    assert.is(res.headers.get('retry-after'), '1');
  } finally {
    await dead.stop();
  }
});

upstream('retries an idempotent GET after a 503 and returns the second answer', async () => {
  let calls = 0;
  fake.on('GET /users/me', (_req, res) => (++calls === 1 ? json(res, 503, { code: 'draining' }) : json(res, 200, { id: 'me' })));
  const token = await signToken(KEY);
  const res = await request(`${gateway.url}/api/users/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.is(res.status, 200);
  assert.equal(res.body, { id: 'me' });
  assert.is(hitsOf('/users/me'), 2);
});

upstream('does not retry a POST without an idempotency key after a 503', async () => {
  fake.on('POST /sessions', (_req, res) => json(res, 503, { code: 'busy' }));
  const res = await request(`${gateway.url}/api/sessions`, { method: 'POST', json: {} });
  assert.is(res.status, 503);
  assert.is(hitsOf('/sessions'), 1);
});

upstream('fetches the key set again when a token names a new kid (key rotation)', async () => {
  fake.on('GET /users/me', (_req, res) => json(res, 200, { id: 'me' }));
  const first = await request(`${gateway.url}/api/users/me`, { headers: { authorization: `Bearer ${await signToken(KEY)}` } });
  assert.is(first.status, 200);
  const rotated = ed25519Pem();
  const both = { keys: [...(await jwksOf(KEY)).keys, ...(await jwksOf(rotated)).keys] };
  fake.on('GET /.well-known/jwks.json', (_req, res) => json(res, 200, both));
  const second = await request(`${gateway.url}/api/users/me`, { headers: { authorization: `Bearer ${await signToken(rotated)}` } });
  assert.is(second.status, 200);
  assert.is(hitsOf('/.well-known/jwks.json'), 2);
});

upstream('answers 503 auth_unavailable, not 401, when the key set cannot be fetched', async () => {
  const deadUrl = `http://127.0.0.1:${await freePort()}`;
  const dead = await startTestGateway(deadUrl, log);
  try {
    const res = await request(`${dead.url}/api/users/me`, { headers: { authorization: `Bearer ${await signToken(KEY)}` } });
    assert.is(res.status, 503);
    assert.is(res.body.code, 'auth_unavailable');
  } finally {
    await dead.stop();
  }
});

upstream.run();
