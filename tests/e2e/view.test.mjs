// Issue 3 end to end: filters, sort, chart clicks, the URL and the exports,
// on the release build against the local backend.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { Lens, launchBrowser, startBackend } from './harness.mjs';

let backend;
let browser;
let all;
let creds;

before(async () => {
  backend = await startBackend({ backups: 1600 });
  browser = await launchBrowser();
  all = await backend.backups();
  creds = { ...(await backend.credentials()), endpoint: backend.url };
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

async function loaded() {
  const lens = await Lens.open(browser, backend.appUrl);
  await lens.connect(creds);
  await lens.query({ type: 'ALL', size: '100' });
  await lens.click('load-all');
  await lens.idle();
  assert.equal(await lens.rowCount(), all.length);
  return lens;
}

/** What the table should show for search words, one table, sorted by size descending. */
function expected(words, table) {
  const hay = (s) => [s.BackupName, s.TableName, s.TableArn, s.BackupArn].join('\n').toLowerCase();
  const rows = all.filter((s) => s.TableName === table && words.every((w) => hay(s).includes(w)));
  // Stable: equal sizes keep the order the backend listed them in.
  return rows.map((s, i) => [s, i]).sort((a, b) => (b[0].BackupSizeBytes - a[0].BackupSizeBytes) || (a[1] - b[1])).map(([s]) => s.BackupArn);
}

async function visibleCount(lens) {
  const text = await lens.id('visible-count').textContent();
  return Number(text.match(/Showing ([\d,]+)/)[1].replace(/,/g, ''));
}

test('search + chart click + sort narrow the table to exactly the expected backups, and the URL brings the view back', async () => {
  const lens = await loaded();
  await lens.id('filter').fill('NIGHTLY');
  const bar = lens.page.locator('[data-testid=chart-size] [data-testid=bar][data-table="orders"]');
  await bar.click();
  await lens.click('sort-size');
  await lens.click('sort-size');
  assert.equal(await lens.page.locator('th:has([data-testid=sort-size])').getAttribute('aria-sort'), 'descending');
  const want = expected(['nightly'], 'orders');
  assert.ok(want.length > 20);
  assert.deepEqual(await lens.rowArns(), want);
  assert.equal(await visibleCount(lens), want.length);
  // The size chart now shows only the chosen table, pressed.
  const bars = lens.page.locator('[data-testid=chart-size] [data-testid=bar]');
  assert.equal(await bars.count(), 1);
  assert.equal(await bars.first().getAttribute('aria-pressed'), 'true');

  // The view is in the URL, the credentials are not.
  const url = lens.page.url();
  for (const part of ['q=NIGHTLY', 'tables=orders', 'sort=size.desc', 'type=ALL', `endpoint=${encodeURIComponent(backend.url)}`]) {
    assert.ok(url.includes(part), `${part} missing from ${url}`);
  }
  for (const secret of [creds.AccessKeyId, creds.SecretAccessKey, creds.SessionToken]) {
    assert.ok(!url.includes(secret) && !url.includes(encodeURIComponent(secret)));
  }

  // Reload: the same view comes back; credentials must be pasted again.
  await lens.page.goto(url);
  await lens.id('list').waitFor();
  assert.equal(await lens.id('filter').inputValue(), 'NIGHTLY');
  // The link's custom endpoint is only a suggestion: the user confirms its host.
  assert.equal(await lens.id('endpoint').inputValue(), '');
  assert.equal(await lens.id('endpoint-suggestion-host').textContent(), backend.url.replace('http://', ''));
  await lens.click('endpoint-confirm');
  assert.equal(await lens.id('endpoint').inputValue(), backend.url);
  assert.equal(await lens.id('backup-type').inputValue(), 'ALL');
  assert.equal(await lens.id('access-key-id').inputValue(), '');
  assert.equal(await lens.page.locator('th:has([data-testid=sort-size])').getAttribute('aria-sort'), 'descending');
  await lens.id('access-key-id').fill(creds.AccessKeyId);
  await lens.id('secret-access-key').fill(creds.SecretAccessKey);
  await lens.id('session-token').fill(creds.SessionToken);
  await lens.click('load-all');
  await lens.idle();
  assert.deepEqual(await lens.rowArns(), want);
  await lens.page.context().close();
});

test('clicking an expiry bar shows exactly the backups expiring that day; clicking again clears it', async () => {
  const lens = await loaded();
  const bar = lens.page.locator('[data-testid=chart-expiry] [data-testid=bar]').first();
  const day = await bar.getAttribute('data-day');
  await bar.click();
  const want = all.filter((s) => s.BackupExpiryDateTime && new Date(s.BackupExpiryDateTime * 1000).toISOString().slice(0, 10) === day);
  assert.ok(want.length > 0);
  assert.deepEqual((await lens.rowArns()).sort(), want.map((s) => s.BackupArn).sort());
  await lens.page.locator('[data-testid=chart-expiry] [data-testid=bar]').first().click();
  assert.equal(await visibleCount(lens), all.length);
  // Keyboard: focus a bar and press Enter.
  await lens.page.locator('[data-testid=chart-size] [data-testid=bar]').first().focus();
  await lens.page.keyboard.press('Enter');
  assert.ok((await visibleCount(lens)) < all.length);
  await lens.page.context().close();
});

test('exports hold exactly the visible rows', async () => {
  const lens = await loaded();
  await lens.id('filter').fill('payments');
  await lens.click('sort-created');
  const visible = await lens.rowArns();
  assert.ok(visible.length > 50 && visible.length < all.length);

  const [csvDownload] = await Promise.all([lens.page.waitForEvent('download'), lens.click('export-csv')]);
  const csv = fs.readFileSync(await csvDownload.path(), 'utf8').trim().split('\r\n');
  const header = csv[0].split(',');
  // The API's fields in its order, then where each backup lives (read from its ARN).
  assert.deepEqual(header, ['TableName', 'TableId', 'TableArn', 'BackupArn', 'BackupName', 'BackupCreationDateTime', 'BackupExpiryDateTime', 'BackupStatus', 'BackupType', 'BackupSizeBytes', 'AccountId', 'Region']);
  const arnColumn = header.indexOf('BackupArn');
  assert.deepEqual(csv.slice(1).map((line) => line.split(',')[arnColumn]), visible);

  const [jsonDownload] = await Promise.all([lens.page.waitForEvent('download'), lens.click('export-json')]);
  const json = JSON.parse(fs.readFileSync(await jsonDownload.path(), 'utf8'));
  assert.deepEqual(json.BackupSummaries.map((s) => s.BackupArn), visible);
  const byArn = new Map(all.map((s) => [s.BackupArn, s]));
  for (const { AccountId, Region, ...s } of json.BackupSummaries) {
    assert.deepEqual(s, byArn.get(s.BackupArn), 'same fields and values as the API');
    assert.equal(`${Region}:${AccountId}`, s.BackupArn.split(':').slice(3, 5).join(':'), 'account and region from the ARN');
  }
  await lens.page.context().close();
});

for (const [width, height] of [[1280, 800], [390, 844]]) {
  test(`the loaded dashboard renders at ${width}x${height} without horizontal page overflow`, async () => {
    const lens = await Lens.open(browser, backend.appUrl, { width, height });
    await lens.connect(creds);
    await lens.query({ type: 'ALL', size: '100' });
    await lens.click('load-all');
    await lens.idle();
    const overflow = await lens.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
    assert.ok(await lens.page.locator('[data-testid=chart-size] [data-testid=bar]').count() >= 8);
    await lens.page.screenshot({ path: `test-results/dashboard-${width}x${height}.png`, fullPage: false });
    await lens.page.context().close();
  });
}
