import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshDatabase, queryRows } from '../support/database.js';
import { request, withoutRequestId } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { TEST_CLIENT_SECRET, testIssuer } from '../support/identity.js';
import { startTestGateway, startTestUsers, type TestService } from '../support/services.js';
import { eventually } from '../support/broker.js';

const users = suite('users HTTP API');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let service: TestService;
const { log, lines } = capturedLogger('users');
const PASSWORD = 'correct horse battery';

users.before(async () => {
  db = await freshDatabase('users');
  service = await startTestUsers(db.url, ed25519Pem(), log, { JWT_TTL_SECONDS: '900' });
});

users.after(async () => {
  await service.stop();
  await db.drop();
});

const register = (json: unknown, headers: Record<string, string> = {}) =>
  request(`${service.url}/users`, { method: 'POST', json, headers });
const login = (json: unknown) => request(`${service.url}/sessions`, { method: 'POST', json });

users('registers a user with a trimmed, lower-cased email and stores only a scrypt hash', async () => {
  const res = await register({ email: '  Ada@Example.COM ', password: PASSWORD, name: ' Ada Lovelace ' });
  assert.is(res.status, 201);
  assert.equal(Object.keys(res.body).sort(), ['email', 'id', 'name']);
  assert.is(res.body.email, 'ada@example.com');
  assert.is(res.body.name, 'Ada Lovelace');
  assert.is(res.headers.get('location'), '/users/me');
  const rows = await queryRows<{ email: string; password_hash: string }>(db.url, 'SELECT email, password_hash FROM users WHERE id = $1', [res.body.id]);
  assert.is(rows[0]!.email, 'ada@example.com');
  assert.match(rows[0]!.password_hash, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{88}$/);
  assert.not.ok(rows[0]!.password_hash.includes(PASSWORD));
});

users('gives two users with the same password different hashes (per-user salt)', async () => {
  await register({ email: 'salt1@example.com', password: PASSWORD, name: 'One' });
  await register({ email: 'salt2@example.com', password: PASSWORD, name: 'Two' });
  const rows = await queryRows<{ password_hash: string }>(db.url, "SELECT password_hash FROM users WHERE email LIKE 'salt%'");
  assert.is(rows.length, 2);
  assert.is.not(rows[0]!.password_hash, rows[1]!.password_hash);
});

users('refuses the same email in another letter case with 409 email_taken', async () => {
  const res = await register({ email: 'ADA@example.com', password: PASSWORD, name: 'Other Ada' });
  assert.is(res.status, 409);
  assert.equal(withoutRequestId(res.body), {
    type: 'urn:switchyard:problem:email_taken',
    title: 'Conflict',
    status: 409,
    detail: 'A user with this email already exists.',
    code: 'email_taken',
  });
});

users('lists every missing field', async () => {
  const res = await register({});
  assert.is(res.status, 400);
  assert.equal(res.body.errors, [
    { field: 'email', message: 'Invalid input: expected string, received undefined' },
    { field: 'password', message: 'Invalid input: expected string, received undefined' },
    { field: 'name', message: 'Invalid input: expected string, received undefined' },
  ]);
});

users('rejects a bad email, a short password and wrong types, naming each field', async () => {
  const badEmail = await register({ email: 'not-an-email', password: PASSWORD, name: 'X' });
  assert.equal(badEmail.body.errors, [{ field: 'email', message: 'must be a valid email address' }]);
  const shortPassword = await register({ email: 'short@example.com', password: 'seven77', name: 'X' });
  assert.equal(shortPassword.body.errors, [{ field: 'password', message: 'must be at least 8 characters' }]);
  const longPassword = await register({ email: 'long@example.com', password: 'x'.repeat(257), name: 'X' });
  assert.equal(longPassword.body.errors, [{ field: 'password', message: 'must be at most 256 characters' }]);
  const wrongTypes = await register({ email: 42, password: ['a'], name: true });
  assert.is(wrongTypes.status, 400);
  assert.equal(wrongTypes.body.errors.map((e: { field: string }) => e.field), ['email', 'password', 'name']);
  for (const res of [badEmail, shortPassword, longPassword]) assert.is(res.status, 400);
});

