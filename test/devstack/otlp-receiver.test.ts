import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OtlpReceiver } from '@switchyard/devstack/otlp-receiver';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { otlpExport } from '../support/otlp.js';

const receiver = suite('the local OTLP receiver');
const { log } = capturedLogger('receiver');
const T = (n: number) => `${'0'.repeat(31)}${n}`;
/** An OTLP/HTTP JSON export of one span per trace id, as the JSON exporter writes it. */
const exportOf = (traces: number[], orderId = 'none') =>
  otlpExport(
    { service: 'orders', instance: 'orders-2' },
    traces.map((n) => ({ traceId: T(n), spanId: `${n}`.padStart(16, 'a'), name: 'POST /orders', startMs: n, durationMs: 1.5, attributes: { 'switchyard.order.id': orderId, 'http.status_code': 201 } })),
  );

receiver('keeps what the services export and answers for a trace id or a text its spans hold', async () => {
  const otlp = await OtlpReceiver.start({ port: 0, log });
  try {
    const sent = await request(`${otlp.url}/v1/traces`, { method: 'POST', json: exportOf([1, 2], '3f1d2c4b-aaaa-4000-8000-000000000001') });
    assert.equal([sent.status, sent.body], [200, {}]);
    await request(`${otlp.url}/v1/traces`, { method: 'POST', json: exportOf([3]) });
    const one = await request(`${otlp.url}/traces/${T(1)}`);
    assert.equal(one.body.spans, [
      {
        traceId: T(1),
        spanId: 'aaaaaaaaaaaaaaa1',
        name: 'POST /orders',
        kind: 'server',
        service: 'orders',
        instance: 'orders-2',
        startMs: 1_800_000_000_001,
        endMs: 1_800_000_000_002.5,
        attributes: { 'switchyard.order.id': '3f1d2c4b-aaaa-4000-8000-000000000001', 'http.status_code': 201 },
        links: [],
        error: false,
      },
    ]);
    assert.equal((await request(`${otlp.url}/traces?q=3f1d2c4b-aaaa`)).body, { traceIds: [T(1), T(2)] });
    assert.equal((await request(`${otlp.url}/traces?q=3f1`)).status, 400);
  } finally {
    await otlp.stop();
  }
});

receiver('refuses protobuf exports with a 415 that says which encoding it reads, and malformed ones with a 400', async () => {
  const otlp = await OtlpReceiver.start({ port: 0, log });
  try {
    const proto = await request(`${otlp.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: 'x' });
    assert.equal([proto.status, proto.body.message], [415, 'This receiver reads OTLP/HTTP JSON: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json.']);
    const bad = await request(`${otlp.url}/v1/traces`, { method: 'POST', json: { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'nope' }] }] }] } });
    assert.is(bad.status, 400);
  } finally {
    await otlp.stop();
  }
});

receiver('keeps only the newest spans it was sized for', async () => {
  const otlp = await OtlpReceiver.start({ port: 0, log, maxSpans: 2 });
  try {
    await request(`${otlp.url}/v1/traces`, { method: 'POST', json: exportOf([1, 2, 3]) });
    assert.equal([otlp.trace(T(1)).length, otlp.trace(T(2)).length, otlp.trace(T(3)).length], [0, 1, 1]);
  } finally {
    await otlp.stop();
  }
});

receiver.run();
