import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const cli = suite('npm run bench: its command line');
const ROOT = resolve(import.meta.dirname, '../..');

/** Runs bench/run.ts as `npm run bench --` does, with `args`; what it printed and how it exited. */
function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', '--conditions=development', 'bench/run.ts', ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

cli('--help prints the options and exits 0, starting nothing', async () => {
  const { code, stdout, stderr } = await bench(['--help']);
  assert.equal([code, stderr], [0, '']);
  assert.ok(stdout.startsWith('usage: npm run bench -- [options]\n'), stdout);
  for (const option of ['--rounds', '--duration', '--warmup', '--only', '--baseline', '--profile', '--v8-flags', '--list']) assert.ok(stdout.includes(`\n  ${option} `), option);
});

cli('an unknown option is refused with exit 2 and the usage', async () => {
  const { code, stdout, stderr } = await bench(['--bogus']);
  assert.equal([code, stdout], [2, '']);
  assert.ok(stderr.startsWith("Unknown option '--bogus'"), stderr);
  assert.ok(stderr.includes('usage: npm run bench -- [options]'), stderr);
});

cli('a round count that is not a whole number is refused before anything starts', async () => {
  for (const rounds of ['0', 'x', '1.5']) {
    const { code, stderr } = await bench(['--rounds', rounds]);
    assert.is(code, 2, rounds);
    assert.ok(stderr.startsWith(`--rounds must be a whole number of at least 1, not "${rounds}"\n`), stderr);
  }
});

cli('an unknown comparison is named, with exit 2', async () => {
  const { code, stderr } = await bench(['--only', 'no-such-comparison']);
  assert.is(code, 2);
  assert.match(stderr, /unknown comparison no-such-comparison; --list shows them/);
});

cli.run();