users('rejects a JSON array, malformed JSON, a form body and a 3 MB body', async () => {
  const array = await register([{ email: 'a@b.c' }]);
  assert.is(array.status, 400);
  assert.equal(array.body.errors, [{ field: '(body)', message: 'Invalid input: expected object, received array' }]);
  const malformed = await request(`${service.url}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
  assert.is(malformed.status, 400);
  assert.is(malformed.body.code, 'malformed_json');
  const form = await request(`${service.url}/users`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%40b.c' });
  assert.is(form.status, 415);
  const huge = await register({ email: 'huge@example.com', password: PASSWORD, name: 'x'.repeat(3_000_000) });
  assert.is(huge.status, 413);
  assert.is(huge.body.code, 'payload_too_large');
  const count = await queryRows<{ n: string }>(db.url, "SELECT count(*) AS n FROM users WHERE email IN ('a@b.c', 'huge@example.com')");
  assert.is(count[0]!.n, '0');
});

users('logs in with a token that verifies against the JWKS and carries sub, iat, exp, iss, aud and kid', async () => {
  const created = await register({ email: 'grace@example.com', password: PASSWORD, name: 'Grace' });
  const res = await login({ email: ' Grace@Example.com', password: PASSWORD });
  assert.is(res.status, 200);
  assert.is(res.headers.get('cache-control'), 'no-store');
  const jwks = await request(`${service.url}/.well-known/jwks.json`);
  assert.is(jwks.body.keys.length, 1);
  const [key] = jwks.body.keys;
  assert.equal({ kty: key.kty, crv: key.crv, alg: key.alg, use: key.use }, { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
  assert.is(key.d, undefined, 'no private part');
  const { payload, protectedHeader } = await jwtVerify(res.body.token, createLocalJWKSet(jwks.body), {
    issuer: 'switchyard-users',
    audience: 'switchyard',
  });
  assert.is(protectedHeader.alg, 'EdDSA');
  assert.is(protectedHeader.kid, key.kid);
  assert.is(payload.sub, created.body.id);
  assert.is(payload.exp! - payload.iat!, 900);
  assert.is(res.body.expiresAt, new Date(payload.exp! * 1000).toISOString());
  assert.is(decodeProtectedHeader(res.body.token).typ, 'JWT');
});

users('answers a wrong password and an unknown email with the same 401', async () => {
  const wrong = await login({ email: 'grace@example.com', password: 'not the password' });
  const unknown = await login({ email: 'nobody@example.com', password: 'not the password' });
  assert.is(wrong.status, 401);
  assert.is(unknown.status, 401);
  assert.equal(withoutRequestId(wrong.body), withoutRequestId(unknown.body));
  assert.equal(withoutRequestId(wrong.body), {
    type: 'urn:switchyard:problem:invalid_credentials',
    title: 'Unauthorized',
    status: 401,
    detail: 'The email or password is incorrect.',
    code: 'invalid_credentials',
  });
});

users('has no lookup of other users by id over HTTP (services use gRPC GetUser, with a service token)', async () => {
  const created = await register({ email: 'linus@example.com', password: PASSWORD, name: 'Linus' });
  const byId = await request(`${service.url}/users/${created.body.id}`);
  assert.equal([byId.status, byId.body.code], [404, 'route_not_found']);
});

users('answers /users/me for a valid user token only: no token, a forged identity header, another audience → 401', async () => {
  const created = await register({ email: 'me@example.com', password: PASSWORD, name: 'Me' });
  const session = await login({ email: 'me@example.com', password: PASSWORD });
  const me = await request(`${service.url}/users/me`, { headers: { authorization: `Bearer ${session.body.token}` } });
  assert.equal(me.body, { id: created.body.id, email: 'me@example.com', name: 'Me' });
  const anonymous = await request(`${service.url}/users/me`);
  assert.equal([anonymous.status, anonymous.body.code], [401, 'missing_token']);
  const forged = await request(`${service.url}/users/me`, { headers: { 'x-switchyard-user-id': created.body.id } });
  assert.equal([forged.status, forged.body.code], [401, 'missing_token']);
  const serviceToken = await (await testIssuer()).serviceToken('orders', 'users');
  const wrongAudience = await request(`${service.url}/users/me`, { headers: { authorization: `Bearer ${serviceToken}` } });
  assert.equal([wrongAudience.status, wrongAudience.body.code], [401, 'invalid_token']);
});

users('issues service tokens to registered services only (client credentials), for the audience asked', async () => {
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const ask = (authorization: string, json: unknown = { audience: 'payments' }) =>
    request(`${service.url}/service-tokens`, { method: 'POST', json, headers: { authorization } });
  const issued = await ask(basic('orders', TEST_CLIENT_SECRET));
  assert.is(issued.status, 200);
  assert.is(issued.headers.get('cache-control'), 'no-store');
  const { payload } = await jwtVerify(issued.body.token, createLocalJWKSet((await request(`${service.url}/.well-known/jwks.json`)).body), { algorithms: ['EdDSA'] });
  assert.equal([payload.sub, payload.aud, payload.iss, payload.exp! - payload.iat!], ['orders', 'urn:switchyard:service:payments', 'switchyard-users', 300]);
  for (const [authorization, why] of [
    [basic('orders', 'wrong secret'), 'wrong secret'],
    [basic('payments', TEST_CLIENT_SECRET), 'not a registered client'],
    ['Bearer x', 'no basic credentials'],
  ] as const) {
    const refused = await ask(authorization);
    assert.equal([refused.status, refused.body.code, refused.headers.get('www-authenticate')], [401, 'invalid_client', 'Basic realm="service-tokens"'], why);
  }
  const badAudience = await ask(basic('orders', TEST_CLIENT_SECRET), { audience: '../admin' });
  assert.equal([badAudience.status, badAudience.body.errors], [400, [{ field: 'audience', message: 'must be a service name' }]]);
});

users('refuses NUL characters in any field with a 400 naming the field (Postgres cannot store them)', async () => {
  const name = await register({ email: 'nul@example.com', password: PASSWORD, name: 'Nu\u0000l' });
  assert.equal([name.status, name.body.errors], [400, [{ field: 'name', message: 'must not contain NUL characters' }]]);
  const email = await login({ email: 'nul\u0000@example.com', password: PASSWORD });
  assert.equal([email.status, email.body.errors], [400, [{ field: 'email', message: 'must not contain NUL characters' }]]);
});

users('throttles logins per account: one check at a time, a growing pause after five failures, cleared by a success', async () => {
  await register({ email: 'brute@example.com', password: PASSWORD, name: 'Brute' });
  const checks = async () => Number(/password_checks_total\S* (\d+)/.exec((await request(`${service.adminUrl}/metrics`)).text)?.[1] ?? 0);
  const before = await checks();
  // 20 wrong passwords at once against one account: the account's slot lets one check run at a time.
  const burst = await Promise.all(Array.from({ length: 20 }, () => login({ email: 'brute@example.com', password: 'wrong guess!' })));
  const statuses = burst.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 401 || s === 429), statuses.join(','));
  for (const throttled of burst.filter((r) => r.status === 429)) {
    assert.equal([throttled.body.code, Number(throttled.headers.get('retry-after')) >= 1], ['login_throttled', true]);
  }
  assert.is((await checks()) - before, statuses.filter((s) => s === 401).length, 'only the attempts that got the slot ran scrypt');
  // Failures one after the other: the sixth in a row must wait.
  const sequential: number[] = [];
  for (let i = 0; i < 8; i++) sequential.push((await login({ email: 'brute@example.com', password: 'wrong guess!' })).status);
  assert.ok(sequential.includes(429), sequential.join(','));
  const paused = await login({ email: 'brute@example.com', password: PASSWORD });
  assert.equal([paused.status, paused.body.code], [429, 'login_throttled'], 'even the right password waits out the pause');
  const rows = await queryRows<{ failures: number }>(db.url, 'SELECT failures FROM login_attempts WHERE email = $1', ['brute@example.com']);
  assert.ok(rows[0]!.failures >= 5);
  // Once the pause is over, the right password works and clears the account.
  await queryRows(db.url, "UPDATE login_attempts SET next_attempt_at = now() WHERE email = 'brute@example.com'");
  assert.is((await login({ email: 'brute@example.com', password: PASSWORD })).status, 200);
  assert.equal(await queryRows(db.url, 'SELECT failures FROM login_attempts WHERE email = $1', ['brute@example.com']), []);
});

users('a registration the gateway already answered with 504 does not create the account', async () => {
  // A slow hash (scrypt N=2^17, ~0.5 s) behind a gateway with a 150 ms deadline.
  const slowDb = await freshDatabase('users_slow');
  const captured = capturedLogger('users-slow');
  const slow = await startTestUsers(slowDb.url, undefined, captured.log, { PASSWORD_SCRYPT_COST: '131072' });
  const gateway = await startTestGateway(slow.url, captured.log, { UPSTREAM_TIMEOUT_MS: '150' });
  try {
    const res = await request(`${gateway.url}/api/users`, { method: 'POST', json: { email: 'late@example.com', password: PASSWORD, name: 'Late' } });
    assert.equal([res.status, res.body.code], [504, 'upstream_timeout']);
    const finished = await eventually(
      async () => captured.lines.map((l) => JSON.parse(l)).find((l) => l.service === 'users-slow' && l.msg === 'request finished' && l.route === '/users'),
      10_000,
      'users finished the registration',
    );
    assert.is(finished.status, 499);
    assert.equal(await queryRows(slowDb.url, 'SELECT email FROM users'), []);
  } finally {
    await gateway.stop();
    await slow.stop();
    await slowDb.drop();
  }
});

users('never writes a password or token to the log', async () => {
  const all = lines.join('\n');
  assert.not.ok(all.includes(PASSWORD));
  assert.not.match(all, /eyJ[A-Za-z0-9_-]+\.eyJ/);
  assert.ok(lines.some((l) => l.includes('"msg":"user registered"')));
});

users.run();
