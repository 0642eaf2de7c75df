// Issue 9 end to end: every backup of 4 accounts × 3 regions in one table,
// through roles assumed from the browser (STS through moto, auth on), each
// account and region paced on its own; one role may not list, one region is
// not enabled for one account; renewal of short sessions; Stop and resume;
// the credentials paste box.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { Lens, launchBrowser, maxPerSecond, startBackend } from './harness.mjs';

const HOME = '123456789012';
const MEMBERS = ['111122223333', '444455556666', '777788889999'];
const DENIED = '777788889999';
const DISABLED = ['444455556666', 'eu-south-2'];
const REGIONS = ['us-east-1', 'eu-west-1', 'eu-south-2'];
const ROLE = 'BackupLensViewer';
const EXTERNAL_ID = 'lens-ext-1';

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

/** The page connected with the demo (home) credentials, the roles and the regions. */
async function orgLens({ regions = REGIONS, roles = MEMBERS, home = true, size = '100' } = {}) {
  const creds = { ...(await backend.credentials()), endpoint: backend.url };
  const lens = await Lens.open(browser, backend.appUrl);
  await lens.connect({ ...creds, region: regions });
  await lens.id('role-arns').fill(roles.join('\n'));
  await lens.id('role-name').fill(ROLE);
  await lens.id('external-id').fill(EXTERNAL_ID);
  if (!home) await lens.id('home-account').uncheck();
  await lens.query({ type: 'ALL', size });
  return lens;
}

/** Every source-status element: data-source → {state, rows, text}. */
async function sources(lens) {
  const list = await lens.page.$$eval('[data-testid=source-status]', (els) => els.map((e) => ({
    source: e.getAttribute('data-source'),
    state: e.getAttribute('data-state'),
    rows: Number(e.getAttribute('data-rows')),
    text: e.textContent,
    retry: !!e.querySelector('[data-testid=source-retry]'),
  })));
  return Object.fromEntries(list.map((s) => [s.source, s]));
}

/** The loaded rows, from the JSON export: (AccountId, Region) → BackupArns. */
async function exported(lens) {
  const [download] = await Promise.all([lens.page.waitForEvent('download'), lens.click('export-json')]);
  const rows = JSON.parse(fs.readFileSync(await download.path(), 'utf8')).BackupSummaries;
  const by = {};
  for (const r of rows) (by[`${r.AccountId}/${r.Region}`] ??= []).push(r.BackupArn);
  return by;
}

/** The backend's USER and SYSTEM backups (type ALL) of one account and region. */
async function expected(account, region) {
  const all = await backend.backups(account, region);
  return all.filter((s) => ['USER', 'SYSTEM'].includes(s.BackupType)).map((s) => s.BackupArn).sort();
}

const listBackups = (r) => r.target === 'DynamoDB_20120810.ListBackups';

