import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const engines = suite('the Node.js version the project names');
const ROOT = resolve(import.meta.dirname, '../..');
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { name?: string; engines?: { node?: string } };
const declared = json(join(ROOT, 'package.json')).engines!.node!;

/** Every installed package with its engines.node, however deep. */
function installed(dir: string, found: Array<{ name: string; node: string }> = []): Array<{ name: string; node: string }> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      installed(path, found);
      continue;
    }
    try {
      const pkg = json(join(path, 'package.json'));
      if (pkg.engines?.node) found.push({ name: pkg.name ?? entry.name, node: pkg.engines.node });
    } catch {
      // not a package
    }
    try {
      installed(join(path, 'node_modules'), found);
    } catch {
      // no nested node_modules
    }
  }
  return found;
}

engines('every installed package runs on every Node.js version package.json engines admits', () => {
  const narrower = installed(join(ROOT, 'node_modules')).filter((pkg) => !semver.subset(declared, pkg.node));
  assert.equal(narrower, [], `engines.node is "${declared}"`);
});

engines('.nvmrc (the version CI uses) and the README agree with engines', () => {
  const nvmrc = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
  assert.ok(semver.satisfies(nvmrc, declared), `.nvmrc ${nvmrc} is outside ${declared}`);
  const minimum = semver.minVersion(declared)!.version;
  assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), `Node.js ${minimum} or newer`);
});

engines.run();
