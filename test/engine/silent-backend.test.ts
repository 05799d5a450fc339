import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

const DIFFICULTY = 'ffc0000000000000';

/**
 * A peer that accepts the connection and never answers, on a backend with no
 * `timeout` of its own: only the request deadline or a tier's hedge ends its
 * attempts, and each such silence is a failure for its circuit breaker.
 */
describe('a silent backend with no timeout of its own opens its circuit', function () {
  this.timeout(30_000);
  let peer: FakeRpcPeer;
  let gate: Powgate | undefined;
  beforeEach(async () => {
    peer = (await new FakeRpcPeer().start()).behave('hang');
  });
  afterEach(async () => {
    await gate?.close();
    await peer.close();
  });

  it('an attempt that reaches the request deadline with no answer counts as a failure: the circuit opens and /readyz says so', async () => {
    gate = await startTestPowgate({
      backends: { peer: { type: 'rpc', urls: [peer.url] } },
      work: { deadline: '300ms' },
      breaker: { failures: 2, cooldown: '1m' },
    });
    for (let i = 0; i < 2; i++) {
      const { json } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DIFFICULTY });
      expect(json.error).to.match(/^Timeout/);
    }
    expect(gate.service.breakers.get('peer')?.state).to.equal('open');
    expect((await fetch(`${gate.url}/readyz`)).status).to.equal(503);
    // The next request fails at once instead of waiting out its deadline on the silent peer.
    const before = peer.generates().length;
    const { json } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DIFFICULTY });
    expect(json.error).to.include('circuit open');
    expect(peer.generates()).to.have.length(before);
  });

  it("a backend still silent at its tier's hedge counts as failed: later requests stop paying the hedge", async () => {
    gate = await startTestPowgate({
      backends: {
        peer: { type: 'rpc', urls: [peer.url] },
        local: { type: 'local', cpu_threads: 1 },
      },
      tiers: [{ backends: ['peer'], hedge_after: '100ms' }, { backends: ['local'] }],
      breaker: { failures: 2, cooldown: '1m' },
    });
    for (let i = 0; i < 2; i++) {
      const answer = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DIFFICULTY });
      expect(answer.headers.get('x-powgate-source')).to.equal('local');
    }
    expect(gate.service.breakers.get('peer')?.state).to.equal('open');
    const before = peer.generates().length;
    const answer = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DIFFICULTY });
    expect(answer.headers.get('x-powgate-source')).to.equal('local');
    expect(peer.generates()).to.have.length(before);
  });
});
