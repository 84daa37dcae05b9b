/**
 * The storefront in a real browser (Debian's Chromium, driven by playwright-core) against the local
 * system started the way `npm start` starts it. The tests follow one shopper and assert what the
 * page shows, in the words it shows it; they run in order, each continuing where the last stopped.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page, Request } from 'playwright-core';
import { eventually } from '../support/broker.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { startTestSystem } from '../support/local-system.js';
import { freeSystemPorts } from '../support/ports.js';
import { launchBrowser, type TestBrowser } from './browser.js';
import { focusSettles, focused, showsText, ui } from './page-checks.js';
import { restartableGateway } from './restartable-gateway.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCREENSHOTS = join(ROOT, 'test/web/screenshots');
const WHISTLE = { id: '5eed0000-0000-4000-8000-000000000001', name: 'Brass Locomotive Whistle' };
const LANTERN = { id: '5eed0000-0000-4000-8000-000000000003', name: 'Switch Lantern' };
const shopper = { name: 'Ada Lovelace', email: `ada-${Date.now()}@example.com`, password: 'correct horse battery' };

const storefront = suite('the storefront in Chromium');
let local: Awaited<ReturnType<typeof startTestSystem>>;
let browser: TestBrowser;
let page: Page;
let base = '';
let paidOrder = '';
let cancelledOrder = '';
/** The shopper's newest notification so far, as the panel shows it. */
let newestNotification = '';

storefront.before(async () => {
  const ports = await freeSystemPorts();
  // Tracing on, as under npm start: the system view shows each event's trace id.
  local = await startTestSystem(ports, { observability: { otlpPort: ports.otlpPort } });
  base = local.system.gatewayUrl;
  browser = await launchBrowser();
  page = await browser.newPage();
  await mkdir(SCREENSHOTS, { recursive: true });
});

storefront.after(async () => {
  await browser?.close();
  await local?.cleanUp();
});

const short = (id: string) => id.slice(0, 8);
const orderIdOf = (url: string) => /\/orders\/([0-9a-f-]{36})$/.exec(new URL(url).pathname)![1]!;

async function payWith(number: string): Promise<void> {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry (MM/YY)').fill('12/30');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: 'Pay €73.50' }).click();
}

storefront('opens at / with the products, to anyone', async () => {
  await page.goto(`${base}/`);
  await showsText(ui.heading(page), 'Products');
  await showsText(page.getByRole('heading', { level: 2 }), [
    'Brass Locomotive Whistle',
    "Conductor's Pocket Watch",
    'Coupling Hook',
    "Dispatcher's Telegraph Key",
    'Night Train Blanket',
    'Points Lever Model',
    'Rail Spike Bottle Opener',
    'Semaphore Signal Kit',
    'Stationmaster Cap',
    'Switch Lantern',
    'Timetable Poster 1925',
    'Track Gauge',
  ]);
  const whistle = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: WHISTLE.name }) });
  await showsText(whistle.locator('p'), ['A working steam whistle, tuned to A4.', '€24.50', '40 in stock']);
  await showsText(page.getByRole('navigation', { name: 'Main' }).getByRole('link'), ['Products', 'Cart (0)']);
  assert.is(await page.getByRole('complementary', { name: 'Notifications' }).count(), 0);
});

