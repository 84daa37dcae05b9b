/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time: self time by package (node_modules/<name>,
 * node: internals, the project's own folders) and the top functions, with their share of all samples.
 * `node --import tsx bench/tools/profile-summary.ts <file.cpuprofile> [topN]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [topN]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const own = /\/(packages|services|bench)\/([^/]+)\//.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

const byArea = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, time] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const key = area(url, functionName);
  byArea.set(key, (byArea.get(key) ?? 0) + time);
  const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(packages|services|bench)\//, '$1/')}:${lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + time);
}
// A service's profile covers its whole life, mostly waiting: shares are of the busy time (all but idle).
const idle = byArea.get('(idle)') ?? 0;
byArea.delete('(idle)');
byFunction.delete('(idle) :0');
const busy = total - idle;
const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)} %`;
const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s of samples, ${(busy / 1e6).toFixed(1)} s busy\n\nself time by area, share of the busy time\n`);
for (const [key, t] of top(byArea, 25)) process.stdout.write(`${pct(t)}  ${key}\n`);
process.stdout.write('\nself time by function, share of the busy time\n');
for (const [key, t] of top(byFunction, Number(topArg ?? 40))) process.stdout.write(`${pct(t)}  ${key}\n`);
