/**
 * `npm run load -- --rate 20 --duration 60s --mix browse=70,order=20,register=10 [--url …]`: user
 * journeys through the public API, started open-loop at a fixed rate, with a live progress line and a
 * summary per journey and per request at the end.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { StatsBook } from './latency.js';
import { runJourney, parseMix, pickWeighted, prepare, type JourneyContext } from './journeys.js';
import { runOpenLoop } from './loops.js';
import { formatCounts, formatMs, parseDuration, statsTable } from './report.js';
import { ShopClient } from './shop-client.js';

const USAGE = `usage: npm run load -- [--rate 20] [--duration 60s] [--mix browse=70,order=20,register=10]
                      [--url http://127.0.0.1:8080] [--users 20] [--listen 10s] [--max-in-flight 512] [--json file]
journeys: browse, register, order (pay, declined cards, cancel), listen (notification stream)`;

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    duration: { type: 'string', default: '60s' },
    mix: { type: 'string', default: 'browse=70,order=20,register=10' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.SWITCHYARD_HTTP_PORT ?? 8080}` },
    users: { type: 'string', default: '20' },
    listen: { type: 'string', default: '10s' },
    'max-in-flight': { type: 'string', default: '512' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const out = (text: string) => process.stdout.write(text);
if (values.help) {
  out(`${USAGE}\n`);
  process.exit(0);
}

let rate: number, durationMs: number, listenMs: number, users: number, maxInFlight: number, mix: ReturnType<typeof parseMix>;
try {
  rate = Number(values.rate);
  durationMs = parseDuration(values.duration);
  listenMs = parseDuration(values.listen);
  users = Number(values.users);
  maxInFlight = Number(values['max-in-flight']);
  mix = parseMix(values.mix);
  if (!(rate > 0) || !(users > 0) || !(maxInFlight > 0)) throw new Error('--rate, --users and --max-in-flight must be positive numbers');
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
}

const steps = new StatsBook();
const journeys = new StatsBook();
let window = new StatsBook();
const ctx: JourneyContext = {
  api: new ShopClient({ baseUrl: values.url, connections: maxInFlight, timeoutMs: 30_000 }),
  streams: new ShopClient({ baseUrl: values.url, connections: maxInFlight, timeoutMs: 30_000 }),
  users: [],
  productIds: [],
  runId: randomBytes(4).toString('hex'),
  listenMs,
  record: (operation, ms, outcome, ok) => {
    steps.get(operation).record(ms, outcome, ok);
    window.get('all').record(ms, outcome, ok);
  },
};

out(`preparing: reading the catalog and registering ${users} users at ${values.url}\n`);
try {
  await prepare(ctx, users);
} catch (err) {
  process.stderr.write(`cannot load ${values.url}: ${(err as Error).message}\n`);
  await Promise.all([ctx.api.close(), ctx.streams.close()]);
  process.exit(1);
}

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

out(`running: ${rate} journeys/s for ${formatMs(durationMs)} (${values.mix}), open loop; Ctrl-C stops early\n`);
const tty = process.stdout.isTTY === true;
const startedAt = performance.now();
let inFlight = 0;
const progress = setInterval(() => {
  const last = window.get('all');
  window = new StatsBook();
  const l = last.latency.summary();
  const seconds = Math.round((performance.now() - startedAt) / 1000);
  const line = `${String(seconds).padStart(4)}s  ${(l.count).toString().padStart(5)} req/s  journeys in flight ${inFlight}  p50 ${formatMs(l.p50)}  p99 ${formatMs(l.p99)}  errors ${formatCounts(steps.errors())}`;
  // On a terminal the line is rewritten in place; in a log, one line every 5 s.
  if (tty) out(`\r\x1b[2K${line}`);
  else if (seconds % 5 === 0) out(`${line}\n`);
}, 1000);

const result = await runOpenLoop({
  rate,
  durationMs,
  maxInFlight,
  signal: stop.signal,
  drainMs: listenMs + 30_000,
  task: async (index) => {
    const name = pickWeighted(mix);
    inFlight += 1;
    try {
      const outcome = await runJourney(name, ctx, index);
      return { outcome: `${name}\0${outcome.outcome}`, ok: outcome.ok };
    } finally {
      inFlight -= 1;
    }
  },
  onDone: (ms, { outcome, ok }) => {
    const [name, label] = outcome.split('\0') as [string, string];
    journeys.get(name).record(ms, label, ok);
  },
});
clearInterval(progress);
await Promise.all([ctx.api.close(), ctx.streams.close()]);

if (tty) out('\n');
out(`\nstarted ${result.started} journeys, finished ${result.finished} (${result.achievedRate.toFixed(1)}/s), ` +
  `${result.unfinished} unfinished, ${result.lateStarts} started late (>5 ms)\n` +
  'journey latency is measured from its intended start (open loop); request latency from when it was sent\n\n');
out(`${statsTable(journeys, 'journey')}\n\n${statsTable(steps, 'request')}\n`);
if (values.json) {
  const summarise = (book: StatsBook) => Object.fromEntries(book.entries().map(([name, s]) => [name, { ...s.latency.summary(), errors: s.errorCount, outcomes: s.outcomes() }]));
  await writeFile(values.json, `${JSON.stringify({ url: values.url, rate, durationMs, mix: values.mix, result, journeys: summarise(journeys), requests: summarise(steps) }, null, 2)}\n`);
  out(`\nwritten: ${values.json}\n`);
}
process.exitCode = stop.signal.aborted ? 130 : 0;
