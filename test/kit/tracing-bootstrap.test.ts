import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OtlpReceiver } from '@switchyard/devstack/otlp-receiver';
import { eventually } from '../support/broker.js';
import { startChild, type ChildService } from '../support/child-service.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { freePort } from '../support/ports.js';
import { blackHole } from '../support/tcp.js';

const bootstrap = suite('the tracing bootstrap (node --import @switchyard/kit/tracing/register)');
const { log } = capturedLogger('receiver');
let receiver: OtlpReceiver;
const children: ChildService[] = [];
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

bootstrap.before(async () => {
  receiver = await OtlpReceiver.start({ port: 0, log });
});

bootstrap.after(async () => {
  for (const child of children) await child.process.stop('SIGKILL', 1_000);
  await receiver.stop();
});

/** The fixture service as a real process, started with the bootstrap like every service. */
async function startTraced(env: Record<string, string>): Promise<{ child: ChildService; url: string }> {
  const child = await startChild('test/fixtures/traced-service.ts', { HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', INSTANCE_ID: 'traced-7', ...env }, { bootstrap: true });
  children.push(child);
  const started = await child.waitForLine((entry) => entry.msg === 'traced started');
  return { child, url: `http://127.0.0.1:${started.httpPort}` };
}

const tracingEnv = () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'traced-fixture', OTEL_BSP_SCHEDULE_DELAY: '100' });
const json = (child: ChildService) => child.lines.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : []));

bootstrap('continues the caller\'s trace across an outgoing HTTP call, and every log line names its trace and span', async () => {
  const { child, url } = await startTraced(tracingEnv());
  const res = await request(`${url}/hello`, { headers: { traceparent: `00-${TRACE}-${CALLER_SPAN}-01` } });
  assert.is(res.status, 200);
  await receiver.waitFor(() => receiver.trace(TRACE).length === 3, 10_000);
  const spans = receiver.trace(TRACE);
  const byName = (name: string, kind: string) => spans.find((s) => s.name === name && s.kind === kind)!;
  const hello = byName('GET /hello', 'server');
  const call = byName('GET', 'client');
  const downstream = byName('GET /downstream', 'server');
  // One trace: the caller's span is the parent of the server span, and the chain goes on over the wire.
  assert.equal(
    [hello, call, downstream].map((s) => s.parentSpanId),
    [CALLER_SPAN, hello.spanId, call.spanId],
  );
  assert.is(res.body.downstream.traceparent, `00-${TRACE}-${call.spanId}-01`);
  // The client span is the kit's own (client-span.ts), with the stable HTTP attributes.
  assert.equal(
    [call.service, call.attributes['http.request.method'], call.attributes['url.full'], call.attributes['server.address'], call.attributes['server.port'], call.attributes['http.response.status_code'], call.error],
    ['traced-fixture', 'GET', `${url}/downstream`, '127.0.0.1', Number(new URL(url).port), 200, false],
  );
  assert.equal([hello.service, hello.instance, hello.attributes['http.route'], hello.attributes['http.response.status_code']], ['traced-fixture', 'traced-7', '/hello', 200]);
  const line = json(child).find((entry) => entry.msg === 'hello')!;
  assert.equal([line.trace_id, line.span_id, line.traceId], [TRACE, hello.spanId, TRACE]);
  const finished = json(child).find((entry) => entry.msg === 'request finished' && entry.route === '/hello')!;
  assert.equal([finished.trace_id, finished.span_id], [TRACE, hello.spanId]);
});

bootstrap('marks a request answered 5xx as an error on its server span, named by its route', async () => {
  const { url } = await startTraced(tracingEnv());
  const trace = 'cccccccccccccccc4bf92f3577b34da6';
  const res = await request(`${url}/broken?secret=1`, { headers: { traceparent: `00-${trace}-${CALLER_SPAN}-01` } });
  assert.is(res.status, 500);
  await receiver.waitFor(() => receiver.trace(trace).length === 1, 10_000);
  const [span] = receiver.trace(trace);
  assert.equal(
    [span!.name, span!.kind, span!.parentSpanId, span!.error, span!.attributes['http.response.status_code'], span!.attributes['error.type'], span!.attributes['url.path'], span!.attributes['http.request.method']],
    ['GET /broken', 'server', CALLER_SPAN, true, 500, '500', '/broken', 'GET'],
  );
});

