import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshDatabase } from '../support/database.js';
import { request, withoutRequestId } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { startTestGateway, startTestUsers, type TestService } from '../support/services.js';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { jwksOf, kidOf, signToken, unsignedToken } from '../support/tokens.js';

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

auth('rejects a token issued in the future or longer ago than the maximum age, though not expired', async () => {
  await assertRejected({ authorization: `Bearer ${await signToken(KEY, { sub: ada.id, issuedIn: 300 })}` }, 'invalid_token');
  await assertRejected({ authorization: `Bearer ${await signToken(KEY, { sub: ada.id, issuedIn: -2 * 86_400, expiresIn: 3600 })}` }, 'token_expired');
  // Within the clock tolerance (30 s) a slightly early iat is fine.
  assert.is((await me({ authorization: `Bearer ${await signToken(KEY, { sub: ada.id, issuedIn: 10 })}` })).status, 200);
});

auth('accepts only the canonical encoding of a valid token: padding or other spellings of the same bytes are refused', async () => {
  const padded = `${ada.token}=`;
  await assertRejected({ authorization: `Bearer ${padded}` }, 'invalid_token');
  // The signature's last base64url character carries 4 unused bits: flipping one spells the same bytes.
  const last = ada.token.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const respelt = `${ada.token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
  assert.equal(Buffer.from(respelt.split('.')[2]!, 'base64url'), Buffer.from(ada.token.split('.')[2]!, 'base64url'));
  await assertRejected({ authorization: `Bearer ${respelt}` }, 'invalid_token');
  assert.is((await me({ authorization: `Bearer ${ada.token}` })).status, 200);
});

auth('fetches the key set through the users pool: with one users replica down, a new gateway still verifies tokens', async () => {
  const second = await startTestUsers(db.url, KEY, usersLog.log);
  const fresh = await startTestGateway(`${users.url},${second.url}`, capturedLogger('gateway-2').log);
  const down = await startTestUsers(db.url, KEY, usersLog.log);
  const pair = await startTestGateway(`${down.url},${second.url}`, capturedLogger('gateway-3').log);
  try {
    assert.is((await request(`${fresh.url}/api/users/me`, { headers: { authorization: `Bearer ${ada.token}` } })).status, 200);
    await down.stop(); // its replica is gone before the new gateway ever fetched the keys
    for (let i = 0; i < 5; i++) {
      const res = await request(`${pair.url}/api/users/me`, { headers: { authorization: `Bearer ${bob.token}` } });
      assert.equal([res.status, res.body.id], [200, bob.id], `request ${i}`);
    }
  } finally {
    await pair.stop();
    await fresh.stop();
    await second.stop();
  }
});

auth('rejects algorithm swaps and key injection: HS256 keyed with the public key, RS256, an embedded jwk, a jku', async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: ada.id, iss: 'switchyard-users', aud: 'switchyard', iat: now - 10, exp: now + 600 };
  const publicJwk = (await jwksOf(KEY)).keys[0]!;
  const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid! }).sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
  const hs256OnX = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid! }).sign(Buffer.from(publicJwk.x!, 'base64url'));
  const rsa = await generateKeyPair('RS256');
  const rs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: publicJwk.kid! }).sign(rsa.privateKey);
  const attacker = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const embedded = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', jwk: await exportJWK(attacker.publicKey) }).sign(attacker.privateKey);
  const jku = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', jku: 'http://127.0.0.1:1/jwks.json', kid: 'attacker' }).sign(attacker.privateKey);
  for (const token of [hs256, hs256OnX, rs256, embedded, jku]) await assertRejected({ authorization: `Bearer ${token}` }, 'invalid_token');
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
