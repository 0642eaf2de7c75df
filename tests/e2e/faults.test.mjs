// Issue 4 end to end: "Load all" of 5,000 backups through the rate-enforcing
// backend with each fault kind injected, expired credentials mid-run, clock
// offsets, an endpoint that is not DynamoDB, the CSP and hostile names.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { Lens, launchBrowser, startBackend } from './harness.mjs';

let backend;
let browser;
let all;

const post = (path, body) => backend.post(path, body);
const inject = (fault) => post('/_backend/faults', fault);
const clearFaults = () => post('/_backend/faults/clear');

before(async () => {
  backend = await startBackend({ backups: 5000 });
  browser = await launchBrowser();
  all = (await backend.backups()).map((s) => s.BackupArn).sort();
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

async function connected() {
  const creds = { ...(await backend.credentials()), endpoint: backend.url };
  const lens = await Lens.open(browser, backend.appUrl);
  await lens.connect(creds);
  await lens.query({ type: 'ALL', size: '100' });
  return { lens, creds };
}

async function assertExactlyAll(lens) {
  // 5,000 rows are windowed in the DOM; the JSON export holds every visible (here: loaded) row.
  assert.equal(await lens.rowCount(), all.length, 'row count');
  const [download] = await Promise.all([lens.page.waitForEvent('download'), lens.click('export-json')]);
  const shown = JSON.parse(fs.readFileSync(await download.path(), 'utf8')).BackupSummaries.map((s) => s.BackupArn);
  assert.equal(shown.length, new Set(shown).size, 'a backup was loaded twice');
  assert.equal(shown.length, all.length, 'backups were lost');
  assert.deepEqual([...shown].sort(), all);
}

/** Presses "Load all" after a stop; it must finish with exactly the backend's set. Returns its first request. */
async function resumeToTheEnd(lens) {
  await backend.clearRequests();
  await lens.click('load-all');
  await lens.idle(120_000);
  await clearFaults();
  assert.equal(await lens.error(), null);
  await assertExactlyAll(lens);
  return (await backend.requests())[0];
}

describe('faults during "Load all" of 5,000 backups', () => {
  const kinds = [
    ['throttle', { count: 4, skip: 5 }],
    ['error500', { count: 3, skip: 8 }],
    ['error503', { count: 3, skip: 12 }],
    ['truncated', { count: 3, skip: 15 }],
    ['drop', { count: 3, skip: 20 }],
    ['slow', { count: 2, skip: 25, delay_ms: 1500 }],
    ['html', { count: 3, skip: 30 }],
    ['throttle', { rate: 0.15 }],
  ];
  for (const [kind, options] of kinds) {
    test(`${kind} ${JSON.stringify(options)}: completes with exactly the backend's set`, async () => {
      const { lens, creds } = await connected();
      await clearFaults();
      await inject({ kind, akid: creds.AccessKeyId, ...options });
      await backend.clearRequests();
      await lens.click('load-all');
      await lens.idle(240_000);
      await clearFaults();
      assert.equal(await lens.error(), null, `stopped: ${await lens.error()}`);
      await assertExactlyAll(lens);
      const requests = await backend.requests();
      const faulted = requests.filter((r) => r.fault === kind).length;
      assert.ok(faulted >= (options.count ?? 1), `${faulted} ${kind} faults injected`);
      console.log(`fault ${kind}: ${faulted} injected, ${requests.length} requests, ${all.length} backups, 0 lost, 0 twice`);
      await lens.page.context().close();
    });
  }

  test('expired credentials mid-run: stop, keep rows and cursor, resume with fresh credentials', async () => {
    const { lens, creds } = await connected();
    await clearFaults();
    await inject({ kind: 'expired', akid: creds.AccessKeyId, skip: 10, count: 1_000_000 });
    await lens.click('load-all');
    await lens.idle(120_000);
    const message = await lens.error();
    assert.match(message, /expired/i);
    assert.match(message, /paste fresh credentials/i);
    const kept = await lens.rowCount();
    assert.equal(kept, 1000, 'the ten pages before expiry are kept');
    assert.ok(await lens.hasMore());
    const fresh = await backend.credentials();
    assert.notEqual(fresh.AccessKeyId, creds.AccessKeyId);
    await lens.id('access-key-id').fill(fresh.AccessKeyId);
    await lens.id('secret-access-key').fill(fresh.SecretAccessKey);
    await lens.id('session-token').fill(fresh.SessionToken);
    const first = await resumeToTheEnd(lens);
    assert.ok(first.start, 'resumed from the cursor, not from the first page');
    await lens.page.context().close();
  });

  test('a 503 that outlasts every retry stops with a resumable message, and Load all resumes', async () => {
    const { lens, creds } = await connected();
    await clearFaults();
    // Six attempts per page (the policy's limit): the eleventh page fails every one of them.
    await inject({ kind: 'error503', akid: creds.AccessKeyId, skip: 10, count: 6 });
    await backend.clearRequests();
    await lens.click('load-all');
    await lens.idle(120_000);
    const message = await lens.error();
    assert.match(message, /temporarily unavailable \(HTTP 503\)/);
    assert.match(message, /1,000 backups already loaded are kept/);
    assert.match(message, /press Load all to continue/);
    assert.equal(await lens.rowCount(), 1000, 'the ten pages before the outage are kept');
    const failed = (await backend.requests()).filter((r) => r.fault === 'error503');
    assert.equal(failed.length, 6, 'bounded attempts');
    assert.equal(new Set(failed.map((r) => r.start)).size, 1, 'every retry asked for the same page');
    const first = await resumeToTheEnd(lens);
    assert.equal(first.start, failed[0].start, 'resumed at the page that failed');
    await lens.page.context().close();
  });

  for (const offset of [-7200, 10800]) {
    test(`a clock offset of ${offset / 3600} h is corrected and the user is told`, async () => {
      const { lens } = await connected();
      await clearFaults();
      await inject({ kind: 'clock', offset_s: offset });
      await lens.click('load-all');
      await lens.idle(120_000);
      await clearFaults();
      assert.equal(await lens.error(), null);
      await assertExactlyAll(lens);
      const notice = await lens.id('notice').textContent();
      assert.match(notice, offset < 0 ? /2 h 0 min ahead/ : /3 h 0 min behind/);
      await lens.page.context().close();
    });
  }
});

describe('endpoints and hostile data', () => {
  test('an endpoint that is not DynamoDB gets one clear sentence', async () => {
    const { lens } = await connected();
    await lens.id('endpoint').fill(backend.appUrl);
    await lens.click('list');
    await lens.idle();
    const message = await lens.error();
    assert.match(message, /did not answer like DynamoDB/);
    assert.ok(!/serde|panicked|at line|column/.test(message), message);
    await lens.page.context().close();
  });

  test('the CSP blocks a request to another host, and the app works under it', async () => {
    const hits = [];
    const server = http.createServer((req, res) => { hits.push(req.url); res.end('ok'); });
    await new Promise((resolve) => server.listen(0, '127.0.0.2', resolve));
    const other = `http://127.0.0.2:${server.address().port}/steal`;
    try {
      // The control: the host answers when asked directly.
      assert.equal(await (await fetch(other)).text(), 'ok');
      hits.length = 0;
      const { lens } = await connected();
      const response = await lens.page.request.get(backend.appUrl);
      const csp = response.headers()['content-security-policy'];
      assert.ok(csp.includes("frame-ancestors 'none'"));
      assert.ok(!csp.includes('unsafe-inline') && !csp.includes("'unsafe-eval'"));
      assert.ok(csp.includes("'wasm-unsafe-eval'"));
      const outcome = await lens.page.evaluate(async (url) => {
        const violations = [];
        document.addEventListener('securitypolicyviolation', (e) => violations.push(e.blockedURI));
        let fetched;
        try { await fetch(url); fetched = 'sent'; } catch { fetched = 'blocked'; }
        await new Promise((r) => setTimeout(r, 200));
        return { fetched, violations };
      }, other);
      assert.equal(outcome.fetched, 'blocked');
      assert.ok(outcome.violations.some((u) => u.includes('127.0.0.2')), JSON.stringify(outcome));
      assert.deepEqual(hits, [], 'the request reached the other host');
      // And the app itself still lists under the policy.
      await lens.click('list');
      await lens.idle();
      assert.equal(await lens.error(), null);
      assert.equal(await lens.rowCount(), 100);
      const appViolations = lens.consoleText.filter((t) => /Content Security Policy/i.test(t) && !t.includes('127.0.0.2'));
      assert.deepEqual(appViolations, [], 'the app itself broke the policy');
      await lens.page.context().close();
    } finally {
      server.close();
    }
  });

  test('hostile names render as text in the table, tooltips and charts, and are defused in CSV', async () => {
    const now = Date.now() / 1000;
    const hostile = [
      { name: '<img src=x onerror=alert(1)>', table: '<svg onload=alert(2)>' },
      { name: '=HYPERLINK("http://evil.example","click")', table: '"><script>alert(3)</script>' },
      { name: '+cmd|/C calc', table: '@SUM(1+1)' },
    ].map((h, i) => ({
      TableName: h.table,
      TableArn: `arn:aws:dynamodb:us-east-1:123456789012:table/hostile-${i}`,
      BackupArn: `arn:aws:dynamodb:us-east-1:123456789012:table/hostile-${i}/backup/0${Math.floor(now * 1000)}-0000000${i}`,
      BackupName: h.name,
      BackupCreationDateTime: now - 60,
      BackupStatus: 'AVAILABLE',
      BackupType: 'USER',
      BackupSizeBytes: 1000 * (i + 1),
      TableId: '00000000-0000-4000-8000-00000000000' + i,
    }));
    await post('/_backend/inject', hostile);
    const { lens } = await connected();
    const dialogs = [];
    lens.page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    await lens.id('filter').fill('hostile');
    await lens.click('load-all');
    await lens.idle(120_000);
    assert.equal(await lens.page.locator('[data-testid=backup-row]').count(), 3);
    assert.equal(await lens.page.locator('.backups img, .backups svg, .backups script').count(), 0);
    const text = await lens.page.locator('.backups tbody').textContent();
    for (const h of hostile) {
      assert.ok(text.includes(h.BackupName), `${h.BackupName} not shown as text`);
      assert.ok(text.includes(h.TableName));
    }
    const titles = await lens.page.$$eval('.backups td[title]', (tds) => tds.map((t) => t.getAttribute('title')));
    assert.ok(titles.includes(hostile[0].BackupName), 'tooltip holds the raw text');
    const chartText = await lens.page.locator('[data-testid=chart-size]').textContent();
    assert.ok(chartText.includes('<svg onload=alert'), chartText);
    assert.equal(await lens.page.locator('[data-testid=chart-size] svg svg, [data-testid=chart-size] script').count(), 0);
    const [download] = await Promise.all([lens.page.waitForEvent('download'), lens.click('export-csv')]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(csv.includes(`"'=HYPERLINK(""http://evil.example"",""click"")"`), csv);
    assert.ok(csv.includes("'+cmd|/C calc") && csv.includes("'@SUM(1+1)"), csv);
    assert.ok(!/,=|,\+|,@|,-[^,]/.test(csv.split('\r\n').slice(1).join('\n').replace(/arn:[^,]*/g, '')));
    await lens.page.waitForTimeout(300);
    assert.deepEqual(dialogs, [], 'a script ran');
    await lens.page.context().close();
  });

  test('credentials stay out of web storage unless "Remember for this tab" is ticked', async () => {
    const { lens, creds } = await connected();
    const stored = () => lens.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.ok(!(await stored()).includes(creds.SecretAccessKey), 'stored without opting in');
    assert.equal(await lens.id('remember').isChecked(), false);
    for (const id of ['secret-access-key', 'session-token']) {
      assert.equal(await lens.id(id).getAttribute('autocomplete'), 'new-password');
    }
    await lens.id('remember').check();
    assert.ok((await lens.page.evaluate(() => sessionStorage.getItem('backup-lens.credentials'))).includes(creds.SecretAccessKey));
    assert.ok(!(await lens.page.evaluate(() => JSON.stringify({ ...localStorage }))).includes(creds.SecretAccessKey));
    await lens.page.reload();
    await lens.id('list').waitFor();
    assert.equal(await lens.id('secret-access-key').inputValue(), creds.SecretAccessKey, 'restored in the same tab');
    assert.ok(!lens.page.url().includes(creds.SecretAccessKey));
    await lens.id('remember').uncheck();
    assert.equal(await lens.page.evaluate(() => sessionStorage.getItem('backup-lens.credentials')), null);
    await lens.page.context().close();
  });
});
