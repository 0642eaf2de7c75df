// Benchmark (a report, not a test): "Load all" of 20,000 backups with pages of
// 100 through the rate-enforcing backend (5 calls/s per key), in the release
// build, next to the AWS CLI listing the same backups from the same backend.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Lens, launchBrowser, maxPerSecond, startBackend } from '../tests/e2e/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_BACKUPS || 20000);
const backend = await startBackend({ backups: N });
const browser = await launchBrowser();
try {
  const creds = { ...(await backend.credentials()), endpoint: backend.url };
  const lens = await Lens.open(browser, backend.appUrl);
  await lens.connect(creds);
  await lens.query({ type: 'ALL', size: '100' });
  await backend.clearRequests();
  const t0 = Date.now();
  await lens.click('load-all');
  await lens.idle(600_000);
  const appSeconds = (Date.now() - t0) / 1000;
  const loaded = await lens.rowCount();
  const requests = await backend.requests();
  const throttled = requests.filter((r) => r.code === 'ThrottlingException').length;
  const pages = requests.length - throttled;
  const bound = pages / 5;

  const cli = await backend.credentials();
  await backend.clearRequests();
  const t1 = Date.now();
  const out = execFileSync('python3', ['-m', 'awscli', 'dynamodb', 'list-backups', '--backup-type', 'ALL', '--page-size', '100',
    '--endpoint-url', backend.url, '--region', 'us-east-1', '--output', 'json'], {
    env: { ...process.env, PYTHONPATH: path.join(root, 'tools/awscli'), AWS_ACCESS_KEY_ID: cli.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: cli.SecretAccessKey, AWS_SESSION_TOKEN: cli.SessionToken, AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    maxBuffer: 1 << 30,
  });
  const cliSeconds = (Date.now() - t1) / 1000;
  const cliCount = JSON.parse(out).BackupSummaries.length;
  const cliRequests = await backend.requests();
  const cliThrottled = cliRequests.filter((r) => r.code === 'ThrottlingException').length;

  console.log(`backups seeded: ${N}`);
  console.log(`| client | backups | calls | throttled | peak calls/s | time | bound (pages / 5 per s) |`);
  console.log(`|---|---|---|---|---|---|---|`);
  console.log(`| Backup Lens (Load all, pages of 100) | ${loaded} | ${requests.length} | ${throttled} | ${maxPerSecond(requests.map((r) => r.t))} | ${appSeconds.toFixed(1)} s | ${bound.toFixed(1)} s |`);
  console.log(`| aws dynamodb list-backups --page-size 100 | ${cliCount} | ${cliRequests.length} | ${cliThrottled} | ${maxPerSecond(cliRequests.map((r) => r.t))} | ${cliSeconds.toFixed(1)} s | ${((cliRequests.length - cliThrottled) / 5).toFixed(1)} s |`);
} finally {
  await browser.close();
  await backend.stop();
}
