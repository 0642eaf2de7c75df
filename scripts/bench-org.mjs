// Benchmark (a report, not a test): "Load all" over an organisation, 10 member
// accounts x 4 regions reached through roles, 20,000 backups in all, pages of
// 100, through the rate-enforcing backend (5 ListBackups calls per second per
// account and region), in the release build; next to the loop a user would
// write with the AWS CLI, one (account, region) after another.
//
// Two spreads (backend/server.py --org-bench): `even` (500 backups in each of
// the 40 sources) and `skewed` (10,000 in one, the rest spread over 39).
// The parallel bound is the slowest source's successful ListBackups calls ÷ 5
// per second: no client that keeps under the limit can finish sooner.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Lens, launchBrowser, maxPerSecond, startBackend } from '../tests/e2e/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_BACKUPS || 20000);
const MODES = (process.env.BENCH_MODES || 'even,skewed').split(',');
const SKIP_CLI = process.env.BENCH_SKIP_CLI === '1';
const ACCOUNTS = Array.from({ length: 10 }, (_, i) => `2100000000${String(i + 1).padStart(2, '0')}`);
const REGIONS = ['us-east-1', 'eu-west-1', 'eu-south-2', 'ap-southeast-2'];
const ROLE = 'BackupLensViewer';
const PAGE = 100;
const RATE = 5; // ListBackups calls per second per account and region

const listBackups = (r) => r.target === 'DynamoDB_20120810.ListBackups';
const throttledCall = (r) => r.code === 'ThrottlingException';
const okCall = (r) => r.status === 200;
const key = (r) => `${r.account}/${r.region}`;
const s1 = (x) => `${x.toFixed(1)} s`;
const s2 = (x) => `${x.toFixed(2)} s`;

/** ListBackups requests grouped by source: key → {calls, ok, throttled, times (sorted)}. */
function bySource(requests) {
  const out = {};
  for (const r of requests.filter(listBackups)) {
    const g = (out[key(r)] ??= { calls: 0, ok: 0, throttled: 0, times: [] });
    g.calls += 1;
    if (okCall(r)) g.ok += 1;
    if (throttledCall(r)) g.throttled += 1;
    g.times.push(r.t);
  }
  for (const g of Object.values(out)) g.times.sort((a, b) => a - b);
  return out;
}

/** The parallel bound (s): the most successful calls of any source ÷ 5 per second, and of those sources the one that finished last. */
function parallelBound(groups) {
  let worst = { bound: 0, source: '-', last: 0 };
  for (const [k, g] of Object.entries(groups)) {
    const last = g.times[g.times.length - 1];
    if (g.ok / RATE > worst.bound || (g.ok / RATE === worst.bound && last > worst.last)) worst = { bound: g.ok / RATE, source: k, last };
  }
  return worst;
}

/** Pages a source of `n` backups needs: full pages carry a cursor, so a multiple of 100 costs an empty page more. */
const expectedPages = (n) => Math.floor(n / PAGE) + 1;

function summary(requests) {
  const calls = requests.filter(listBackups);
  return { calls: calls.length, throttled: calls.filter(throttledCall).length, failed: calls.filter((r) => !okCall(r) && !throttledCall(r)).length };
}

