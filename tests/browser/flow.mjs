// End-to-end browser flow for Porchlight: two people on phones set up a camp, invite,
// join, post, reply, boost and read their notifications, against a real running server.
//
// Usage: node flow.mjs <base_url> <setup_url> <screenshot_dir>
//
// Needs playwright-core and axe-core (npm ci here) and Debian's /usr/bin/chromium
// (scripts/install-test-deps installs both). It never downloads a browser.
// Prints one line per step; exits non-zero with a clear message on the first failure.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const TOTAL_TIMEOUT_MS = 180_000;
const ACTION_TIMEOUT_MS = 15_000;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// axe-core (npm ci here), injected into each page for the accessibility step.
const AXE = fileURLToPath(new URL('./node_modules/axe-core/axe.min.js', import.meta.url));

const PHONE = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
const DESKTOP = { viewport: { width: 1280, height: 900 } };

const HOST = { username: 'hana', password: 'correct horse battery' };
const SITE_NAME = 'Maple Camp';
const CODE_OF_CONDUCT = 'Be kind. No ads.';
const INVITE_NOTE = 'Welcome to camp, Ken! Movie night is Fridays.';
const KEN = { username: 'ken', display_name: 'Ken', password: 'another long password' };
const FIRST_POST = 'Hello camp! First post #hello';
const REPLY_TEXT = 'Welcome, Ken!';
const INTRODUCTION = 'Ken builds boats and bakes bread; ask him about sourdough.';
const BUGLE = 'The road to the lake is closed tonight.';
const ANNOUNCEMENT = 'Water is off on Saturday morning.';

