import type { Locator, Page } from 'playwright-core';

/**
 * Waits until the element shows exactly this text (innerText, as a person reads it) and fails with
 * what it showed instead. Polling a condition, not sleeping: it returns as soon as the text is there.
 */
export async function showsText(locator: Locator, expected: string | string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const want = JSON.stringify(expected);
  let last = '';
  for (;;) {
    const count = await locator.count();
    const texts = await Promise.all(Array.from({ length: count }, (_, i) => locator.nth(i).innerText().catch(() => '')));
    const seen = Array.isArray(expected) ? texts.map((t) => t.trim()) : (texts[0] ?? '').trim();
    last = JSON.stringify(seen);
    if (last === want) return;
    if (Date.now() > deadline) throw new Error(`expected ${locator} to show ${want} within ${timeoutMs} ms, it showed ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The id of the element that has the keyboard focus, and its text. */
export async function focused(page: Page): Promise<{ id: string; text: string }> {
  const element = page.locator(':focus');
  return { id: (await element.getAttribute('id')) ?? '', text: (await element.innerText()).trim() };
}

/**
 * The focused element once it is `expected`, or what is focused when `timeoutMs` ran out: the page moves
 * focus to its heading after it renders, which a loaded machine can make later than the heading showing.
 */
export async function focusSettles(page: Page, expected: { id: string; text: string }, timeoutMs = 10_000): Promise<{ id: string; text: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await focused(page);
    if ((now.id === expected.id && now.text === expected.text) || Date.now() > deadline) return now;
    await page.waitForTimeout(50);
  }
}

/** What the storefront shows in its parts, by role and landmark rather than by component. */
export const ui = {
  heading: (page: Page) => page.locator('h1'),
  announcement: (page: Page) => page.getByRole('status'),
  /** The message of the error on show (its text, without the "Try again" button). */
  alert: (page: Page) => page.getByRole('alert').locator('p').first(),
  notifications: (page: Page) => page.getByRole('complementary', { name: 'Notifications' }).getByRole('listitem').locator('p'),
  liveState: (page: Page) => page.getByRole('complementary', { name: 'Notifications' }).getByText(/^Updates:/),
  orderStatus: (page: Page) => page.locator('dt:text-is("Status") + dd'),
};
