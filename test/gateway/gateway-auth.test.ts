import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshDatabase } from '../support/database.js';
import { request, withoutRequestId } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { startTestGateway, startTestUsers, type TestService } from '../support/services.js';
import { kidOf, signToken, unsignedToken } from '../support/tokens.js';

const auth = suite('gateway authentication');
const KEY = ed25519Pem();
let db: Awaited<ReturnType<typeof freshDatabase>>;
let users: TestService;
let gateway: TestService;
let ada: { id: string; token: string };
let bob: { id: string; token: string };
const usersLog = capturedLogger('users');

async function signUp(email: string): Promise<{ id: string; token: string }> {
  const created = await request(`${gateway.url}/api/users`, { method: 'POST', json: { email, password: 'long enough pw', name: email } });
  assert.is(created.status, 201);
  const session = await request(`${gateway.url}/api/sessions`, { method: 'POST', json: { email, password: 'long enough pw' } });
  assert.is(session.status, 200);
  return { id: created.body.id, token: session.body.token };
}

const me = (headers: Record<string, string>) => request(`${gateway.url}/api/users/me`, { headers });

auth.before(async () => {
  db = await freshDatabase('gateway_auth');
  users = await startTestUsers(db.url, KEY, usersLog.log);
  gateway = await startTestGateway(users.url, capturedLogger('gateway').log);
  ada = await signUp('ada@example.com');
  bob = await signUp('bob@example.com');
});

auth.after(async () => {
  await gateway.stop();
  await users.stop();
  await db.drop();
});

async function assertRejected(headers: Record<string, string>, code: string): Promise<void> {
  const res = await me(headers);
  assert.is(res.status, 401, `status for ${code}`);
  assert.is(res.body.code, code);
  assert.is(res.headers.get('www-authenticate'), 'Bearer');
  assert.is(res.headers.get('content-type'), 'application/problem+json');
}

auth('answers /api/users/me for a valid token', async () => {
  const res = await me({ authorization: `Bearer ${ada.token}` });
  assert.is(res.status, 200);
  assert.equal(res.body, { id: ada.id, email: 'ada@example.com', name: 'ada@example.com' });
});

auth('rejects a request without a token', async () => {
  await assertRejected({}, 'missing_token');
  const res = await me({});
  assert.equal(withoutRequestId(res.body), {
    type: 'urn:switchyard:problem:missing_token',
    title: 'Unauthorized',
    status: 401,
    detail: 'A bearer token is required.',
    code: 'missing_token',
  });
});

auth('rejects a garbage token', async () => {
  await assertRejected({ authorization: 'Bearer not-a-jwt' }, 'invalid_token');
});

auth('rejects an unsigned alg:none token naming a real user', async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = unsignedToken({ sub: ada.id, iss: 'switchyard-users', aud: 'switchyard', iat: now, exp: now + 600 });
  await assertRejected({ authorization: `Bearer ${token}` }, 'invalid_token');
});

auth('rejects a token whose payload was changed after signing', async () => {
  const [header, payload, signature] = ada.token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: bob.id })).toString('base64url');
  await assertRejected({ authorization: `Bearer ${header}.${forged}.${signature}` }, 'invalid_token');
});

auth('rejects an expired token signed with the real key', async () => {
  const token = await signToken(KEY, { sub: ada.id, expiresIn: -30 });
  await assertRejected({ authorization: `Bearer ${token}` }, 'token_expired');
});

auth('rejects a token signed by another key, with the real kid or an unknown one', async () => {
  const other = ed25519Pem();
  const realKid = await signToken(other, { sub: ada.id, kid: await kidOf(KEY) });
  await assertRejected({ authorization: `Bearer ${realKid}` }, 'invalid_token');
  const unknownKid = await signToken(other, { sub: ada.id });
  await assertRejected({ authorization: `Bearer ${unknownKid}` }, 'invalid_token');
});

auth('rejects a token for another issuer or audience', async () => {
  await assertRejected({ authorization: `Bearer ${await signToken(KEY, { sub: ada.id, iss: 'evil' })}` }, 'invalid_token');
  await assertRejected({ authorization: `Bearer ${await signToken(KEY, { sub: ada.id, aud: 'other-app' })}` }, 'invalid_token');
});

auth('accepts a token it signed itself with the right claims (the forging helper is faithful)', async () => {
  const res = await me({ authorization: `Bearer ${await signToken(KEY, { sub: bob.id })}` });
  assert.is(res.status, 200);
  assert.is(res.body.id, bob.id);
});

auth('ignores an identity header sent by the client', async () => {
  await assertRejected({ 'x-switchyard-user-id': ada.id }, 'missing_token');
  const res = await me({ authorization: `Bearer ${ada.token}`, 'x-switchyard-user-id': bob.id });
  assert.is(res.status, 200);
  assert.is(res.body.id, ada.id);
});

auth('passes its request id to the service it calls', async () => {
  const res = await me({ authorization: `Bearer ${ada.token}`, 'x-request-id': 'trace-me-42' });
  assert.is(res.headers.get('x-request-id'), 'trace-me-42');
  await new Promise((r) => setTimeout(r, 20));
  const upstreamLine = usersLog.lines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'trace-me-42' && l.msg === 'request finished');
  assert.ok(upstreamLine, 'users logged the same request id');
  assert.is(upstreamLine.route, '/users/me');
});

auth('answers unknown routes with a 404 problem', async () => {
  const res = await request(`${gateway.url}/api/nothing-here`);
  assert.is(res.status, 404);
  assert.is(res.body.code, 'route_not_found');
});

auth.run();
