import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshDatabase } from '../support/database.js';
import { request, withoutRequestId } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestGateway, startTestUsers, type TestService } from '../support/services.js';
import { signToken } from '../support/tokens.js';

const session = suite('gateway browser session (cookie + CSRF)');
const KEY = ed25519Pem();
const PASSWORD = 'long enough pw';
let db: Awaited<ReturnType<typeof freshDatabase>>;
let users: TestService;
let gateway: TestService;
// orders stands in as a scripted upstream: what matters here is what the gateway lets through to it.
const orders = new ScriptedUpstream().on('POST /orders', (_req, res) => json(res, 201, { id: 'order-1', status: 'PENDING_PAYMENT' }));
let ada: { id: string; cookie: string; csrfToken: string; setCookie: string; body: Record<string, unknown> };
let bob: { id: string; cookie: string; csrfToken: string };

/** Registers and logs in by cookie; returns the cookie as a browser would send it back. */
async function browserLogIn(email: string) {
  const created = await request(`${gateway.url}/api/users`, { method: 'POST', json: { email, password: PASSWORD, name: email } });
  assert.is(created.status, 201);
  const res = await request(`${gateway.url}/api/session`, { method: 'POST', json: { email, password: PASSWORD } });
  assert.is(res.status, 200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { id: created.body.id as string, cookie: setCookie.split(';')[0]!, csrfToken: res.body.csrfToken as string, setCookie, body: res.body };
}

const placeOrder = (headers: Record<string, string>) =>
  request(`${gateway.url}/api/orders`, { method: 'POST', json: { items: [] }, headers: { 'idempotency-key': `k-${Math.random()}`, ...headers } });

session.before(async () => {
  db = await freshDatabase('gateway_session');
  users = await startTestUsers(db.url, KEY, capturedLogger('users').log);
  gateway = await startTestGateway(users.url, capturedLogger('gateway').log, { ORDERS_URL: await orders.start() });
  ada = await browserLogIn('ada@example.com');
  bob = await browserLogIn('bob@example.com');
});

session.after(async () => {
  await gateway?.stop();
  await users?.stop();
  await orders.stop();
  await db?.drop();
});

session('logs in by cookie: the token goes into an HttpOnly, Secure, SameSite=Strict cookie on /api, the body carries only the CSRF token', async () => {
  assert.match(ada.setCookie, /^__Secure-switchyard_session=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=(3599|3600); Path=\/api; HttpOnly; Secure; SameSite=Strict$/);
  assert.equal(Object.keys(ada.body).sort(), ['csrfToken', 'expiresAt']);
  assert.match(ada.csrfToken, /^[\w-]{43}$/);
  assert.not.match(JSON.stringify(ada.body), ada.cookie.split('=')[1]!);
});

session('answers a wrong password with the users 401 problem and sets no cookie', async () => {
  const res = await request(`${gateway.url}/api/session`, { method: 'POST', json: { email: 'ada@example.com', password: 'wrong password' } });
  assert.is(res.status, 401);
  assert.is(res.body.code, 'invalid_credentials');
  assert.is(res.headers.get('content-type'), 'application/problem+json');
  assert.is(res.headers.get('set-cookie'), null);
});

session('reads with the cookie alone: no CSRF token is needed for GET', async () => {
  const me = await request(`${gateway.url}/api/users/me`, { headers: { cookie: ada.cookie } });
  assert.is(me.status, 200);
  assert.equal(me.body, { id: ada.id, email: 'ada@example.com', name: 'ada@example.com' });
});

session('GET /api/session gives the same CSRF token back after a reload, and 401 without a cookie', async () => {
  const again = await request(`${gateway.url}/api/session`, { headers: { cookie: ada.cookie } });
  assert.is(again.status, 200);
  assert.is(again.body.csrfToken, ada.csrfToken);
  assert.is(again.body.expiresAt, ada.body.expiresAt);
  assert.is(again.headers.get('cache-control'), 'no-store');
  const none = await request(`${gateway.url}/api/session`);
  assert.is(none.status, 401);
  assert.is(none.body.code, 'missing_session');
});

session('refuses a cookie-authenticated write without X-CSRF-Token (403), and nothing reaches orders', async () => {
  const before = orders.hits.length;
  const res = await placeOrder({ cookie: ada.cookie });
  assert.is(res.status, 403);
  assert.equal(withoutRequestId(res.body), {
    type: 'urn:switchyard:problem:csrf_token_missing',
    title: 'Forbidden',
    status: 403,
    detail: 'A request authenticated by the session cookie needs the X-CSRF-Token header.',
    code: 'csrf_token_missing',
  });
  assert.is(orders.hits.length, before);
});

session("refuses a wrong X-CSRF-Token: another session's, or made up (403)", async () => {
  const before = orders.hits.length;
  for (const token of [bob.csrfToken, 'x'.repeat(43), 'short']) {
    const res = await placeOrder({ cookie: ada.cookie, 'x-csrf-token': token });
    assert.is(res.status, 403, token);
    assert.is(res.body.code, 'csrf_token_invalid', token);
  }
  assert.is(orders.hits.length, before);
});

/** The user a forwarded Authorization header proves (the services verify the same token). */
const subjectOf = (authorization: string | string[] | undefined) =>
  JSON.parse(Buffer.from(String(authorization).replace(/^Bearer /, '').split('.')[1]!, 'base64url').toString()).sub as string;

session('accepts the right CSRF token: orders gets the session token as its bearer proof, and neither the cookie nor the CSRF token', async () => {
  const res = await placeOrder({ cookie: ada.cookie, 'x-csrf-token': ada.csrfToken });
  assert.is(res.status, 201);
  const hit = orders.hits.at(-1)!;
  assert.match(String(hit.headers.authorization), /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  assert.is(subjectOf(hit.headers.authorization), ada.id);
  assert.is(hit.headers['x-switchyard-user-id'], undefined);
  assert.is(hit.headers.cookie, undefined);
  assert.is(hit.headers['x-csrf-token'], undefined);
});

session('leaves bearer requests as they are: no CSRF token needed, and a cookie alongside is ignored', async () => {
  const bearer = await request(`${gateway.url}/api/sessions`, { method: 'POST', json: { email: 'bob@example.com', password: PASSWORD } });
  const token = bearer.body.token as string;
  const res = await placeOrder({ authorization: `Bearer ${token}` });
  assert.is(res.status, 201);
  assert.is(orders.hits.at(-1)!.headers.authorization, `Bearer ${token}`);
  const both = await placeOrder({ authorization: `Bearer ${token}`, cookie: ada.cookie });
  assert.is(both.status, 201);
  assert.is(orders.hits.at(-1)!.headers.authorization, `Bearer ${token}`);
  assert.is(subjectOf(orders.hits.at(-1)!.headers.authorization), bob.id);
});

session('treats an expired cookie session like an expired bearer token (401 token_expired)', async () => {
  const expired = await signToken(KEY, { sub: ada.id, expiresIn: -30 });
  const res = await request(`${gateway.url}/api/users/me`, { headers: { cookie: `__Secure-switchyard_session=${expired}` } });
  assert.is(res.status, 401);
  assert.is(res.body.code, 'token_expired');
});

session('logs out: DELETE /api/session needs the CSRF token, then clears the cookie', async () => {
  const refused = await request(`${gateway.url}/api/session`, { method: 'DELETE', headers: { cookie: bob.cookie } });
  assert.is(refused.status, 403);
  assert.is(refused.body.code, 'csrf_token_missing');
  const res = await request(`${gateway.url}/api/session`, { method: 'DELETE', headers: { cookie: bob.cookie, 'x-csrf-token': bob.csrfToken } });
  assert.is(res.status, 204);
  assert.is(res.headers.get('set-cookie'), '__Secure-switchyard_session=; Max-Age=0; Path=/api; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict');
});

session.run();