storefront('registers: signed in, welcomed live, and the session token out of reach of page scripts', async () => {
  await page.getByRole('link', { name: 'Register' }).click();
  await showsText(ui.heading(page), 'Create an account');
  assert.equal(await focusSettles(page, { id: 'page-heading', text: 'Create an account' }), { id: 'page-heading', text: 'Create an account' });
  await page.getByLabel('Name').fill(shopper.name);
  await page.getByLabel('Email').fill(shopper.email);
  await page.getByLabel('Password').fill(shopper.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await showsText(ui.announcement(page), 'Welcome, Ada Lovelace! Your account is ready.');
  await showsText(page.getByRole('banner').getByText('Signed in as'), 'Signed in as Ada Lovelace');
  await showsText(ui.notifications(page), ['Welcome to Switchyard, Ada Lovelace!']);
  await showsText(ui.liveState(page), 'Updates: Live');

  const cookies = await browser.context.cookies(`${base}/api/`);
  assert.equal(
    cookies.map(({ name, path, httpOnly, secure, sameSite }) => ({ name, path, httpOnly, secure, sameSite })),
    [{ name: '__Secure-switchyard_session', path: '/api', httpOnly: true, secure: true, sameSite: 'Strict' }],
  );
  const visibleToScripts = await page.evaluate('JSON.stringify([document.cookie, Object.entries(localStorage), Object.entries(sessionStorage)])');
  assert.not.match(String(visibleToScripts), cookies[0]!.value);
  assert.not.match(String(visibleToScripts), /eyJ/);
});

storefront('moves the focus to the new page heading after a navigation, and adds to the cart', async () => {
  await page.getByRole('link', { name: WHISTLE.name }).click();
  await showsText(ui.heading(page), WHISTLE.name);
  assert.equal(await focusSettles(page, { id: 'page-heading', text: WHISTLE.name }), { id: 'page-heading', text: WHISTLE.name });
  await page.getByLabel('Quantity').fill('3');
  await page.getByRole('button', { name: `Add ${WHISTLE.name} to the cart` }).click();
  await showsText(ui.announcement(page), 'Added 3 × Brass Locomotive Whistle to the cart.');
  await showsText(page.getByRole('navigation', { name: 'Main' }).getByRole('link'), ['Products', 'Cart (3)', 'Orders', 'System']);
});

storefront('places the order; a retry after a lost answer sends the same Idempotency-Key and gets the same order', async () => {
  await page.getByRole('link', { name: 'Cart (3)' }).click();
  await showsText(ui.heading(page), 'Your cart');
  await showsText(page.getByText(/^Estimated total/), 'Estimated total: €73.50');
  const posts: Request[] = [];
  page.on('request', (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/orders' && posts.push(r));
  // The first answer is lost on the way back: the order is placed, but the page hears nothing.
  let placedFirst: { id: string } | undefined;
  await page.route(`${base}/api/orders`, async (route) => {
    placedFirst = (await (await route.fetch()).json()) as { id: string };
    await route.abort('connectionreset');
  });
  await page.getByRole('button', { name: 'Place order' }).click();
  await showsText(ui.alert(page), 'The order was not placed: The shop cannot be reached right now. Check your connection, then try again.');
  await page.unroute(`${base}/api/orders`);
  await page.getByRole('button', { name: 'Try again' }).click();
  await showsText(ui.orderStatus(page), 'Awaiting payment');
  paidOrder = orderIdOf(page.url());
  assert.is(paidOrder, placedFirst!.id);
  assert.is(posts.length, 2);
  assert.match(posts[0]!.headers()['idempotency-key']!, /^[0-9a-f]{32}$/);
  assert.is(posts[1]!.headers()['idempotency-key'], posts[0]!.headers()['idempotency-key']);
  await showsText(ui.heading(page), `Order ${short(paidOrder)}`);
  await showsText(ui.announcement(page), `Order ${short(paidOrder)} placed. Pay it below.`);
  await showsText(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Cart/ }), 'Cart (0)');
});

storefront('says clearly that a card was declined, and the order stays payable', async () => {
  await payWith('4000 0000 0000 0002');
  await showsText(ui.alert(page), 'Payment declined: The card was declined.');
  await showsText(page.getByText('The order is still open'), 'The order is still open: you can pay it with another card.');
  await showsText(ui.orderStatus(page), 'Awaiting payment');
  assert.is(await page.getByRole('button', { name: 'Pay €73.50' }).isEnabled(), true);
  await page.screenshot({ path: join(SCREENSHOTS, 'order-declined.png'), fullPage: true });
});

storefront('pays with the good card: Paid, and the notification arrives live, without a reload', async () => {
  await page.evaluate('window.stillTheSamePage = true');
  await payWith('4242 4242 4242 4242');
  await showsText(ui.announcement(page), `Payment received. Order ${short(paidOrder)} is paid.`);
  await showsText(ui.orderStatus(page), 'Paid');
  await showsText(ui.notifications(page).first(), `Payment received for order ${short(paidOrder)}: 73.50 EUR.`);
  assert.is(await page.evaluate('window.stillTheSamePage'), true);
  assert.is(await page.getByRole('button', { name: 'Pay €73.50' }).count(), 0);
  await page.screenshot({ path: join(SCREENSHOTS, 'order-paid.png') });
});

storefront("shows the order's history: placed, attempted and declined, attempted and paid", async () => {
  await showsText(page.locator('ol.history li span'), [
    'Placed: 3 items, €73.50',
    'Payment attempted',
    'Payment declined (card declined)',
    'Payment attempted',
    'Paid with Visa ending in 4242',
  ]);
  await showsText(ui.notifications(page), [
    `Payment received for order ${short(paidOrder)}: 73.50 EUR.`,
    `Payment for order ${short(paidOrder)} was declined (card declined).`,
    `Order ${short(paidOrder)} placed: 73.50 EUR awaiting payment.`,
    'Welcome to Switchyard, Ada Lovelace!',
  ]);
});

/** Opens a product page from the product list, as a shopper would, and returns its stock line. */
async function stockOf(product: { name: string }): Promise<string> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
  await page.getByRole('link', { name: product.name }).click();
  await showsText(ui.heading(page), product.name);
  return (await page.getByText(/in stock$|^Sold out$/).innerText()).trim();
}

