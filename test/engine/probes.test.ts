import { mkdirSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import type { StatusReport } from '../../lib/status/types.js';
import { FakeBoompow } from '../fakes/boompow.js';
import { FakeDpow } from '../fakes/dpow.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

const DEV = 'ffc0000000000000';
const TOKEN = 'service:3f1c2a4e-9b7d-4c1e-8f2a-5d6e7f809a1b';

async function readyz(gate: Powgate): Promise<number> {
  return (await fetch(`${gate.url}/readyz`)).status;
}

/** Polls until `check` holds; the test's own timeout bounds it (no clock in the verdict). */
async function eventually(check: () => Promise<boolean> | boolean, every = 25): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, every));
}

/** Where the measured times go, for the record (test-output/ is not committed). */
const measured: Record<string, number> = {};
function record(what: string, ms: number): void {
  measured[what] = ms;
  console.log(`      measured: ${what}: ${ms} ms`);
}

describe('idle probes: the circuit, /readyz and the metrics follow a backend without traffic', function () {
  this.timeout(30_000);
  // Short settings so the test is quick; README gives the bound for any settings.
  const breaker = { failures: 3, cooldown: '400ms', max_cooldown: '800ms', probe_interval: '300ms' };
  let peer: FakeRpcPeer;
  let gate: Powgate | undefined;

  beforeEach(async () => {
    peer = await new FakeRpcPeer().start();
  });
  afterEach(async () => {
    await gate?.close();
    gate = undefined;
    await peer.close();
  });
  after(() => {
    mkdirSync(new URL('../../test-output/', import.meta.url), { recursive: true });
    writeFileSync(new URL('../../test-output/probe-times.json', import.meta.url), `${JSON.stringify({ breaker, measured }, null, 2)}\n`);
  });

  const start = async (): Promise<Powgate> => (gate = await startTestPowgate({ backends: { peers: { type: 'rpc', urls: [peer.url] } }, breaker }));

  it('probes an idle peer with work_validate of a fixed vector, spending no work', async () => {
    const g = await start();
    await eventually(() => peer.calls.length >= 2);
    expect(peer.calls.every((c) => c.action === 'work_validate')).to.equal(true);
    expect(peer.calls[0]?.body).to.deep.equal({
      action: 'work_validate',
      hash: 'C05B995C518530876CF8AB876FD93577955A51D05971A19CDE243514B5A25F47',
      work: '64277ffb135de20c',
    });
    expect(await readyz(g)).to.equal(200);
    const s = (await (await fetch(`${g.url}/api/status`)).json()) as StatusReport;
    expect(s.backends[0]?.health).to.deep.equal({ state: 'ok' });
  });

  it('with no traffic: the only backend dies, the circuit opens and /readyz turns 503, and stays 503 across cool-downs until a probe passes', async () => {
    const g = await start();
    await eventually(() => peer.calls.length >= 1);
    const port = Number(new URL(peer.url).port);
    await peer.close();
    const died = Date.now();
    await eventually(async () => (await readyz(g)) === 503);
    record('no traffic: only backend dies -> /readyz 503', Date.now() - died);
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics)
      .to.match(/^powgate_ready 0$/m)
      .and.match(/^powgate_backend_circuit_state\{backend="peers"\} 2$/m);
    // Several cool-downs pass: the circuit never counts as usable while every probe fails.
    const seen = new Set<number>();
    const circuits = new Set<string>();
    for (let i = 0; i < 40; i++) {
      seen.add(await readyz(g));
      circuits.add(g.service.breakers.get('peers')?.state ?? '');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...seen]).to.deep.equal([503]);
    expect(circuits.has('open')).to.equal(true);
    // It comes back on the same port: the next probe closes the circuit without any request.
    peer = await new FakeRpcPeer().start(port);
    const back = Date.now();
    await eventually(async () => (await readyz(g)) === 200);
    record('no traffic: backend back -> /readyz 200', Date.now() - back);
    expect(g.service.breakers.get('peers')?.state).to.equal('closed');
  });

  it('with traffic: the only backend dies, /readyz turns 503', async () => {
    const g = await start();
    await eventually(() => peer.calls.length >= 1);
    await peer.close();
    const died = Date.now();
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        await rpc(g.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV });
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await eventually(async () => (await readyz(g)) === 503);
    record('traffic 2 req/s: only backend dies -> /readyz 503', Date.now() - died);
    stop = true;
    await traffic;
  });
});

describe('idle probes of the distributed services', function () {
  this.timeout(20_000);
  const breaker = { probe_interval: '300ms' };
  let gate: Powgate | undefined;
  afterEach(async () => {
    await gate?.close();
    gate = undefined;
  });

  it('DPoW: a request the server rejects before broadcasting; bad credentials are found at start-up, without a request', async () => {
    const fake = await new FakeDpow({ services: { svc: 'right' } }).start();
    try {
      const conf = (apiKey: string) => ({ type: 'dpow', url: fake.wsUrl, post_url: fake.postUrl, user: 'svc', api_key: apiKey, sockets: 1, timeout: '5s' });
      gate = await startTestPowgate({ backends: { dpow: conf('wrong') }, breaker });
      const g = gate;
      await eventually(() => g.service.breakers.get('dpow')?.state === 'open');
      const s = (await (await fetch(`${g.url}/api/status`)).json()) as StatusReport;
      expect(s.backends[0]?.health?.state).to.equal('config_error');
      expect(await readyz(g)).to.equal(503);
      expect(fake.calls[0]?.body).to.include({ user: 'svc', hash: 'probe' });
      await gate.close();
      const before = fake.calls.length;
      gate = await startTestPowgate({ backends: { dpow: conf('right') }, breaker });
      await eventually(() => fake.calls.length > before + 1);
      expect(await readyz(gate)).to.equal(200);
      expect(gate.service.breakers.get('dpow')?.state).to.equal('closed');
      // Nothing was broadcast: every probe hash was refused as invalid.
      expect(fake.calls.slice(before).every((c) => c.body.hash === 'probe')).to.equal(true);
    } finally {
      await gate?.close();
      gate = undefined;
      await fake.close();
    }
  });

  it('BoomPoW: its stats query, with the token (a refused token shows at start-up)', async () => {
    const fake = await new FakeBoompow({ tokens: [TOKEN] }).start();
    try {
      const conf = (token: string) => ({ type: 'boompow', url: fake.url, token, timeout: '5s' });
      gate = await startTestPowgate({ network: 'banano', backends: { boompow: conf(TOKEN) }, breaker });
      const g = gate;
      await eventually(() => fake.statsQueries >= 2);
      expect(fake.calls).to.have.length(0);
      expect(await readyz(g)).to.equal(200);
      await gate.close();
      gate = await startTestPowgate({ network: 'banano', backends: { boompow: conf('service:00000000-0000-4000-8000-000000000000') }, breaker });
      const h = gate;
      await eventually(() => h.service.breakers.get('boompow')?.state === 'open');
      expect(await readyz(h)).to.equal(503);
    } finally {
      await gate?.close();
      gate = undefined;
      await fake.close();
    }
  });

  it('the local generator is always up and never probed', async () => {
    gate = await startTestPowgate({ breaker });
    const s = (await (await fetch(`${gate.url}/api/status`)).json()) as StatusReport;
    expect(s.backends[0]?.health).to.deep.equal({ state: 'ok' });
    expect(await readyz(gate)).to.equal(200);
  });
});
