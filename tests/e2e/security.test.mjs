// Issue 7 end to end: a shared link can only suggest where signed requests go,
// credentials never reach the URL, "Forget" clears them, and the production
// build's policy blocks loopback while the development build allows it.

import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { Lens, launchBrowser, startBackend } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let backend;
let browser;

before(async () => {
  backend = await startBackend({ backups: 300 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

/** A server on loopback that records every request reaching it (preflights included). */
async function recorder() {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin || '*');
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] || '*');
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    res.statusCode = req.method === 'OPTIONS' ? 204 : 400;
    res.end(req.method === 'OPTIONS' ? '' : '{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"recorded"}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { hits, server, url: `http://127.0.0.1:${server.address().port}` };
}

async function fillCredentials(lens, creds) {
  await lens.id('access-key-id').fill(creds.AccessKeyId);
  await lens.id('secret-access-key').fill(creds.SecretAccessKey);
  await lens.id('session-token').fill(creds.SessionToken);
}

describe('a link suggests an endpoint; only the user sends requests there', () => {
  for (const remember of [false, true]) {
    test(`nothing reaches the suggested host until it is confirmed (Remember ${remember ? 'on' : 'off'})`, async () => {
      const rec = await recorder();
      try {
        const creds = await backend.credentials();
        const link = `${backend.appUrl}?region=us-east-1&endpoint=${encodeURIComponent(rec.url)}&type=ALL`;
        let lens;
        if (remember) {
          // The user ticked Remember earlier in this tab; then opens the shared link in it.
          lens = await Lens.open(browser, backend.appUrl);
          await fillCredentials(lens, creds);
          await lens.id('remember').check();
          await lens.page.goto(link);
          await lens.id('list').waitFor();
          assert.equal(await lens.id('secret-access-key').inputValue(), creds.SecretAccessKey, 'restored from the tab');
        } else {
          lens = await Lens.open(browser, link);
          await fillCredentials(lens, creds);
        }
        const host = rec.url.replace('http://', '');
        assert.equal(await lens.id('endpoint-suggestion-host').textContent(), host);
        assert.equal(await lens.id('endpoint').inputValue(), '', 'the link did not fill the endpoint field');
        // The link stays a suggestion when shared on.
        assert.ok(lens.page.url().includes(`endpoint=${encodeURIComponent(rec.url)}`), lens.page.url());

        await lens.click('list');
        await lens.page.waitForTimeout(500);
        assert.deepEqual(rec.hits, [], 'a request reached the suggested host before confirmation');
        // Focus goes to the question, not to its confirm button: a second Enter confirms nothing.
        assert.equal(await lens.page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'endpoint-suggestion');
        await lens.page.keyboard.press('Enter');
        assert.equal(await lens.id('endpoint-suggestion').count(), 1);
        assert.match(await lens.error(), /confirm or dismiss it first\. Nothing was sent/);
        assert.match(await lens.error(), new RegExp(host.replace('.', '\\.')));

        await lens.click('endpoint-confirm');
        assert.equal(await lens.id('endpoint-suggestion').count(), 0);
        assert.equal(await lens.id('endpoint').inputValue(), rec.url);
        await lens.click('list');
        await lens.idle();
        assert.ok(rec.hits.some((h) => h.startsWith('POST /')), `after confirming: ${JSON.stringify(rec.hits)}`);
        await lens.page.context().close();
      } finally {
        rec.server.close();
      }
    });
  }

  test('dismissing drops the suggestion and returns to the region\'s AWS endpoint', async () => {
    const rec = await recorder();
    try {
      const lens = await Lens.open(browser, `${backend.appUrl}?region=eu-west-1&endpoint=${encodeURIComponent(rec.url)}`);
      await lens.click('endpoint-dismiss');
      assert.equal(await lens.id('endpoint-suggestion').count(), 0);
      assert.equal(await lens.id('endpoint').inputValue(), '');
      assert.ok(!lens.page.url().includes('endpoint='), lens.page.url());
      assert.ok(lens.page.url().includes('region=eu-west-1'));
      assert.deepEqual(rec.hits, []);
      await lens.page.context().close();
    } finally {
      rec.server.close();
    }
  });

  test('a link with an invalid endpoint says it was ignored', async () => {
    const lens = await Lens.open(browser, `${backend.appUrl}?endpoint=${encodeURIComponent('http://evil.example')}`);
    assert.match(await lens.id('notice').textContent(), /The link's endpoint was ignored/);
    assert.equal(await lens.id('endpoint-suggestion').count(), 0);
    assert.equal(await lens.id('endpoint').inputValue(), '');
    await lens.page.context().close();
  });

  test('an endpoint typed into the field needs no confirmation', async () => {
    const creds = await backend.credentials();
    const lens = await Lens.open(browser, backend.appUrl);
    await lens.connect({ ...creds, endpoint: backend.url });
    await lens.click('list');
    await lens.idle();
    assert.equal(await lens.error(), null);
    assert.equal(await lens.rowCount(), 100);
    await lens.page.context().close();
  });
});

describe('credentials never reach the URL', () => {
  test('a secret typed into the search box or the table field stays out of the URL', async () => {
    const creds = await backend.credentials();
    const lens = await Lens.open(browser, backend.appUrl);
    await lens.connect({ ...creds, endpoint: backend.url });
    await lens.click('list');
    await lens.idle();
    const urls = [];
    lens.page.on('framenavigated', () => urls.push(lens.page.url()));
    for (const secret of [creds.SecretAccessKey, creds.AccessKeyId, creds.SessionToken.slice(0, 60)]) {
      for (const field of ['filter', 'table-name']) {
        // Key by key, reading the URL after each one, then pasted whole.
        await lens.id(field).fill('');
        for (const ch of secret.slice(0, 40)) {
          await lens.id(field).press(ch === '/' ? 'Slash' : ch === '+' ? 'Shift+Equal' : ch);
          urls.push(lens.page.url());
        }
        await lens.id(field).fill(secret);
        await lens.page.waitForTimeout(50); // the URL follows the view in an effect
        urls.push(lens.page.url());
      }
      await lens.id('filter').fill('');
      await lens.id('table-name').fill('');
    }
    const history = await lens.page.evaluate(() => history.length);
    for (const url of urls) {
      const q = decodeURIComponent(url.split('?')[1] || '');
      for (const secret of [creds.SecretAccessKey, creds.AccessKeyId, creds.SessionToken]) {
        // Not the credential, nor any 36 characters of it (a secret has 40).
        for (let i = 0; i + 36 <= Math.min(secret.length, 60); i += 1) {
          assert.ok(!q.includes(secret.slice(i, i + 36)), `part of a credential in ${url}`);
        }
      }
    }
    assert.ok(history <= 2, `the URL is replaced, not pushed (${history})`);
    // An ordinary search still goes to the URL.
    await lens.id('filter').fill('nightly');
    await lens.page.waitForURL(/q=nightly/);
    await lens.page.context().close();
  });
});

describe('remembered credentials', () => {
  test('"Forget credentials" clears memory and storage, and the hint says what is kept', async () => {
    const creds = await backend.credentials();
    const lens = await Lens.open(browser, backend.appUrl);
    await fillCredentials(lens, creds);
    await lens.id('remember').check();
    assert.ok((await lens.page.evaluate(() => sessionStorage.getItem('backup-lens.credentials'))).includes(creds.SecretAccessKey));
    const hint = await lens.id('remember-hint').textContent();
    assert.match(hint, /sessionStorage/);
    assert.match(hint, /duplicated tab/);
    assert.match(hint, /any script running on this site's origin can read them/);
    await lens.click('forget-credentials');
    assert.equal(await lens.page.evaluate(() => sessionStorage.getItem('backup-lens.credentials')), null);
    for (const id of ['access-key-id', 'secret-access-key', 'session-token']) {
      assert.equal(await lens.id(id).inputValue(), '', id);
    }
    assert.equal(await lens.id('remember').isChecked(), false);
    await lens.page.reload();
    await lens.id('list').waitFor();
    assert.equal(await lens.id('secret-access-key').inputValue(), '');
    await lens.page.context().close();
  });

  test('"Forget credentials" during Load all stops it: nothing more is sent', async () => {
    const creds = await backend.credentials();
    const lens = await Lens.open(browser, backend.appUrl);
    await lens.connect({ ...creds, endpoint: backend.url });
    await lens.query({ type: 'ALL', size: '10' });
    await backend.clearRequests();
    await lens.click('load-all');
    await lens.page.waitForFunction(() => /Loading all: [3-9]/.test(document.querySelector('[data-testid=progress]')?.textContent ?? ''));
    await lens.click('forget-credentials');
    await lens.idle(5_000);
    const sent = (await backend.requests()).length;
    await lens.page.waitForTimeout(1_500);
    assert.equal((await backend.requests()).length, sent, 'requests went on after Forget');
    assert.ok(await lens.rowCount() > 0, 'the rows loaded so far stay');
    assert.equal(await lens.id('secret-access-key').inputValue(), '');
    // Fresh credentials resume where it stopped, and finish.
    await lens.connect({ ...creds, endpoint: backend.url });
    await lens.click('load-all');
    await lens.idle();
    assert.equal(await lens.error(), null);
    assert.equal(await lens.rowCount(), (await backend.backups()).length);
    await lens.page.context().close();
  });

  test('demo credentials are remembered with their expiry and dropped once it has passed', async () => {
    const lens = await Lens.open(browser, backend.appUrl);
    await lens.id('endpoint').fill(backend.url);
    await lens.click('use-demo');
    await lens.page.waitForFunction(() => document.querySelector('[data-testid=secret-access-key]').value !== '');
    await lens.id('remember').check();
    const stored = JSON.parse(await lens.page.evaluate(() => sessionStorage.getItem('backup-lens.credentials')));
    const creds = await backend.credentials();
    assert.ok(Math.abs(stored.Expiration - Date.parse(creds.Expiration) / 1000) < 120, JSON.stringify(stored.Expiration));
    // Pretend the session ended a minute ago: a reload no longer restores it.
    await lens.page.evaluate(() => {
      const v = JSON.parse(sessionStorage.getItem('backup-lens.credentials'));
      v.Expiration = Math.floor(Date.now() / 1000) - 60;
      sessionStorage.setItem('backup-lens.credentials', JSON.stringify(v));
    });
    await lens.page.reload();
    await lens.id('list').waitFor();
    assert.equal(await lens.id('secret-access-key').inputValue(), '');
    assert.equal(await lens.page.evaluate(() => sessionStorage.getItem('backup-lens.credentials')), null);
    await lens.page.context().close();
  });
});

describe('the Content-Security-Policy', () => {
  async function policyOutcome(appUrl, target) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(appUrl);
    await page.getByTestId('list').waitFor();
    const outcome = await page.evaluate(async (url) => {
      const violations = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.blockedURI));
      let fetched;
      try { await fetch(url); fetched = 'sent'; } catch { fetched = 'blocked'; }
      await new Promise((r) => setTimeout(r, 200));
      const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]').content;
      return { fetched, violations, meta };
    }, target);
    return { outcome, page, context };
  }

  test('the production build blocks loopback; the development build (BACKUP_LENS_LOOPBACK=1) allows it', async () => {
    const rec = await recorder();
    const prod = await startBackend({ backups: 10, staticDir: path.join(root, 'dist-prod') });
    try {
      const dev = await policyOutcome(backend.appUrl, `${rec.url}/dev`);
      assert.equal(dev.outcome.fetched, 'sent', JSON.stringify(dev.outcome));
      assert.ok(dev.outcome.meta.includes('http://127.0.0.1:*'));
      await dev.context.close();

      const production = await policyOutcome(prod.appUrl, `${rec.url}/prod`);
      assert.equal(production.outcome.fetched, 'blocked');
      assert.ok(production.outcome.violations.some((u) => u.includes(rec.url)), JSON.stringify(production.outcome));
      assert.ok(!/localhost|127\.0\.0\.1/.test(production.outcome.meta), production.outcome.meta);
      assert.ok(production.outcome.meta.includes('https://dynamodb.eu-west-1.amazonaws.com'));
      assert.deepEqual(rec.hits.filter((h) => h.includes('/prod')), [], 'the production page reached loopback');

      // In the app: a loopback endpoint typed into the production page is named at once, not retried.
      const lens = new Lens(production.page);
      const creds = await backend.credentials();
      await lens.connect({ ...creds, endpoint: rec.url });
      await lens.click('list');
      await lens.idle();
      const message = await lens.error();
      assert.match(message, /security policy .* does not allow requests to http:\/\/127\.0\.0\.1:\d+, so nothing was sent/);
      assert.ok(!/widen|\*\.amazonaws/i.test(message), message);
      assert.deepEqual(rec.hits.filter((h) => h.startsWith('POST')), []);
      await production.context.close();
    } finally {
      rec.server.close();
      await prod.stop();
    }
  });
});
