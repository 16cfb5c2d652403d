// Screenshots for docs/host-guide.md, taken in headless Chromium on a phone-sized screen: the
// setup page a new host sees, the note about the browser's certificate warning, the host's
// page, and an invite link. scripts/host-guide-screenshots starts the camp and runs this.
//
// Usage: node host-guide.mjs <https_base_url> <setup_url> <out_dir>

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const [base, setupUrl, outDir] = process.argv.slice(2);
if (!base || !setupUrl || !outDir) {
  console.error('usage: node host-guide.mjs <https_base_url> <setup_url> <out_dir>');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const killer = setTimeout(() => {
  console.error('host-guide: gave up after 90 s');
  process.exit(1);
}, 90_000);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  // The host has clicked through the warning about the box's own certificate.
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    ignoreHTTPSErrors: true,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const shot = async (name) => {
    await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
    console.log(`host-guide: ${name}.png`);
  };

  await page.goto(setupUrl);
  await shot('setup');
  await page.click('#certificate summary');
  await page.locator('#certificate').screenshot({ path: join(outDir, 'certificate.png') });
  console.log('host-guide: certificate.png');

  await page.fill('#site_name', 'Maple Street Camp');
  await page.fill('#username', 'hana');
  await page.fill('#password', 'a long enough password');
  await page.fill('#code_of_conduct', 'Be kind. No ads. What is said here stays here.');
  await Promise.all([page.waitForNavigation(), page.click('#setup button[type=submit]')]);
  if (new URL(page.url()).pathname.startsWith('/setup')) {
    throw new Error('setup did not go through');
  }

  await page.goto(new URL('/admin', base).href);
  await page.fill('#note', 'Welcome, Ken! Movie night is on Fridays.');
  await Promise.all([page.waitForNavigation(), page.click('#new-invite button[type=submit]')]);
  await page.locator('#invite-link').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(outDir, 'invite.png') });
  console.log('host-guide: invite.png');
} finally {
  await browser.close();
  clearTimeout(killer);
}
