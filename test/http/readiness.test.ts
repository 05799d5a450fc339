import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import type { StatusReport } from '../../lib/status/types.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

interface ReadyBody {
  status: string;
  checks: { config: boolean; backends: boolean; cache: boolean };
  reasons: string[];
  degraded: string[];
}

async function readyz(url: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

describe('GET /readyz', () => {
  let a: FakeRpcPeer;
  let b: FakeRpcPeer;
  let gate: Powgate;
  // Long enough that "right after the failures" is well inside the cool-down even on a slow machine.
  const COOLDOWN = 3000;
  before(async () => {
    a = await new FakeRpcPeer().start();
    b = await new FakeRpcPeer().start();
    gate = await startTestPowgate({
      backends: { a: { type: 'rpc', urls: [a.url] }, b: { type: 'rpc', urls: [b.url] } },
      tiers: [{ backends: ['a'] }, { backends: ['b'] }],
      breaker: { failures: 1, cooldown: `${COOLDOWN}ms`, max_cooldown: `${COOLDOWN}ms` },
    });
  });
  after(async () => {
    await gate.close();
    await a.close();
    await b.close();
  });

  it('is 200 while a backend can take work', async () => {
    const { status, body } = await readyz(gate.url);
    expect(status).to.equal(200);
    expect(body).to.deep.equal({ status: 'ready', checks: { config: true, backends: true, cache: true }, reasons: [], degraded: [] });
  });

  it("turns 503 with the reasons when every backend's circuit opens, and 200 again when one recovers", async () => {
    a.behave('error');
    b.behave('error');
    const failed = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
    expect(failed.json.error).to.match(/^Work generation failed/);

    const down = await readyz(gate.url);
    expect(down.status).to.equal(503);
    expect(down.body.status).to.equal('not ready');
    expect(down.body.checks).to.deep.equal({ config: true, backends: false, cache: true });
    expect(down.body.reasons).to.have.length(1);
    expect(down.body.reasons[0]).to.match(/^no backend can take work \(a: circuit open, next probe in \d+\.\ds; b: circuit open/);
    // The dashboard data says the same.
    const s = (await (await fetch(`${gate.url}/api/status`)).json()) as StatusReport;
    expect(s.ready.ready).to.equal(false);
    expect(s.backends.map((x) => x.circuit)).to.deep.equal(['open', 'open']);

    // Backend b comes back: once its cool-down ends it may be probed, and a good probe closes it.
    b.behave('valid');
    const until = Date.now() + COOLDOWN + 5000;
    let up = await readyz(gate.url);
    while (up.status !== 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      up = await readyz(gate.url);
    }
    expect(up.status).to.equal(200);
    const answered = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
    expect(answered.json.work, answered.text).to.match(/^[0-9a-f]{16}$/);
    const after = (await (await fetch(`${gate.url}/api/status`)).json()) as StatusReport;
    expect(after.backends.find((x) => x.name === 'b')?.circuit).to.equal('closed');
    expect((await readyz(gate.url)).status).to.equal(200);
  });
});

describe('GET /readyz with a cache that does not answer', () => {
  it('stays 200 but says degraded, in /readyz, /api/status and the metrics, and work is still served', async function () {
    this.timeout(15_000);
    // Nothing listens on port 1: the Redis client is refused at once and keeps retrying.
    const gate = await startTestPowgate({ cache: { url: 'redis://127.0.0.1:1' } });
    try {
      const { status, body } = await readyz(gate.url);
      expect(status).to.equal(200);
      expect(body.status).to.equal('degraded');
      expect(body.checks).to.deep.equal({ config: true, backends: true, cache: false });
      expect(body.reasons).to.deep.equal([]);
      expect(body.degraded).to.deep.equal(['cache (redis) does not answer: every lookup is a miss']);
      const s = (await (await fetch(`${gate.url}/api/status`)).json()) as StatusReport;
      expect(s.ready).to.include({ ready: true, degraded: true });
      expect(s.cache).to.deep.equal({ kind: 'redis', reachable: false });
      const metrics = await (await fetch(`${gate.url}/metrics`)).text();
      expect(metrics)
        .to.match(/^powgate_degraded 1$/m)
        .and.match(/^powgate_ready 1$/m)
        .and.match(/^powgate_cache_reachable 0$/m);
      const answered = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'f000000000000000' });
      expect(answered.json.work).to.match(/^[0-9a-f]{16}$/);
      expect((await fetch(`${gate.url}/healthz`)).status).to.equal(200);
    } finally {
      await gate.close();
    }
  });
});
