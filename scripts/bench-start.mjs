// Benchmark (a report, not a test): cold start of a release bundle in headless
// Chromium, from navigation to the first rendered frame (the first contentful
// paint: the page body is empty until the wasm has mounted the app), and to
// the app's first frame with its connection form. Each run uses a fresh
// browser context (empty HTTP cache). The bundle is served by a small static
// server that sends the .gz copies with Content-Encoding: gzip, as a host with
// gzip_static would (Chromium asks for br only over HTTPS).
//
// usage: node scripts/bench-start.mjs [DIST ...]   (default: dist)
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { launchBrowser } from '../tests/e2e/harness.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 9);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['dist'];
const networks = [
  { name: 'loopback, no throttling', conditions: null },
  { name: '10 Mbit/s, 40 ms RTT', conditions: { offline: false, latency: 40, downloadThroughput: 10e6 / 8, uploadThroughput: 5e6 / 8 } },
];

function serve(dir) {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(dir, path.normalize(name));
    if (!file.startsWith(path.resolve(dir)) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const headers = { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' };
    let body = readFileSync(file);
    if (/gzip/.test(req.headers['accept-encoding'] || '') && existsSync(`${file}.gz`)) {
      body = readFileSync(`${file}.gz`);
      headers['content-encoding'] = 'gzip';
    }
    res.writeHead(200, { ...headers, 'content-length': body.length }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await launchBrowser();
try {
  console.log(`| bundle | network | first paint (median of ${RUNS}) | app ready (median) | bytes sent |`);
  console.log('|---|---|---:|---:|---:|');
  for (const dir of dirs) {
    const server = await serve(path.resolve(dir));
    const url = `http://127.0.0.1:${server.address().port}/`;
    for (const net of networks) {
      const fcp = [];
      const ready = [];
      let bytes = 0;
      for (let i = 0; i < RUNS; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
        if (net.conditions) await cdp.send('Network.emulateNetworkConditions', net.conditions);
        let received = 0;
        cdp.on('Network.loadingFinished', (e) => { received += e.encodedDataLength; });
        await page.goto(url);
        await page.waitForSelector('[data-testid="endpoint"], [data-testid="access-key-id"], input', { timeout: 60_000 });
        const t = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
          const paint = performance.getEntriesByName('first-contentful-paint')[0];
          resolve({ fcp: paint ? paint.startTime : NaN, ready: performance.now() });
        }))));
        fcp.push(t.fcp);
        ready.push(t.ready);
        bytes = received;
        await context.close();
      }
      console.log(`| ${dir} | ${net.name} | ${median(fcp).toFixed(0)} ms | ${median(ready).toFixed(0)} ms | ${bytes} |`);
    }
    server.close();
  }
} finally {
  await browser.close();
}
