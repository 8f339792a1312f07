// What the user review of issue 12 asked of the console and the
// administration pages, in Debian's Chromium (E2E_SCRIPT=review tests/e2e/run,
// CTest's e2e_review, on a server of its own): every page state is checked with
// axe-core against WCAG 2.1 AA (any violation fails the test) and
// photographed on a phone and on a desktop into $E2E_ARTIFACTS.
//
// The path: a reporter leaves contact details; an analyst takes the next
// item with one key and reads them with a deliberate click; views and
// search; two analysts disagree and a supervisor accepts one answer from
// the side-by-side view, then reopens it; an administrator creates an
// account and a partner key, and reads and verifies the audit log.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const base = process.env.E2E_BASE;
const out = process.env.E2E_ARTIFACTS;
const password = process.env.E2E_PASSWORD;
assert.ok(base && out && password, 'E2E_BASE, E2E_ARTIFACTS and E2E_PASSWORD are set by tests/e2e/run');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844, isMobile: true, hasTouch: true },
};
let step = 0;
let states = 0;

// axe-core on the page as it is, then a full-page screenshot.
async function check(page, name) {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const problems = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  step += 1;
  const file = `${out}/r${String(step).padStart(2, '0')}-${name}-${page.viewportName}.png`;
  await page.screenshot({ path: file, fullPage: true });
  console.log(`e2e: ${file}`);
  states += 1;
  assert.deepEqual(problems, [], `WCAG 2.1 AA on ${name} (${page.viewportName})`);
}

const pages = [];
// One signed-in person with a desktop and a phone window.
async function person(user) {
  const both = {};
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const { isMobile, hasTouch, ...size } = viewport;
    const context = await browser.newContext({ viewport: size, isMobile: !!isMobile, hasTouch: !!hasTouch });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.viewportName = name;
    pages.push(page);
    if (user) {
      await page.goto(`${base}/login`);
      await page.locator('#username').fill(user);
      await page.locator('#password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/console/);
    }
    both[name] = page;
  }
  return both;
}

// Open path in both windows and check each.
async function both(who, path, name) {
  for (const page of Object.values(who)) {
    await page.goto(`${base}${path}`);
    await check(page, name);
  }
}

function picture(seed) {
  const w = 160, h = 120;
  const header = Buffer.from(`P5\n${w} ${h}\n255\n`);
  const pixels = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      pixels[y * w + x] = (((x * 3 + y + seed) * 5) ^ (x * y * seed)) & 255;
  return Buffer.concat([header, pixels]);
}

async function report(page, { category, url, file, contact }) {
  await page.goto(`${base}/report?lang=en`);
  await page.locator(`input[name="category"][value="${category}"]`).check();
  if (url) await page.locator('#urls').fill(url);
  if (contact) await page.locator('#contact').fill(contact);
  if (file) await page.locator('#file').setInputFiles({ name: 'picture.pgm', mimeType: 'image/x-portable-graymap', buffer: file });
  await page.getByRole('button', { name: 'Send the report' }).click();
  return (await page.locator('#receipt-code').textContent()).trim();
}

async function assess(page, code, answers) {
  await page.goto(`${base}/console/search?q=${encodeURIComponent(code)}`);
  await page.getByRole('link', { name: code }).click();
  await page.getByRole('button', { name: /Claim to assess/ }).click();
  await page.locator('#assess').waitFor();
  await page.getByLabel('Illegal: CSAM').check();
  await page.locator(`input[name="severity"][value="${answers.severity}"]`).check();
  await page.locator('#f-age').selectOption(answers.age);
  await page.locator('#f-country').fill('FR');
  await page.getByRole('button', { name: 'Record assessment' }).click();
}

