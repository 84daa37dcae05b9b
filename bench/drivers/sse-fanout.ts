/**
 * SSE fan-out on one notifications process: STREAMS streams of one user opened straight to the
 * service, then NOTIFICATIONS new notifications caused one after another (an order placed through the
 * gateway: order.placed → RabbitMQ → notifications → the live push). For each notification, the time
 * from the order's 201 (committed, its event in the outbox) to its arrival on each stream. Prints
 * `{"result": …}`: p50, p99 and max over every (stream, notification), streams opened, frames missed;
 * firstP50 (order's 201 → the first stream, the event path) and fanoutP50 (first stream → last stream,
 * the fan-out), medians over the notifications.
 *
 * env: NOTIFICATIONS_URL, GATEWAY_URL, STREAM_HEADERS (JSON: the user's credentials at notifications),
 * BEARER (the user's token at the gateway), STREAMS, NOTIFICATIONS, PRODUCT_ID
 */
import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { LatencyRecorder } from '@switchyard/loadgen/latency';
import { printResult, requiredEnv as env } from './io.js';

const streams = Number(env('STREAMS'));
const notifications = Number(env('NOTIFICATIONS'));
const streamHeaders = JSON.parse(env('STREAM_HEADERS')) as Record<string, string>;
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

interface Stream {
  frames: number;
  response: IncomingMessage;
}
const open: Stream[] = [];
const DATA_LINE = Buffer.from('\ndata:');
/** Resolvers waiting for every stream to have seen `n` frames. */
let waiting: { n: number; resolve: () => void; arrivals: number[] } | undefined;

function openStream(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${env('NOTIFICATIONS_URL')}/notifications/stream`, { agent, headers: { accept: 'text/event-stream', ...streamHeaders } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`the stream answered ${res.statusCode}`));
      const stream: Stream = { frames: 0, response: res };
      open.push(stream);
      // Counted on the bytes as they come, without decoding or splitting them: the driver shares the
      // machine with the service it measures, so its own cost per frame is kept small. A notification
      // frame is the only one with a data line (JSON has no raw newlines); a line start may straddle chunks.
      let tail: Buffer | undefined;
      res.once('data', () => resolve());
      res.on('data', (chunk: Buffer) => {
        let frames = tail && Buffer.concat([tail, chunk.subarray(0, DATA_LINE.length - 1)]).includes(DATA_LINE) ? 1 : 0;
        for (let at = chunk.indexOf(DATA_LINE); at >= 0; at = chunk.indexOf(DATA_LINE, at + DATA_LINE.length)) frames += 1;
        tail = Buffer.from(chunk.subarray(-(DATA_LINE.length - 1)));
        for (; frames > 0; frames--) {
          stream.frames += 1;
          if (waiting && stream.frames === waiting.n) {
            waiting.arrivals.push(performance.now());
            if (waiting.arrivals.length === open.length) waiting.resolve();
          }
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

for (let i = 0; i < streams; i += 500) await Promise.all(Array.from({ length: Math.min(500, streams - i) }, openStream));

const latencies = new LatencyRecorder();
// The first stream's arrival is the event path (order → outbox → relay → RabbitMQ → consumer → NOTIFY → read);
// what comes after it on the other streams is the fan-out.
const firsts = new LatencyRecorder();
const fanouts = new LatencyRecorder();
let missed = 0;
for (let n = 1; n <= notifications; n++) {
  const all = new Promise<void>((resolve) => (waiting = { n, resolve, arrivals: [] }));
  const res = await fetch(`${env('GATEWAY_URL')}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${env('BEARER')}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify({ items: [{ productId: env('PRODUCT_ID'), quantity: 1 }] }),
  });
  // Committed once the 201 is here; a push can even beat the client's reading of it (counted as 0 ms).
  const committed = performance.now();
  if (res.status !== 201) throw new Error(`placing the order answered ${res.status}`);
  let timer: NodeJS.Timeout | undefined;
  const arrived = await Promise.race([all.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 30_000)))]);
  clearTimeout(timer);
  const { arrivals } = waiting!;
  for (const at of arrivals) latencies.record(Math.max(0, at - committed));
  if (arrivals.length > 0) {
    firsts.record(Math.max(0, arrivals[0]! - committed));
    fanouts.record(arrivals.at(-1)! - Math.max(committed, arrivals[0]!));
  }
  if (!arrived) missed += open.length - waiting!.arrivals.length;
}
for (const stream of open) stream.response.destroy();
agent.destroy();
const l = latencies.summary();
printResult({ streams: open.length, notifications, p50: l.p50, p99: l.p99, max: l.max, missed, firstP50: firsts.summary().p50, fanoutP50: fanouts.summary().p50 });
