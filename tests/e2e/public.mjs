// The public pages in Debian's Chromium (run by tests/e2e/run with
// E2E_SCRIPT=public), walked on a phone and on a desktop: the home page, the
// report form and its receipt (reload and language switch), a refused form,
// the "image of me" path in French (one voice, "tu"), the status page (and
// what was done about a report, planted in the database beneath the server), the
// error pages (404, 403 after the cookie is lost), the privacy notice, the
// stop page and its form to report an error, and Arabic written right to left. axe-core checks every page state against
// WCAG 2.1 AA and any violation fails the test. Each state leaves a PNG
// screenshot in $E2E_ARTIFACTS.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const base = process.env.E2E_BASE;
const out = process.env.E2E_ARTIFACTS;
assert.ok(base && out, 'E2E_BASE and E2E_ARTIFACTS are set by tests/e2e/run');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

const devices = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1280, height: 800 } },
};

let step = 0;
let states = 0;
// Screenshot the page and run axe-core on it: a WCAG 2.1 A/AA violation fails.
async function check(page, device, name) {
  step += 1;
  const file = `${out}/${String(step).padStart(2, '0')}-${device}-${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const found = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.equal(found.length, 0, `axe-core on ${name} (${device}):\n  ${found.join('\n  ')}`);
  // Nothing the public sees needs JavaScript.
  assert.equal(await page.locator('script').count(), 0, `${name}: no script`);
  states += 1;
  console.log(`e2e: ${file} (axe: 0 violations)`);
}

// A synthetic picture (greyscale PGM): never real material.
function picture(seed) {
  const w = 64, h = 48;
  const pixels = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) pixels[i] = ((i * 7) ^ (seed * 31)) & 255;
  return Buffer.concat([Buffer.from(`P5\n${w} ${h}\n255\n`), pixels]);
}
const file = (seed) => ({ name: 'picture.pgm', mimeType: 'image/x-portable-graymap', buffer: picture(seed) });

// The answer's reason is focused by the autofocus attribute, which the
// browser applies at a rendering step after the load, so a check made at
// the load itself would race it: wait for the load, then give the focus a
// few seconds to arrive. A page that never focuses the reason still fails.
async function focusedOnError(page) {
  await page.waitForLoadState('load');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'error',
    null, { timeout: 5000 }).catch(() => {});
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'error');
}

async function receiptOf(page) {
  return {
    code: (await page.locator('#receipt-code').textContent()).trim(),
    secret: (await page.locator('#receipt-secret').textContent()).trim(),
  };
}

// The French words of "vous", which the young person's path never uses.
const vous = /\b(vous|votre|vos)\b/i;

async function walk(device) {
  const context = await browser.newContext({ ...devices[device], locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  try {
    // 1. The home page: who runs it, what happens to a report, the
    // emergency line with the configured number, a quick exit.
    await page.goto(`${base}/`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.match(await page.locator('#emergency').innerText(), /danger right now, call the police: 17/);
    assert.equal(await page.locator('#emergency a').getAttribute('href'), 'tel:17');
    assert.match(await page.locator('main').innerText(), /Association Exemple/);
    assert.equal(await page.locator('a.exit').count(), 1);
    assert.ok(await page.locator('a[href="tel:119"]').count() && await page.locator('a[href="tel:3018"]').count());
    await check(page, device, 'home');

    // 2. The language chosen from the browser, then the visible switch.
    const arabic = await browser.newContext({ ...devices[device], locale: 'ar' });
    const ar = await arabic.newPage();
    await ar.goto(`${base}/`);
    assert.equal(await ar.locator('html').getAttribute('lang'), 'ar');
    assert.equal(await ar.locator('html').getAttribute('dir'), 'rtl');
    await check(ar, device, 'home-arabic-rtl');
    await ar.goto(`${base}/report?about=me&lang=ar`);
    assert.equal(await ar.locator('html').getAttribute('dir'), 'rtl');
    await check(ar, device, 'image-of-me-arabic');
    // The transparency report of this year, in Arabic: its chart and tables,
    // with the countries where the material was hosted (routes planted
    // beneath the server as the orientation job proposes them, which no job
    // acts on: too few reports to name a country, "other countries"). The
    // phone walks first, before any report is made: the desktop shows them.
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', process.env.E2E_DB,
      `INSERT OR IGNORE INTO url_routes(report_id, url, state, actions, reasons, country, partner,
         hosting, created_at)
       SELECT report_id, canonical, 'proposed', 'forward_partner', 'x', 'NL', '', '[]',
         CAST(strftime('%s', 'now') AS INTEGER) FROM report_urls;`]);
    await ar.goto(`${base}/transparency/report?year=${new Date().getUTCFullYear()}&lang=ar`);
    assert.equal(await ar.locator('html').getAttribute('dir'), 'rtl');
    assert.ok(await ar.locator('svg[role="img"] title').count(), 'the months as a chart with a title');
    if (device === 'desktop')
      assert.ok(await ar.getByText('بلدان أخرى').count(), 'the hosting countries, folded');
    await check(ar, device, 'transparency-arabic');
    await arabic.close();
    // From the home page, last year's report.
    await page.getByRole('link', { name: /transparency report/ }).click();
    assert.match(await page.locator('h1').innerText(), new RegExp(`Transparency report ${new Date().getUTCFullYear() - 1}`));
    await check(page, device, 'transparency');
    await page.goto(`${base}/?lang=en`);
    await page.getByRole('link', { name: 'Español' }).click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await page.goto(`${base}/privacy?lang=es`);
    assert.match(await page.locator('h1').innerText(), /privacidad/);
    await check(page, device, 'privacy-spanish');

    // 3. A report with a file: posted, then redirected to its receipt.
    await page.goto(`${base}/report?lang=en`);
    await check(page, device, 'report-form');
    await page.locator('input[name="category"][value="image_video"]').check();
    await page.locator('#urls').fill('https://gallery.example/albums/7');
    await page.locator('#file').setInputFiles(file(1));
    await page.getByRole('button', { name: 'Send the report' }).click();
    assert.match(page.url(), /\/report\/receipt\?lang=en$/);
    const receipt = await receiptOf(page);
    assert.ok(receipt.code.length >= 10 && receipt.secret.length >= 20);
    assert.match(await page.locator('main').innerText(), /Check again in \d+ days/);
    await check(page, device, 'receipt');
    // Reload: the same receipt, nothing sent again.
    await page.reload();
    assert.deepEqual(await receiptOf(page), receipt, 'a reload shows the same receipt');
    // The language switch keeps it too.
    await page.getByRole('link', { name: 'Deutsch' }).click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.deepEqual(await receiptOf(page), receipt, 'the language switch keeps the receipt');
    await check(page, device, 'receipt-german');
    // Back goes to the form, never posts it again.
    await page.goBack();
    await page.goBack();
    assert.match(page.url(), /\/report\/receipt|\/report\?lang=en$/);
    // Forgotten on request (a shared device).
    await page.goto(`${base}/report/receipt?lang=en`);
    await page.getByRole('button', { name: /remove them from this device/ }).click();
    await page.locator('#receipt-code').waitFor({ state: 'detached' });
    assert.equal(await page.locator('#receipt-code').count(), 0);
    await check(page, device, 'receipt-forgotten');

    // 4. A refused form: the reason on top and focused, the field at
    // fault marked, the answers kept, the file asked for again.
    await page.goto(`${base}/report?lang=fr`);
    await page.locator('#urls').fill('http://exa mple.test/');
    await page.locator('#description').fill('Vu sur un forum public.');
    // The box for a child in danger now is reached by its label.
    await page.getByLabel(/Un enfant est en danger en ce moment/).check();
    await page.locator('#file').setInputFiles(file(2));
    await page.getByRole('button', { name: 'Envoyer le signalement' }).click();
    await focusedOnError(page);
    assert.equal(await page.locator('#urls').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#file').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#file-error').innerText(), /Choisissez-le de nouveau/);
    assert.equal(await page.locator('#description').inputValue(), 'Vu sur un forum public.');
    assert.ok(await page.locator('#danger').isChecked(), 'the tick for a child in danger is kept');
    assert.doesNotMatch(await page.locator('#error').innerText(), /host|character/, 'no English parser detail');
    await check(page, device, 'report-refused-french');

    // 5. The "image of me" path in French: one voice (tu), the helplines
    // of the configuration, the age, advice against sextortion.
    await page.goto(`${base}/report?about=me&lang=fr`);
    const me = await page.locator('body').innerText();
    assert.doesNotMatch(me, vous, 'the young person is never addressed as "vous"');
    assert.match(me, /Ne paie pas/);
    assert.match(me, /Allô Enfance en Danger/);
    assert.match(await page.locator('#emergency').innerText(), /appelle la police : 17/);
    await check(page, device, 'image-of-me-french');
    await page.locator('#platform').fill('Appli Photo');
    await page.locator('#account').fill('compte_42');
    await page.locator('#reporter_age').selectOption('13_15');
    await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
    const young = await page.locator('body').innerText();
    assert.ok((await receiptOf(page)).code.length >= 10);
    assert.doesNotMatch(young, vous, 'the receipt of the young person says "tu" too');
    assert.match(young, /3018/);
    await check(page, device, 'image-of-me-receipt-french');

    // 6. The status page with a wrong secret: the error focused, the
    // fields marked.
    await page.goto(`${base}/status?lang=en`);
    await page.locator('#code').fill(receipt.code);
    await page.locator('#secret').fill('WRONGSECRETWRONGSECRET22');
    await page.getByRole('button', { name: 'Check' }).click();
    await focusedOnError(page);
    assert.equal(await page.locator('#secret').getAttribute('aria-invalid'), 'true');
    await check(page, device, 'status-not-found');
    await page.locator('#secret').fill(receipt.secret);
    await page.getByRole('button', { name: 'Check' }).click();
    assert.match(await page.locator('#report-status').innerText(), /^Received/);
    await check(page, device, 'status');
    // What was done, planted beneath the server as the deliveries job and
    // a partner would record it: the page says it in plain words, never
    // the partner's name, its reference or who removed it.
    const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', process.env.E2E_DB, q]);
    const report = `(SELECT id FROM reports WHERE receipt_code = '${receipt.code.replace(/[^A-Z0-9]/g, '')}')`;
    sql(`UPDATE reports SET status = 'assessed' WHERE id = ${report};
         INSERT INTO routing_actions(report_id, type, at, to_whom, reference, url, by_whom)
           SELECT report_id, 'forwarded', 1764581400, 'Hotline Deutschland', 'DE-4711', canonical, ''
             FROM report_urls WHERE report_id = ${report};
         INSERT INTO routing_actions(report_id, type, at, to_whom, reference, url, by_whom)
           SELECT report_id, 'removed', 1764806340, 'Hotline Deutschland', 'DE-4711', canonical, 'Erika M.'
             FROM report_urls WHERE report_id = ${report};`);
    await page.locator('#secret').fill(receipt.secret);
    await page.getByRole('button', { name: 'Check' }).click();
    assert.match(await page.locator('#report-status').innerText(), /^Assessed/);
    assert.match(await page.locator('#done-forwarded').innerText(), /hotline of the country where the material is hosted/);
    assert.match(await page.locator('#done-removed').innerText(), /removed\. We saw it was gone on 2025\u201112\u201103/);
    assert.doesNotMatch(await page.locator('body').innerText(), /Deutschland|DE-4711|Erika/);
    await check(page, device, 'status-done');

    // 7. Error pages in the visitor's language and the public frame.
    const missing = await page.goto(`${base}/nowhere?lang=de`);
    assert.equal(missing.status(), 404);
    assert.match(await page.locator('h1').innerText(), /Wir finden diese Seite nicht/);
    await check(page, device, 'not-found-german');
    // The form's cookie lost (a browser that dropped it): 403, the form
    // again with the answers and the reason.
    await page.goto(`${base}/report?lang=en`);
    await page.locator('#account').fill('someone_else');
    await page.locator('#file').setInputFiles(file(3));
    await context.clearCookies();
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/report') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Send the report' }).click(),
    ]);
    assert.equal(refused.status(), 403);
    await page.waitForLoadState();
    assert.match(await page.locator('#error').innerText(), /open for a long time/);
    assert.equal(await page.locator('#account').inputValue(), 'someone_else');
    assert.equal(await page.locator('#file').getAttribute('aria-invalid'), 'true');
    await check(page, device, 'report-expired');
    // Sent again, it goes through.
    await page.locator('#file').setInputFiles(file(3));
    await page.getByRole('button', { name: 'Send the report' }).click();
    assert.ok((await receiptOf(page)).code.length >= 10);

    // 8. The stop page a blocked address leads to: why, the help, the
    // form to report an error (refused without a reason, the address
    // kept; then recorded), and in Arabic right to left.
    await page.goto(`${base}/stop?lang=en&url=${encodeURIComponent('http://blocked.example/page')}`);
    assert.match(await page.locator('#stop-why').innerText(), /child sexual abuse material \(CSAM\)/);
    assert.ok(await page.locator('a[href="tel:0800000000"]').count(), 'the configured help line');
    assert.equal(await page.locator('#url').inputValue(), 'http://blocked.example/page');
    await check(page, device, 'stop');
    await page.getByRole('button', { name: 'Report the error' }).click();
    await focusedOnError(page);
    assert.equal(await page.locator('#reason').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#url').inputValue(), 'http://blocked.example/page');
    await check(page, device, 'stop-refused');
    await page.locator('#reason').fill('This is the menu of my bakery.');
    await page.getByRole('button', { name: 'Report the error' }).click();
    assert.match(await page.locator('h1').innerText(), /your report of an error is recorded/);
    await check(page, device, 'stop-appealed');
    await page.goto(`${base}/stop?lang=ar`);
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    await check(page, device, 'stop-arabic');
  } catch (e) {
    await page.screenshot({ path: `${out}/failure-${device}.png`, fullPage: true }).catch(() => {});
    console.error(`e2e: ${device} at ${page.url()}:\n${(await page.locator('body').innerText().catch(() => '')).slice(0, 2000)}`);
    throw e;
  } finally {
    await context.close();
  }
}

try {
  for (const device of Object.keys(devices)) await walk(device);
  console.log(`e2e: the public pages passed: ${states} page states, 0 axe-core violations`);
} finally {
  await browser.close();
}
