// The whole path of a report, in Debian's Chromium (run by tests/e2e/run):
// a member of the public reports a URL and a file; an analyst signs in,
// finds it at the right place in the queue, assesses it; a second analyst
// confirms; the reporter's receipt shows the new status; a second report of
// the same file is recognised as known and linked to the same case; a
// supervisor reads the time to removal per provider (axe-core checks that
// page against WCAG 2.1 AA).
// Each step leaves a PNG screenshot in $E2E_ARTIFACTS.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';

const base = process.env.E2E_BASE;
const out = process.env.E2E_ARTIFACTS;
const password = process.env.E2E_PASSWORD;
assert.ok(base && out && password, 'E2E_BASE, E2E_ARTIFACTS and E2E_PASSWORD are set by tests/e2e/run');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

let step = 0;
async function shot(page, name) {
  step += 1;
  const file = `${out}/${String(step).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  console.log(`e2e: ${file}`);
}

// A synthetic picture (greyscale PGM with a diagonal pattern): never real material.
function picture(seed) {
  const w = 192, h = 128;
  const header = Buffer.from(`P5\n${w} ${h}\n255\n`);
  const pixels = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      pixels[y * w + x] = (((x + y + seed) * 4) ^ (x * y) ^ (seed * 37)) & 255;
  return Buffer.concat([header, pixels]);
}

const pages = [];
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  pages.push(page);
  return page;
}

// axe-core on the page as it is: no WCAG 2.1 AA violation.
async function checkAxe(page, what) {
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(' ')})`), [],
    `WCAG 2.1 AA on ${what}`);
}

// The public form: category, URL, optional file. Returns the receipt.
async function report(page, { category, url, file, name }) {
  await page.goto(`${base}/report?lang=en`);
  await page.locator(`input[name="category"][value="${category}"]`).check();
  if (url) await page.locator('#urls').fill(url);
  if (file) await page.locator('#file').setInputFiles({ name: 'picture.pgm', mimeType: 'image/x-portable-graymap', buffer: file });
  if (name) await shot(page, name);
  await page.getByRole('button', { name: 'Send the report' }).click();
  const code = (await page.locator('#receipt-code').textContent()).trim();
  const secret = (await page.locator('#receipt-secret').textContent()).trim();
  assert.ok(code.length >= 10 && secret.length >= 20, 'the receipt shows a code and a secret');
  return { code, secret };
}

async function signIn(page, user) {
  await page.goto(`${base}/login`);
  await page.locator('#username').fill(user);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.goto(`${base}/console/queue`);
  assert.equal(await page.locator('h1').textContent(), 'Queue');
}

async function status(page, receipt) {
  await page.goto(`${base}/status?lang=en`);
  await page.locator('#code').fill(receipt.code);
  await page.locator('#secret').fill(receipt.secret);
  await page.getByRole('button', { name: 'Check' }).click();
  return (await page.locator('#report-status').textContent()).trim();
}

// The receipts of the queue's rows, in order.
async function queueOrder(page) {
  return page.locator('#queue tbody tr td:nth-child(3) a').allTextContents();
}

// Claim the report with this receipt from the queue and fill the form.
async function assess(page, receipt, name, sharper) {
  await page.goto(`${base}/console/queue`);
  const row = page.locator('#queue tbody tr', { hasText: receipt.code });
  await row.getByRole('button', { name: /Claim/ }).click();
  await page.locator('#assess').waitFor();
  await page.locator('img.preview').first().evaluate((img) => img.complete || new Promise((r) => { img.onload = r; img.onerror = r; }));
  if (sharper) {
    // A deliberate, audited click shows the picture sharper and in colour.
    await page.getByRole('button', { name: 'Show sharper, in colour (audited)' }).click();
    await page.waitForLoadState();
    await shot(page, sharper);
    await page.goBack();
    await page.locator('#assess').waitFor();
  }
  await page.getByLabel('Illegal: CSAM').check();
  await page.locator('input[name="severity"][value="A"]').check();
  await page.locator('#f-age').selectOption('b1');
  await page.locator('#f-sex').selectOption('unknown');
  await page.getByLabel('AI-generated or synthetic suspected').check();
  await page.getByLabel('A real child appears to be depicted').check();
  await page.locator('#f-country').fill('FR');
  await shot(page, name);
  await page.getByRole('button', { name: 'Record assessment' }).click();
}

