import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const generated = suite('generated gRPC types');
const ROOT = resolve(import.meta.dirname, '../..');
const COMMITTED = join(ROOT, 'packages/contracts/src/generated');

async function filesUnder(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = new Map<string, string>();
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), await readFile(path, 'utf8'));
  }
  return files;
}

generated('are exactly what scripts/generate-grpc-types.sh produces from proto/ (run it after editing a .proto)', async () => {
  const fresh = await mkdtemp(join(tmpdir(), 'grpc-types-'));
  try {
    execFileSync('bash', [join(ROOT, 'scripts/generate-grpc-types.sh'), fresh]);
    const expected = await filesUnder(fresh);
    const actual = await filesUnder(COMMITTED);
    assert.equal([...actual.keys()].sort(), [...expected.keys()].sort(), 'the same files');
    const stale = [...expected].filter(([name, text]) => actual.get(name) !== text).map(([name]) => name);
    assert.equal(stale, [], 'no file differs');
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});

generated.run();
