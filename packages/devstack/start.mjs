// `npm start`: the runner and every service run as compiled JavaScript from the workspaces' dist/.
// This file is plain JavaScript because it runs before anything is compiled. It brings dist/ up to
// date first (with the compiled build step when there is one, else from its TypeScript source through
// tsx: a fresh clone), in a child process so the compiler's memory goes with it, then loads the runner.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const path = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const compiled = [path('./dist/build-cli.js'), path('../kit/dist/log.js')].every((file) => existsSync(file));
const build = compiled ? [path('./dist/build-cli.js')] : ['--import', 'tsx', '--conditions=development', path('./src/build-cli.ts')];
const result = spawnSync(process.execPath, build, { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
await import('./dist/cli.js');
