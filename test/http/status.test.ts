import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import type { StatusReport } from '../../lib/status/types.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

const DEV = 'ffc0000000000000';

async function status(url: string): Promise<StatusReport> {
  const res = await fetch(`${url}/api/status`);
  expect(res.status).to.equal(200);
  expect(res.headers.get('content-type')).to.match(/^application\/json/);
  expect(res.headers.get('cache-control')).to.equal('no-store');
  return (await res.json()) as StatusReport;
}

/** Polls /api/status until `done` holds (the per-second window moves once a second). */
async function statusWhen(url: string, done: (s: StatusReport) => boolean, ms = 5000): Promise<StatusReport> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await status(url);
    if (done(s)) return s;
    if (Date.now() > until) throw new Error(`status never matched: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('GET /api/status', () => {
  let gate: Powgate;
  let peer: FakeRpcPeer;
  beforeEach(async () => {
    peer = await new FakeRpcPeer().start();
    gate = await startTestPowgate({
      backends: { peer: { type: 'rpc', urls: [peer.url] }, local: { type: 'local', cpu_threads: 1 } },
      tiers: [{ backends: ['peer'] }, { backends: ['local'] }],
      breaker: { failures: 100 },
    });
  });
  afterEach(async () => {
    await gate.close();
    await peer.close();
  });

  it('starts at zero with every backend, its tier and circuit', async () => {
    const s = await status(gate.url);
    expect(s.version).to.match(/^\d+\.\d+\.\d+/);
    expect(s.network).to.equal('nano-dev');
    expect(s.ready).to.deep.equal({
      ready: true,
      degraded: false,
      checks: { config: true, backends: true, cache: true },
      reasons: [],
      degradedReasons: [],
    });
    expect(s.totals).to.deep.equal({
      requests: 0,
      errors: 0,
      cacheHits: 0,
      cacheMisses: 0,
      cacheErrors: 0,
      jobs: { won: 0, failed: 0, cancelled: 0, timeout: 0 },
    });
    expect(s.backends.map((b) => [b.name, b.type, b.tier, b.circuit])).to.deep.equal([
      ['peer', 'rpc', 0, 'closed'],
      ['local', 'local', 1, 'closed'],
    ]);
    expect(s.backends[0]?.endpoints).to.deep.equal([peer.url]);
    expect(s.cache).to.deep.equal({ kind: 'memory', reachable: true });
    expect(s.generator).to.include({ threads: 1 });
    // On by default, but with no node websocket configured.
    expect(s.precache).to.include({ enabled: true, websocket: 'off' });
    expect(s.recentJobs).to.deep.equal([]);
    expect(s.inFlight).to.equal(0);
  });

  it('moves with real traffic: totals, per-backend counts and latency, recent jobs, the per-second series', async () => {
    const roots = [randomRoot(), randomRoot(), randomRoot()];
    for (const root of roots) await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV });
    for (const root of roots) await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV });
    await rpc(gate.url, { action: 'work_validate', hash: roots[0], work: 'zz' });

    const s = await statusWhen(gate.url, (x) => sum(x.series.requests) >= 7);
    expect(s.totals).to.deep.include({ requests: 7, errors: 1, cacheHits: 3, cacheMisses: 3 });
    expect(s.totals.jobs.won).to.equal(3);
    expect(sum(s.series.cacheHits)).to.equal(3);
    expect(sum(s.series.cacheMisses)).to.equal(3);
    expect(sum(s.series.errors)).to.equal(1);
    expect(s.recent.cacheHitRatio).to.equal(0.5);
    expect(s.recent.requestsPerSecond).to.be.greaterThan(0);
    const backend = s.backends.find((b) => b.name === 'peer');
    expect(backend?.counts).to.deep.equal({ won: 3, lost: 0, failed: 0, invalid: 0, unsupported: 0, circuitOpen: 0 });
    expect(backend?.latency.samples).to.equal(3);
    expect(backend?.latency.p50).to.be.a('number').and.to.be.greaterThan(0);
    expect(backend?.latency.p99).to.be.at.least(backend?.latency.p50 as number);
    expect(s.recentJobs.map((j) => j.root)).to.deep.equal([...roots].reverse().map((r) => `${r.slice(0, 8)}…${r.slice(-4)}`));
    expect(s.recentJobs[0]).to.include({ outcome: 'won', source: 'peer', difficulty: DEV });
    // A shortened root is all there is: no full root anywhere in the report.
    for (const root of roots) expect(JSON.stringify(s)).to.not.include(root);
  });

  it('counts failed and invalid answers per backend, and shows the local generator working', async () => {
    peer.behave('invalid');
    await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV });
    peer.behave('error');
    await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV });
    const s = await statusWhen(gate.url, (x) => (x.generator?.hashes ?? 0) > 0);
    const counts = Object.fromEntries(s.backends.map((b) => [b.name, b.counts]));
    expect(counts.peer).to.include({ invalid: 1, failed: 1, won: 0 });
    expect(counts.local).to.include({ won: 2 });
    expect(s.recentJobs.map((j) => j.source)).to.deep.equal(['local', 'local']);
  });

  it('shows precache state from its provider, and only the documented fields', async () => {
    const withPrecache = await startTestPowgate({}, undefined, {
      precacheStatus: () =>
        ({
          enabled: true,
          websocket: 'connected',
          trackedAccounts: 2,
          queueDepth: 1,
          jobs: { queued: 4, done: 3, failed: 0, dropped: 0 },
          hits: 1,
          requests: 2,
          accounts: ['nano_1111111111111111111111111111111111111111111111111111hifc8npp'],
        }) as never,
    });
    try {
      const s = await status(withPrecache.url);
      expect(s.precache).to.deep.equal({
        enabled: true,
        websocket: 'connected',
        trackedAccounts: 2,
        queueDepth: 1,
        jobs: { queued: 4, done: 3, failed: 0, dropped: 0 },
        hits: 1,
        requests: 2,
      });
    } finally {
      await withPrecache.close();
    }
  });
});

describe('dashboard routes', () => {
  let gate: Powgate;
  before(async () => {
    gate = await startTestPowgate();
  });
  after(() => gate.close());

  const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

  it('serves the page at /dashboard, and at / to a client that prefers HTML', async () => {
    for (const [path, accept] of [
      ['/dashboard', '*/*'],
      ['/', BROWSER_ACCEPT],
    ] as const) {
      const res = await fetch(`${gate.url}${path}`, { headers: { accept } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).to.include("default-src 'none'");
      expect(await res.text()).to.include('<script src="dashboard.js" defer></script>');
    }
  });

  it('keeps the node answer at / for a node, curl and JSON clients', async () => {
    for (const accept of [undefined, '*/*', 'application/json']) {
      const res = await fetch(`${gate.url}/`, accept === undefined ? {} : { headers: { accept } });
      expect(res.status).to.equal(200);
      expect(await res.text(), String(accept)).to.equal('{\n    "error": "Can only POST requests"\n}\n');
    }
  });

  it('serves its script and stylesheet with their types and no external reference', async () => {
    const js = await fetch(`${gate.url}/dashboard.js`);
    expect(js.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    const css = await fetch(`${gate.url}/dashboard.css`);
    expect(css.headers.get('content-type')).to.equal('text/css; charset=utf-8');
    const page = await (await fetch(`${gate.url}/dashboard`)).text();
    for (const text of [page, await js.text(), await css.text()]) {
      expect(text).to.not.match(/(src|href)="(https?:)?\/\//);
      expect(text).to.not.match(/url\(|@import|https?:\/\/(?!www\.w3\.org)/);
    }
  });

  it('is off with dashboard.enabled: false, while health and readiness stay', async () => {
    const off = await startTestPowgate({ dashboard: { enabled: false } });
    try {
      for (const path of ['/dashboard', '/api/status', '/dashboard.js']) {
        expect(await (await fetch(`${off.url}${path}`)).text(), path).to.include('Can only POST requests');
      }
      expect((await fetch(`${off.url}/readyz`)).status).to.equal(200);
      expect((await fetch(`${off.url}/healthz`)).status).to.equal(200);
    } finally {
      await off.close();
    }
  });
});
