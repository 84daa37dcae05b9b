/**
 * `npm run bench`: every comparison of bench/comparisons/, each variant measured interleaved with the
 * others over several rounds, medians printed as a markdown table and written as JSON to bench/results/.
 * Everything it starts (local systems, nginx, drivers) is stopped by pid at the end, when a comparison
 * fails, and on Ctrl-C. Not part of `npm test`.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { prettyLine } from '@switchyard/devstack/log-format';
import { createLogger } from '@switchyard/kit/log';
import { COMPARISONS } from './comparisons/index.js';
import { defaultBaselineRef, prepareBaseline, type Baseline } from './lib/baseline.js';
import { Cleanup } from './lib/cleanup.js';
import { medianMeasurement, type Measurement, type Row } from './lib/comparison.js';
import { BenchEnv } from './lib/environment.js';
import { median } from './lib/stats.js';
import { markdownTable } from '@switchyard/loadgen/report';

const ROOT = resolve(import.meta.dirname, '..');
const USAGE = `usage: npm run bench -- [options]
  --rounds N          interleaved rounds per comparison (3)
  --duration S        seconds each variant is measured per round (10)
  --warmup S          seconds of unmeasured load before a comparison (3)
  --only ID,...       only these comparisons (--list names them)
  --baseline REF      the commit "before" is built from (the baseline commit by default)
  --profile NAME,...  CPU-profile these services or driver runs (--cpu-prof)
  --v8-flags "..."    V8 flags for the working tree's services
  --list              list the comparisons and exit
`;
let values;
try {
  ({ values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      only: { type: 'string', default: '' },
      baseline: { type: 'string' },
      profile: { type: 'string', default: '' },
      'v8-flags': { type: 'string', default: '' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
for (const name of ['rounds', 'duration', 'warmup'] as const) {
  if (!/^[1-9]\d*$/.test(values[name])) {
    process.stderr.write(`--${name} must be a whole number of at least 1, not "${values[name]}"\n${USAGE}`);
    process.exit(2);
  }
}

const out = (text: string) => process.stdout.write(text);
if (values.list) {
  for (const c of COMPARISONS) out(`${c.id.padEnd(18)} ${c.title}\n${' '.repeat(19)}${c.description}\n\n`);
  process.exit(0);
}

const colour = process.stderr.isTTY === true;
const log = createLogger({ service: 'bench', level: process.env.LOG_LEVEL ?? 'info', destination: { write: (line: string) => void process.stderr.write(`${prettyLine('bench', line.trimEnd(), colour)}\n`) } });
const only = values.only.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only.filter((id) => !COMPARISONS.some((c) => c.id === id));
if (unknown.length > 0) {
  log.fatal(`unknown comparison ${unknown.join(', ')}; --list shows them`);
  process.exit(2);
}
const profile = values.profile.split(',').map((s) => s.trim()).filter(Boolean);
const selected = COMPARISONS.filter((c) => only.length === 0 || only.includes(c.id));
const v8Flags = values['v8-flags'].split(' ').filter(Boolean);
const options = { rounds: Number(values.rounds), durationS: Number(values.duration), warmupS: Number(values.warmup), only, profile, v8Flags };

const started = new Date();
const loadBefore = loadavg();
const cleanup = new Cleanup();
cleanup.trapSignals(log);
const runDir = join(ROOT, '.data/bench', `run-${started.toISOString().replace(/[:.]/g, '-')}`);

interface ComparisonResult {
  id: string;
  title: string;
  description: string;
  variants: Record<string, { label: string; rounds: Measurement[]; median: Measurement }>;
  rows: Row[];
  error?: string;
}
const results: ComparisonResult[] = [];

let baseline: Baseline | undefined;
const baselineRef = values.baseline ?? defaultBaselineRef(ROOT);
try {
  if (baselineRef !== 'none') {
    log.info({ ref: baselineRef }, 'preparing the baseline checkout (the "before" side)');
    baseline = await prepareBaseline(ROOT, baselineRef);
  }
  const env = new BenchEnv(ROOT, runDir, options, baseline, log, cleanup);
  await env.prepare();
  log.info({ runDir: relative(ROOT, runDir), comparisons: selected.map((c) => c.id), ...options }, 'bench started; process output goes to the run folder');

  for (const comparison of selected) {
    const result: ComparisonResult = { id: comparison.id, title: comparison.title, description: comparison.description, variants: {}, rows: [] };
    results.push(result);
    try {
      await comparison.setup?.(env);
      const variants = comparison.variants(env);
      for (let round = 1; round <= options.rounds; round++) {
        const order = comparison.alternate === false || round % 2 === 1 ? variants : [...variants].reverse();
        for (const variant of order) {
          log.info({ comparison: comparison.id, round, variant: variant.id }, `measuring ${variant.label}`);
          const measurement = await variant.measure(env);
          log.info({ comparison: comparison.id, round, variant: variant.id, ...measurement }, `measured ${variant.label}`);
          (result.variants[variant.id] ??= { label: variant.label, rounds: [], median: {} }).rounds.push(measurement);
        }
      }
      for (const v of Object.values(result.variants)) v.median = medianMeasurement(v.rounds, median);
      result.rows = comparison.rows(Object.fromEntries(Object.entries(result.variants).map(([id, v]) => [id, v.median])));
    } catch (err) {
      result.error = (err as Error).message;
      log.error({ err, comparison: comparison.id }, 'comparison failed; going on with the next');
    }
  }
} finally {
  await cleanup.stopAll(log);
}

const loadAfter = loadavg();
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
const header = ['what', 'result', 'p50', 'p99', 'compared with'];
const rows = results.flatMap((r) =>
  r.error ? [[`**${r.title}**`, 'failed', '', '', r.error.split('\n')[0]!.slice(0, 160)]] : r.rows.map((row) => [row.what, row.result, row.p50 ?? '', row.p99 ?? '', row.comparedWith]),
);
const busy = Math.max(loadBefore[0]!, loadAfter[0]!) > 1.5 ? ' — **busy machine: treat the figures as indicative**' : '';
out(
  `\n### Bench ${started.toISOString().slice(0, 10)}: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}\n` +
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}${busy}; ` +
    `medians of ${options.rounds} interleaved rounds of ${options.durationS} s; before = ${baseline ? `${baseline.ref} (${baseline.sha.slice(0, 12)})` : 'none'}\n\n` +
    `${markdownTable(header, rows)}\n`,
);
const resultsDir = join(ROOT, 'bench/results');
await mkdir(resultsDir, { recursive: true });
const file = join(resultsDir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify({ started: started.toISOString(), finished: new Date().toISOString(), machine, loadBefore, loadAfter, options, baseline: baseline && { ref: baseline.ref, sha: baseline.sha }, results }, null, 2)}\n`);
out(`\nwritten: ${relative(ROOT, file)}; process logs: ${relative(ROOT, runDir)}/logs\n`);
if (profile.length > 0) out(`CPU profiles: ${relative(ROOT, runDir)}/profiles/ (node --import tsx bench/tools/profile-summary.ts <file>)\n`);
process.exitCode = results.some((r) => r.error) ? 1 : 0;