const [baseArg, setupUrl, shotDir] = process.argv.slice(2);
// A real phone-sized JPEG (3000 × 2000) the test runner writes: an avatar, a header, a photo.
const PHOTO = process.env.PORCHLIGHT_PHOTO;
if (!baseArg || !setupUrl || !shotDir) {
  console.error('usage: node flow.mjs <base_url> <setup_url> <screenshot_dir>');
  process.exit(2);
}
const base = new URL(baseArg.endsWith('/') ? baseArg : baseArg + '/');
const at = (path) => new URL(path.replace(/^\//, ''), base).href;

const killer = setTimeout(() => {
  console.error(`browser flow: FAILED: the whole run took longer than ${TOTAL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TOTAL_TIMEOUT_MS);
killer.unref();

// ---------------------------------------------------------------- helpers

class FlowError extends Error {}
function fail(message) {
  throw new FlowError(message);
}

const pageErrors = new Map(); // page -> [messages]
const lastDocument = new Map(); // page -> { status, url } of the last main-frame document

function watch(page) {
  pageErrors.set(page, []);
  page.on('pageerror', (err) => pageErrors.get(page).push(String(err && err.message ? err.message : err)));
  page.on('response', (res) => {
    if (res.frame() === page.mainFrame() && res.request().isNavigationRequest()) {
      lastDocument.set(page, { status: res.status(), url: res.url() });
    }
  });
  return page;
}

async function newPerson(browser, options = PHONE, extra = {}) {
  const context = await browser.newContext({ ...options, ...extra });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  const page = watch(await context.newPage());
  return { context, page };
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

function short(text, n = 300) {
  const t = String(text ?? '').replace(/\s+/g, ' ').trim();
  return t.length > n ? t.slice(0, n) + '…' : t;
}

async function visibleText(page) {
  const main = page.locator('main');
  const target = (await main.count()) > 0 ? main.first() : page.locator('body');
  return target.innerText().catch(() => '');
}

/** Open a page the way a person types an address, and insist it loads. */
async function open(page, url, what) {
  let res;
  try {
    res = await page.goto(url, { waitUntil: 'load' });
  } catch (err) {
    fail(`could not open ${what} (${url}): ${err.message.split('\n')[0]}`);
  }
  if (!res) fail(`opening ${what} (${url}) gave no response`);
  if (res.status() >= 400) {
    fail(`${what} (${url}) answered HTTP ${res.status()}: ${short(await visibleText(page))}`);
  }
  return res;
}

/** Wait until a locator is visible, or fail saying what a person would have expected to see. */
async function see(locator, what, page) {
  try {
    await locator.first().waitFor({ state: 'visible' });
  } catch {
    const where = page ? ` on ${page.url()}` : '';
    const text = page ? `; the page shows: ${short(await visibleText(page))}` : '';
    fail(`expected to see ${what}${where}, but it is not there${text}`);
  }
  return locator.first();
}

async function seeText(page, text, what = JSON.stringify(text)) {
  return see(page.getByText(text, { exact: false }), what, page);
}

/** Poll until check() returns something truthy; on timeout fail with describe()'s message. */
async function until(check, describe, timeout = ACTION_TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const what = typeof describe === 'function' ? await describe() : describe;
      fail(`${what}${last instanceof Error ? ` (${last.message.split('\n')[0]})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Press a form's submit button with a finger and wait for the page that comes back
 * (following redirects). Returns { status, url } of the final document.
 */
async function submit(page, form, button, what) {
  const invalid = await form.evaluate((f) =>
    f.checkValidity()
      ? null
      : [...f.elements]
          .filter((e) => e.willValidate && !e.checkValidity())
          .map((e) => `${e.name || e.id || e.tagName}: ${e.validationMessage}`)
          .join('; '),
  );
  if (invalid) fail(`the browser itself refused to send ${what} (${invalid})`);
  const btn = button ?? form.locator('button[type=submit], input[type=submit], button:not([type])').first();
  await see(btn, `the submit button of ${what}`, page);
  const final = page.waitForEvent('response', {
    predicate: (res) =>
      res.frame() === page.mainFrame() &&
      res.request().isNavigationRequest() &&
      !(res.status() >= 300 && res.status() < 400),
  });
  const loaded = page.waitForEvent('load');
  try {
    await btn.tap();
    const res = await final;
    await loaded;
    return { status: res.status(), url: res.url() };
  } catch (err) {
    if (err instanceof FlowError) throw err;
    fail(`sending ${what} did not load a new page: ${err.message.split('\n')[0]}`);
  }
}

function expectOk(result, what, page) {
  if (result.status >= 400) {
    return visibleText(page).then((t) =>
      fail(`${what} answered HTTP ${result.status} at ${result.url}: ${short(t)}`),
    );
  }
}

async function expectPath(page, path, what) {
  const now = pathOf(page);
  const ok = path instanceof RegExp ? path.test(now) : now === path;
  if (!ok) fail(`after ${what} expected to be on ${path}, but the browser is on ${page.url()}: ${short(await visibleText(page))}`);
}

async function fieldValue(locator) {
  return locator.evaluate((el) => ('value' in el && el.tagName !== 'BUTTON' ? el.value : el.textContent) ?? '');
}

async function documentOrder(page, first, second) {
  const a = await first.elementHandle();
  const b = await second.elementHandle();
  return page.evaluate(([x, y]) => x.compareDocumentPosition(y), [a, b]);
}

/**
 * A phone page should not scroll sideways. Mobile Chromium zooms out to fit wide content (so
 * innerWidth grows too), hence the comparison with the configured viewport width. Warns only:
 * the contract does not promise it, but a person would notice.
 */
async function warnIfWide(page, label) {
  const viewport = page.viewportSize();
  if (!viewport || viewport.width > 600) return;
  const wide = await page.evaluate((width) => {
    const total = document.documentElement.scrollWidth;
    if (total <= width + 1) return null;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1))
      .slice(0, 3)
      .map((el) => {
        const name = el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + (el.classList.length ? `.${[...el.classList].join('.')}` : '') + (el.name ? `[name=${el.name}]` : '');
        return `${name} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`;
      });
    return { total, culprits };
  }, viewport.width);
  if (wide) {
    console.log(`   warning: ${label} scrolls sideways on a ${viewport.width}px phone (${wide.total}px wide; widest: ${wide.culprits.join(', ')})`);
  }
}

// ---------------------------------------------------------------- steps

let stepNo = 0;
let shotPage = null; // the page the current step screenshots

async function step(name, fn) {
  stepNo += 1;
  const nn = String(stepNo).padStart(2, '0');
  const file = join(shotDir, `${nn}-${name}.png`);
  let note;
  try {
    note = await fn();
    const errors = shotPage ? pageErrors.get(shotPage) ?? [] : [];
    if (errors.length) fail(`the page had JavaScript errors: ${errors.join(' | ')}`);
  } catch (err) {
    if (shotPage) await shotPage.screenshot({ path: file, fullPage: true }).catch(() => {});
    const msg = err instanceof FlowError ? err.message : err.stack || String(err);
    throw new FlowError(`step ${nn} ${name} failed: ${msg}\n   (screenshot: ${file})`);
  }
  await shotPage.screenshot({ path: file, fullPage: true });
  console.log(`ok ${nn} ${name}${note ? ` — ${note}` : ''}`);
  await warnIfWide(shotPage, `${pathOf(shotPage)} (step ${nn})`);
}

async function run(browser) {
  const hana = await newPerson(browser);
  let ken = null;
  let inviteLink = null;
  let threadUrl = null;
  let pictureUrl = null;
  let eventUrl = null;

  // a. The host opens the one-time setup link and creates the camp.
  await step('setup', async () => {
    const page = (shotPage = hana.page);
    await open(page, setupUrl, 'the setup link');
    const form = await see(page.locator('form#setup'), 'the setup form (form#setup)', page);
    await form.locator('input[name=username]').fill(HOST.username);
    await form.locator('input[name=password]').fill(HOST.password);
    await form.locator('input[name=site_name]').fill(SITE_NAME);
    await form.locator('textarea[name=code_of_conduct]').fill(CODE_OF_CONDUCT);
    await expectOk(await submit(page, form, null, 'the setup form'), 'creating the camp', page);
    await expectPath(page, '/', 'setting up the camp');
    await see(page.locator('header').filter({ hasText: SITE_NAME }), `the camp name "${SITE_NAME}" in the header`, page);
    await see(page.locator('form.compose'), 'the post composer (form.compose), i.e. being logged in', page);
    await see(page.locator('#next-steps'), "the new host's next steps (#next-steps)", page);
    return `camp "${SITE_NAME}" created, logged in as ${HOST.username}`;
  });

  // b. The host makes an invite link with a personal note.
  await step('invite', async () => {
    const page = (shotPage = hana.page);
    await open(page, at('/admin/invites'), 'the invites page');
    const form = await see(page.locator('form#new-invite'), 'the new-invite form (form#new-invite)', page);
    await see(form.locator('input[name=uses]'), 'the "uses" field', page);
    await see(form.locator('input[name=expires_days]'), 'the "expires_days" field', page);
    await form.locator('textarea[name=note]').fill(INVITE_NOTE);
    await expectOk(await submit(page, form, null, 'the new-invite form'), 'making an invite', page);
    const linkEl = await see(page.locator('#invite-link'), 'the new invite link (#invite-link)', page);
    inviteLink = (await fieldValue(linkEl)).trim();
    let url;
    try {
      url = new URL(inviteLink);
    } catch {
      fail(`#invite-link should hold a full URL, but it holds ${JSON.stringify(inviteLink)}`);
    }
    if (!/^\/invite\/[^/?#]+$/.test(url.pathname)) {
      fail(`the invite link should look like ${base.origin}/invite/CODE, but it is ${inviteLink}`);
    }
    if (url.origin !== base.origin) {
      fail(`the invite link ${inviteLink} points at ${url.origin}, not at this camp (${base.origin})`);
    }
    const copy = await see(page.locator('button.copy[data-copy=invite-link]'), 'a Copy button beside the new link', page);
    await copy.tap();
    await see(page.locator('button.copy[data-copy=invite-link]', { hasText: 'Copied' }), 'the Copy button saying Copied once tapped', page);
    const code = url.pathname.split('/').pop();
    const listed = await see(page.locator(`input#invite-${code}`), 'the link in the list of invites', page);
    if ((await fieldValue(listed)).trim() !== inviteLink) fail(`the listed link should be ${inviteLink}`);
    await see(page.locator(`button.copy[data-copy=invite-${code}]`), 'a Copy button beside the listed link', page);
    return inviteLink;
  });

  // c. A second person opens the invite on their own phone and joins.
  await step('invite-page', async () => {
    ken = await newPerson(browser);
    const page = (shotPage = ken.page);
    await open(page, inviteLink, 'the invite link');
    await seeText(page, INVITE_NOTE, 'the welcome note from the invite');
    await seeText(page, CODE_OF_CONDUCT, 'the code of conduct');
    const form = await see(page.locator('form#signup'), 'the sign-up form (form#signup)', page);
    for (const sel of ['input[name=username]', 'input[name=display_name]', 'input[name=password]', 'input[type=checkbox][name=agree]']) {
      await see(form.locator(sel), `the ${sel} field of the sign-up form`, page);
    }
    return 'welcome note and code of conduct shown';
  });

  await step('signup-needs-agreement', async () => {
    const page = (shotPage = ken.page);
    const form = page.locator('form#signup');
    await form.locator('input[name=username]').fill(KEN.username);
    await form.locator('input[name=display_name]').fill(KEN.display_name);
    await form.locator('input[name=password]').fill(KEN.password);
    const agree = form.locator('input[type=checkbox][name=agree]');
    if (await agree.isChecked()) await agree.uncheck();
    const res = await submit(page, form, null, 'the sign-up form without agreeing');
    if (res.status >= 500) await expectOk(res, 'signing up without agreeing', page);
    const error = await see(page.locator('.error'), 'an error message (.error) about the code of conduct', page);
    const text = await error.innerText();
    if (!/code of conduct/i.test(text)) {
      fail(`the error message should mention the code of conduct, but it says ${JSON.stringify(short(text))}`);
    }
    if (await page.locator('form.compose').count()) fail('signing up without agreeing logged the person in anyway');
    return `refused (HTTP ${res.status}): ${short(text, 80)}`;
  });

  await step('signup', async () => {
    const page = (shotPage = ken.page);
    const form = await see(page.locator('form#signup'), 'the sign-up form again after the error', page);
    // What was typed before is kept (except the password); fill in whatever is empty.
    for (const [name, value] of [['username', KEN.username], ['display_name', KEN.display_name]]) {
      const field = form.locator(`input[name=${name}]`);
      if ((await field.inputValue()) !== value) await field.fill(value);
    }
    await form.locator('input[name=password]').fill(KEN.password);
    const agree = form.locator('input[type=checkbox][name=agree]');
    await agree.tap();
    if (!(await agree.isChecked())) await agree.check();
    await expectOk(await submit(page, form, null, 'the sign-up form'), 'signing up', page);
    await expectPath(page, '/', 'signing up');
    await see(page.locator('form.compose'), 'the post composer (form.compose), i.e. being logged in', page);
    if (!(await page.locator('nav.tabs').isVisible())) fail("the phone's tab bar is not shown at 375 px");
    return `joined and logged in as ${KEN.username}`;
  });

  // d. The new member writes a first post; the composer counts characters as they type.
  await step('composing', async () => {
    const page = (shotPage = ken.page);
    const form = await see(page.locator('form.compose'), 'the post composer', page);
    const text = form.locator('textarea[name=text]');
    const audience = form.locator('select[name=audience]');
    await see(audience, 'the audience choice (select[name=audience])', page);
    const counter = form.locator('.counter');
    if ((await counter.count()) === 0) fail('the composer has no character counter (.counter)');
    const max = parseInt((await counter.first().getAttribute('data-max')) || '500', 10) || 500;
    await text.tap();
    await text.pressSequentially(FIRST_POST);
    const left = String(max - [...FIRST_POST].length);
    await until(
      async () => (await counter.first().innerText()).includes(left),
      async () =>
        `after typing ${[...FIRST_POST].length} characters the counter should show ${left} left, ` +
        `but it shows ${JSON.stringify(await counter.first().innerText().catch(() => '?'))}`,
      5_000,
    );
    return `counter shows "${short(await counter.first().innerText(), 40)}", audience "${await audience.inputValue()}"`;
  });

  await step('first-post', async () => {
    const page = (shotPage = ken.page);
    const form = page.locator('form.compose').first();
    const button = form.getByRole('button', { name: 'Post' });
    if ((await button.count()) === 0) fail('the composer has no "Post" button');
    await expectOk(await submit(page, form, button.first(), 'the new post'), 'posting', page);
    await expectPath(page, '/', 'posting');
    const post = await see(
      page.locator('article.post').filter({ hasText: 'Hello camp! First post' }),
      'the new post (article.post) on the home page',
      page,
    );
    const tag = await see(post.locator('a', { hasText: '#hello' }), 'the #hello hashtag as a link', page);
    const href = new URL(await tag.getAttribute('href'), page.url());
    if (href.pathname !== '/tags/hello') fail(`the #hello link goes to ${href.pathname}, expected /tags/hello`);
    return 'post shown with a #hello link to /tags/hello';
  });

  // e. The host sees it on the camp timeline and replies in the thread.
  await step('local-timeline', async () => {
    const page = (shotPage = hana.page);
    await open(page, at('/local'), 'the camp timeline (/local)');
    const post = await see(
      page.locator('article.post').filter({ hasText: 'Hello camp!' }),
      "ken's post (article.post) on the camp timeline",
      page,
    );
    await see(post.locator('a.reply'), 'a reply link (a.reply) on the post', page);
    return "ken's post is on the camp timeline";
  });

  await step('thread', async () => {
    const page = (shotPage = hana.page);
    const post = page.locator('article.post').filter({ hasText: 'Hello camp!' }).first();
    const loaded = page.waitForEvent('load');
    await post.locator('a.reply').first().tap();
    await loaded.catch(() => {}); // a link to "#reply" on the same page would not load anything
    await expectPath(page, /^\/posts\/[^/]+$/, 'tapping Reply');
    threadUrl = page.url().split('#')[0];
    await see(page.locator('article.post').filter({ hasText: 'Hello camp!' }), 'the post on its thread page', page);
    const form = await see(
      page.locator('form.compose').filter({ has: page.locator('input[name=in_reply_to]') }),
      'a reply form (form.compose with a hidden in_reply_to)',
      page,
    );
    const type = await form.locator('input[name=in_reply_to]').first().getAttribute('type');
    if (type !== 'hidden') fail(`in_reply_to should be a hidden field, but it is type=${type}`);
    const value = await form.locator('textarea[name=text]').inputValue();
    if (!/^@ken\s/.test(value)) fail(`the reply box should start with "@ken ", but it holds ${JSON.stringify(value)}`);
    return `thread ${pathOf(page)}, reply box starts with ${JSON.stringify(value)}`;
  });

  await step('reply', async () => {
    const page = (shotPage = hana.page);
    const form = page.locator('form.compose').filter({ has: page.locator('input[name=in_reply_to]') }).first();
    const text = form.locator('textarea[name=text]');
    await text.tap();
    await text.press('Control+End');
    await text.pressSequentially(REPLY_TEXT);
    const typed = await text.inputValue();
    if (!/^@ken\s+Welcome, Ken!$/.test(typed)) fail(`the reply box should read "@ken Welcome, Ken!", but it holds ${JSON.stringify(typed)}`);
    await expectOk(await submit(page, form, null, 'the reply'), 'replying', page);
    await expectPath(page, /^\/posts\/[^/]+$/, 'replying');
    threadUrl = page.url().split('#')[0];
    const original = await see(
      page.locator('article.post').filter({ hasText: 'Hello camp! First post' }),
      'the original post on the thread page',
      page,
    );
    const reply = await see(
      page.locator('article.post').filter({ hasText: REPLY_TEXT }),
      'the reply "Welcome, Ken!" on the thread page',
      page,
    );
    const order = await documentOrder(page, original, reply);
    if (!(order & 4)) fail('the reply is shown above the original post, expected it under it');
    return `reply shown under the original on ${pathOf(page)}`;
  });

  // f. The host boosts the original post.
  await step('boost', async () => {
    const page = (shotPage = hana.page);
    const original = () => page.locator('article.post').filter({ hasText: 'Hello camp! First post' }).first();
    const button = await see(original().locator('button.boost'), 'a Boost button (button.boost) on the original post', page);
    const form = button.locator('xpath=ancestor::form');
    const label = (await fieldValue(button)).trim();
    if (!/boost/i.test(label)) fail(`the boost button should say "Boost", but it says ${JSON.stringify(label)}`);
    await expectOk(await submit(page, form, button, 'the Boost button'), 'boosting', page);
    const afterButton = await see(original().locator('button.unboost'), 'the post marked as boosted (button.unboost)', page);
    const pressed = await afterButton.getAttribute('aria-pressed');
    const afterLabel = (await fieldValue(afterButton)).trim();
    if (pressed !== 'true' && !/boosted/i.test(afterLabel)) {
      fail(`after boosting the button should say "Boosted" or have aria-pressed="true", but it says ${JSON.stringify(afterLabel)}`);
    }
    if (await original().locator('button.boost').count()) fail('after boosting the post still offers a plain Boost button');
    return `button now ${JSON.stringify(afterLabel)}${pressed ? ` (aria-pressed=${pressed})` : ''} on ${pathOf(page)}`;
  });

  // g. The new member reads their notifications.
  await step('notifications', async () => {
    const page = (shotPage = ken.page);
    await open(page, at('/notifications'), 'the notifications page');
    const lines = () => visibleText(page).then((t) => t.split('\n').map((l) => l.trim()).filter(Boolean));
    for (const verb of ['replied', 'boosted']) {
      await until(
        async () => (await lines()).some((l) => /hana/i.test(l) && l.toLowerCase().includes(verb)),
        async () => `the notifications should say that hana ${verb}, but the page shows: ${short(await visibleText(page))}`,
        3_000,
      );
    }
    return 'hana replied and boosted';
  });

  // h. The same member on a computer.
  await step('desktop-home', async () => {
    const desk = await newPerson(browser, DESKTOP, { storageState: await ken.context.storageState() });
    const page = (shotPage = desk.page);
    await open(page, at('/'), 'the home page on a desktop');
    await see(page.locator('form.compose'), 'the post composer (still logged in as ken)', page);
    await see(page.locator('article.post').filter({ hasText: 'Hello camp! First post' }), "ken's post", page);
    return '1280x900';
  });

  // i. Ken reports a post; the host finds it counted on the host's page and handles it.
  await step('report', async () => {
    const page = (shotPage = ken.page);
    await open(page, threadUrl, 'the thread');
    const reply = page.locator('article.post').filter({ hasText: REPLY_TEXT }).first();
    // Report waits behind the card's "…" menu.
    await (await see(reply.locator('details.more > summary'), 'the "…" menu on the reply', page)).tap();
    const link = await see(reply.locator('a.report'), 'a Report link (a.report) in the menu', page);
    const loaded = page.waitForEvent('load');
    await link.tap();
    await loaded;
    const form = await see(page.locator('form#report'), 'the report form (form#report)', page);
    await form.locator('input[name=category][value=other]').check();
    await form.locator('textarea[name=comment]').fill('Just testing the report button');
    await expectOk(await submit(page, form, null, 'the report'), 'reporting', page);
    await see(page.locator('#report-sent'), 'the thank-you note (#report-sent)', page);
    return 'report sent';
  });

  await step('report-queue', async () => {
    const page = (shotPage = hana.page);
    await open(page, at('/admin'), "the host's page");
    const count = await see(page.locator('#report-count a'), 'the count of open reports (#report-count)', page);
    const text = (await count.innerText()).trim();
    if (text !== '1 open report') fail(`the host's page should say "1 open report", but it says ${JSON.stringify(text)}`);
    let loaded = page.waitForEvent('load');
    await count.tap();
    await loaded;
    const item = await see(page.locator('#open-reports a'), 'the report in the queue', page);
    loaded = page.waitForEvent('load');
    await item.tap();
    await loaded;
    await seeText(page, REPLY_TEXT, 'the reported post as it was');
    await seeText(page, 'Just testing the report button', "the reporter's comment");
    const form = await see(page.locator('form#resolve'), 'the form to handle it (form#resolve)', page);
    await form.locator('input[name=outcome][value=dismissed]').check();
    await expectOk(await submit(page, form, null, 'handling the report'), 'handling the report', page);
    await see(page.locator('#resolved'), 'the report marked handled (#resolved)', page);
    return 'counted, shown in context, dismissed';
  });

  await step('reporter-told', async () => {
    const page = (shotPage = ken.page);
    await open(page, at('/notifications'), 'the notifications page');
    await seeText(page, 'was handled', 'a notification that the report was handled');
    return 'ken was told';
  });

  // j. Ken forgot his password: the host makes a one-time link, Ken gets back in with it.
  let resetLink = null;
  let kenCarePath = null;
  await step('reset-link', async () => {
    const page = (shotPage = hana.page);
    await open(page, at('/admin#members'), "the host's page");
    const member = await see(page.locator('#member-list a', { hasText: '@ken' }), 'ken in the member list', page);
    let loaded = page.waitForEvent('load');
    await member.tap();
    await loaded;
    kenCarePath = pathOf(page);
    const form = await see(page.locator('#reset form'), 'the reset-link form', page);
    await expectOk(await submit(page, form, null, 'making a reset link'), 'making a reset link', page);
    const field = await see(page.locator('#reset-link'), 'the new reset link (#reset-link)', page);
    resetLink = (await fieldValue(field)).trim();
    if (!/\/reset\/[0-9a-f]{48}$/.test(resetLink)) fail(`the reset link looks wrong: ${resetLink}`);
    await see(page.locator('button.copy[data-copy=reset-link]'), 'a Copy button beside the link', page);
    return resetLink.replace(/[0-9a-f]{40}$/, '…');
  });

  await step('reset-password', async () => {
    const fresh = await newPerson(browser);
    const page = (shotPage = fresh.page);
    await open(page, at('/login'), 'the login page');
    await seeText(page, 'Forgot your password? Ask your camp', 'what to do when the password is forgotten');
    await open(page, resetLink, 'the reset link');
    const form = await see(page.locator('form#reset'), 'the new-password form (form#reset)', page);
    await form.locator('input[name=password]').fill('a fresh new password');
    await expectOk(await submit(page, form, null, 'the new password'), 'setting a new password', page);
    await expectPath(page, '/', 'setting a new password');
    await see(page.locator('form.compose'), 'the post composer, i.e. logged in again', page);
    // The old phone session is over.
    await open(ken.page, at('/settings'), 'the settings page on the old phone');
    if (pathOf(ken.page) !== '/login') fail(`the old session should have ended, but it is on ${ken.page.url()}`);
    ken = fresh; // Ken goes on in the browser he logged in again with.
    return 'back in; the old session ended';
  });

  // l. Ken gives himself a face from his phone; the drawn one stands in until then.
  await step('avatar', async () => {
    const page = (shotPage = ken.page);
    if (!PHOTO) fail('PORCHLIGHT_PHOTO (a JPEG to upload) is not set');
    await open(page, at('/settings'), 'the settings page');
    const form = await see(page.locator('form#pictures'), 'the pictures form (form#pictures)', page);
    const drawn = await form.locator('img.avatar').getAttribute('src');
    if (drawn !== '/avatars/ken.png') fail(`before choosing, the avatar should be the drawn one, but it is ${drawn}`);
    // Meanwhile the host adds a rule: Ken is asked to agree again, by a banner at the top.
    await open(hana.page, at('/admin#site'), "the host's page");
    const site = await see(hana.page.locator('form#site'), 'the camp form (form#site)', hana.page);
    const rules = site.locator('textarea[name=code_of_conduct]');
    await rules.fill(`${await rules.inputValue()}\nReturn borrowed tools within a week.`);
    await site.locator('input[name=code_of_conduct_change]').fill('A rule about borrowed tools.');
    await expectOk(await submit(hana.page, site, null, 'the camp form'), 'changing the code of conduct', hana.page);
    await form.locator('input[name=avatar]').setInputFiles(PHOTO);
    await form.locator('input[name=header]').setInputFiles(PHOTO);
    await expectOk(await submit(page, form, form.getByRole('button', { name: 'Save pictures' }), 'the pictures form'), 'saving pictures', page);
    // The saved notice moves to the form he saved; the banner stays at the top.
    await see(page.locator('form#pictures p.notice[role=status]', { hasText: 'Your pictures are saved.' }), 'the saved notice at the pictures form', page);
    await see(page.locator('main > #coc-changed', { hasText: 'The code of conduct has changed.' }), 'the code of conduct banner at the top', page);
    await open(page, at('/code-of-conduct'), 'the code of conduct');
    await seeText(page, 'Return borrowed tools within a week.', 'the new rule');
    const agree = await see(page.locator('form#agree'), 'the agree form (form#agree)', page);
    await expectOk(await submit(page, agree, null, 'the agree form'), 'agreeing to the new code', page);
    await open(page, at('/settings'), 'the settings page');
    if (await page.locator('#coc-changed').count()) fail('the banner should go once Ken agrees');
    await open(page, at('/@ken'), "Ken's profile");
    const avatar = await page.locator('h1 img.avatar').getAttribute('src');
    if (!avatar.startsWith('/files/')) fail(`the profile should show the chosen avatar, but shows ${avatar}`);
    await see(page.locator('img.header'), 'the header picture on the profile', page);
    return `avatar ${avatar}`;
  });

  // m. A photo in a post: the small copy on the timeline, the picture's own page behind it.
  await step('picture-page', async () => {
    const page = (shotPage = ken.page);
    await open(page, at('/'), 'the home page');
    const form = await see(page.locator('form.compose').first(), 'the composer', page);
    await form.locator('textarea[name=text]').fill('The valley from the ridge');
    await form.locator('details.picture summary').tap();
    await form.locator('input[name=picture]').setInputFiles(PHOTO);
    await form.locator('input[name=picture_description]').fill('A green valley under low cloud');
    await expectOk(await submit(page, form, form.getByRole('button', { name: 'Post' }), 'the post with a photo'), 'posting a photo', page);
    const picture = await see(page.locator('article.post .media img').first(), 'the photo on the timeline', page);
    const [src, width] = [await picture.getAttribute('src'), await picture.getAttribute('width')];
    if (!/-small\.jpg$/.test(src) || width !== '640') fail(`the timeline should show the 640 px copy, but shows ${src} (width ${width})`);
    const loaded = page.waitForEvent('load');
    await picture.tap();
    await loaded;
    if (!/\/posts\/\d+\/pictures\/1$/.test(pathOf(page))) fail(`tapping the photo should open its page, but opened ${page.url()}`);
    await seeText(page, 'A green valley under low cloud', 'the description under the picture');
    await see(page.getByRole('link', { name: 'Full size (3000 × 2000)' }), 'the link to the full-size picture', page);
    pictureUrl = page.url();
    return `${src} → ${pathOf(page)}`;
  });

  // n. The host gives the camp its look; a visitor sees it on the about page.
  await step('camp-look', async () => {
    const page = (shotPage = hana.page);
    await open(page, at('/admin#look'), "the host's page");
    const form = await see(page.locator('form#look'), 'the look form (form#look)', page);
    await form.locator('input[name=accent]').fill('#2a7ab5');
    await form.locator('textarea[name=description]').fill('Maple Street neighbours, since 2019.');
    await form.locator('textarea[name=about]').fill('We share tools, recipes and a lawnmower.');
    await form.locator('input[name=header]').setInputFiles(PHOTO);
    await expectOk(await submit(page, form, form.getByRole('button', { name: 'Save the look' }), 'the look form'), 'saving the look', page);
    await seeText(page, "The camp's look is saved.", 'the saved notice');
    await see(page.locator('form#look p.notice[role=status]'), 'the saved notice moved to the look form, where the eye is', page);
    const colour = await page.locator('header.top').evaluate((el) => getComputedStyle(el).borderTopColor);
    if (colour !== 'rgb(42, 122, 181)') fail(`the top bar should carry the accent colour, but its border is ${colour}`);
    const visitor = await newPerson(browser);
    const about = (shotPage = visitor.page);
    await open(about, at('/about'), 'the about page, as a visitor');
    await seeText(about, 'Maple Street neighbours, since 2019.', 'the description');
    await seeText(about, 'We share tools, recipes and a lawnmower.', 'the about text');
    await see(about.locator('img.header'), "the camp's header", about);
    await open(about, at('/'), 'the front page, as a visitor');
    await seeText(about, 'Maple Street neighbours, since 2019.', 'the description on the front page');
    await see(about.locator('img.header'), "the camp's header on the front page", about);
    return 'accent, header, description and about page shown';
  });

  // o. Movie night: the host plans an event on her phone, Ken says he is going.
  await step('event', async () => {
    const page = (shotPage = hana.page);
    await open(page, at('/events'), 'the events page');
    const form = await see(page.locator('form#plan-event'), 'the planning form (form#plan-event)', page);
    const zone = await form.locator('input[name=zone]').inputValue();
    if (!zone) fail('the script should fill in the browser\'s time zone');
    // Friday next week at eight in the evening, on the browser's own clock.
    const day = new Date(Date.now() + 7 * 86_400_000);
    const pad = (n) => String(n).padStart(2, '0');
    const starts = `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}T20:00`;
    await form.locator('input[name=title]').fill('Movie night');
    await form.locator('input[name=starts]').fill(starts);
    await form.locator('input[name=place]').fill('The barn');
    await form.locator('textarea[name=description]').fill('Bring a blanket.');
    await expectOk(await submit(page, form, form.getByRole('button', { name: 'Plan it' }), 'the event form'), 'planning an event', page);
    if (!/^\/posts\/\d+$/.test(pathOf(page))) fail(`planning should open the event's post, but opened ${page.url()}`);
    eventUrl = page.url();
    const shown = await see(page.locator('section.event time.local').first(), "the event's time", page);
    const text = await shown.innerText();
    if (!/20:00|8:00/.test(text)) fail(`the event should show 20:00 on the planner's clock, but shows ${JSON.stringify(text)}`);
    const kenPage = (shotPage = ken.page);
    await open(kenPage, at('/events'), "Ken's events page");
    const card = await see(kenPage.locator('section.event').filter({ hasText: 'Movie night' }), 'the movie night', kenPage);
    const going = card.getByRole('button', { name: 'Going' });
    const loaded = kenPage.waitForEvent('load');
    await going.tap();
    await loaded;
    await see(kenPage.locator('section.event button[value=going][aria-pressed=true]'), 'Going, chosen', kenPage);
    await seeText(kenPage, '2 going', 'two people going');
    return `${text}, 2 going`;
  });

  // q. Camp life on phones: the host introduces Ken and welcomes him on the Camp timeline, Ken
  // sounds the bugle and the host hears it, the host announces something and Ken dismisses it.
  await step('camp-life', async () => {
    const page = (shotPage = hana.page);
    await open(page, at('/admin'), "the host's page");
    const link = page.locator('a[href^="/admin/members/"]', { hasText: KEN.username }).first();
    const href = await (await see(link, "the link to Ken's page for the hosts", page)).getAttribute('href');
    await open(page, at(href), "Ken's page for the hosts");
    const intro = await see(page.locator('#introduce form[action$="/introduce"]'), 'the introduction form', page);
    await intro.locator('textarea[name=introduction]').fill(INTRODUCTION);
    await expectOk(await submit(page, intro, null, 'the introduction'), 'introducing Ken', page);
    const welcome = await see(page.locator('#introduce form[action$="/welcome"]'), 'the welcome form', page);
    await expectOk(await submit(page, welcome, null, 'the welcome'), 'welcoming Ken', page);
    await open(page, at('/local'), 'the Camp timeline');
    await seeText(page, INTRODUCTION, 'the welcome post with the introduction');

    const k = (shotPage = ken.page);
    await open(k, at('/bugle'), 'the bugle page');
    const bugle = await see(k.locator('form#bugle'), 'the bugle form (form#bugle)', k);
    await bugle.locator('textarea[name=text]').fill(BUGLE);
    await expectOk(await submit(k, bugle, null, 'the bugle'), 'sounding the bugle', k);
    await see(k.locator('#bugle-sent'), 'the "bugle sounded" notice', k);
    await open(page, at('/notifications'), "the host's notifications");
    await seeText(page, BUGLE, 'the bugle among the notifications');

    await open(page, at('/admin#announcements'), "the host's page");
    const announce = await see(page.locator('form#new-announcement'), 'the announcement form', page);
    await announce.locator('textarea[name=text]').fill(ANNOUNCEMENT);
    await expectOk(await submit(page, announce, null, 'the announcement'), 'announcing', page);
    shotPage = k;
    await open(k, at('/'), "Ken's home");
    const banner = k.locator('div.announcement').filter({ hasText: ANNOUNCEMENT });
    await see(banner, 'the announcement on top of the page', k);
    await expectOk(await submit(k, banner.locator('form'), null, 'Dismiss'), 'dismissing the announcement', k);
    if (await banner.count()) fail('the announcement is still shown after Dismiss');
    return 'introduced and welcomed, the bugle heard, the announcement dismissed';
  });

  // Every main page, as the host sees them (by the name its screenshot gets).
  const mainPages = () => ({
    home: '/', local: '/local', notifications: '/notifications', members: '/members', search: '/search',
    settings: '/settings', admin: '/admin', reports: '/admin/reports', log: '/admin/log',
    'code-of-conduct': '/code-of-conduct', bugle: '/bugle', profile: '/@ken', thread: new URL(threadUrl).pathname,
    about: '/about', picture: new URL(pictureUrl).pathname, events: '/events', event: new URL(eventUrl).pathname,
    'event-edit': `${new URL(eventUrl).pathname}/event`, 'member-care': kenCarePath, moving: '/settings/moving',
    bookmarks: '/bookmarks', report: '/@ken/report', tag: '/tags/hello',
  });
  // What a visitor (not logged in) sees.
  const visitorPages = () => ({
    landing: '/', login: '/login', 'visitor-about': '/about', 'visitor-camp': '/local', invite: new URL(openInvite).pathname,
  });
  let openInvite = null;

  // p. The same pages on a desktop screen: screenshots kept beside the phone's.
  await step('desktop-pages', async () => {
    const wide = await newPerson(browser, DESKTOP, { storageState: await hana.context.storageState() });
    const page = (shotPage = wide.page);
    const pages = mainPages();
    for (const [name, path] of Object.entries(pages)) {
      await open(page, at(path), `${path} on a desktop`);
      if (await page.locator('nav.tabs').isVisible()) fail(`the phone's tab bar shows on a desktop at ${path}`);
      await page.screenshot({ path: join(shotDir, `desktop-${name}.png`), fullPage: true });
    }
    await open(page, at('/events'), 'the events page on a desktop');
    return `${Object.keys(pages).length} pages (desktop-*.png)`;
  });

  // k. axe-core over every main page, as the host sees them: no violations.
  await step('accessibility', async () => {
    // The camp's CSP (rightly) refuses injected scripts; this context lets axe in, as the host.
    const audit = await newPerson(browser, PHONE, { bypassCSP: true, storageState: await hana.context.storageState() });
    const page = (shotPage = audit.page);
    // A fresh invite, for its sign-up page (the first one was used).
    await open(page, at('/admin/invites'), 'the invites page');
    const form = await see(page.locator('form#new-invite'), 'the new-invite form', page);
    await expectOk(await submit(page, form, null, 'the new-invite form'), 'making a second invite', page);
    openInvite = (await fieldValue(await see(page.locator('#invite-link'), 'the new invite link', page))).trim();
    const visitor = (await newPerson(browser, PHONE, { bypassCSP: true })).page;
    const rounds = [[page, Object.values(mainPages())], [visitor, Object.values(visitorPages())]];
    const found = [];
    let audited = 0;
    for (const [reader, pages] of rounds) {
      for (const path of pages) {
        shotPage = reader;
        await open(reader, at(path), path);
        await reader.addScriptTag({ path: AXE });
        const violations = await reader.evaluate(async () => {
          const result = await window.axe.run(document, { resultTypes: ['violations'] });
          return result.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(', ')}`);
        });
        for (const v of violations) found.push(`${path}: ${v}`);
        audited += 1;
      }
    }
    if (found.length) fail(`axe-core found ${found.length} violation(s):\n   ${found.join('\n   ')}`);
    return `${audited} pages (host and visitor), no violations`;
  });

  return stepNo;
}

let browser;
try {
  mkdirSync(shotDir, { recursive: true });
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (err) {
    fail(`could not start ${CHROMIUM} (run scripts/install-test-deps): ${err.message.split('\n')[0]}`);
  }
  const n = await run(browser);
  console.log(`browser flow: all ${n} steps passed`);
} catch (err) {
  console.error(`browser flow: FAILED: ${err instanceof FlowError ? err.message : err.stack || err}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  clearTimeout(killer);
}
