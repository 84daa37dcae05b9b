import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = resolve(import.meta.dirname, '../..');
const typecheck = suite('the storefront sources');

// The harness typechecks tsconfig.json, which leaves web/ out (it needs the DOM library and JSX);
// Vite strips types without checking them. So the storefront is checked here, against the public
// API types in packages/contracts: a contract change that breaks the page fails the suite.
typecheck('typecheck against the shared public API types (tsc -p web/tsconfig.json)', () => {
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'web/tsconfig.json')], { encoding: 'utf8' });
  assert.is(tsc.stdout + tsc.stderr, '');
  assert.is(tsc.status, 0);
});

typecheck.run();