async function runLens(browser, backend, mode, counts) {
  const creds = { ...(await backend.credentials()), endpoint: backend.url };
  const lens = await Lens.open(browser, backend.appUrl);
  await lens.connect({ ...creds, region: REGIONS });
  await lens.id('role-arns').fill(ACCOUNTS.join('\n'));
  await lens.id('role-name').fill(ROLE);
  await lens.id('external-id').fill('');
  await lens.id('home-account').uncheck();
  await lens.query({ type: 'ALL', size: String(PAGE) });
  // Each ListBackups fetch as the page sees it: start and end (epoch seconds).
  const fetches = [];
  const open = new Map();
  lens.page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().startsWith(backend.url) && listBackups({ target: r.headers()['x-amz-target'] })) {
      const x = { start: Date.now() / 1000 };
      open.set(r, x);
      fetches.push(x);
    }
  });
  const done = (r) => { const x = open.get(r); if (x) { x.end = Date.now() / 1000; open.delete(r); } };
  lens.page.on('requestfinished', done);
  lens.page.on('requestfailed', done);
  await backend.clearRequests();
  const t0 = Date.now();
  await lens.click('load-all');
  await lens.idle(900_000);
  const t1 = Date.now();
  const seconds = (t1 - t0) / 1000;
  const statuses = await lens.page.$$eval('[data-testid=source-status]', (els) => els.map((e) => ({
    source: e.getAttribute('data-source'), state: e.getAttribute('data-state'), rows: Number(e.getAttribute('data-rows')),
    text: e.textContent.trim(),
  })));
  const rowCount = await lens.rowCount();
  const requests = await backend.allRequests();
  await lens.page.context().close();

  const problems = [];
  const want = ACCOUNTS.flatMap((a) => REGIONS.map((r) => `${a}/${r}`));
  const got = Object.fromEntries(statuses.map((s) => [s.source, s]));
  for (const k of want) {
    const s = got[k];
    if (!s) problems.push(`${k}: no source-status`);
    else if (s.state !== 'done') problems.push(`${k}: ${s.state} (${s.text})`);
    else if (s.rows !== counts[k]) problems.push(`${k}: ${s.rows} rows, seeded ${counts[k]}`);
  }
  for (const s of statuses) if (!want.includes(s.source)) problems.push(`unexpected source ${s.source}`);
  const rowsSum = statuses.reduce((n, s) => n + s.rows, 0);
  if (rowsSum !== N) problems.push(`data-rows sum ${rowsSum} ≠ ${N}`);
  if (rowCount !== N) problems.push(`row-count ${rowCount} ≠ ${N}`);
  return { mode, client: 'Backup Lens (Load all)', seconds, loaded: rowCount, requests, problems, t0: t0 / 1000, t1: t1 / 1000, fetches };
}

