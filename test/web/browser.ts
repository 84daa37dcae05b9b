import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; playwright-core drives it and downloads no browser of its own. */
const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps calling Google's hosts, which this
// machine's closed network refuses; QUIC and GPU are of no use headless.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  /** Script errors and Content-Security-Policy violations seen on any page. */
  problems: string[];
  newPage(): Promise<Page>;
  /** Closes Chromium (Playwright stops its process) and removes its profile. */
  close(): Promise<void>;
}

/** Chromium with a fresh profile in a temporary folder, removed again by close(). */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'switchyard-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 860 } });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (err) => problems.push(`script error: ${err.message}`));
    // Chromium reports every 4xx/5xx answer and every refused connection as a console error; those
    // are expected here (a declined card is a 402, an outage refuses connections). Anything else at
    // error level (a Content-Security-Policy refusal, say) is a problem.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: ')) problems.push(message.text());
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    problems,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