bootstrap('records a method the conventions do not name as _OTHER, so a client cannot mint span names', async () => {
  const { url } = await startTraced(tracingEnv());
  const trace = '99999999999999994bf92f3577b34da6';
  const res = await request(`${url}/hello`, { method: 'PROPFIND', headers: { traceparent: `00-${trace}-${CALLER_SPAN}-01` } });
  // Koa's router answers a method no route has 501.
  assert.is(res.status, 501);
  await receiver.waitFor(() => receiver.trace(trace).length === 1, 10_000);
  const [span] = receiver.trace(trace);
  assert.equal(
    [span!.name, span!.attributes['http.request.method'], span!.attributes['http.request.method_original'], span!.attributes['http.route'], span!.attributes['http.response.status_code']],
    ['HTTP', '_OTHER', 'PROPFIND', undefined, 501],
  );
});

bootstrap("marks a call answered 5xx as an error on the caller's client span", async () => {
  const { url } = await startTraced(tracingEnv());
  const trace = 'dddddddddddddddd4bf92f3577b34da6';
  const res = await request(`${url}/hello?to=broken`, { headers: { traceparent: `00-${trace}-${CALLER_SPAN}-01` } });
  assert.is(res.status, 200);
  await receiver.waitFor(() => receiver.trace(trace).length === 3, 10_000);
  const call = receiver.trace(trace).find((s) => s.kind === 'client')!;
  assert.equal(
    [call.name, call.error, call.attributes['http.response.status_code'], call.attributes['error.type'], call.attributes['url.full']],
    ['GET', true, 500, '500', `${url}/broken`],
  );
});

bootstrap('names what failed a call that never got an answer on its client span', async () => {
  const { url } = await startTraced(tracingEnv());
  const trace = 'eeeeeeeeeeeeeeee4bf92f3577b34da6';
  // A port that was free a moment ago: nothing listens there.
  const port = await freePort();
  const res = await request(`${url}/hello?refused=${port}`, { headers: { traceparent: `00-${trace}-${CALLER_SPAN}-01` } });
  assert.is(res.status, 500);
  await receiver.waitFor(() => receiver.trace(trace).length === 2, 10_000);
  const call = receiver.trace(trace).find((s) => s.kind === 'client')!;
  // fetch wraps the refusal in a TypeError; the code is its cause's.
  assert.equal(
    [call.name, call.error, call.attributes['error.type'], call.attributes['http.response.status_code'], call.attributes['url.full']],
    ['GET', true, 'ECONNREFUSED', undefined, `http://127.0.0.1:${port}/downstream`],
  );
});

bootstrap('counts a retried call\'s earlier attempts on its client span (http.request.resend_count)', async () => {
  const { url } = await startTraced(tracingEnv());
  const trace = 'ffffffffffffffff4bf92f3577b34da6';
  const port = await freePort();
  const res = await request(`${url}/hello?refused=${port}&retry=1`, { headers: { traceparent: `00-${trace}-${CALLER_SPAN}-01` } });
  assert.is(res.status, 200);
  await receiver.waitFor(() => receiver.trace(trace).length === 4, 10_000);
  const calls = receiver.trace(trace).filter((s) => s.kind === 'client').sort((a, b) => Number(a.attributes['http.request.resend_count'] ?? 0) - Number(b.attributes['http.request.resend_count'] ?? 0));
  assert.equal(
    calls.map((c) => [c.attributes['url.full'], c.attributes['http.request.resend_count'], c.attributes['error.type'], c.attributes['http.response.status_code']]),
    [
      [`http://127.0.0.1:${port}/downstream`, undefined, 'ECONNREFUSED', undefined],
      [`${url}/downstream`, 1, undefined, 200],
    ],
  );
});

