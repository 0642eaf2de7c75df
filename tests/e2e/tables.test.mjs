// Issue 11 end to end: the protection view lists every table of every
// account and region (ListTables through moto, paginated), asks each table's
// point-in-time recovery (DescribeContinuousBackups), joins them with the
// backups, counts stale tables at three thresholds, and names the source whose
// role lacks dynamodb:ListTables while the Backups view still lists.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Lens, launchBrowser, startBackend } from './harness.mjs';

const HOME = '123456789012';
const MEMBERS = ['111122223333', '444455556666', '777788889999'];
const NO_LIST_TABLES = '777788889999';
const DISABLED = '444455556666/eu-south-2';
const REGIONS = ['us-east-1', 'eu-west-1', 'eu-south-2'];
const DAY = 86_400;

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

async function orgLens() {
  const creds = { ...(await backend.credentials()), endpoint: backend.url };
  const lens = await Lens.open(browser, backend.appUrl);
  await lens.connect({ ...creds, region: REGIONS });
  await lens.id('role-arns').fill(MEMBERS.join('\n'));
  await lens.id('role-name').fill('BackupLensViewer');
  await lens.id('external-id').fill('lens-ext-1');
  return lens;
}

/** The backend's truth per table: arn → {pitr, latest AVAILABLE backup (epoch s) or null}. */
async function truth() {
  const out = new Map();
  for (const account of [HOME, ...MEMBERS]) {
    if (account === NO_LIST_TABLES) continue;
    for (const region of REGIONS) {
      if (`${account}/${region}` === DISABLED) continue;
      const { tables } = await (await fetch(`${backend.url}/_backend/tables?account=${account}&region=${region}`)).json();
      const backups = await backend.backups(account, region);
      for (const t of tables) {
        const times = backups
          .filter((b) => b.TableName === t.TableName && b.BackupStatus === 'AVAILABLE' && ['USER', 'SYSTEM'].includes(b.BackupType))
          .map((b) => b.BackupCreationDateTime);
        out.set(t.TableArn, { pitr: t.PointInTimeRecoveryStatus, latest: times.length ? Math.max(...times) : null });
      }
    }
  }
  return out;
}

async function tableRows(lens) {
  return lens.page.$$eval('[data-testid=table-row]', (rows) => rows.map((r) => ({
    arn: r.getAttribute('data-table-arn'),
    latest: r.getAttribute('data-latest-backup'),
    pitr: r.getAttribute('data-pitr'),
    backups: r.getAttribute('data-backups'),
  })));
}

describe('the protection view', () => {
  test('every table of every source, its newest backup and PITR, stale counts at 1, 7 and 30 days, and a denied ListTables', async () => {
    await backend.clearRequests();
    const lens = await orgLens();
    await lens.click('view-tables');
    await lens.idle(240_000);
    const want = await truth();
    const got = await tableRows(lens);
    assert.deepEqual(got.map((r) => r.arn).sort(), [...want.keys()].sort(), 'the set of tables equals the backend\'s');
    for (const r of got) {
      const w = want.get(r.arn);
      assert.equal(r.pitr, w.pitr, `${r.arn} PITR`);
      assert.equal(r.latest, w.latest === null ? '' : String(Math.floor(w.latest)), `${r.arn} newest AVAILABLE backup`);
      assert.notEqual(r.backups, 'unknown', r.arn);
    }
    // Some tables have no backup at all, and they come first (with PITR off).
    const none = got.filter((r) => r.latest === '');
    assert.ok(none.length > 0, 'the backend seeds tables without backups');
    assert.ok(got.some((r) => r.pitr === 'ENABLED') && got.some((r) => r.pitr === 'DISABLED'));
    const firstOk = got.findIndex((r) => r.latest !== '' || r.pitr !== 'DISABLED');
    assert.ok(got.slice(0, firstOk).every((r) => r.latest === '' && r.pitr === 'DISABLED'), 'riskiest first');

    const now = Date.now() / 1000;
    for (const days of [1, 7, 30]) {
      await lens.id('stale-days').fill(String(days));
      const expected = [...want.values()].filter((w) => w.latest === null || w.latest < now - days * DAY).length;
      await lens.page.waitForFunction(
        (n) => document.querySelector('[data-testid=stale-count]')?.getAttribute('data-count') === String(n),
        expected, { timeout: 5_000 },
      ).catch(() => {});
      assert.equal(Number(await lens.id('stale-count').getAttribute('data-count')), expected, `stale after ${days} days`);
      assert.match(await lens.id('stale-count').textContent(), new RegExp(`${expected} of ${want.size} tables? ha(s|ve) no available backup in the last ${days === 1 ? 'day' : `${days} days`}`));
    }
    assert.ok(lens.page.url().includes('stale=30') && lens.page.url().includes('view=tables'), lens.page.url());

    // The role without dynamodb:ListTables: one sentence per region; the Backups view is not affected.
    const errors = await lens.page.$$eval('[data-testid=tables-error]', (els) => els.map((e) => [e.getAttribute('data-source'), e.textContent]));
    for (const region of REGIONS) {
      const e = errors.find(([source]) => source === `${NO_LIST_TABLES}/${region}`);
      assert.ok(e, `no tables-error for ${NO_LIST_TABLES}/${region}: ${JSON.stringify(errors)}`);
      assert.match(e[1], /dynamodb:ListTables/);
    }
    // Calls were paced per account, region and API.
    const requests = (await backend.allRequests()).filter((r) => ['ListTables', 'DescribeContinuousBackups'].includes(r.operation));
    const groups = {};
    for (const r of requests) (groups[`${r.operation} ${r.account}/${r.region}`] ??= []).push(r.t);
    for (const [key, times] of Object.entries(groups)) {
      const t = times.sort((a, b) => a - b);
      for (let i = 0; i + 5 < t.length; i++) assert.ok(t[i + 5] - t[i] >= 1, `${key}: six calls within one second`);
    }
    assert.equal(requests.filter((r) => r.code === 'ThrottlingException').length, 0);

    // Clicking a table opens the Backups view filtered to it.
    const first = lens.page.locator('[data-testid=table-row]:not([data-latest-backup=""])').first();
    const arn = await first.getAttribute('data-table-arn');
    await first.locator('button').click();
    assert.equal(await lens.id('view-backups').getAttribute('aria-pressed'), 'true');
    const rows = await lens.page.$$eval('[data-testid=backup-row]', (els) => els.map((e) => e.getAttribute('data-backup-arn')));
    assert.ok(rows.length > 0 && rows.every((b) => b.startsWith(`${arn}/backup/`)), `${arn}: ${rows.slice(0, 3)}`);
    await lens.page.context().close();
  });

  test('the home account alone: Tables opens with no other click, and the Backups view still lists', async () => {
    const creds = { ...(await backend.credentials()), endpoint: backend.url };
    const lens = await Lens.open(browser, backend.appUrl);
    await lens.connect(creds);
    await lens.click('view-tables');
    await lens.idle(120_000);
    const { tables } = await (await fetch(`${backend.url}/_backend/tables?account=${HOME}&region=us-east-1`)).json();
    assert.deepEqual((await tableRows(lens)).map((r) => r.arn).sort(), tables.map((t) => t.TableArn).sort());
    await lens.click('view-backups');
    assert.equal(await lens.rowCount(), (await backend.backups()).length, 'all backups (type ALL) were loaded for the view');
    await lens.page.context().close();
  });
});
