// Issue 10 end to end: the details drawer (DescribeBackup through the backend,
// copy to the clipboard, the restore command), faceted counts, dropdowns that
// close, and the defaults a first visit sees.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Lens, launchBrowser, startBackend } from './harness.mjs';

let backend;
let browser;

before(async () => {
  backend = await startBackend();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

async function listed({ type = 'ALL', size = '100', all = false, viewport } = {}) {
  const creds = { ...(await backend.credentials()), endpoint: backend.url };
  const lens = await Lens.open(browser, backend.appUrl, viewport);
  await lens.connect(creds);
  await lens.query({ type, size });
  await lens.click(all ? 'load-all' : 'list');
  await lens.idle();
  return lens;
}

describe('the details drawer', () => {
  test('a row click opens every field, DescribeBackup\'s key schema, the restore command and a working copy button', async () => {
    const lens = await listed();
    await lens.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(backend.appUrl).origin });
    const row = lens.page.locator('[data-testid=backup-row]').first();
    const arn = await row.getAttribute('data-backup-arn');
    await row.click();
    const drawer = lens.id('details');
    await drawer.waitFor();
    assert.ok(await drawer.evaluate((el) => el === document.activeElement), 'the drawer takes focus');
    assert.match(await drawer.textContent(), new RegExp(arn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    // DescribeBackup, signed and sent from the page, answered by moto through the backend.
    const described = lens.id('describe-backup');
    await described.locator('[data-state=done]').waitFor({ timeout: 15_000 });
    const text = await described.textContent();
    assert.match(text, /Key schema/);
    assert.match(text, /pk \(HASH\)/);
    assert.match(text, /Billing mode/);
    const requests = (await backend.allRequests()).filter((r) => r.operation === 'DescribeBackup');
    assert.equal(requests.length, 1);
    assert.equal(requests[0].status, 200);
    // The restore command names this backup and its region.
    const restore = await lens.id('restore-command').textContent();
    assert.match(restore, /^aws dynamodb restore-table-from-backup --region us-east-1 --target-table-name \S+ --backup-arn /);
    assert.ok(restore.endsWith(arn), restore);
    // Copy puts the ARN on the clipboard.
    await lens.click('copy-arn');
    await lens.page.waitForFunction(() => document.querySelector('[data-testid=copy-status]').textContent.includes('copied'));
    assert.equal(await lens.page.evaluate(() => navigator.clipboard.readText()), arn);
    // Escape closes it; Enter on a focused row opens it again.
    await lens.page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    await row.focus();
    await lens.page.keyboard.press('Enter');
    await drawer.waitFor();
    await lens.click('details-close');
    await drawer.waitFor({ state: 'detached' });
    await lens.page.context().close();
  });

  test('a DescribeBackup error is shown in the drawer, and the rows stay', async () => {
    const lens = await listed();
    await backend.post('/_backend/faults', { kind: 'error500', count: 1, target: 'DescribeBackup' });
    try {
      await lens.page.locator('[data-testid=backup-row]').nth(1).click();
      const failed = lens.id('describe-backup').locator('[data-state=error]');
      await failed.waitFor({ timeout: 15_000 });
      assert.match(await failed.textContent(), /internal error/i);
      assert.equal(await lens.rowCount(), 100);
    } finally {
      await backend.post('/_backend/faults/clear');
    }
    await lens.page.context().close();
  });
});

describe('feedback in view, a table that fits, cards on phones', () => {
  test('a wrong secret: the banner is inside the 1280×800 viewport and has focus, and the rows stay', async () => {
    const creds = { ...(await backend.credentials()), endpoint: backend.url };
    const lens = await Lens.open(browser, backend.appUrl, { width: 1280, height: 800 });
    await lens.connect(creds);
    await lens.click('list');
    await lens.idle();
    const before = await lens.rowCount();
    await lens.id('secret-access-key').fill(`x${creds.SecretAccessKey.slice(1)}`);
    await lens.click('list');
    await lens.idle();
    const banner = lens.id('error');
    await banner.waitFor();
    assert.match(await banner.textContent(), /secret access key does not match/i);
    assert.doesNotMatch(await banner.textContent(), /fresh credentials/i, 'a typo is not an expiry');
    const box = await banner.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= 800 && box.x >= 0 && box.x + box.width <= 1280, JSON.stringify(box));
    assert.ok(await banner.evaluate((el) => el === document.activeElement || el.contains(document.activeElement)), 'the banner has focus');
    assert.equal(await banner.getAttribute('role'), 'alert');
    assert.equal(await lens.rowCount(), before, 'nothing loaded is lost');
    await lens.page.context().close();
  });

  test('with the default columns the table fits its box at 1280 px; the column chooser adds ARNs and the URL keeps them', async () => {
    const lens = await listed({ viewport: { width: 1280, height: 800 } });
    const fits = () => lens.id('table-scroll').evaluate((el) => [el.scrollWidth, el.clientWidth]);
    const [scroll, client] = await fits();
    assert.ok(scroll <= client, `scrollWidth ${scroll} > clientWidth ${client}`);
    await lens.id('column-chooser').locator('summary').click();
    await lens.id('column-chooser').locator('[data-column=backup-arn]').check();
    assert.ok(await lens.page.locator('th:has([data-testid=sort-backup-arn])').isVisible());
    assert.match(lens.page.url(), /cols=[^&]*backup-arn/);
    await lens.page.context().close();
  });

  test('on a phone each backup is a card', async () => {
    const lens = await listed({ viewport: { width: 390, height: 844 } });
    const row = lens.page.locator('[data-testid=backup-row]').first();
    const display = await row.evaluate((el) => getComputedStyle(el).display);
    assert.equal(display, 'grid');
    const box = await row.boundingBox();
    assert.ok(box.height > 80 && box.width <= 390, JSON.stringify(box));
    assert.equal(await lens.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no sideways scrolling');
    await lens.page.context().close();
  });
});

describe('facets and defaults', () => {
  test('a first visit lists every backup type', async () => {
    const lens = await Lens.open(browser, backend.appUrl);
    assert.equal(await lens.id('backup-type').inputValue(), 'ALL');
    await lens.page.context().close();
  });

  test('facet counts follow the other filters, one dropdown is open at a time, Escape and a click outside close it', async () => {
    const lens = await listed({ all: true });
    const facet = (name) => lens.id(`facet-${name}`);
    const open = async (name) => facet(name).locator('summary').click();
    const isOpen = (name) => facet(name).evaluate((d) => d.open);
    await open('table');
    assert.ok(await isOpen('table'));
    await facet('table').locator('[data-facet-value=orders]').check();
    await facet('table').locator('[data-facet-value=payments]').check();
    await open('type');
    assert.ok(!(await isOpen('table')), 'opening Type closed Tables');
    assert.ok(await isOpen('type'));
    const systemLabel = facet('type').locator('label', { has: lens.page.locator('[data-facet-value=SYSTEM]') });
    const count = Number((await systemLabel.locator('.muted').textContent()).replace(/,/g, ''));
    await facet('type').locator('[data-facet-value=SYSTEM]').check();
    const shown = await lens.id('visible-count').textContent();
    assert.equal(Number(shown.match(/Showing ([\d,]+)/)[1].replace(/,/g, '')), count, `SYSTEM said ${count}; ${shown}`);
    // The count is what the other filters leave: orders and payments only.
    const expected = (await backend.backups()).filter((s) => s.BackupType === 'SYSTEM' && ['orders', 'payments'].includes(s.TableName)).length;
    assert.equal(count, expected);
    await lens.page.keyboard.press('Escape');
    assert.ok(!(await isOpen('type')), 'Escape closed it');
    await open('status');
    await lens.id('visible-count').click();
    assert.ok(!(await isOpen('status')), 'a click outside closed it');
    await lens.page.context().close();
  });
});

describe('Load more after a change', () => {
  test('continues the same query without a notice, and says so when the query changed', async () => {
    const lens = await listed({ type: 'ALL', size: '10' });
    await lens.click('load-more');
    await lens.idle();
    assert.equal(await lens.id('notice').count(), 0, 'same query: no notice');
    await lens.query({ type: 'USER', size: '10' });
    await lens.click('load-more');
    await lens.idle();
    const notice = lens.id('notice');
    await notice.waitFor();
    assert.match(await notice.textContent(), /starts a new listing/);
    await lens.page.context().close();
  });
});
