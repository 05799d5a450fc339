import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import type { StatusReport } from '../../lib/status/types.js';
import { FakeNode, randomAccount } from '../fakes/node.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';
import { parsePromText } from '../helpers/prom-text.js';
import { findWork, WireWorker } from '../hub/helpers.js';
import { until } from '../precache/helpers.js';

const DEV = 'ffc0000000000000';

/** The body a node POSTs to its callback URL (the block as a JSON string). */
function nodeCallback(node: FakeNode, block: ReturnType<FakeNode['block']>): string {
  return JSON.stringify({ account: block.account, hash: block.hash, block: JSON.stringify(node.blockJson(block)), amount: '1', subtype: block.subtype });
}

describe('one telemetry path: /metrics and /api/status agree figure by figure', function () {
  this.timeout(30_000);
  let node: FakeNode;
  let flaky: FakeRpcPeer;
  let peer: FakeRpcPeer;
  let gate: Powgate;
  const account = randomAccount();

  before(async () => {
    node = await new FakeNode().start();
    flaky = (await new FakeRpcPeer().start()).behave('error');
    peer = await new FakeRpcPeer().start();
    gate = await startTestPowgate({
      node: { rpc: node.rpcUrl },
      backends: { flaky: { type: 'rpc', urls: [flaky.url] }, peer: { type: 'rpc', urls: [peer.url] } },
      tiers: [{ backends: ['flaky'] }, { backends: ['peer'] }],
      // No circuit opens: every request reaches both, so each outcome is counted where it happened.
      breaker: { failures: 1000 },
      work: { deadline: '1500ms' },
      precache: { accounts: [account] },
    });
  });
  after(async () => {
    await gate?.close();
    await Promise.all([node?.close(), flaky?.close(), peer?.close()]);
  });

  it('after hits, misses, failures, invalid work, a timeout, refusals and precache work', async () => {
    const generate = (hash: string) => rpc(gate.url, { action: 'work_generate', hash, difficulty: DEV });
    // Misses: the first tier fails, the second wins.
    const roots = [randomRoot(), randomRoot(), randomRoot()];
    for (const root of roots) expect((await generate(root)).json.work).to.match(/^[0-9a-f]{16}$/);
    // Hits.
    for (const root of roots.slice(0, 2)) expect((await generate(root)).headers.get('x-powgate-source')).to.equal('cache');
    // Invalid work from the first tier.
    flaky.behave('invalid');
    expect((await generate(randomRoot())).headers.get('x-powgate-source')).to.equal('peer');
    // A timeout: nobody answers within the deadline.
    flaky.behave('hang');
    peer.behave('hang');
    expect((await generate(randomRoot())).json.error).to.match(/^Timeout/);
    flaky.behave('error');
    peer.behave('valid');
    // Refused before the engine: a bad hash, a parse error, an action not allowed.
    expect((await rpc(gate.url, { action: 'work_generate', hash: 'nothex' })).json.error).to.be.a('string');
    expect((await rpc(gate.url, '{not json')).json.error).to.be.a('string');
    expect((await rpc(gate.url, { action: 'stop' })).json.error).to.be.a('string');
    // Precache: a confirmation of a tracked account's block, then a client asks for the next block's work.
    const block = node.block(account);
    const callback = await fetch(`${gate.url}/callback`, { method: 'POST', body: nodeCallback(node, block) });
    expect(callback.status).to.equal(200);
    await until(() => gate.precache.status().jobs.done === 1, 'precached');
    expect((await generate(block.hash)).headers.get('x-powgate-source')).to.equal('cache');
    // A callback that is JSON but no block.
    expect((await fetch(`${gate.url}/callback`, { method: 'POST', body: '{"hello":1}' })).status).to.equal(400);
    await until(() => gate.service.inFlight === 0 && gate.precache.status().queueDepth === 0, 'all work ended');

    const families = parsePromText(await (await fetch(`${gate.url}/metrics`)).text());
    const s = (await (await fetch(`${gate.url}/api/status`)).json()) as StatusReport;
    const samples = (name: string) => families.get(name)?.samples ?? [];
    const one = (name: string, labels: Record<string, string> = {}): number =>
      samples(name)
        .filter((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v))
        .reduce((sum, x) => sum + x.value, 0);

    // Each figure the traffic above must have moved, so no comparison passes on two zeros.
    const compare = (what: string, metric: number, status: number, moved = true): void => {
      expect(metric, `${what}: /metrics ${metric}, /api/status ${status}`).to.equal(status);
      if (moved) expect(status, `${what} should have moved`).to.be.greaterThan(0);
    };
    compare('requests', one('powgate_requests_total'), s.totals.requests);
    compare('errors', one('powgate_requests_total', { outcome: 'error' }) + one('powgate_requests_total', { outcome: 'timeout' }), s.totals.errors);
    compare('cache hits', one('powgate_cache_hits_total'), s.totals.cacheHits);
    compare('cache misses', one('powgate_cache_misses_total'), s.totals.cacheMisses);
    // The memory cache cannot fail; equal is all there is to check.
    compare('cache errors', one('powgate_cache_errors_total'), s.totals.cacheErrors, false);
    for (const outcome of ['won', 'timeout'] as const) compare(`jobs ${outcome}`, one('powgate_jobs_total', { outcome }), s.totals.jobs[outcome]);
    for (const outcome of ['failed', 'cancelled'] as const) compare(`jobs ${outcome}`, one('powgate_jobs_total', { outcome }), s.totals.jobs[outcome], false);
    const counts = Object.fromEntries(s.backends.map((b) => [b.name, b.counts]));
    for (const backend of ['flaky', 'peer']) {
      // /api/status names circuit_open circuitOpen.
      for (const [outcome, field] of [
        ['won', 'won'],
        ['lost', 'lost'],
        ['failed', 'failed'],
        ['invalid', 'invalid'],
        ['unsupported', 'unsupported'],
        ['circuit_open', 'circuitOpen'],
      ] as const) {
        const moved = (backend === 'flaky' && (outcome === 'failed' || outcome === 'invalid')) || (backend === 'peer' && outcome === 'won');
        compare(`${backend} ${outcome}`, one('powgate_backend_outcomes_total', { backend, outcome }), counts[backend]?.[field] ?? -1, moved);
      }
    }
    for (const outcome of ['queued', 'done'] as const)
      compare(`precache ${outcome}`, one('powgate_precache_jobs_total', { outcome }), s.precache.jobs[outcome]);
    for (const outcome of ['failed', 'dropped'] as const)
      compare(`precache ${outcome}`, one('powgate_precache_jobs_total', { outcome }), s.precache.jobs[outcome], false);
    compare('precache hits', one('powgate_precache_hits_total'), s.precache.hits);
    compare('precache requests', one('powgate_precache_requests_total'), s.precache.requests);
    // And the figures are the traffic's, not merely equal.
    expect(s.totals.cacheHits).to.equal(3);
    expect(s.precache.hits).to.equal(1);
    expect(s.totals.jobs.timeout).to.equal(1);
    expect(one('powgate_precache_malformed_total', { trigger: 'callback' })).to.equal(1);
    expect(one('powgate_precache_confirmations_total', { trigger: 'callback', outcome: 'new' })).to.equal(1);
  });
});

