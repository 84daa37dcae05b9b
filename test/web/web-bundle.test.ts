import { mkdtemp, readFile, rm, stat, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureWebBundle, webInputsHash } from '@switchyard/devstack/web-bundle';
import { capturedLogger } from '../support/logs.js';

const ROOT = resolve(import.meta.dirname, '../..');
const bundle = suite('the storefront build of the local runner');
let dir: string;

bundle.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-web-inputs-'));
});

bundle.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

bundle('the inputs hash changes with a source, a new file or the lockfile, and only then', async () => {
  const web = join(dir, 'web');
  await mkdir(join(web, 'src', 'pages'), { recursive: true });
  await writeFile(join(web, 'index.html'), '<div id="app"></div>');
  await writeFile(join(web, 'src', 'main.tsx'), 'render()');
  await writeFile(join(dir, 'package-lock.json'), '{"v":1}');
  const lock = join(dir, 'package-lock.json');
  const first = await webInputsHash(web, lock);
  assert.is(await webInputsHash(web, lock), first);
  await writeFile(join(web, 'src', 'main.tsx'), 'render(App)');
  const edited = await webInputsHash(web, lock);
  assert.is.not(edited, first);
  await writeFile(join(web, 'src', 'pages', 'new-page.tsx'), 'export {}');
  const added = await webInputsHash(web, lock);
  assert.is.not(added, edited);
  await writeFile(lock, '{"v":2}');
  assert.is.not(await webInputsHash(web, lock), added);
  // The output is no input: writing dist/ leaves the hash as it was.
  const before = await webInputsHash(web, lock);
  await mkdir(join(web, 'dist'));
  await writeFile(join(web, 'dist', 'index.html'), 'built');
  assert.is(await webInputsHash(web, lock), before);
});

bundle('builds web/dist when its stamp is missing, then finds it up to date', async () => {
  const options = { webDir: join(ROOT, 'web'), lockfile: join(ROOT, 'package-lock.json'), log: capturedLogger('runner').log, onLine: () => undefined };
  await unlink(join(ROOT, 'web/dist/.build-inputs')).catch(() => undefined);
  assert.is(await ensureWebBundle(options), 'built');
  assert.match(await readFile(join(ROOT, 'web/dist/index.html'), 'utf8'), /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
  const built = await stat(join(ROOT, 'web/dist/index.html'));
  assert.is(await ensureWebBundle(options), 'fresh');
  assert.is((await stat(join(ROOT, 'web/dist/index.html'))).mtimeMs, built.mtimeMs);
});

bundle.run();
