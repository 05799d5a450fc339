import { expect } from 'chai';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { FakeBoompow } from '../fakes/boompow.js';
import { FakeDpow } from '../fakes/dpow.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { captureLogs, randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

// DPoW, BoomPoW, an RPC peer and the local generator in one chain, built from
// config the way a user's file builds it, driven through powgate's RPC port.

const API_KEY = 'chain-dpow-key-8c2f';
const TOKEN = 'service:5a5a5a5a-1b2c-4d3e-8f90-abcdefabcdef';
const DEV_BASE = 0xffc0000000000000n;

describe('dpow, boompow, an rpc peer and local in one chain', function () {
  this.timeout(20_000);
  let dpow: FakeDpow;
  let boompow: FakeBoompow;
  let peer: FakeRpcPeer;
  let pg: Powgate | undefined;

  beforeEach(async () => {
    dpow = await new FakeDpow({ services: { svc: API_KEY }, difficulty: DEV_BASE, secondMs: 20 }).start();
    boompow = await new FakeBoompow({ tokens: [TOKEN], base: 0xf000000000000000n, timeoutMs: 20 }).start();
    peer = await new FakeRpcPeer().start();
  });
  afterEach(async () => {
    await pg?.close();
    pg = undefined;
    await Promise.all([dpow.close(), boompow.close(), peer.close()]);
  });

  const backends = (over: { apiKey?: string; token?: string } = {}) => ({
    dpow: { type: 'dpow', url: dpow.wsUrl, post_url: dpow.postUrl, user: 'svc', api_key: over.apiKey ?? API_KEY, sockets: 2, timeout: '1s' },
    boompow: { type: 'boompow', url: boompow.url, token: over.token ?? TOKEN, timeout: '1s' },
    peers: { type: 'rpc', urls: [peer.url] },
    local: { type: 'local', cpu_threads: 1 },
  });
  const tiers = [
    { backends: ['dpow'], hedge_after: '1m' },
    { backends: ['boompow'], hedge_after: '1m' },
    { backends: ['peers'], hedge_after: '1m' },
    { backends: ['local'] },
  ];
  const ask = async (gate: Powgate): Promise<string | null> => {
    const root = randomRoot();
    const { json, headers } = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
    expect(workValue(hexToBytes(root), BigInt(`0x${json.work ?? 'x'}`)) >= DEV_BASE, JSON.stringify(json)).to.equal(true);
    return headers.get('x-powgate-source');
  };

  it('falls through each tier in turn as the one before it fails', async () => {
    // Failures enough to keep every circuit closed: this is about the chain, not the breaker.
    const gate = (pg = await startTestPowgate({ backends: backends(), tiers, breaker: { failures: 10 } }));
    expect(await ask(gate)).to.equal('dpow');
    // A server error fails DPoW at once ("timeout" would be asked again until the deadline).
    dpow.behave('fail');
    expect(await ask(gate)).to.equal('boompow');
    boompow.behave('hang');
    expect(await ask(gate)).to.equal('peers');
    peer.behave('error');
    expect(await ask(gate)).to.equal('local');
    dpow.behave('valid', 0);
    expect(await ask(gate)).to.equal('dpow');
  });

  it('rejected credentials on both services: each is skipped after one try, one log line each, the peer answers', async () => {
    const { logger, lines } = captureLogs('info');
    const gate = (pg = await startTestPowgate(
      { backends: backends({ apiKey: 'wrong', token: 'service:00000000-0000-4000-8000-000000000000' }), tiers },
      undefined,
      { logger },
    ));
    for (let i = 0; i < 4; i++) expect(await ask(gate)).to.equal('peers');
    expect(dpow.calls).to.have.length(1);
    expect(boompow.calls).to.have.length(1);
    const metrics = await (await fetch(`${gate.url}/metrics`)).text();
    expect(metrics).to.include('powgate_backend_circuit_state{backend="dpow"} 2');
    expect(metrics).to.include('powgate_backend_circuit_state{backend="boompow"} 2');
    const configLines = lines.filter((l) => l.includes('configuration error'));
    expect(configLines.map((l) => (JSON.parse(l) as { key: string }).key).sort()).to.deep.equal(['backends.boompow.token', 'backends.dpow.api_key']);
  });
});
