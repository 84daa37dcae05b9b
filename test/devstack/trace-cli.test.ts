import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OtlpReceiver } from '@switchyard/devstack/otlp-receiver';
import { startCommand } from '../support/child-service.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { otlpExport } from '../support/otlp.js';
import { freePort } from '../support/ports.js';

const ROOT = resolve(import.meta.dirname, '../..');
const cli = suite('npm run trace: what it says to a person who typed it wrong');
const TRACE = '5b8aa5a2d2c872e8321cf37308d69df2';
let receiver: OtlpReceiver;

cli.before(async () => {
  receiver = await OtlpReceiver.start({ port: 0, log: capturedLogger('receiver').log });
  // One server span, exported as a service would (OTLP/HTTP JSON).
  const res = await request(`${receiver.url}/v1/traces`, {
    method: 'POST',
    json: otlpExport({ service: 'gateway' }, [{ traceId: TRACE, spanId: '051581bf3cb55c13', name: 'GET /api/products', startMs: 0, durationMs: 4, attributes: { 'switchyard.request_id': 'req-7f3a' } }]),
  });
  assert.is(res.status, 200);
});

cli.after(() => receiver.stop());

/** Runs the command as `npm run trace -- <args>` runs it: its exit, stdout and stderr lines (in the order written). */
async function trace(args: string[], env: Record<string, string> = { SWITCHYARD_OTLP_PORT: new URL(receiver.url).port }) {
  const child = await startCommand([process.execPath, '--import', 'tsx', '--conditions=development', 'packages/devstack/src/trace-cli.ts', ...args], env, ROOT);
  return { exit: await child.exited, lines: child.lines };
}

const USAGE = 'usage: npm run trace -- <traceId|orderId|requestId|any text a span attribute holds>';
const TREE = [`trace ${TRACE}: 1 span, 1 service, 4.0 ms`, '    +0 ms     4.0 ms  gateway        server    GET /api/products'];

cli('prints the tree for a trace id, also in upper case, and for a text one of its spans holds', async () => {
  assert.equal(await trace([TRACE]), { exit: { code: 0, signal: null }, lines: TREE });
  assert.equal(await trace([TRACE.toUpperCase()]), { exit: { code: 0, signal: null }, lines: TREE });
  assert.equal(await trace(['req-7f3a']), { exit: { code: 0, signal: null }, lines: TREE });
});

cli('answers --help with the usage, and no argument, two, or a too short one with the usage and exit 2', async () => {
  assert.equal(await trace(['--help']), { exit: { code: 0, signal: null }, lines: [USAGE] });
  assert.equal(await trace([]), { exit: { code: 2, signal: null }, lines: [`trace: ${USAGE}`] });
  assert.equal(await trace([TRACE, 'extra']), { exit: { code: 2, signal: null }, lines: [`trace: ${USAGE}`] });
  assert.equal(await trace(['ab']), { exit: { code: 2, signal: null }, lines: [`trace: ${USAGE} (at least 4 characters)`] });
});

cli('refuses a text far longer than any id without asking the receiver, and without echoing it', async () => {
  const long = 'a'.repeat(100_000);
  assert.equal(await trace([long]), { exit: { code: 2, signal: null }, lines: ['trace: the text to look for is 100000 characters long; ids are shorter than 200'] });
});

cli('refuses control characters instead of echoing them to the terminal, and a port setting of 0', async () => {
  for (const text of ['ab\ncdef', '\u001b[31mRED\u001b[0m']) {
    assert.equal(await trace([text]), { exit: { code: 2, signal: null }, lines: ['trace: the text to look for has control characters (a newline, an escape); ids have none'] });
  }
  assert.equal(await trace([TRACE], { SWITCHYARD_OTLP_PORT: '0' }), {
    exit: { code: 2, signal: null },
    lines: ["trace: SWITCHYARD_OTLP_PORT is 0: set it to the port the runner's receiver listens on (its table shows it)"],
  });
});

cli('says plainly when nothing matches, when no receiver listens, and when the port setting is malformed', async () => {
  assert.equal(await trace(['00000000000000000000000000000000']), {
    exit: { code: 1, signal: null },
    lines: ['trace: no trace found for 00000000000000000000000000000000 (the receiver keeps the newest 50,000 spans of the running system)'],
  });
  // A port that was free a moment ago: nothing listens there.
  const port = await freePort();
  assert.equal(await trace([TRACE], { SWITCHYARD_OTLP_PORT: String(port) }), {
    exit: { code: 1, signal: null },
    lines: [`trace: nothing receives traces at http://127.0.0.1:${port}: start the system with npm start (with SWITCHYARD_TRACING=1, the default)`],
  });
  assert.equal(await trace([TRACE], { SWITCHYARD_OTLP_PORT: 'abc' }), {
    exit: { code: 2, signal: null },
    lines: ['trace: invalid configuration: SWITCHYARD_OTLP_PORT: Invalid input: expected number, received NaN'],
  });
});

cli.run();