try {
  // 1. A member of the public reports a URL and a file; others report too.
  const publicPage = await newPage();
  const live = await report(publicPage, { category: 'livestream', url: 'https://stream.example/live/42' });
  const mine = await report(publicPage, {
    category: 'image_video', url: 'https://gallery.example/albums/7', file: picture(1), name: 'public-report-form',
  });
  await shot(publicPage, 'public-receipt');
  const other = await report(publicPage, { category: 'other', url: 'https://forum.example/t/9' });
  const before = await status(publicPage, mine);

  // 2. An analyst signs in and finds it at the right place: after the
  // live stream (a child in danger), before the report without material.
  const alice = await newPage();
  await signIn(alice, 'alice');
  await shot(alice, 'queue-analyst-1');
  const order = await queueOrder(alice);
  assert.deepEqual(order.slice(0, 3), [live.code, mine.code, other.code], 'queue order by priority');
  assert.ok(await alice.locator('#queue tbody tr', { hasText: mine.code }).getByText('new material').count());
  assert.equal((await alice.locator('#queue tbody tr', { hasText: live.code }).locator('td:nth-child(5)').textContent()).trim(), '0',
    'a report sent without a file has no file');

  // 3. She claims it, the preview loads (that it is blurred and grey is
  // measured in tests/server/test_console.c), and she assesses it.
  await assess(alice, mine, 'assessment-first-analyst');
  assert.match(await alice.locator('.msg:not(#alerts-waiting)').textContent(), /second analyst must now confirm/);
  await shot(alice, 'queue-after-first-assessment');

  // 4. A second analyst confirms (four-eyes).
  const bob = await newPage();
  await signIn(bob, 'bob');
  await assess(bob, mine, 'assessment-second-analyst', 'preview-sharper-on-request');
  assert.match(await bob.locator('.msg:not(#alerts-waiting)').textContent(), /Confirmed by two analysts/);
  await shot(bob, 'queue-after-confirmation');

  // 5. The reporter's receipt shows the new status.
  const after = await status(publicPage, mine);
  assert.notEqual(after, before);
  assert.match(after, /Assessed/);
  await shot(publicPage, 'reporter-status');

  // 6. A second report of the same file is known: assessed without anyone
  // viewing it, in the same case as the first.
  const again = await report(publicPage, { category: 'image_video', file: picture(1) });
  await alice.goto(`${base}/console/queue`);
  assert.equal(await alice.locator('#queue tbody tr', { hasText: again.code }).count(), 0);
  await alice.goto(`${base}/console/queue?done=1`);
  const auto = alice.locator('#queue tbody tr', { hasText: again.code });
  assert.match(await auto.textContent(), /Assessed automatically/);
  await shot(alice, 'assessed-automatically');
  const firstRow = alice.locator('#queue tbody tr', { hasText: mine.code });
  assert.match(await firstRow.textContent(), /Confirmed/);
  assert.equal(await firstRow.locator('td:last-child').textContent(), await auto.locator('td:last-child').textContent(),
    'the copy is in the same case');
  await auto.locator('td:last-child a').click();
  // a click does not wait for the page it opens: count() would read this one
  await alice.waitForURL(/\/console\/case\?id=/);
  assert.ok(await alice.getByText(mine.code).count() && await alice.getByText(again.code).count());
  assert.ok(await alice.getByText('item.assess', { exact: true }).count());
  assert.ok(await alice.getByText('item.assess.auto', { exact: true }).count());
  assert.ok(await alice.getByText('preview.clear', { exact: true }).count(), 'the sharper view is audited');
  await shot(alice, 'case-view');

  // 7. A supervisor reads how fast hosts remove material. The e2e server
  // sends no notice (no mail server, no host), so a known history is
  // written into its database: Alpha Hosting removed after exactly 24 h and
  // after 30 h, and one is still up after 43 days; Beta Net after 2 h and 4 h.
  assert.ok(process.env.E2E_DB, 'E2E_DB is set by tests/e2e/run');
  const now = Math.floor(Date.now() / 1000), H = 3600, D = 24 * H;
  const history = [
    ['Alpha Hosting', 64500, 'DE', now - 60 * D, 24 * H], ['Alpha Hosting', 64500, 'DE', now - 50 * D, 30 * H],
    ['Alpha Hosting', 64500, 'DE', now - 43 * D, 0], ['Beta Net', 64501, 'NL', now - 20 * D, 2 * H],
    ['Beta Net', 64501, 'NL', now - 10 * D, 4 * H],
  ];
  const values = history.map(([provider, asn, country, sent, after], i) =>
    `(${sent}, ${after ? sent + after : 0}, 'https://host${i}.example/p.jpg', '${after ? 'removed' : 'sent'}',` +
    ` '${provider}', ${asn}, '${country}')`).join(', ');
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', process.env.E2E_DB,
    'INSERT INTO notices(report_id, case_id, url, state, contact, language, provider, token_hash,' +
    ' material_sha256, material_pdq, sent_count, created_at, first_sent_at, last_sent_at, removed_at,' +
    ' asn, as_name, host_country) SELECT r.id, r.case_id, h.column3, h.column4, \'abuse@host.example\', \'\',' +
    ' h.column5, \'\', \'\', \'\', 1, h.column1, h.column1, h.column1, h.column2, h.column6, h.column5, h.column7' +
    ` FROM reports r, (VALUES ${values}) h WHERE r.receipt_code = '${mine.code}'`]);
  const sue = await newPage();
  await signIn(sue, 'sue');
  await sue.goto(`${base}/console/notices`);
  await sue.getByRole('link', { name: 'Time to removal per provider and AS' }).click();
  await sue.waitForURL(/\/console\/providers/);
  assert.equal(await sue.locator('h1').textContent(), 'Time to removal per provider');
  const cells = async (row) => (await row.locator('th, td').allTextContents()).map((c) => c.trim());
  // the slowest first: Alpha Hosting's 90th percentile is 30 h, Beta Net's 4 h
  const rows = sue.locator('#providers tbody tr');
  assert.deepEqual(await cells(rows.nth(0)), ['Alpha Hosting (its notices still up)', '3', '2', '1',
    '24.00 h', '30.00 h', '33.3% (1)', '66.7% (2)', '66.7% (2)', '33.3% (1)']);
  assert.deepEqual(await cells(rows.nth(1)), ['Beta Net', '2', '2', '0', '2.00 h', '4.00 h',
    '100.0% (2)', '100.0% (2)', '100.0% (2)', '0.0% (0)']);
  assert.deepEqual((await cells(sue.locator('#asns tbody tr').nth(0))).slice(0, 3),
    ['AS64500 (its notices still up)', 'Alpha Hosting', '3']);
  const axe = await new AxeBuilder({ page: sue }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), [], 'WCAG 2.1 AA on the provider page');
  await shot(sue, 'providers');
  await rows.nth(0).getByRole('link', { name: '(its notices still up)' }).click();
  await sue.waitForURL(/\/console\/notices\?up=1/);
  assert.equal(await sue.locator('table tbody tr').count(), 1, 'one notice of Alpha Hosting is still up');
  await shot(sue, 'provider-notices-still-up');
  // The staff pages in French and Arabic as well as English: the language
  // chosen on the account page, axe on each translated page, a screenshot
  // of each (the Arabic ones mirrored: look at them), then back to the
  // browser's language. Sign-in follows ?lang= before anyone is known.
  const anon = await newPage();
  for (const lang of ['fr', 'ar']) {
    await anon.goto(`${base}/login?lang=${lang}`);
    assert.equal(await anon.locator('html').getAttribute('lang'), lang);
    assert.equal(await anon.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
    await checkAxe(anon, `/login?lang=${lang}`);
    await shot(anon, `login-${lang}`);
  }
  // The item pages: the confirmed one (its classification, routes and the
  // reopening form), and one sue holds (the assessment form, the files).
  const idOf = (code) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', process.env.E2E_DB,
    `SELECT id FROM reports WHERE receipt_code = '${code}'`]).toString().trim();
  const mineId = idOf(mine.code), otherId = idOf(other.code);
  const caseId = execFileSync('sqlite3', ['-cmd', '.timeout 5000', process.env.E2E_DB,
    `SELECT case_id FROM reports WHERE id = ${mineId}`]).toString().trim();
  const noticeId = execFileSync('sqlite3', ['-cmd', '.timeout 5000', process.env.E2E_DB,
    `SELECT min(id) FROM notices WHERE report_id = ${mineId}`]).toString().trim();
  await sue.goto(`${base}/console/item?id=${otherId}`);
  await sue.locator('form[action="/console/claim"] button').click();
  await sue.locator('#assess').waitFor();
  const staffPages = ['/console', '/console/queue', '/console/queue?done=1',
    '/console/search?q=nothing-like-it', '/console/alerts', '/console/providers', '/console/account',
    `/console/item?id=${mineId}`, `/console/item?id=${otherId}`, `/console/case?id=${caseId}`,
    '/console/notices', `/console/notice?id=${noticeId}`, '/console/stats?by=category'];
  const headings = {
    en: ['Recent reports', 'Queue', 'Assessed items', 'Search', 'Alerts', 'Time to removal per provider', 'Your account',
      `Report ${mine.code}`, `Report ${other.code}`, `Case #${caseId}`, 'Notices to hosts', `Notice ${noticeId}`, 'Statistics'],
    fr: ['Signalements récents', "File d'attente", 'Éléments évalués', 'Recherche', 'Alertes', 'Délai de retrait par hébergeur', 'Votre compte',
      `Signalement ${mine.code}`, `Signalement ${other.code}`, `Dossier n° ${caseId}`, 'Notifications aux hébergeurs',
      `Notification ${noticeId}`, 'Statistiques'],
    ar: ['أحدث البلاغات', 'قائمة الانتظار', 'العناصر المُقيَّمة', 'البحث', 'التنبيهات', 'مدة الإزالة لكل مزوّد', 'حسابك',
      `البلاغ ${mine.code}`, `البلاغ ${other.code}`, `القضية رقم ${caseId}`, 'الإشعارات إلى المستضيفين',
      `الإشعار ${noticeId}`, 'الإحصاءات'],
  };
  for (const lang of ['fr', 'ar', '']) {
    await sue.goto(`${base}/console/account`);
    await sue.locator('#language').selectOption(lang);
    await sue.locator('form[action="/console/account"] button[type="submit"]').click();
    await sue.waitForURL(/saved=1/);
    const shown = lang || 'en';
    for (const [i, path] of staffPages.entries()) {
      await sue.goto(`${base}${path}`);
      assert.equal(await sue.locator('html').getAttribute('lang'), shown, `${path} in ${shown}`);
      assert.equal(await sue.locator('html').getAttribute('dir'), shown === 'ar' ? 'rtl' : 'ltr');
      assert.equal((await sue.locator('h1').textContent()).trim(), headings[shown][i], `${path} in ${shown}`);
      await checkAxe(sue, `${path} in ${shown}`);
      if (shown !== 'en') await shot(sue, `staff-${shown}-${path.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`);
    }
  }
  console.log('e2e: the whole path passed');
} catch (e) {
  // What each browser showed when the test failed, to see why.
  for (const [i, page] of pages.entries()) {
    await page.screenshot({ path: `${out}/failure-${i + 1}.png`, fullPage: true }).catch(() => {});
    const text = await page.locator('body').innerText().catch(() => '');
    console.error(`e2e: page ${i + 1} at ${page.url()}:\n${text.slice(0, 2000)}`);
  }
  throw e;
} finally {
  await browser.close();
}
