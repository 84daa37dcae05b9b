import { resolve } from 'node:path';
import { createLogger } from '@switchyard/kit/log';
import { buildWorkspaces } from './build.js';

// The first step of `npm start` (see ../start.mjs): compile what changed, then the runner starts.
const log = createLogger({ service: 'switchyard', level: process.env.LOG_LEVEL ?? 'info' });
try {
  const report = await buildWorkspaces(resolve(import.meta.dirname, '../../..'));
  if (report.built.length > 0) log.info({ workspaces: report.built, ms: report.ms }, 'compiled the workspaces whose sources changed');
} catch (err) {
  log.fatal({ err }, `build failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
