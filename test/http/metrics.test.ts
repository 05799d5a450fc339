import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import type { PrecacheStatus } from '../../lib/status/types.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';
import { parsePromText } from '../helpers/prom-text.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Every `powgate_*` name the README's metrics section lists. */
function documentedMetrics(): string[] {
  const start = README.indexOf('### Metrics');
  const end = README.indexOf('### Grafana', start);
  const names = [...README.slice(start, end).matchAll(/`(powgate_[a-z0-9_]+)`/g)].map((m) => m[1] as string);
  return [...new Set(names)];
}

const PRECACHE: PrecacheStatus = {
  enabled: true,
  websocket: 'connected',
  trackedAccounts: 3,
  queueDepth: 2,
  jobs: { queued: 10, done: 7, failed: 1, dropped: 0 },
  hits: 5,
  requests: 8,
};

describe('GET /metrics', () => {
  let gate: Powgate;
  let peer: FakeRpcPeer;
  before(async () => {
    peer = await new FakeRpcPeer().start();
    gate = await startTestPowgate({
      backends: { peer: { type: 'rpc', urls: [peer.url] }, local: { type: 'local', cpu_threads: 1 } },
      tiers: [{ backends: ['peer'] }, { backends: ['local'] }],
    });
  });
  after(async () => {
    await gate.close();
    await peer.close();
  });

  async function scrape(url = gate.url): Promise<ReturnType<typeof parsePromText>> {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    return parsePromText(await res.text());
  }

  it('parses as Prometheus text format, every family with HELP text', async () => {
    await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
    const families = await scrape();
    expect(families.size).to.be.greaterThan(30);
    for (const family of families.values()) {
      expect(family.name, family.name).to.match(/^powgate_/);
      expect(family.help.trim(), family.name).to.not.equal('');
      if (family.type === 'counter') expect(family.name).to.match(/_total$/);
    }
  });

  it('contains every metric README.md documents, and README documents every powgate metric', async () => {
    const documented = documentedMetrics();
    expect(documented.length).to.be.greaterThan(30);
    const families = await scrape();
    for (const name of documented) expect(families.has(name), `${name} documented but not exposed`).to.equal(true);
    for (const name of families.keys()) {
      // prom-client's defaults are documented as a selection; ours must all be listed.
      if (/^powgate_(process|nodejs)_/.test(name)) continue;
      expect(documented, `${name} exposed but not in README.md`).to.include(name);
    }
  });

  it('reports process and event-loop metrics', async () => {
    const families = await scrape();
    for (const name of [
      'powgate_process_cpu_seconds_total',
      'powgate_process_resident_memory_bytes',
      'powgate_nodejs_eventloop_lag_seconds',
      'powgate_nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(families.get(name)?.samples.length, name).to.be.greaterThan(0);
    }
  });

  it('reports readiness, build, backend info and the local hash count', async () => {
    await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
    // One answer from the local tier, so its hash count has something to show.
    peer.behave('error');
    try {
      const { headers } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
      expect(headers.get('x-powgate-source')).to.equal('local');
    } finally {
      peer.behave('valid');
    }
    const families = await scrape();
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('powgate_ready')).to.equal(1);
    expect(value('powgate_cache_reachable')).to.equal(1);
    expect(families.get('powgate_build_info')?.samples[0]?.labels.version).to.match(/^\d+\.\d+\.\d+/);
    expect(value('powgate_backend_info', { backend: 'peer', type: 'rpc', tier: '0' })).to.equal(1);
    expect(value('powgate_backend_info', { backend: 'local', type: 'local', tier: '1' })).to.equal(1);
    expect(value('powgate_local_hashes_total', { backend: 'local' })).to.be.greaterThan(0);
    // Precache is on by default (learned accounts, callbacks), even with no node websocket.
    expect(value('powgate_precache_enabled')).to.equal(1);
    expect(value('powgate_backend_outcomes_total', { backend: 'peer', outcome: 'won' })).to.be.greaterThan(0);
  });

  it('reads precache state from the provider at scrape time', async () => {
    let status = PRECACHE;
    const withPrecache = await startTestPowgate({}, undefined, { precacheStatus: () => status });
    try {
      let families = parsePromText(await (await fetch(`${withPrecache.url}/metrics`)).text());
      const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
        families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
      expect(value('powgate_precache_enabled')).to.equal(1);
      expect(value('powgate_precache_websocket_connected')).to.equal(1);
      expect(value('powgate_precache_tracked_accounts')).to.equal(3);
      expect(value('powgate_precache_queue_depth')).to.equal(2);
      // Jobs and hits are counted from precache events (test/precache), not read from the provider.
      status = { ...PRECACHE, websocket: 'disconnected', queueDepth: 4 };
      families = parsePromText(await (await fetch(`${withPrecache.url}/metrics`)).text());
      expect(value('powgate_precache_websocket_connected')).to.equal(0);
      expect(value('powgate_precache_queue_depth')).to.equal(4);
    } finally {
      await withPrecache.close();
    }
  });

  it('is not served with metrics.enabled: false (the RPC port answers as the node does)', async () => {
    const off = await startTestPowgate({ metrics: { enabled: false } });
    try {
      const res = await fetch(`${off.url}/metrics`);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.include('Can only POST requests');
    } finally {
      await off.close();
    }
  });

  describe('metrics.listen', () => {
    let split: Powgate;
    before(async () => {
      split = await startTestPowgate({
        backends: { peer: { type: 'rpc', urls: [peer.url] } },
        metrics: { enabled: true, listen: '127.0.0.1:0' },
      });
    });
    after(() => split.close());

    it('serves /metrics, the dashboard and /api/status on the second listener only', async () => {
      expect(split.monitorUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(split.monitorUrl).to.not.equal(split.url);
      await rpc(split.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
      const families = await scrape(split.monitorUrl);
      expect(families.get('powgate_requests_total')?.samples.find((s) => s.labels.action === 'work_generate')?.value).to.equal(1);
      for (const path of ['/metrics', '/dashboard', '/api/status']) {
        expect((await fetch(`${split.monitorUrl}${path}`)).status, path).to.equal(200);
        const onRpc = await fetch(`${split.url}${path}`, { headers: { accept: 'text/html' } });
        expect(await onRpc.text(), path).to.include('Can only POST requests');
      }
      // No RPC there, so / is the dashboard for any client.
      expect(await (await fetch(`${split.monitorUrl}/`)).text()).to.include('<title>powgate</title>');
    });

    it('answers health and readiness on both listeners, and no RPC on the monitoring one', async () => {
      for (const url of [split.url, split.monitorUrl]) {
        expect((await fetch(`${url}/healthz`)).status).to.equal(200);
        expect((await fetch(`${url}/readyz`)).status).to.equal(200);
      }
      const post = await fetch(`${split.monitorUrl}/`, { method: 'POST', body: '{"action":"work_validate"}' });
      expect(post.status).to.be.oneOf([404, 405]);
      expect((await fetch(`${split.monitorUrl}/nothing`)).status).to.equal(404);
    });
  });
});
