// Issue 2 end to end: the release build in headless Chromium against the local
// backend with auth on. Every request is signed in the page and verified by
// moto (botocore's signer), an implementation we did not write.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Lens, inputTime, launchBrowser, maxPerSecond, startBackend } from './harness.mjs';

let backend;
let browser;
let all; // the backend's full set
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

const arnsOf = (rows) => rows.map((s) => s.BackupArn).sort();

async function openConnected() {
  const lens = await Lens.open(browser, backend.appUrl);
  await lens.connect(creds);
  return lens;
}

describe('listing', () => {
  test('page by page equals the backend full set, nothing lost, nothing twice', async () => {
    const lens = await openConnected();
    await lens.query({ type: 'ALL', size: '100' });
    const pages = await lens.listPageByPage();
    assert.equal(await lens.error(), null);
    const shown = await lens.rowArns();
    const expected = arnsOf(all.filter((s) => ['USER', 'SYSTEM'].includes(s.BackupType)));
    assert.ok(expected.length >= 1500);
    assert.equal(shown.length, new Set(shown).size, 'a backup shown twice');
    assert.deepEqual([...shown].sort(), expected);
    assert.equal(await lens.rowCount(), expected.length);
    // 100 per page, and DynamoDB's empty last page after a full one.
    assert.equal(pages, Math.ceil(expected.length / 100) + (expected.length % 100 === 0 ? 1 : 0));
    assert.match(await lens.id('more-status').textContent(), /all loaded/);

    // Secrets stay in memory: not in the URL, not in web storage, not logged.
    const url = lens.page.url();
    const storage = await lens.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    for (const secret of [creds.SecretAccessKey, creds.SessionToken]) {
      assert.ok(!url.includes(secret));
      assert.ok(!storage.includes(secret));
      assert.ok(!lens.consoleText.some((t) => t.includes(secret)));
      assert.ok(!lens.requestUrls.some((u) => u.includes(encodeURIComponent(secret)) || u.includes(secret)));
    }
    assert.ok(lens.requestUrls.every((u) => u.startsWith(backend.appUrl) || u.startsWith(backend.url)), 'only the app and the chosen endpoint are contacted');
    await lens.page.context().close();
  });

  test('"Load all" over 500+ backups with page size 10 never starts more than 5 requests in a second', async () => {
    const created = all.filter((s) => s.BackupType === 'USER').map((s) => s.BackupCreationDateTime).sort((a, b) => b - a);
    const from = Math.floor(created[540] / 60) * 60; // datetime-local has minute precision
    const expected = arnsOf(all.filter((s) => s.BackupType === 'USER' && s.BackupCreationDateTime >= from));
    assert.ok(expected.length >= 500, `only ${expected.length}`);
    const lens = await openConnected();
    await lens.query({ type: 'USER', from: inputTime(from), size: '10' });
    await backend.clearRequests();
    // The backend counts calls per access key across tabs: let the previous
    // test's last calls leave its one-second window, so only ours count.
    await lens.page.waitForTimeout(1100);
    const earlier = Date.now() / 1000;
    await lens.click('load-all');
    await lens.id('progress').waitFor();
    await lens.idle(180_000);
    assert.equal(await lens.error(), null);
    const shown = await lens.rowArns();
    assert.equal(shown.length, new Set(shown).size);
    assert.deepEqual([...shown].sort(), expected);
    const requests = await backend.requests();
    assert.ok(requests.length >= expected.length / 10, `${requests.length} requests`);
    assert.ok(requests.every((r) => r.status === 200 && r.limit === 10), JSON.stringify(requests.slice(0, 12).map((r) => [r.t - earlier, r.status])));
    const peak = maxPerSecond(requests.map((r) => r.t));
    assert.ok(peak <= 5, `${peak} requests started within one second`);
    const span = requests.at(-1).t - requests[0].t;
    console.log(`load-all: ${requests.length} pages, ${shown.length} backups in ${span.toFixed(1)} s, peak ${peak}/s`);
    await lens.page.context().close();
  });

  test('Stop ends a "Load all" at once and keeps what was loaded', async () => {
    const lens = await openConnected();
    await lens.query({ type: 'ALL', size: '10' });
    await lens.click('load-all');
    await lens.page.waitForFunction(() => document.querySelectorAll('[data-testid=backup-row]').length >= 30);
    await lens.click('stop');
    await lens.idle(5_000);
    const atStop = await lens.rowCount();
    const requestsAtStop = (await backend.requests()).length;
    await lens.page.waitForTimeout(1500);
    assert.equal(await lens.rowCount(), atStop, 'a late page arrived after Stop');
    assert.ok((await backend.requests()).length <= requestsAtStop + 1, 'requests went on after Stop');
    assert.ok(await lens.hasMore());
    // Resume from the cursor: nothing lost, nothing twice.
    await lens.click('load-all');
    await lens.idle(180_000);
    const shown = await lens.rowArns();
    assert.equal(shown.length, new Set(shown).size);
    assert.equal(shown.length, all.length);
    await lens.page.context().close();
  });
});

