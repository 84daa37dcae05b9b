import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { capturedLogger } from '../support/logs.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestGateway, type TestService } from '../support/services.js';

const edge = suite('gateway HTTP edge: unknown methods, slow clients');
let catalog: ScriptedUpstream;
let gateway: TestService;
const captured = capturedLogger('gateway');

edge.before(async () => {
  catalog = new ScriptedUpstream().on('GET /products', (_req, res) => json(res, 200, { items: [], nextCursor: null }));
  gateway = await startTestGateway('http://127.0.0.1:9', captured.log, { CATALOG_URL: await catalog.start() });
});

edge.after(async () => {
  await gateway.stop();
  await catalog.stop();
});

/** Sends a request with any method (fetch refuses TRACE) and reads the answer. */
function raw(method: string, path: string): Promise<{ status: number; allow: string | undefined; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gateway.url}${path}`, { method, timeout: 10_000 }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.end();
  });
}

edge('TRACE, PROPFIND and M-SEARCH answer 405 with Allow on an API path and 404 elsewhere, and nothing is logged as an error', async () => {
  captured.lines.length = 0;
  for (const method of ['TRACE', 'PROPFIND', 'M-SEARCH']) {
    const res = await raw(method, '/api/products');
    // RFC 9110: a 405 says which methods the path takes.
    assert.equal([res.status, res.body.code, res.body.detail, res.allow], [405, 'method_not_allowed', 'Method Not Allowed', 'HEAD, GET'], method);
    const elsewhere = await raw(method, '/nowhere');
    assert.equal([elsewhere.status, elsewhere.body.code, elsewhere.body.detail], [404, 'route_not_found', `No route matches ${method} /nowhere.`], method);
  }
  assert.equal(await raw('PUT', '/api/products').then((r) => [r.status, r.allow]), [405, 'HEAD, GET']);
  assert.is((await raw('GET', '/api/nowhere')).status, 404);
  const options = await raw('OPTIONS', '/api/orders');
  assert.equal([options.status, options.allow], [200, 'POST, HEAD, GET']);
  assert.is(catalog.hits.length, 0);
  const errors = captured.lines.filter((line) => /"level":"(error|fatal)"/.test(line));
  assert.equal(errors, []);
});

/**
 * Opens a raw connection, sends `head`, then one more byte of `drip` every second (so the socket is
 * never idle), and resolves when the server closes it: with what it answered and after how long.
 */
function slowClient(head: string, drip: string): Promise<{ answer: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const bound = setTimeout(() => socket.destroy(new Error('the server never closed the connection')), 60_000);
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => socket.write(drip), 1000);
    });
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', (err) => (answer ? undefined : reject(err)));
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(bound);
      resolve({ answer, seconds: (Date.now() - started) / 1000 });
    });
  });
}

edge('a client that never finishes its headers is cut off at headersTimeout (20 s), one that never finishes its body at requestTimeout (30 s)', async () => {
  const [headers, body] = await Promise.all([
    slowClient('GET /api/products HTTP/1.1\r\nHost: gateway\r\n', 'x-slow: 1\r\n'),
    slowClient('POST /api/sessions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{', ' '),
  ]);
  assert.match(headers.answer, /^HTTP\/1\.1 408 /);
  // Node checks these deadlines on connectionsCheckingInterval (1 s here, 30 s by default: closed after ~50 s).
  assert.ok(headers.seconds >= 20 && headers.seconds < 25, `slow headers cut off after ${headers.seconds} s`);
  assert.ok(body.seconds >= 30 && body.seconds < 35, `slow body cut off after ${body.seconds} s`);
  assert.is(catalog.hits.length, 0);
});

edge.run();