describe('one telemetry path: the hub figures on /metrics and /api/status agree', function () {
  this.timeout(30_000);
  let gate: Powgate;
  const workers: WireWorker[] = [];

  before(async () => {
    gate = await startTestPowgate({
      backends: { hub: { type: 'hub', broker: 'embedded', listen: '127.0.0.1:0', heartbeat_interval: '50ms' } },
      tiers: [{ backends: ['hub'] }],
      precache: { enabled: false },
    });
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await gate?.close();
  });

  it('after accepted, invalid, late and duplicate results of both work types', async () => {
    const url = (await gate.monitor.report()).hubs[0]?.url as string;
    const good = await WireWorker.connect(url, { username: 'client', password: 'client' });
    const bad = await WireWorker.connect(url, { username: 'client', password: 'client', behaviour: 'invalid' });
    workers.push(good, bad);
    good.delay = 50; // the invalid result comes first
    const roots = [randomRoot(), randomRoot()];
    for (const root of roots) expect((await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV })).json.work).to.match(/^[0-9a-f]{16}$/);
    const precached = randomRoot();
    await gate.service.generate({ root: precached, target: BigInt(`0x${DEV}`) }, { priority: 'precache' });
    // After the wins: the bad worker sends good work (late), the good one repeats its own (duplicate).
    for (const [root, type] of [...roots.map((r) => [r, 'ondemand'] as const), [precached, 'precache'] as const]) {
      const work = findWork(root, BigInt(`0x${DEV}`));
      bad.publishResult(type, `${root},${work},${bad.account}`);
      good.publishResult(type, `${root},${work},${good.account}`);
    }
    const expected = { accepted: [2, 1], invalid: [2, 1], late: [2, 1], duplicate: [2, 1] } as const;
    await until(async () => {
      const r = (await gate.monitor.report()).hubs[0]?.results;
      return r !== undefined && r.late.precache === 1 && r.duplicate.precache === 1 && r.late.ondemand === 2 && r.duplicate.ondemand === 2;
    }, 'every result counted');

    const families = parsePromText(await (await fetch(`${gate.url}/metrics`)).text());
    const s = (await (await fetch(`${gate.url}/api/status`)).json()) as StatusReport;
    const results = s.hubs[0]?.results;
    for (const [outcome, [ondemand, precache]] of Object.entries(expected) as [keyof typeof expected, readonly [number, number]][]) {
      for (const [type, n] of [
        ['ondemand', ondemand],
        ['precache', precache],
      ] as const) {
        const metric = (families.get('powgate_hub_results_total')?.samples ?? []).find(
          (x) => x.labels.backend === 'hub' && x.labels.type === type && x.labels.outcome === outcome,
        )?.value;
        // Equal, and the traffic's: no comparison passes on two zeros.
        expect(metric, `${outcome} ${type}: /metrics ${metric}, /api/status ${results?.[outcome][type]}`).to.equal(results?.[outcome][type]);
        expect(metric, `${outcome} ${type}`).to.equal(n);
      }
    }
    // The accepted results' times are observed from the same stream.
    const seconds = families.get('powgate_hub_result_seconds')?.samples.filter((x) => x.name === 'powgate_hub_result_seconds_count') ?? [];
    expect(seconds.reduce((sum, x) => sum + x.value, 0)).to.equal(3);
  });
});