bootstrap('sends the spans still batched when the service stops', async () => {
  // A batch delay of ten minutes: only the flush at shutdown can send them.
  const { child, url } = await startTraced({ ...tracingEnv(), OTEL_BSP_SCHEDULE_DELAY: '600000' });
  const trace = 'aaaaaaaaaaaaaaaa4bf92f3577b34da6';
  await request(`${url}/hello`, { headers: { traceparent: `00-${trace}-${CALLER_SPAN}-01` } });
  assert.is(receiver.trace(trace).length, 0);
  process.kill(child.process.pid, 'SIGTERM');
  assert.equal(await child.exited, { code: 0, signal: null });
  assert.is(receiver.trace(trace).length, 3);
});

bootstrap('keeps answering while the collector hangs: spans that do not fit the queue are dropped and said so, and the service still stops', async () => {
  // A collector that accepts connections and never answers: every export waits out its timeout.
  const stalled = await blackHole();
  try {
    const { child, url } = await startTraced({
      ...tracingEnv(),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${stalled.port}`,
      OTEL_BSP_MAX_QUEUE_SIZE: '50',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10',
      OTEL_EXPORTER_OTLP_TIMEOUT: '300',
      OTEL_LOG_LEVEL: 'warn',
    });
    // 100 requests, three spans each, ten at a time: far more than the queue holds while exports hang.
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 10 }, () => request(`${url}/hello`).then((r) => r.status)))));
    }
    assert.equal(statuses, Array.from({ length: 100 }, () => 200));
    // The SDK says how many it dropped at the first span that finds room again, once a hung export gave up.
    const dropped = () => child.lines.some((line) => /Dropped \d+ spans because maxQueueSize reached/.test(line));
    await eventually(async () => dropped() || ((await request(`${url}/hello`)).status === 200 && dropped()) || undefined, 10_000, 'the SDK saying it dropped spans');
    assert.ok(stalled.connections() > 0, 'the exporter did connect to the collector');
    // The flush at shutdown gives up at its deadline instead of waiting for the collector.
    process.kill(child.process.pid, 'SIGTERM');
    assert.equal(await child.exited, { code: 0, signal: null });
  } finally {
    await stalled.close();
  }
});

bootstrap('without an OTLP endpoint loads nothing: no spans, no trace_id in logs, the caller\'s trace id kept', async () => {
  const before = receiver.find('traced-fixture').length;
  const { child, url } = await startTraced({ OTEL_SERVICE_NAME: 'untraced-fixture' });
  const trace = 'bbbbbbbbbbbbbbbb4bf92f3577b34da6';
  const res = await request(`${url}/hello`, { headers: { traceparent: `00-${trace}-${CALLER_SPAN}-01` } });
  process.kill(child.process.pid, 'SIGTERM');
  assert.equal(await child.exited, { code: 0, signal: null });
  const line = json(child).find((entry) => entry.msg === 'hello')!;
  assert.equal([line.trace_id, line.span_id, line.traceId], [undefined, undefined, trace]);
  // The request's own traceparent still goes out by hand: same trace, a new span id of this hop.
  assert.match(res.body.downstream.traceparent, new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`));
  assert.is(receiver.trace(trace).length, 0);
  assert.is(receiver.find('traced-fixture').length, before);
});

bootstrap('stops a process with a malformed OTEL variable: exit 1, naming it', async () => {
  const child = await startChild('test/fixtures/traced-service.ts', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_TRACES_SAMPLER: 'sometimes' }, { bootstrap: true });
  children.push(child);
  assert.equal(await child.exited, { code: 1, signal: null });
  const fatal = json(child).find((entry) => entry.level === 'fatal')!;
  assert.match(String(fatal.msg), /^invalid tracing configuration: .*OTEL_EXPORTER_OTLP_ENDPOINT: .*; OTEL_TRACES_SAMPLER: /);
});

bootstrap.run();