describe('org-wide: 4 accounts × 3 regions through roles', () => {
  test('every allowed source ends with exactly its backups, the two failing ones say why, paced per account and region', async () => {
    await backend.clearRequests();
    const lens = await orgLens();
    await lens.click('load-all');
    await lens.idle(180_000);
    const got = await sources(lens);
    const accounts = [HOME, ...MEMBERS];
    assert.equal(Object.keys(got).length, accounts.length * REGIONS.length, JSON.stringify(Object.keys(got)));
    const rows = await exported(lens);
    for (const account of accounts) {
      for (const region of REGIONS) {
        const key = `${account}/${region}`;
        const s = got[key];
        assert.ok(s, `no source-status for ${key}`);
        if (account === DENIED) {
          assert.equal(s.state, 'error', key);
          assert.match(s.text, /access denied/i, key);
          assert.match(s.text, /dynamodb:ListBackups/, key);
          assert.ok(s.retry, `${key} has a retry button`);
          assert.equal(rows[key], undefined);
        } else if (account === DISABLED[0] && region === DISABLED[1]) {
          assert.equal(s.state, 'error', key);
          assert.match(s.text, /not enabled/i, key);
          assert.match(s.text, /eu-south-2/, key);
        } else {
          const want = await expected(account, region);
          assert.equal(s.state, 'done', `${key}: ${s.text}`);
          assert.equal(s.rows, want.length, key);
          assert.deepEqual([...(rows[key] ?? [])].sort(), want, key);
        }
      }
    }
    // Rows carry their account and region.
    const row = lens.page.locator('[data-testid=backup-row]').first();
    assert.match(await row.getAttribute('data-account'), /^\d{12}$/);
    assert.ok(REGIONS.includes(await row.getAttribute('data-region')));
    // Never more than 5 ListBackups calls in any second per account and region.
    const requests = (await backend.allRequests()).filter(listBackups);
    const groups = {};
    for (const r of requests) (groups[`${r.account}/${r.region}`] ??= []).push(r.t);
    assert.ok(Object.keys(groups).length >= 11, `requests reached ${Object.keys(groups)}`);
    for (const [key, times] of Object.entries(groups)) {
      assert.ok(maxPerSecond(times) <= 5, `${maxPerSecond(times)} calls in one second to ${key}`);
    }
    // The roles were assumed from the page, once each (the home account asked once who it is).
    const sts = (await backend.allRequests()).filter((r) => r.service === 'sts');
    assert.equal(sts.filter((r) => r.target === 'AssumeRole').length, MEMBERS.length);
    assert.equal(sts.filter((r) => r.target === 'GetCallerIdentity').length, 1);
    // Sorting and the facets know accounts and regions.
    await lens.click('sort-account');
    await lens.id('facet-region').locator('summary').click();
    assert.equal(await lens.id('facet-region').locator('[data-facet-value]').count(), REGIONS.length);
    // The URL keeps regions and roles, never a credential.
    const url = decodeURIComponent(lens.page.url());
    assert.ok(url.includes('region=us-east-1,eu-west-1,eu-south-2'), url);
    assert.ok(url.includes('111122223333'), url);
    const creds = await backend.credentials();
    assert.ok(!url.includes(creds.AccessKeyId.slice(4)) && !url.includes(creds.SecretAccessKey.slice(0, 10)));
    await lens.page.context().close();
  });

  test('a source failing on faults is retried alone and completes', async () => {
    // Every ListBackups to (111122223333, eu-west-1) fails with 500 past the retry budget.
    await backend.post('/_backend/faults', { kind: 'error500', count: 6, account: '111122223333', region: 'eu-west-1' });
    try {
      const lens = await orgLens({ roles: ['111122223333'], home: false, regions: ['us-east-1', 'eu-west-1'] });
      await lens.click('load-all');
      await lens.idle(120_000);
      let got = await sources(lens);
      assert.equal(got['111122223333/eu-west-1'].state, 'error', JSON.stringify(got));
      assert.equal(got['111122223333/us-east-1'].state, 'done', 'the other source is not stopped by it');
      await lens.id('source-retry').click();
      await lens.idle(120_000);
      got = await sources(lens);
      assert.equal(got['111122223333/eu-west-1'].state, 'done', got['111122223333/eu-west-1'].text);
      const rows = await exported(lens);
      assert.deepEqual([...rows['111122223333/eu-west-1']].sort(), await expected('111122223333', 'eu-west-1'));
      assert.deepEqual([...rows['111122223333/us-east-1']].sort(), await expected('111122223333', 'us-east-1'));
      await lens.page.context().close();
    } finally {
      await backend.post('/_backend/faults/clear');
    }
  });

  test('Stop halts every source at once and Load all resumes each where it stopped', async () => {
    const lens = await orgLens({ size: '20' });
    await lens.click('load-all');
    await lens.page.waitForFunction(() => document.querySelectorAll('[data-testid=source-status][data-state=done], [data-testid=source-status][data-rows]:not([data-rows="0"])').length >= 4);
    await lens.click('stop');
    await lens.idle();
    const stopped = await sources(lens);
    assert.ok(Object.values(stopped).every((s) => !['loading', 'queued', 'waiting'].includes(s.state)), JSON.stringify(stopped));
    assert.ok(Object.values(stopped).some((s) => s.state === 'stopped'), 'some source was stopped mid-way');
    const before = (await backend.allRequests()).filter(listBackups).length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await backend.allRequests()).filter(listBackups).length, before, 'nothing is sent after Stop');
    await backend.clearRequests();
    await lens.click('load-all');
    await lens.idle(240_000);
    const done = await sources(lens);
    const rows = await exported(lens);
    for (const [key, s] of Object.entries(done)) {
      if (s.state === 'error') continue; // the denied role and the disabled region
      assert.equal(s.state, 'done', key);
      const [account, region] = key.split('/');
      assert.deepEqual([...rows[key]].sort(), await expected(account, region), key);
    }
    // Resumed, not restarted: no source asked for its first page again.
    const firsts = (await backend.allRequests()).filter(listBackups).filter((r) => r.status === 200 && !r.start);
    const resumedFresh = firsts.filter((r) => stopped[`${r.account}/${r.region}`]?.rows > 0);
    assert.equal(resumedFresh.length, 0, JSON.stringify(resumedFresh));
    await lens.page.context().close();
  });

  test('assumed credentials are renewed during a run longer than their lifetime', async () => {
    // The home session (the demo credentials) is an hour long; sessions assumed from it from now on last 12 s.
    const lens = await orgLens({ roles: ['111122223333'], home: false, regions: ['us-east-1'], size: '1' });
    await backend.post('/_backend/config', { sts_duration_s: 12 });
    try {
      await backend.clearRequests();
      // One role, one region, pages of 1: a run of well over 12 s.
      const want = await expected('111122223333', 'us-east-1');
      assert.ok(want.length / 5 > 20, `${want.length} backups make a run longer than two lifetimes`);
      await lens.click('load-all');
      await lens.idle(240_000);
      const got = await sources(lens);
      assert.equal(got['111122223333/us-east-1'].state, 'done', got['111122223333/us-east-1'].text);
      assert.equal(await lens.error(), null);
      const rows = await exported(lens);
      assert.deepEqual([...rows['111122223333/us-east-1']].sort(), want);
      const all = await backend.allRequests();
      const assumes = all.filter((r) => r.target === 'AssumeRole');
      assert.ok(assumes.length >= 3, `assumed ${assumes.length} times`);
      const expired = all.filter((r) => r.code === 'ExpiredTokenException');
      assert.equal(expired.length, 0, 'renewed before expiry, never refused');
      // More than one key signed the listing, each before its expiry.
      assert.ok(new Set(all.filter(listBackups).map((r) => r.akid)).size >= 3);
      await lens.page.context().close();
    } finally {
      await backend.post('/_backend/config', { sts_duration_s: 0 });
    }
  });
});

