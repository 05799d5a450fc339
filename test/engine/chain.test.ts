import net from 'node:net';
import { expect } from 'chai';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate, type TestConfig } from '../helpers/powgate.js';

const DEV_BASE = 'ffc0000000000000';

function rpcBackend(peer: FakeRpcPeer) {
  return { type: 'rpc', urls: [peer.url] };
}

function meets(root: string, work: string, target: bigint): boolean {
  return workValue(hexToBytes(root), BigInt(`0x${work}`)) >= target;
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function metricsText(pg: Powgate): Promise<string> {
  return (await fetch(`${pg.url}/metrics`)).text();
}

describe('engine through HTTP: tiers, hedging, joins, cancels', () => {
  const peers: FakeRpcPeer[] = [];
  let pg: Powgate | undefined;
  const peer = async (): Promise<FakeRpcPeer> => {
    const p = await new FakeRpcPeer().start();
    peers.push(p);
    return p;
  };
  const start = async (config: TestConfig): Promise<Powgate> => {
    pg = await startTestPowgate({ network: 'nano-dev', ...config });
    return pg;
  };
  afterEach(async () => {
    await pg?.close();
    pg = undefined;
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('100 identical concurrent requests cause one upstream call', async () => {
    const p = (await peer()).behave('valid', 200);
    const gate = await start({ backends: { p: rpcBackend(p) } });
    const root = randomRoot();
    const answers = await Promise.all(Array.from({ length: 100 }, () => rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE })));
    expect(p.generates()).to.have.length(1);
    const works = new Set(answers.map((a) => a.json.work));
    expect(works.size).to.equal(1);
    expect(meets(root, [...works][0] as string, 0xffc0000000000000n)).to.equal(true);
  });

  it('a higher target raises the running job: everyone gets work meeting the higher target, no work_cancel in between', async () => {
    const p = (await peer()).behave('valid', 300);
    const gate = await start({ backends: { p: rpcBackend(p) } });
    const root = randomRoot();
    const low = rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE });
    await p.waitFor('work_generate', 1);
    const high = rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'fff0000000000000' });
    const [a, b] = await Promise.all([low, high]);
    expect(p.generates().map((c) => c.body.difficulty)).to.deep.equal([DEV_BASE, 'fff0000000000000']);
    expect(a.json.work).to.equal(b.json.work);
    expect(meets(root, b.json.work as string, 0xfff0000000000000n)).to.equal(true);
    expect(p.cancels()).to.have.length(0);
    // A lower request joins a higher job without touching it.
    const root2 = randomRoot();
    const high2 = rpc(gate.url, { action: 'work_generate', hash: root2, difficulty: 'fff0000000000000' });
    await p.waitFor('work_generate', 3);
    const low2 = await rpc(gate.url, { action: 'work_generate', hash: root2, difficulty: DEV_BASE });
    expect((await high2).json.work).to.equal(low2.json.work);
    expect(p.generates()).to.have.length(3);
  });

  it('hedge_after starts the next tier; the slow loser is sent work_cancel', async () => {
    const slow = (await peer()).behave('valid', 5000);
    const fast = (await peer()).behave('valid', 0);
    const gate = await start({
      backends: { slow: rpcBackend(slow), fast: rpcBackend(fast) },
      tiers: [{ backends: ['slow'], hedge_after: '100ms' }, { backends: ['fast'] }],
    });
    const started = Date.now();
    const { json, headers } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV_BASE });
    expect(json.work).to.match(/^[0-9a-f]{16}$/);
    expect(headers.get('x-powgate-source')).to.equal('fast');
    expect(Date.now() - started).to.be.below(4000);
    await slow.waitFor('work_cancel', 1);
    expect(fast.cancels()).to.have.length(0);
  });

  it('without hedging, a later tier waits for the earlier one', async () => {
    const first = (await peer()).behave('valid', 300);
    const second = (await peer()).behave('valid', 0);
    const gate = await start({
      backends: { first: rpcBackend(first), second: rpcBackend(second) },
      tiers: [{ backends: ['first'] }, { backends: ['second'] }],
    });
    const { headers } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV_BASE });
    expect(headers.get('x-powgate-source')).to.equal('first');
    expect(second.generates()).to.have.length(0);
  });

  for (const mode of ['error', 'http400', 'garbage', 'reset', 'zero'] as const) {
    it(`a tier that fails (${mode}) hands over at once`, async () => {
      const bad = (await peer()).behave(mode, 0);
      const good = (await peer()).behave('valid', 0);
      const gate = await start({
        backends: { bad: rpcBackend(bad), good: rpcBackend(good) },
        tiers: [{ backends: ['bad'], hedge_after: '1m' }, { backends: ['good'] }],
      });
      const started = Date.now();
      const { json, headers } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV_BASE });
      expect(json.work).to.match(/^[0-9a-f]{16}$/);
      expect(headers.get('x-powgate-source')).to.equal('good');
      expect(Date.now() - started).to.be.below(5000);
      const outcome = mode === 'zero' ? 'invalid' : 'failed';
      expect(await metricsText(gate)).to.include(`powgate_backend_outcomes_total{backend="bad",outcome="${outcome}"} 1`);
    });
  }

  it("invalid work from a fast peer is never returned while a slow peer's valid work is", async () => {
    const liar = (await peer()).behave('invalid', 0);
    const honest = (await peer()).behave('valid', 200);
    const gate = await start({ backends: { liar: rpcBackend(liar), honest: rpcBackend(honest) }, tiers: [{ backends: ['liar', 'honest'] }] });
    const root = randomRoot();
    const { json, headers } = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE });
    expect(headers.get('x-powgate-source')).to.equal('honest');
    expect(meets(root, json.work as string, 0xffc0000000000000n)).to.equal(true);
    expect(await metricsText(gate)).to.include('powgate_backend_outcomes_total{backend="liar",outcome="invalid"} 1');
  });

  it('inside one rpc backend, an invalid fast URL loses to a valid slow URL', async () => {
    const liar = (await peer()).behave('invalid', 0);
    const honest = (await peer()).behave('valid', 200);
    const gate = await start({ backends: { peers: { type: 'rpc', urls: [liar.url, honest.url] } } });
    const root = randomRoot();
    const { json } = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE });
    expect(meets(root, json.work as string, 0xffc0000000000000n)).to.equal(true);
  });

  it('invalid work only: an error, nothing cached, the next request asks again', async () => {
    const liar = (await peer()).behave('invalid', 0);
    const gate = await start({ backends: { liar: rpcBackend(liar) } });
    const root = randomRoot();
    const first = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE });
    expect(first.json.work).to.equal(undefined);
    expect(first.json.error).to.match(/invalid work/);
    expect(first.headers.get('x-powgate-source')).to.equal(null);
    await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE });
    expect(liar.generates()).to.have.length(2);
  });

  it('the per-request deadline answers with an error and stops the upstream work', async () => {
    const hang = (await peer()).behave('hang');
    const gate = await start({ backends: { hang: rpcBackend(hang) }, work: { deadline: '300ms' } });
    const root = randomRoot();
    const started = Date.now();
    const { status, json } = await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE });
    expect(status).to.equal(200);
    expect(json.error).to.match(/^Timeout/);
    expect(Date.now() - started).to.be.below(3000);
    await hang.waitFor('work_cancel', 1);
    expect(hang.cancels()[0]?.body.hash).to.equal(root);
    await until(() => gate.service.inFlight === 0);
  });

  it('a circuit opens after consecutive failures, skips the backend, then probes it after the cool-down', async () => {
    const bad = (await peer()).behave('http400', 0);
    const good = (await peer()).behave('valid', 0);
    const gate = await start({
      backends: { bad: rpcBackend(bad), good: rpcBackend(good) },
      tiers: [{ backends: ['bad'] }, { backends: ['good'] }],
      breaker: { failures: 2, cooldown: '400ms', max_cooldown: '10s' },
    });
    for (let i = 0; i < 4; i++) {
      const { json } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV_BASE });
      expect(json.work).to.match(/^[0-9a-f]{16}$/);
    }
    expect(bad.generates()).to.have.length(2);
    const text = await metricsText(gate);
    expect(text).to.include('powgate_backend_circuit_state{backend="bad"} 2');
    expect(text).to.include('powgate_backend_outcomes_total{backend="bad",outcome="circuit_open"} 2');
    await new Promise((r) => setTimeout(r, 450));
    bad.behave('valid', 0);
    const { headers } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV_BASE });
    expect(headers.get('x-powgate-source')).to.equal('bad');
    expect(await metricsText(gate)).to.include('powgate_backend_circuit_state{backend="bad"} 0');
  });

  it('every backend failing ends with one clear error naming them, not the peer URLs', async () => {
    const a = (await peer()).behave('error', 0);
    const gate = await start({ backends: { a: { type: 'rpc', urls: [a.url.replace('http://', 'http://user:secret@')] } } });
    const { text, json } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV_BASE });
    expect(json.error).to.match(/^Work generation failed: a: /);
    expect(text).to.not.include('secret');
  });

  it('a client that hangs up cancels its job and the peer is told', async () => {
    const hang = (await peer()).behave('hang');
    const gate = await start({ backends: { hang: rpcBackend(hang) } });
    const root = randomRoot();
    const controller = new AbortController();
    const pending = rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE }, { signal: controller.signal }).catch((e: unknown) => e);
    await hang.waitFor('work_generate', 1);
    controller.abort();
    expect(await pending).to.be.instanceOf(Error);
    await hang.waitFor('work_cancel', 1);
    await until(() => gate.service.inFlight === 0);
    expect(await metricsText(gate)).to.include('powgate_jobs_total{outcome="cancelled"} 1');
  });

  it('one client hanging up does not cancel a job others still wait for', async () => {
    const p = (await peer()).behave('valid', 300);
    const gate = await start({ backends: { p: rpcBackend(p) } });
    const root = randomRoot();
    const controller = new AbortController();
    const leaving = rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE }, { signal: controller.signal }).catch((e: unknown) => e);
    const staying = rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_BASE });
    await p.waitFor('work_generate', 1);
    controller.abort();
    await leaving;
    expect((await staying).json.work).to.match(/^[0-9a-f]{16}$/);
    expect(p.cancels()).to.have.length(0);
  });

  it('work_cancel on a fresh connection answers every pending request with Cancelled and tells the peers', async () => {
    const hang = (await peer()).behave('hang');
    const gate = await start({ backends: { hang: rpcBackend(hang) } });
    const root = randomRoot();
    const pending = [1, 2, 3].map(() => rpc(gate.url, { action: 'work_generate', hash: root.toLowerCase(), difficulty: DEV_BASE }));
    await hang.waitFor('work_generate', 1);
    const cancel = await rpc(gate.url, { action: 'work_cancel', hash: root.toLowerCase() });
    expect(cancel.text).to.equal('{\n    "success": ""\n}\n');
    for (const answer of await Promise.all(pending)) expect(answer.text).to.equal('{\n    "error": "Cancelled"\n}\n');
    await hang.waitFor('work_cancel', 1);
    // Same answer when nothing runs, and the node's errors for a bad hash.
    expect((await rpc(gate.url, { action: 'work_cancel', hash: randomRoot() })).text).to.equal('{\n    "success": ""\n}\n');
    expect((await rpc(gate.url, { action: 'work_cancel', hash: 'x' })).json.error).to.equal('Invalid block hash');
    expect((await rpc(gate.url, { action: 'work_cancel' })).json.error).to.equal('Unable to parse JSON');
  });

  it('accepts the exact request a node sends its work peers (Host without port, no user agent, one-shot connection)', async () => {
    const p = (await peer()).behave('valid', 0);
    const gate = await start({ backends: { p: rpcBackend(p) } });
    const root = randomRoot();
    const body = JSON.stringify(
      { action: 'work_generate', hash: root, difficulty: DEV_BASE, account: 'nano_1111111111111111111111111111111111111111111111111111hifc8npp' },
      null,
      4,
    );
    const port = Number(new URL(gate.url).port);
    // Like the node: write the request, read one response by Content-Length, drop the socket.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`POST / HTTP/1.1\r\nContent-Type: application/json\r\nHost: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
        const head = data.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(data)?.[1];
        if (head !== -1 && length !== undefined && Buffer.byteLength(data.slice(head + 4)) >= Number(length)) {
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', reject);
    });
    expect(raw.startsWith('HTTP/1.1 200 OK\r\n')).to.equal(true);
    const json = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
    expect(json.hash).to.equal(root);
    expect(meets(root, json.work as string, 0xffc0000000000000n), raw).to.equal(true);
  });
});