function aws(args, env) {
  return JSON.parse(execFileSync('python3', ['-m', 'awscli', ...args, '--output', 'json'], {
    env: { ...process.env, PYTHONPATH: path.join(root, 'tools/awscli'), AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', ...env },
    maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'],
  }).toString());
}

/** The loop a user would write: assume each role, then list each region, one after another. */
async function runCli(backend, mode, counts) {
  const home = await backend.credentials();
  const homeEnv = { AWS_ACCESS_KEY_ID: home.AccessKeyId, AWS_SECRET_ACCESS_KEY: home.SecretAccessKey, AWS_SESSION_TOKEN: home.SessionToken };
  await backend.clearRequests();
  const problems = [];
  let loaded = 0;
  const t0 = Date.now();
  for (const account of ACCOUNTS) {
    const c = aws(['sts', 'assume-role', '--role-arn', `arn:aws:iam::${account}:role/${ROLE}`, '--role-session-name', 'cli',
      '--endpoint-url', backend.url, '--region', 'us-east-1'], homeEnv).Credentials;
    const env = { AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey, AWS_SESSION_TOKEN: c.SessionToken };
    for (const region of REGIONS) {
      try {
        const n = aws(['dynamodb', 'list-backups', '--backup-type', 'ALL', '--page-size', String(PAGE),
          '--endpoint-url', backend.url, '--region', region], env).BackupSummaries.length;
        loaded += n;
        if (n !== counts[`${account}/${region}`]) problems.push(`${account}/${region}: ${n}, seeded ${counts[`${account}/${region}`]}`);
      } catch (e) {
        problems.push(`${account}/${region}: ${String(e.stderr || e.message).trim().split('\n').pop()}`);
      }
    }
  }
  const t1 = Date.now();
  return { mode, client: 'AWS CLI loop (assume-role, list-backups --page-size 100)', seconds: (t1 - t0) / 1000, loaded,
    requests: await backend.allRequests(), problems, t0: t0 / 1000, t1: t1 / 1000 };
}

/** Where a Backup Lens run's time went, from the backend's request log. */
function timeline(run, counts) {
  const { requests, t0, t1 } = run;
  const lines = [];
  const sts = requests.filter((r) => r.service === 'sts').sort((a, b) => a.t - b.t);
  const lb = requests.filter(listBackups).sort((a, b) => a.t - b.t);
  const groups = bySource(requests);
  const { bound, source } = parallelBound(groups);
  const at = (t) => `+${(t - t0).toFixed(2)} s`;
  const assumes = sts.filter((r) => r.target === 'AssumeRole');
  if (assumes.length) lines.push(`STS: ${assumes.length} AssumeRole (${sts.length - assumes.length} other), first ${at(assumes[0].t)}, last ${at(assumes[assumes.length - 1].t)}`);
  if (lb.length) {
    lines.push(`ListBackups: first ${at(lb[0].t)}, last ${at(lb[lb.length - 1].t)}; idle seen ${at(t1)} (after the last call: ${s2(t1 - lb[lb.length - 1].t)})`);
    lines.push(`ListBackups calls in any one second, over all sources: at most ${maxPerSecond(lb.map((r) => r.t))}; per source at most ${Math.max(...Object.values(groups).map((g) => maxPerSecond(g.times)))}`);
  }
  const firsts = Object.values(groups).map((g) => g.times[0] - t0).sort((a, b) => a - b);
  if (firsts.length) lines.push(`first call per source: earliest +${firsts[0].toFixed(2)} s, median +${firsts[Math.floor(firsts.length / 2)].toFixed(2)} s, latest +${firsts[firsts.length - 1].toFixed(2)} s`);
  const lasts = Object.entries(groups).map(([k, g]) => ({ k, t: g.times[g.times.length - 1] - t0 })).sort((a, b) => b.t - a.t);
  if (lasts.length) lines.push(`last call per source: latest ${lasts[0].k} +${lasts[0].t.toFixed(2)} s, median +${lasts[Math.floor(lasts.length / 2)].t.toFixed(2)} s`);
  const g = groups[source];
  if (g) {
    const gaps = g.times.slice(1).map((t, i) => t - g.times[i]);
    const span = g.times[g.times.length - 1] - g.times[0];
    // The app's gate: 5 starts per 1.1 s, so c calls need at least floor((c-1)/5) × 1.1 s between first and last.
    const paced = Math.floor((g.calls - 1) / 5) * 1.1;
    lines.push(`slowest source ${source} (${counts[source]} backups): ${g.calls} calls (${g.ok} ok, ${g.throttled} throttled), first +${(g.times[0] - t0).toFixed(2)} s, `
      + `first→last call ${s2(span)} (the app's 5 per 1.1 s gate alone: ${s2(paced)}; the bound: ${s2(bound)}), `
      + `gaps between calls: median ${s2(gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0)}, max ${s2(gaps[gaps.length - 1] ?? 0)}`);
    // Windows of 5: the time from each 5th call to the next one (1.1 s when the gate alone decides).
    const windows = [];
    for (let i = 5; i < g.times.length; i += 5) windows.push(g.times[i] - g.times[i - 5]);
    if (windows.length) {
      const w = [...windows].sort((a, b) => a - b);
      lines.push(`  call i to call i+5 of that source: min ${s2(w[0])}, median ${s2(w[Math.floor(w.length / 2)])}, max ${s2(w[w.length - 1])} (${windows.length} windows)`);
    }
  }
  // The browser's side: how long each ListBackups took, and how often all 6 slots were taken.
  const f = (run.fetches || []).filter((x) => x.end);
  if (f.length) {
    const lat = f.map((x) => x.end - x.start).sort((a, b) => a - b);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
    const edges = f.flatMap((x) => [[x.start, 1], [x.end, -1]]).sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const time = {};
    let n = 0;
    for (let i = 0; i < edges.length; i++) {
      n += edges[i][1];
      if (i + 1 < edges.length) time[n] = (time[n] || 0) + (edges[i + 1][0] - edges[i][0]);
    }
    const busy = edges[edges.length - 1][0] - edges[0][0];
    lines.push(`in the browser: ${f.length} ListBackups fetches, request to answer median ${(q(0.5) * 1000).toFixed(0)} ms, p90 ${(q(0.9) * 1000).toFixed(0)} ms, max ${(lat[lat.length - 1] * 1000).toFixed(0)} ms; `
      + `from first request to last answer (${s2(busy)}): ${Object.keys(time).sort((a, b) => b - a).filter((k) => time[k] > 0).map((k) => `${k} in flight ${((time[k] / busy) * 100).toFixed(0)}%`).join(', ')}`);
    const mean = Object.entries(time).reduce((a, [k, v]) => a + k * v, 0) / busy;
    lines.push(`  mean in flight ${mean.toFixed(1)} of 6; the cap alone at this latency: ≥ ${f.length} calls × ${(q(0.5) * 1000).toFixed(0)} ms ÷ 6 = ${s2((f.length * q(0.5)) / 6)}`);
    // Turnaround: answer → next send, while more than one source was still loading (later sends wait
    // for the last source's rate gate instead).
    const lastCalls = Object.values(groups).map((g) => g.times[g.times.length - 1]).sort((a, b) => a - b);
    const manyUntil = lastCalls.length > 1 ? lastCalls[lastCalls.length - 2] : Infinity;
    const starts = f.map((x) => x.start).filter((t) => t <= manyUntil).sort((a, b) => a - b);
    const ends = f.map((x) => x.end).sort((a, b) => a - b);
    const turn = [];
    for (const t of starts) {
      const prev = ends.filter((e) => e <= t).pop();
      if (prev !== undefined && t - prev < 0.5) turn.push(t - prev);
    }
    if (turn.length) {
      turn.sort((a, b) => a - b);
      lines.push(`  answer → next send while 2+ sources were loading (the page's turnaround, ${turn.length} sends): median ${(turn[Math.floor(turn.length / 2)] * 1000).toFixed(0)} ms, p90 ${(turn[Math.floor(turn.length * 0.9)] * 1000).toFixed(0)} ms`);
    }
  }
  return lines;
}

function row(run, counts) {
  const groups = bySource(run.requests);
  const { bound } = parallelBound(groups);
  const { calls, throttled } = summary(run.requests);
  return { ...run, calls, throttled, bound, ratio: run.seconds / bound, groups };
}

const browser = await launchBrowser();
const results = [];
const notes = [];
try {
  for (const mode of MODES) {
    const t = Date.now();
    const backend = await startBackend({ args: ['--org-bench', mode, '--org-bench-backups', String(N)] });
    try {
      const seeded = backend.log().match(/seeded in ([\d.]+)s/);
      const src = await backend.sources();
      const counts = Object.fromEntries(src.sources.filter((s) => ACCOUNTS.includes(s.account)).map((s) => [`${s.account}/${s.region}`, s.backups]));
      notes.push(`### ${mode}\nbackend: ${Object.keys(counts).length} sources, ${Object.values(counts).reduce((a, b) => a + b, 0)} backups `
        + `(per source: ${[...new Set(Object.values(counts))].sort((a, b) => a - b).join(', ')}), seeded in ${seeded ? seeded[1] : '?'} s, up in ${s1((Date.now() - t) / 1000)}`);
      const lens = row(await runLens(browser, backend, mode, counts), counts);
      results.push(lens);
      // Does every source cost the pages the seed predicts (a trailing empty page after a full one)?
      const off = Object.entries(counts).filter(([k, n]) => (lens.groups[k]?.ok ?? 0) !== expectedPages(n));
      notes.push(`Backup Lens: successful ListBackups calls per source ${off.length ? `differ from floor(n/100)+1 for ${off.map(([k, n]) => `${k} (${lens.groups[k]?.ok} for ${n})`).join(', ')}` : 'all equal floor(backups/100) + 1 (the trailing empty page after a full one)'}`);
      notes.push(...timeline(lens, counts));
      if (lens.problems.length) notes.push(`Backup Lens PROBLEMS: ${lens.problems.join('; ')}`);
      if (!SKIP_CLI) {
        const cli = row(await runCli(backend, mode, counts), counts);
        results.push(cli);
        const sts = cli.requests.filter((r) => r.service === 'sts').length;
        notes.push(`AWS CLI loop: ${sts} STS calls, ${cli.calls} ListBackups calls (${cli.throttled} throttled and retried by the CLI), `
          + `at most ${maxPerSecond(cli.requests.filter(listBackups).map((r) => r.t))} ListBackups calls in any one second`);
        if (cli.problems.length) notes.push(`AWS CLI PROBLEMS: ${cli.problems.join('; ')}`);
      }
    } finally {
      await backend.stop();
    }
  }
} finally {
  await browser.close();
}

console.log(`backups: ${N} over ${ACCOUNTS.length} accounts x ${REGIONS.length} regions (${REGIONS.join(', ')}), pages of ${PAGE}, `
  + `${RATE} ListBackups calls/s per account and region enforced by the backend\n`);
console.log('| mode | client | backups | calls | throttled | time | parallel bound | time ÷ bound |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.mode} | ${r.client} | ${r.loaded} | ${r.calls} | ${r.throttled} | ${s1(r.seconds)} | ${s1(r.bound)} | ${r.ratio.toFixed(2)}× |`);
}
console.log('');
console.log(notes.join('\n'));
