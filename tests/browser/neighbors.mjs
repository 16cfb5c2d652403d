// Two hosts, each on a phone, make their camps neighbors: one proposes from the neighborhood
// page, the other approves; then a neighborhood post from the first camp shows on the second's
// Neighborhood page. axe-core checks the pages it goes through. Run by the binary's browser test
// (crates/porchlight/tests/suite/browser.rs) against two real `porchlight` processes.
//
// Usage: node neighbors.mjs <base_a> <base_b> <out_dir>   (hosts hana on A and bo on B)

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE = fileURLToPath(new URL('./node_modules/axe-core/axe.min.js', import.meta.url));
const PASSWORD = process.env.PORCHLIGHT_PASSWORD || 'correct horse battery';
const [baseA, baseB, outDir] = process.argv.slice(2);
if (!baseA || !baseB || !outDir) {
  console.error('usage: node neighbors.mjs <base_a> <base_b> <out_dir>');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const killer = setTimeout(() => {
  console.error('neighbors: gave up after 120 s');
  process.exit(1);
}, 120_000);

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };

function fail(message) {
  throw new Error(message);
}

async function phone(browser, base, name) {
  // bypassCSP lets axe-core in; the pages themselves carry no script of their own but app.js.
  const context = await browser.newContext({ ...PHONE, bypassCSP: true });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(new URL('/login', base).href);
  await page.fill('#username', name);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.locator('form#login button[type=submit]').tap()]);
  if (new URL(page.url()).pathname === '/login') fail(`${name} could not log in`);
  return page;
}

async function tapAndWait(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.tap()]);
}

/** Reloads `path` until `locator(page)` is visible, for up to 20 s (the other camp's worker). */
async function until(page, base, path, locator, what) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await page.goto(new URL(path, base).href);
    if (await locator(page).count() > 0 && await locator(page).first().isVisible()) return;
    if (Date.now() > deadline) fail(`${what} never showed on ${path}: ${(await page.innerText('main')).slice(0, 400)}`);
    await page.waitForTimeout(300);
  }
}

async function axe(page, label) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(', ')}`);
  });
  if (violations.length) fail(`axe-core on ${label}:\n   ${violations.join('\n   ')}`);
}

const hostB = new URL(baseB).host;
const hostA = new URL(baseA).host;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let steps = 0;
try {
  const hana = await phone(browser, baseA, 'hana');
  const bo = await phone(browser, baseB, 'bo');

  // Hana finds the page from the host's page and proposes Bo's camp.
  await hana.goto(new URL('/admin', baseA).href);
  await tapAndWait(hana, hana.getByRole('link', { name: 'Neighbors and proposals' }));
  await axe(hana, 'the neighborhood page');
  await hana.fill('#address', hostB);
  await tapAndWait(hana, hana.locator('form#propose button[type=submit]'));
  await hana.getByText(`This camp proposed ${hostB} as a neighbor.`).first().waitFor();
  await hana.screenshot({ path: join(outDir, 'neighbors-proposed.png'), fullPage: true });
  console.log('neighbors: proposed');
  steps++;

  // Bo sees it and approves.
  await until(bo, baseB, '/admin/neighborhood', (p) => p.getByRole('button', { name: 'Approve' }), 'the proposal');
  await bo.getByText(`${hostA} asks this camp to be neighbors.`).first().waitFor();
  await axe(bo, 'the neighborhood page with a proposal');
  await bo.screenshot({ path: join(outDir, 'neighbors-to-approve.png'), fullPage: true });
  await tapAndWait(bo, bo.getByRole('button', { name: 'Approve' }));
  await bo.getByText('This camp joined the neighborhood.').first().waitFor();
  console.log('neighbors: approved');
  steps++;

  // Hana sees Bo's camp in the neighborhood, and posts for it.
  await until(hana, baseA, '/admin/neighborhood', (p) => p.locator('#camps li', { hasText: hostB }), `${hostB} among the camps`);
  await hana.screenshot({ path: join(outDir, 'neighbors-together.png'), fullPage: true });
  await hana.goto(new URL('/', baseA).href);
  await hana.fill('#compose-text', 'Porch supper on Friday, neighbors!');
  await hana.selectOption('#compose-audience', 'neighborhood');
  await tapAndWait(hana, hana.locator('form#compose button[type=submit]'));
  console.log('neighbors: posted for the neighborhood');
  steps++;

  // Bo reads it on the Neighborhood page.
  await until(bo, baseB, '/neighborhood', (p) => p.getByText('Porch supper on Friday, neighbors!'), 'the neighborhood post');
  await axe(bo, 'the Neighborhood page');
  await bo.screenshot({ path: join(outDir, 'neighbors-timeline.png'), fullPage: true });
  console.log('neighbors: read on the other camp');
  steps++;
  console.log(`neighbors: ${steps} steps passed`);
} finally {
  await browser.close();
  clearTimeout(killer);
}
