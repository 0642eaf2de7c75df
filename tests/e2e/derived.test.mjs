// Issue 8 end to end: the table, the charts and the counts are functions of the
// loaded rows and can never disagree with them: a new result of the same size
// and a row updated between pages both show everywhere.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Lens, launchBrowser, startBackend } from './harness.mjs';

let backend;
let browser;
let creds;

before(async () => {
  backend = await startBackend({ backups: 1600 });
  browser = await launchBrowser();
  creds = { ...(await backend.credentials()), endpoint: backend.url };
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

const DAY = 86_400;

/** The bars of a chart as { key: value }. */
async function bars(lens, chart) {
  return lens.page.$$eval(`[data-testid=${chart}] [data-testid=bar]`, (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-key'), Number(e.getAttribute('data-value'))])));
}

/** The visible rows, from the JSON export. */
async function visibleRows(lens) {
  const [download] = await Promise.all([lens.page.waitForEvent('download'), lens.click('export-json')]);
  const fs = await import('node:fs');
  return JSON.parse(fs.readFileSync(await download.path(), 'utf8')).BackupSummaries;
}

/** Every chart agrees with the visible rows: storage per table, expiries per day. */
async function assertChartsMatch(lens, label) {
  const rows = await visibleRows(lens);
  const shown = (await lens.id('visible-count').textContent()).match(/Showing ([\d,]+) of/)[1];
  assert.equal(Number(shown.replace(/,/g, '')), rows.length, `${label}: visible count`);
  const perTable = {};
  for (const r of rows) perTable[r.TableName] = (perTable[r.TableName] ?? 0) + (r.BackupSizeBytes ?? 0);
  const storage = await bars(lens, 'chart-size');
  for (const [table, bytes] of Object.entries(storage)) {
    assert.equal(bytes, perTable[table], `${label}: storage bar of ${table}`);
  }
  assert.equal(Object.keys(storage).length, Math.min(12, Object.keys(perTable).length), `${label}: one bar per table`);
  const now = Date.now() / 1000;
  const today = Math.floor(now / DAY);
  const perDay = {};
  for (const r of rows) {
    const e = r.BackupExpiryDateTime;
    if (!e || e < now) continue;
    const day = Math.floor(e / DAY);
    if (day - today >= 35) continue;
    const key = new Date(day * DAY * 1000).toISOString().slice(0, 10);
    perDay[key] = (perDay[key] ?? 0) + 1;
  }
  assert.deepEqual(await bars(lens, 'chart-expiry'), perDay, `${label}: expiry bars`);
  return rows;
}

test('a new result of the same size redraws the charts (USER then SYSTEM, orders then all tables)', async () => {
  const lens = await Lens.open(browser, backend.appUrl);
  await lens.connect(creds);
  await lens.query({ type: 'USER', size: '100' });
  await lens.click('list');
  await lens.idle();
  const user = await assertChartsMatch(lens, 'USER');
  assert.equal(user.length, 100);
  assert.deepEqual(await bars(lens, 'chart-expiry'), {}, 'USER backups do not expire');

  await lens.id('backup-type').selectOption('SYSTEM');
  await lens.click('list');
  await lens.idle();
  const system = await assertChartsMatch(lens, 'SYSTEM');
  assert.equal(system.length, 100, 'the same size as before');
  assert.ok(system.every((r) => r.BackupType === 'SYSTEM'));
  assert.ok(Object.keys(await bars(lens, 'chart-expiry')).length > 0, 'SYSTEM backups expire: the chart shows them');

  await lens.query({ table: 'orders', type: 'ALL', size: '100' });
  await lens.click('list');
  await lens.idle();
  const orders = await assertChartsMatch(lens, 'orders');
  assert.deepEqual(Object.keys(await bars(lens, 'chart-size')), ['orders']);
  await lens.id('table-name').fill('');
  await lens.click('list');
  await lens.idle();
  const everything = await assertChartsMatch(lens, 'all tables');
  assert.equal(everything.length, orders.length, 'the same size as before');
  assert.ok(Object.keys(await bars(lens, 'chart-size')).length > 1);
  await lens.page.context().close();
});

test('a backup updated between pages shows its newest data in the table, the counts and the charts', async () => {
  const now = Math.floor(Date.now() / 1000);
  const arn = `arn:aws:dynamodb:us-east-1:123456789012:table/fresh-table/backup/0${now}000-00000001`;
  const base = {
    TableName: 'fresh-table',
    TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/fresh-table',
    TableId: '00000000-0000-4000-8000-0000000000ff',
    BackupArn: arn,
    BackupName: 'fresh-table-first-backup',
    BackupType: 'USER',
  };
  // The oldest entry is on the first page (still CREATING, no size); the same
  // backup comes again on the last page, AVAILABLE with its size.
  await backend.post('/_backend/inject', [
    { ...base, BackupCreationDateTime: now - 200 * DAY, BackupStatus: 'CREATING' },
    { ...base, BackupCreationDateTime: now, BackupStatus: 'AVAILABLE', BackupSizeBytes: 7_340_032 },
  ]);
  const lens = await Lens.open(browser, backend.appUrl);
  await lens.connect(creds);
  await lens.query({ type: 'USER', size: '100' });
  await lens.click('list');
  await lens.idle();
  await lens.id('filter').fill('fresh-table');
  const row = lens.page.locator(`[data-testid=backup-row][data-backup-arn="${arn}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /CREATING/);
  assert.equal((await bars(lens, 'chart-size'))['fresh-table'], 0);

  await lens.click('load-all');
  await lens.idle();
  assert.equal(await lens.error(), null);
  const text = await row.textContent();
  assert.match(text, /AVAILABLE/, 'the row on screen shows the newer data');
  assert.match(text, /7\.00 MiB/);
  assert.doesNotMatch(text, /CREATING/);
  const rows = await assertChartsMatch(lens, 'updated');
  assert.equal(rows.length, 1, 'one row per backup');
  assert.equal(rows[0].BackupStatus, 'AVAILABLE');
  assert.equal((await bars(lens, 'chart-size'))['fresh-table'], 7_340_032);
  assert.match(await lens.id('visible-count').textContent(), /Showing 1 of/);
  await lens.page.context().close();
});