describe('the credentials paste box', () => {
  test('recognised formats fill the fields; unknown text gets one sentence and is echoed nowhere', async () => {
    const creds = await backend.credentials();
    const lens = await Lens.open(browser, backend.appUrl);
    await lens.id('endpoint').fill(backend.url);
    const formats = [
      JSON.stringify({ Credentials: { AccessKeyId: creds.AccessKeyId, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken, Expiration: creds.Expiration }, AssumedRoleUser: { Arn: 'arn:aws:sts::123456789012:assumed-role/x/y', AssumedRoleId: 'AROA:y' } }, null, 2),
      JSON.stringify({ Version: 1, AccessKeyId: creds.AccessKeyId, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken, Expiration: creds.Expiration }),
      `export AWS_ACCESS_KEY_ID=${creds.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${creds.SecretAccessKey}\nexport AWS_SESSION_TOKEN=${creds.SessionToken}\n`,
      `[profile lens]\naws_access_key_id = ${creds.AccessKeyId}\naws_secret_access_key = ${creds.SecretAccessKey}\naws_session_token = ${creds.SessionToken}\n`,
    ];
    for (const text of formats) {
      await lens.id('access-key-id').fill('');
      await lens.id('credentials-paste').fill(text);
      assert.equal(await lens.id('access-key-id').inputValue(), creds.AccessKeyId);
      assert.equal(await lens.id('secret-access-key').inputValue(), creds.SecretAccessKey);
      assert.equal(await lens.id('session-token').inputValue(), creds.SessionToken);
      assert.equal(await lens.id('credentials-paste').inputValue(), '', 'the paste box is emptied');
    }
    const junk = 'hunter2 wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzEXAMPLEKEY is my password';
    await lens.id('credentials-paste').fill(junk);
    const message = await lens.id('credentials-paste-error').textContent();
    assert.match(message, /AWS credentials/);
    const html = await lens.page.content();
    assert.ok(!html.includes('hunter2') && !html.includes('zzzz'), 'the pasted text is nowhere on the page');
    assert.ok(!lens.page.url().includes('hunter2'));
    assert.ok(!lens.consoleText.join('\n').includes('hunter2'));
    // The fields still hold the last good credentials: nothing was lost.
    assert.equal(await lens.id('access-key-id').inputValue(), creds.AccessKeyId);
    await lens.click('list');
    await lens.idle();
    assert.equal(await lens.error(), null);
    assert.equal(await lens.rowCount(), 100);
    await lens.page.context().close();
  });
});