storefront('cancelling another order puts its stock back', async () => {
  assert.is(await stockOf(LANTERN), '12 in stock');
  await page.getByLabel('Quantity').fill('2');
  await page.getByRole('button', { name: `Add ${LANTERN.name} to the cart` }).click();
  await page.getByRole('link', { name: 'Cart (2)' }).click();
  await page.getByRole('button', { name: 'Place order' }).click();
  await showsText(ui.orderStatus(page), 'Awaiting payment');
  cancelledOrder = orderIdOf(page.url());
  assert.is(await stockOf(LANTERN), '10 in stock');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
  await page.getByRole('link', { name: `Order ${short(cancelledOrder)}` }).click();
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await showsText(ui.announcement(page), 'Order cancelled. Its items go back into stock.');
  await showsText(ui.orderStatus(page), 'Cancelled');
  await showsText(page.locator('ol.history li span'), ['Placed: 2 items, €116.00', 'Cancelled']);
  newestNotification = `Order ${short(cancelledOrder)} was cancelled.`;
  await showsText(ui.notifications(page).first(), newestNotification);
  // catalog releases the reservation when it consumes order.cancelled: within moments, not at once.
  await eventually(async () => ((await stockOf(LANTERN)) === '12 in stock' ? true : undefined), 15_000, 'the lantern stock back at 12');
});

storefront('revalidates products with their ETag: the gateway answers the repeat visits with 304', async () => {
  const productAnswers = local.lines
    .filter((line) => line.startsWith('gateway {'))
    .map((line) => JSON.parse(line.slice('gateway '.length)) as { msg: string; path?: string; status?: number })
    .filter((entry) => entry.msg === 'request finished' && entry.path === `/api/products/${LANTERN.id}`)
    .map((entry) => entry.status);
  assert.ok(productAnswers.includes(200), `first visit: ${productAnswers}`);
  assert.ok(productAnswers.includes(304), `a repeat visit revalidated: ${productAnswers}`);
});

storefront('lists both orders, newest first, with their status and total', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
  await showsText(ui.heading(page), 'Your orders');
  const rows = page.getByRole('table').getByRole('row');
  await showsText(rows.locator('th, td').filter({ hasNotText: /\d{4}, \d\d:\d\d$/ }), [
    'Order',
    'Placed',
    'Status',
    'Total',
    `Order ${short(cancelledOrder)}`,
    'Cancelled',
    '€116.00',
    `Order ${short(paidOrder)}`,
    'Paid',
    '€73.50',
  ]);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
  await showsText(ui.heading(page), 'Products');
  await page.screenshot({ path: join(SCREENSHOTS, 'products.png') });
});

storefront('the system view shows every service ready, and an order\'s events as they pass through RabbitMQ, with its trace id', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click();
  await showsText(ui.heading(page), 'System');
  assert.equal(await focusSettles(page, { id: 'page-heading', text: 'System' }), { id: 'page-heading', text: 'System' });
  const services = page.locator('table.system-services tbody tr');
  const replicaOf = (name: string) => local.system.instances.find((i) => i.service === name)!.adminUrl.replace('http://', '');
  const names = ['users', 'catalog', 'payments', 'orders', 'notifications', 'gateway'];
  await showsText(services.locator('th'), names, 15_000);
  await showsText(services.locator('td:nth-child(2)'), names.map(replicaOf));
  await showsText(services.locator('td:nth-child(3)'), names.map(() => 'ready'));
  await eventually(async () => /^Live · updated \S/.test(await page.locator('.system-stream-state').innerText()) || undefined, 10_000, 'the view live');
  await showsText(page.locator('ul.breakers li'), ['catalog: closed', 'notifications: closed', 'orders: closed', 'users: closed']);
  await showsText(page.getByText(/events exchange\.$/), 'Watching the events exchange.');

  // An order placed through the API, as another client would: its events show up without a reload.
  const trace = `5e${Date.now().toString(16).padStart(30, '0')}`;
  const auth = { authorization: `Bearer ${(await request(`${base}/api/sessions`, { method: 'POST', json: shopper })).body.token}` };
  const placed = await request(`${base}/api/orders`, {
    method: 'POST',
    headers: { ...auth, 'idempotency-key': `system-view-${Date.now()}`, traceparent: `00-${trace}-00f067aa0ba902b7-01` },
    json: { items: [{ productId: WHISTLE.id, quantity: 1 }] },
  });
  assert.is(placed.status, 201);
  const row = page.locator('table.system-events tr[data-type="order.placed"]').filter({ hasText: placed.body.id });
  await showsText(row.locator('td').filter({ hasNotText: /\d?\d:\d\d:\d\d/ }), ['order.placed', placed.body.id, trace]);
  newestNotification = `Order ${short(placed.body.id)} placed: 24.50 EUR awaiting payment.`;
  await showsText(ui.notifications(page).first(), newestNotification);
  await page.screenshot({ path: join(SCREENSHOTS, 'system-view.png'), fullPage: true });
});

