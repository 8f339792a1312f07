// The blocking list's console pages (issue 16) in Debian's Chromium
// (E2E_SCRIPT=blocklist tests/e2e/run, CTest's e2e_blocklist): every page
// state is checked with axe-core against WCAG 2.1 AA (any violation fails
// the test) and photographed on a phone and on a desktop into
// $E2E_ARTIFACTS. The entries and the appeal are planted beneath the
// server, as the use cases would have written them (tests/server/
// test_console_blocklist.c drives the proposals through the forms); here a
// supervisor approves one, rejects an appeal and upholds another.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const base = process.env.E2E_BASE;
const out = process.env.E2E_ARTIFACTS;
const password = process.env.E2E_PASSWORD;
assert.ok(base && out && password && process.env.E2E_DB, 'set by tests/e2e/run');

const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', process.env.E2E_DB, q]);
const now = Math.floor(Date.now() / 1000);
const day = 86400;
sql(`INSERT INTO blocklist(id, target, kind, route_id, report_id, proposed_by, proposed_at,
       approved_by, approved_at, legal_basis, category, starts_at, expires_at, review_at, state,
       listed_version)
     VALUES (1, 'http://listed.example/gallery/1.jpg', 'url', 1, 1, 'alice', ${now - 20 * day},
             'sue', ${now - 19 * day}, 'Art. 6-1, LCEN', 'csam', ${now - 19 * day},
             ${now + 2 * day}, ${now - day}, 'listed', 1),
            (2, 'dedicated.example', 'domain', 2, 2, 'bob', ${now - 10 * day}, 'sue',
             ${now - 9 * day}, 'Order 2026-17', 'csam', ${now - 9 * day}, ${now + 20 * day},
             ${now + 6 * day}, 'listed', 2);
     INSERT INTO blocklist(id, target, kind, route_id, report_id, proposed_by, proposed_at,
       legal_basis, category, state)
     VALUES (3, 'http://pending.example/a/b.html', 'url', 3, 3, 'alice', ${now - 3600},
             'Art. 6-1, LCEN', 'csam', 'proposed');
     UPDATE blocklist_version SET version = 2;
     INSERT INTO blocklist_appeals(id, entry_id, url, reason, contact, created_at, state)
     VALUES (1, 2, 'http://dedicated.example/about', 'This is my photography club''s site.',
             'owner@dedicated.example', ${now - 7200}, 'open'),
            (2, 1, 'http://listed.example/gallery/1.jpg', 'The page was replaced last week.', '',
             ${now - 3600}, 'open');`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844, isMobile: true, hasTouch: true },
};
let step = 0;

async function check(page, name) {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const problems = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  step += 1;
  const file = `${out}/b${String(step).padStart(2, '0')}-${name}-${page.viewportName}.png`;
  await page.screenshot({ path: file, fullPage: true });
  console.log(`e2e: ${file}`);
  assert.deepEqual(problems, [], `WCAG 2.1 AA on ${name} (${page.viewportName})`);
}

async function person(user) {
  const both = {};
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const { isMobile, hasTouch, ...size } = viewport;
    const context = await browser.newContext({ viewport: size, isMobile: !!isMobile, hasTouch: !!hasTouch });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.viewportName = name;
    await page.goto(`${base}/login`);
    await page.locator('#username').fill(user);
    await page.locator('#password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console/);
    both[name] = page;
  }
  return both;
}

async function both(who, path, name) {
  for (const page of Object.values(who)) {
    await page.goto(`${base}${path}`);
    await check(page, name);
  }
}

try {
  const alice = await person('alice');
  const sue = await person('sue');
  // The analyst who proposed sees that a supervisor decides.
  await both(alice, '/console/blocklist/proposals', 'proposals-analyst');
  assert.match(await alice.desktop.locator('main').innerText(), /A supervisor decides\./);
  await both(sue, '/console/blocklist', 'list');
  await both(sue, '/console/blocklist?state=listed&kind=domain&basis=Order+2026-17', 'list-filtered');
  const filtered = await sue.desktop.locator('main').innerText();
  assert.match(filtered, /dedicated\.example/);
  assert.doesNotMatch(filtered, /listed\.example|pending\.example/);
  await both(sue, '/console/blocklist/proposals', 'proposals');
  await both(sue, '/console/blocklist/expiring', 'expiring');
  await both(sue, '/console/blocklist/appeals', 'appeals');

  // The supervisor approves the proposal.
  const page = sue.desktop;
  await page.goto(`${base}/console/blocklist/proposals`);
  await page.getByRole('button', { name: 'Approve entry 3' }).click();
  await page.waitForURL(/msg=approved/);
  await check(page, 'approved');
  await page.goto(`${base}/console/blocklist?state=listed`);
  assert.match(await page.locator('main').innerText(), /pending\.example\/a\/b\.html/);
  // An appeal rejected with a reason, another upheld: that entry leaves.
  await page.goto(`${base}/console/blocklist/appeals`);
  await page.locator('#appeal-1 textarea[name="reason"]').fill('The domain serves CSAM only (verified twice).');
  await page.getByRole('button', { name: 'Reject: keep it (appeal 1)' }).click();
  await page.waitForURL(/msg=rejected/);
  await page.locator('#appeal-2 textarea[name="reason"]').fill('The page no longer serves the material.');
  await page.getByRole('button', { name: 'Uphold: remove the entry (appeal 2)' }).click();
  await page.waitForURL(/msg=upheld/);
  await check(page, 'appeals-decided');
  await page.goto(`${base}/console/blocklist?state=removed`);
  assert.match(await page.locator('main').innerText(), /listed\.example\/gallery\/1\.jpg/);
  await check(page, 'list-removed');
  // The same pages in French and Arabic (the language chosen on the
  // account page), with their entries and appeals: axe on each, and the
  // Arabic ones mirrored (look at the screenshots).
  const titles = {
    fr: ['Liste de blocage', 'Liste de blocage : propositions à décider', 'Liste de blocage : expirant bientôt',
      'Liste de blocage : recours'],
    ar: ['قائمة الحجب', 'قائمة الحجب: مقترحات بانتظار القرار', 'قائمة الحجب: تنتهي قريبًا', 'قائمة الحجب: الطعون'],
  };
  for (const lang of ['fr', 'ar', '']) {
    await page.goto(`${base}/console/account`);
    await page.locator('#language').selectOption(lang);
    await page.locator('form[action="/console/account"] button[type="submit"]').click();
    await page.waitForURL(/saved=1/);
    if (!lang) break;
    for (const [i, path] of ['/console/blocklist?state=listed', '/console/blocklist/proposals',
      '/console/blocklist/expiring', '/console/blocklist/appeals'].entries()) {
      for (const one of Object.values(sue)) {
        await one.goto(`${base}${path}`);
        assert.equal(await one.locator('html').getAttribute('lang'), lang, `${path} in ${lang}`);
        assert.equal(await one.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
        assert.equal((await one.locator('h1').textContent()).trim(), titles[lang][i], `${path} in ${lang}`);
        await check(one, `${lang}-${path.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`);
      }
    }
  }
  console.log(`e2e: blocklist pages checked (${step} page states)`);
} finally {
  await browser.close();
}