try {
  const reporter = await person(null);
  const contactCode = await report(reporter.desktop, {
    category: 'livestream', url: 'https://live.example/now/1', contact: 'reach-me@mail.example',
  });

  // 1. Take the next item (one click, or Alt+N): the live stream, first.
  const alice = await person('alice');
  await alice.desktop.goto(`${base}/console/queue`);
  await check(alice.desktop, 'queue-views');
  // The button carries its access key (Alt+N in Chromium and Firefox);
  // synthetic key events do not reach access keys, so it is clicked here.
  const next = alice.desktop.getByRole('button', { name: /Take the next item/ });
  assert.equal(await next.getAttribute('accesskey'), 'n');
  await next.click();
  await alice.desktop.waitForURL(/\/console\/item\?id=/);
  assert.match(await alice.desktop.locator('h1').textContent(), new RegExp(contactCode));
  await check(alice.desktop, 'next-item-with-reporter');
  assert.equal(await alice.desktop.getByText('reach-me@mail.example').count(), 0, 'the address is not on the page');
  await alice.phone.goto(alice.desktop.url());
  await check(alice.phone, 'next-item-with-reporter');

  // 2. The contact details: a deliberate, audited click.
  await alice.desktop.getByRole('button', { name: /Show the contact details/ }).click();
  // a click does not wait for the page it posts to: wait for what it shows
  await alice.desktop.getByText('reach-me@mail.example').first().waitFor();
  assert.ok(await alice.desktop.getByText('reach-me@mail.example').count());
  await check(alice.desktop, 'contact-details');

  // 2b. The live stream raised an alert: every console page says so
  // until someone acknowledges it on the alerts page, which names them.
  await alice.desktop.goto(`${base}/console/queue`);
  await alice.desktop.locator('#alerts-waiting a').click();
  await alice.desktop.waitForURL(/\/console\/alerts/);
  await check(alice.desktop, 'alerts-waiting');
  await alice.phone.goto(`${base}/console/alerts`);
  await check(alice.phone, 'alerts-waiting');
  await alice.desktop.getByRole('button', { name: /Acknowledge/ }).first().click();
  assert.match(await alice.desktop.locator('.msg.ok').textContent(), /Acknowledged/);
  assert.match(await alice.desktop.locator('body').innerText(), /Acknowledged lately[\s\S]*alice/);
  await check(alice.desktop, 'alert-acknowledged');
  await alice.desktop.goto(`${base}/console/queue`);
  assert.equal(await alice.desktop.locator('#alerts-waiting').count(), 0, 'no banner once acknowledged');

  // 3. Views and search.
  await both(alice, '/console/queue?view=mine', 'queue-mine');
  await both(alice, `/console/search?q=${encodeURIComponent(contactCode.toLowerCase())}`, 'search');
  assert.ok(await alice.desktop.getByRole('link', { name: contactCode }).count(), 'found by its receipt, typed in lowercase');

  // 4. A dispute: alice and bob disagree on the severity.
  const disputed = await report(reporter.desktop, { category: 'image_video', file: picture(41) });
  await assess(alice.desktop, disputed, { severity: 'A', age: 'b1' });
  const bob = await person('bob');
  await assess(bob.desktop, disputed, { severity: 'B', age: 'b1' });
  await both(bob, '/console/queue?view=second', 'queue-awaiting-second');
  const sue = await person('sue');
  await both(sue, '/console/queue?view=disputed', 'queue-disputed');
  await sue.desktop.getByRole('link', { name: disputed }).click();
  const differs = sue.desktop.locator('table.dispute tr.differs');
  assert.equal(await differs.count(), 1, 'one answer differs');
  assert.match(await differs.textContent(), /Severity/);
  await check(sue.desktop, 'dispute-side-by-side');
  await sue.phone.goto(sue.desktop.url());
  await check(sue.phone, 'dispute-side-by-side');
  await sue.desktop.getByRole('button', { name: 'Accept the second assessment' }).click();
  assert.match(await sue.desktop.locator('.msg[role="status"]').textContent(), /Decision recorded/);

  // 5. The supervisor reopens the decision, with a reason.
  await sue.desktop.goto(`${base}/console/search?q=${disputed}`);
  await sue.desktop.getByRole('link', { name: disputed }).click();
  await sue.desktop.getByText('Reopen this classification (supervisor)').click();
  await sue.desktop.locator('#reason').fill('The grade was agreed in error.');
  await check(sue.desktop, 'reopen-form');
  await sue.desktop.getByRole('button', { name: 'Reopen' }).click();
  assert.match(await sue.desktop.locator('.msg[role="status"]').first().textContent(), /Reopened/);
  await check(sue.desktop, 'reopened');

  // 5b. The statistics (issue 17): the form, a chart drawn as SVG, the
  // table; a second dimension chosen in the form.
  await sue.desktop.getByRole('link', { name: 'Statistics' }).click();
  await sue.desktop.locator('#s-by2').selectOption('category');
  await sue.desktop.getByRole('button', { name: 'Show' }).click();
  await sue.desktop.waitForURL(/by2=category/);
  assert.ok(await sue.desktop.locator('svg[role="img"] title').count(), 'a chart with a title');
  assert.ok(await sue.desktop.locator('#stats tbody tr').count() >= 2, 'a row per month and category');
  await check(sue.desktop, 'statistics');
  await sue.phone.goto(sue.desktop.url());
  await check(sue.phone, 'statistics');

  // 6. The administrator.
  const root = await person('root');
  await both(root, '/console/admin', 'admin-health');
  await both(root, '/console/admin/users', 'admin-people');
  await root.desktop.locator('#new-user').fill('dana');
  await root.desktop.locator('#new-role').selectOption('analyst');
  await root.desktop.getByRole('button', { name: 'Create the account' }).click();
  assert.equal((await root.desktop.locator('code.secret').textContent()).length, 20, 'the password is shown once');
  await check(root.desktop, 'admin-account-created');
  await both(root, '/console/admin/keys', 'admin-keys');
  await root.desktop.locator('#org').fill('Partner Platform');
  await root.desktop.getByRole('button', { name: 'Create the key' }).click();
  assert.match(await root.desktop.locator('.secret').first().textContent(), /shown this once/);
  await check(root.desktop, 'admin-key-created');
  await both(root, '/console/admin/banks', 'admin-banks');
  await both(root, '/console/admin/audit?action=item.', 'admin-audit-filtered');
  assert.ok(await root.desktop.getByText('item.reopen', { exact: true }).count(), 'the reopening is in the log');
  await root.desktop.getByRole('button', { name: 'Verify the whole chain' }).click();
  assert.match(await root.desktop.locator('.msg[role="status"]').first().textContent(), /The chain is whole/);
  await check(root.desktop, 'admin-audit-verified');
  // The translated administration pages in French and Arabic (the
  // language chosen on the account page), axe on each, on both viewports;
  // the Arabic ones mirrored (look at the screenshots).
  const adminTitles = {
    fr: ["Administration : l'état du serveur", 'Administration : personnes', 'Administration : clés des partenaires'],
    ar: ['الإدارة: الحالة الصحية للخادم', 'الإدارة: الأشخاص', 'الإدارة: مفاتيح الشركاء'],
  };
  for (const lang of ['fr', 'ar', '']) {
    await root.desktop.goto(`${base}/console/account`);
    await root.desktop.locator('#language').selectOption(lang);
    await root.desktop.locator('form[action="/console/account"] button[type="submit"]').click();
    await root.desktop.waitForURL(/saved=1/);
    if (!lang) break;
    for (const [i, path] of ['/console/admin', '/console/admin/users', '/console/admin/keys'].entries()) {
      for (const page of Object.values(root)) {
        await page.goto(`${base}${path}`);
        assert.equal(await page.locator('html').getAttribute('lang'), lang, `${path} in ${lang}`);
        assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
        assert.equal((await page.locator('h1').textContent()).trim(), adminTitles[lang][i]);
        await check(page, `${lang}-${path.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`);
      }
    }
  }
  console.log(`e2e: the review path passed (${states} page states, no WCAG 2.1 AA violation)`);
} catch (e) {
  for (const [i, page] of pages.entries()) {
    await page.screenshot({ path: `${out}/review-failure-${i + 1}.png`, fullPage: true }).catch(() => {});
    const text = await page.locator('body').innerText().catch(() => '');
    console.error(`e2e: page ${i + 1} (${page.viewportName}) at ${page.url()}:\n${text.slice(0, 1500)}`);
  }
  throw e;
} finally {
  await browser.close();
}
