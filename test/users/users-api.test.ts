import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshDatabase, queryRows } from '../support/database.js';
import { request, withoutRequestId } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { startTestUsers, type TestService } from '../support/services.js';

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
  assert.is(res.headers.get('location'), `/users/${res.body.id}`);
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

users('finds a user by id: 200, 404 for an unknown id, 400 for a malformed one', async () => {
  const created = await register({ email: 'linus@example.com', password: PASSWORD, name: 'Linus' });
  const found = await request(`${service.url}/users/${created.body.id}`);
  assert.equal(found.body, { id: created.body.id, email: 'linus@example.com', name: 'Linus' });
  const missing = await request(`${service.url}/users/00000000-0000-4000-8000-000000000000`);
  assert.is(missing.status, 404);
  assert.is(missing.body.code, 'user_not_found');
  const malformed = await request(`${service.url}/users/not-a-uuid`);
  assert.is(malformed.status, 400);
  assert.equal(malformed.body.errors, [{ field: '(body)', message: 'must be a UUID' }]);
});

users('answers /users/me from the identity header the gateway sets, and 401 without it', async () => {
  const created = await register({ email: 'me@example.com', password: PASSWORD, name: 'Me' });
  const me = await request(`${service.url}/users/me`, { headers: { 'x-switchyard-user-id': created.body.id } });
  assert.equal(me.body, { id: created.body.id, email: 'me@example.com', name: 'Me' });
  const anonymous = await request(`${service.url}/users/me`);
  assert.is(anonymous.status, 401);
  assert.is(anonymous.body.code, 'unauthenticated');
});

users('never writes a password or token to the log', async () => {
  const all = lines.join('\n');
  assert.not.ok(all.includes(PASSWORD));
  assert.not.match(all, /eyJ[A-Za-z0-9_-]+\.eyJ/);
  assert.ok(lines.some((l) => l.includes('"msg":"user registered"')));
});

users.run();