describe('credentials', () => {
  test('a wrong secret shows a clear message and keeps the rows already loaded', async () => {
    const lens = await openConnected();
    await lens.query({ type: 'USER', size: '25' });
    await lens.click('list');
    await lens.idle();
    assert.equal(await lens.rowCount(), 25);
    await lens.id('secret-access-key').fill('x'.repeat(40));
    await lens.click('load-more');
    await lens.idle();
    assert.match(await lens.error(), /secret access key does not match/i);
    assert.equal(await lens.rowCount(), 25, 'rows lost on error');
    await lens.page.context().close();
  });

  test('a bad session token shows a clear message', async () => {
    const lens = await openConnected();
    await lens.id('session-token').fill(`${creds.SessionToken.slice(0, -8)}AAAAAAAA`);
    await lens.query({ type: 'USER', size: '5' });
    await lens.click('list');
    await lens.idle();
    assert.match(await lens.error(), /session token was not recognised/i);
    assert.equal(await lens.rowCount(), 0);
    await lens.page.context().close();
  });

  test('a region the server does not serve is refused by the server', async () => {
    const lens = await openConnected();
    await lens.setRegions('ap-northeast-3');
    await lens.query({ size: '5' });
    await lens.click('list');
    await lens.idle();
    assert.match(await lens.error(), /region/i);
    await lens.page.context().close();
  });
});

describe('query parameters', () => {
  async function listAll(query) {
    const lens = await openConnected();
    await lens.query(query);
    await lens.click('load-all');
    await lens.idle(180_000);
    assert.equal(await lens.error(), null);
    const shown = await lens.rowArns();
    await lens.page.context().close();
    assert.equal(shown.length, new Set(shown).size);
    return [...shown].sort();
  }

  test('a table ARN with BackupType ALL returns exactly that table', async () => {
    const arn = all.find((s) => s.TableName === 'orders').TableArn;
    const shown = await listAll({ table: arn, type: 'ALL', size: '100' });
    const expected = arnsOf(all.filter((s) => s.TableArn === arn));
    assert.ok(expected.length > 50);
    assert.deepEqual(shown, expected);
  });

  test('BackupType SYSTEM returns exactly the system backups', async () => {
    const shown = await listAll({ type: 'SYSTEM', size: '100' });
    const expected = arnsOf(all.filter((s) => s.BackupType === 'SYSTEM'));
    assert.ok(expected.length > 20);
    assert.deepEqual(shown, expected);
  });

  test('time bounds: lower inclusive, upper exclusive', async () => {
    const sorted = [...all].sort((a, b) => a.BackupCreationDateTime - b.BackupCreationDateTime);
    const from = Math.floor(sorted[300].BackupCreationDateTime / 60) * 60;
    const to = Math.floor(sorted[700].BackupCreationDateTime / 60) * 60;
    const shown = await listAll({ type: 'ALL', from: inputTime(from), to: inputTime(to), size: '50' });
    const expected = arnsOf(all.filter((s) => s.BackupCreationDateTime >= from && s.BackupCreationDateTime < to));
    assert.ok(expected.length > 300);
    assert.deepEqual(shown, expected);
  });

  for (const size of ['0', '101']) {
    test(`page size ${size} is refused at the field before any request is sent`, async () => {
      const lens = await openConnected();
      await lens.query({ size });
      await backend.clearRequests();
      await lens.click('list');
      await lens.page.waitForTimeout(300);
      assert.match(await lens.id('page-size-error').textContent(), /1 to 100/);
      assert.equal(await lens.id('page-size').getAttribute('aria-invalid'), 'true');
      assert.match(await lens.error(), /nothing was sent/);
      assert.equal((await backend.requests()).length, 0, 'a request was sent');
      assert.equal(await lens.rowCount(), 0);
      await lens.page.context().close();
    });
  }
});
