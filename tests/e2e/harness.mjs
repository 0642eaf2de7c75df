// End-to-end harness: the local backend (moto, auth on) serving the release
// build in dist/, real headless Chromium driven by playwright-core, and a page
// object that speaks in data-testid selectors.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'tools/package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A free TCP port on loopback (Chromium refuses a few, such as 5060/5061). */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
    });
    if (![5060, 5061, 6000, 6665, 6666, 6667, 6668, 6669, 6697, 10080].includes(port)) return port;
  }
}

/** Starts backend/server.py on free ports, serving dist/ too; resolves once seeded. */
export async function startBackend({ backups = 1600, args = [], staticDir = path.join(root, 'dist') } = {}) {
  const port = await freePort();
  const staticPort = await freePort();
  const proc = spawn('python3', [
    path.join(root, 'backend/server.py'), '--port', String(port), '--backups', String(backups),
    '--static', staticDir, '--static-port', String(staticPort), ...args,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`backend exited:\n${log}`);
    if (Date.now() > deadline) throw new Error(`backend did not start:\n${log}`);
    try {
      const r = await fetch(`${url}/_backend/health`);
      if (r.ok && (await r.json()).ready && log.includes('app on')) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  // Control routes take JSON only, and answer no Origin but the app's (Node's fetch sends none).
  const get = async (p) => (await fetch(url + p)).json();
  const post = async (p, body) => (await fetch(url + p, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}),
  })).json();
  return {
    url,
    appUrl: `http://127.0.0.1:${staticPort}/`,
    log: () => log,
    /** POSTs a control route (/_backend/...) with a JSON body; resolves to its JSON answer. */
    post,
    /** The backend's backup set of one account and region (default: the home account in us-east-1). */
    backups: async (account, region) => {
      const q = new URLSearchParams();
      if (account) q.set('account', account);
      if (region) q.set('region', region);
      return (await get(`/_backend/backups${account || region ? `?${q}` : ''}`)).BackupSummaries;
    },
    /** Every (account, region) the backend serves, and its roles. */
    sources: async () => get('/_backend/sources'),
    /** Every request the backend saw (ListBackups, STS and the rest). */
    allRequests: async () => (await get('/_backend/requests')).requests,
    /** Every ListBackups request the backend saw, with its arrival time (epoch seconds). */
    requests: async () => (await get('/_backend/requests')).requests.filter((r) => r.target === 'DynamoDB_20120810.ListBackups'),
    clearRequests: async () => post('/_backend/requests/clear'),
    credentials: async () => get('/_backend/demo-credentials'),
    stop: () => new Promise((resolve) => { proc.once('exit', resolve); proc.kill('SIGTERM'); }),
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** The page, in the terms a user would use. */
export class Lens {
  constructor(page) {
    this.page = page;
    this.consoleText = [];
    page.on('console', (m) => this.consoleText.push(m.text()));
    page.on('pageerror', (e) => this.consoleText.push(`pageerror: ${e.message}`));
  }

  static async open(browser, appUrl, viewport = { width: 1280, height: 800 }) {
    const context = await browser.newContext({ viewport });
    const lens = new Lens(await context.newPage());
    lens.requestUrls = [];
    lens.page.on('request', (r) => lens.requestUrls.push(r.url()));
    await lens.page.goto(appUrl);
    await lens.page.getByTestId('list').waitFor();
    return lens;
  }

  id(testid) { return this.page.getByTestId(testid); }

  /** Ticks exactly these regions in the region picker. */
  async setRegions(regions) {
    const want = Array.isArray(regions) ? regions : [regions];
    const options = this.page.locator('[data-testid=regions] [data-testid=region-option]');
    if (!(await options.first().isVisible())) await this.click('regions');
    for (const r of want) await options.and(this.page.locator(`[value="${r}"]`)).check();
    const checked = await options.evaluateAll((els) => els.filter((e) => e.checked).map((e) => e.value));
    for (const r of checked.filter((x) => !want.includes(x))) {
      await options.and(this.page.locator(`[value="${r}"]`)).uncheck();
    }
  }

  async connect({ endpoint, region = 'us-east-1', AccessKeyId, SecretAccessKey, SessionToken }) {
    await this.setRegions(region);
    await this.id('endpoint').fill(endpoint);
    await this.id('access-key-id').fill(AccessKeyId);
    await this.id('secret-access-key').fill(SecretAccessKey);
    await this.id('session-token').fill(SessionToken);
  }

  async query({ table = '', type = 'USER', from = '', to = '', size = '100' } = {}) {
    await this.id('table-name').fill(table);
    await this.id('backup-type').selectOption(type);
    await this.id('time-from').fill(from);
    await this.id('time-to').fill(to);
    await this.id('page-size').fill(size);
  }

  /** Waits until no run is in progress. */
  async idle(timeout = 120_000) {
    await this.page.waitForFunction(() => {
      const stop = document.querySelector('[data-testid=stop]');
      return stop && stop.disabled;
    }, null, { timeout, polling: 50 });
  }

  async click(testid) {
    await this.id(testid).click();
  }

  /**
   * The visible backups' ARNs in display order. Only the rows in view are in
   * the DOM, so this reads the JSON export (every visible row, in order).
   */
  async rowArns() {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.click('export-json')]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    return JSON.parse(text).BackupSummaries.map((s) => s.BackupArn);
  }

  /** The ARNs of the rows rendered in the DOM now (those in view). */
  async domRowArns() {
    return this.page.$$eval('[data-testid=backup-row]', (rows) => rows.map((r) => r.getAttribute('data-backup-arn')));
  }

  async rowCount() {
    const text = await this.id('row-count').textContent();
    return Number(text.match(/[\d,]+/)[0].replace(/,/g, ''));
  }

  async error() {
    const banner = this.id('error');
    return (await banner.count()) ? banner.textContent() : null;
  }

  async hasMore() {
    return !(await this.id('load-more').isDisabled());
  }

  /** Lists the query's first page, then follows "Load more" until all are in. */
  async listPageByPage() {
    await this.click('list');
    await this.idle();
    let pages = 1;
    while (await this.hasMore()) {
      await this.click('load-more');
      await this.idle();
      pages += 1;
      if (await this.error()) break;
    }
    return pages;
  }
}

/** Datetime-local text (UTC) for epoch seconds. */
export function inputTime(epochSeconds) {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 16);
}

/** The most starts in any one-second window of arrival times (seconds). */
export function maxPerSecond(times) {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= 1) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}