storefront('logs out, and back in with the keyboard alone', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await showsText(ui.announcement(page), 'You are logged out.');
  assert.equal(await browser.context.cookies(`${base}/api/`), []);
  await page.getByRole('banner').getByRole('link', { name: 'Log in' }).focus();
  await page.keyboard.press('Enter');
  await showsText(ui.heading(page), 'Log in');
  assert.equal(await focusSettles(page, { id: 'page-heading', text: 'Log in' }), { id: 'page-heading', text: 'Log in' });
  await page.keyboard.press('Tab');
  assert.is((await focused(page)).id, 'login-email');
  await page.keyboard.type(shopper.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(shopper.password);
  await page.keyboard.press('Enter');
  await showsText(ui.announcement(page), 'Welcome back, Ada Lovelace.');
  await showsText(page.getByRole('banner').getByText('Signed in as'), 'Signed in as Ada Lovelace');
});

storefront('resumes the live updates after a gateway restart with Last-Event-ID: what came meanwhile arrives, once', async () => {
  const edge = await restartableGateway(local.system, capturedLogger('gateway-2').log);
  const second = await browser.newPage();
  const lastEventIds: string[] = [];
  second.on('request', (r) => new URL(r.url()).pathname === '/api/notifications/stream' && lastEventIds.push(r.headers()['last-event-id'] ?? 'none'));
  try {
    // The session cookie is the browser's for 127.0.0.1 whatever the port: this tab is signed in too.
    await second.goto(`${edge.url}/`);
    await showsText(ui.liveState(second), 'Updates: Live');
    await showsText(ui.notifications(second).first(), newestNotification);
    const before = await ui.notifications(second).allInnerTexts();

    await edge.stop();
    await showsText(ui.liveState(second), 'Updates: Reconnecting…');
    // While it is down the page still works, and says why it cannot show the products.
    await second.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cart (0)' }).click();
    await second.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
    await showsText(ui.heading(second), 'Products');
    await showsText(ui.alert(second), 'The shop cannot be reached right now. Check your connection, then try again.');

    // Meanwhile an order is placed through the API: its notification is written while the tab is away.
    const auth = { authorization: `Bearer ${(await request(`${base}/api/sessions`, { method: 'POST', json: shopper })).body.token}` };
    const placed = await request(`${base}/api/orders`, { method: 'POST', headers: { ...auth, 'idempotency-key': `outage-${Date.now()}` }, json: { items: [{ productId: WHISTLE.id, quantity: 1 }] } });
    assert.is(placed.status, 201);
    const missed = `Order ${short(placed.body.id)} placed: 24.50 EUR awaiting payment.`;
    await eventually(async () => ((await request(`${base}/api/notifications`, { headers: auth })).body.items[0]?.message === missed ? true : undefined), 15_000, 'the notification written');

    await edge.start();
    await showsText(ui.liveState(second), 'Updates: Live', 30_000);
    await showsText(ui.notifications(second), [missed, ...before]);
    // The first connection asked for everything (0); every reconnect asked for what followed the last event seen.
    assert.is(lastEventIds[0], '0');
    const resumedFrom = lastEventIds.at(-1)!;
    assert.match(resumedFrom, /^[1-9][0-9]*$/);
    assert.ok(lastEventIds.slice(1).every((id) => id === resumedFrom), lastEventIds.join(','));
    await second.getByRole('button', { name: 'Try again' }).click();
    await showsText(second.getByRole('heading', { level: 2 }).first(), WHISTLE.name);
  } finally {
    await second.close();
    await edge.stop();
  }
});

storefront('says which service is down when one behind the gateway is', async () => {
  for (const catalog of local.system.instances.filter((i) => i.service === 'catalog')) await catalog.process.stop('SIGTERM', 30_000);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
  await showsText(ui.heading(page), 'Products');
  await showsText(ui.alert(page), 'The catalog service is unavailable. Try again in a moment.');
  assert.is(await page.getByRole('button', { name: 'Try again' }).count(), 1);
});

storefront('ran without a script error or a Content-Security-Policy violation on any page', () => {
  assert.equal(browser.problems, []);
});

storefront.run();
