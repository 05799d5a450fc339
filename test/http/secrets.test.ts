import { expect } from 'chai';
import { createBackend } from '../../lib/backends/index.js';
import type { Backend } from '../../lib/backends/types.js';
import { BackendUnavailableError } from '../../lib/errors.js';
import { NETWORKS } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { captureLogs, randomRoot, rpc, startTestPowgate, testConfig } from '../helpers/powgate.js';

/** A backend that reports its own health with a careless detail line, as a buggy adapter might. */
function leakyBackend(): Backend {
  return {
    name: 'leaky',
    type: 'dpow',
    supports: () => true,
    generate: () => Promise.reject(new BackendUnavailableError('leaky: down')),
    close: async () => {},
    status: () => ({ state: 'degraded', detail: 'socket wss://alice:SECRET_WS@dpow.example/service?api_key=SECRET_Q closed' }),
  };
}

describe('no secret from the config in any monitoring output', () => {
  let peer: FakeRpcPeer;
  let gate: Powgate;
  before(async function () {
    this.timeout(15_000);
    peer = await new FakeRpcPeer().start();
    const secretUrl = peer.url.replace('http://', 'http://user:SECRET_PEER@') + '/work?token=SECRET_TOKEN';
    const t = {
      backends: {
        peers: { type: 'rpc', urls: [secretUrl, 'http://admin:SECRET_DEAD@127.0.0.1:1'] },
        // Stands in for leakyBackend() below, which the test hands over itself.
        leaky: { type: 'rpc', urls: ['http://127.0.0.1:1'] },
        local: { type: 'local', cpu_threads: 1 },
      },
      tiers: [{ backends: ['peers'] }, { backends: ['leaky'] }, { backends: ['local'] }],
      // Unreachable on purpose: its failure reasons must not carry the password either.
      cache: { url: 'redis://:SECRET_REDIS@127.0.0.1:1/0' },
    };
    const config = testConfig(t);
    const backends = new Map<string, Backend>([
      ['peers', createBackend('peers', config.backends.peers as never, { network: NETWORKS[config.network] })],
      ['leaky', leakyBackend()],
      ['local', createBackend('local', config.backends.local as never, { network: NETWORKS[config.network] })],
    ]);
    gate = await startTestPowgate(t, backends);
    // Traffic, so counts, recent jobs and failure paths all have something to show.
    for (let i = 0; i < 3; i++) await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
    peer.behave('error');
    await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
  });
  after(async () => {
    await gate.close();
    await peer.close();
  });

  it('shows none in /api/status, /readyz, /healthz, /metrics, the dashboard and its assets', async () => {
    const outputs: Record<string, string> = {};
    for (const path of ['/api/status', '/readyz', '/healthz', '/metrics', '/dashboard', '/dashboard.js', '/dashboard.css']) {
      outputs[path] = await (await fetch(`${gate.url}${path}`)).text();
    }
    outputs['/ (browser)'] = await (await fetch(`${gate.url}/`, { headers: { accept: 'text/html' } })).text();
    for (const [path, text] of Object.entries(outputs)) {
      expect(text, path).to.not.match(/SECRET|user:|admin:|alice:|token=|api_key=/);
    }
    // What they do show: hosts and ports only.
    const status = JSON.parse(outputs['/api/status'] as string) as { backends: Array<{ name: string; endpoints: string[]; health: unknown }> };
    expect(status.backends.find((b) => b.name === 'peers')?.endpoints).to.deep.equal([peer.url, 'http://127.0.0.1:1']);
    expect(status.backends.find((b) => b.name === 'leaky')?.health).to.deep.equal({ state: 'degraded', detail: 'socket wss://dpow.example closed' });
    expect(outputs['/readyz']).to.include('cache (redis) does not answer');
  });
});

describe('an rpc peer that echoes our credentials in its error', () => {
  let peer: FakeRpcPeer;
  let gate: Powgate;
  const logs = captureLogs('debug');
  before(async function () {
    this.timeout(15_000);
    peer = await new FakeRpcPeer().start();
    peer.behave('echo');
    const url = peer.url.replace('http://', 'http://user:SECRET_PASS@') + '/work?key=SECRET_KEY&k=SECRET_K';
    gate = await startTestPowgate({ backends: { peers: { type: 'rpc', urls: [url] } }, tiers: [{ backends: ['peers'] }] }, undefined, { logger: logs.logger });
  });
  after(async () => {
    await gate.close();
    await peer.close();
  });

  it('relays neither the Basic-auth header nor the query to the client or the logs', async () => {
    const answer = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
    // The peer did echo them: the test is not passing on a quiet peer.
    expect(peer.generates()[0]?.headers.authorization).to.match(/^Basic /);
    const error = String(answer.json.error);
    expect(error, error).to.include(peer.url).and.include('Forbidden: POST /work?key=***&k=*** with Authorization: Basic ***');
    const basic = Buffer.from('user:SECRET_PASS').toString('base64');
    const logged = logs.lines.join('\n');
    expect(logged).to.include('Forbidden');
    for (const text of [error, logged]) expect(text).to.not.include('SECRET').and.not.include(basic);
  });
});
