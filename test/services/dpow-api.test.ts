import { expect } from 'chai';
import { createDpowBackend } from '../../lib/backends/dpow.js';
import { BackendConfigError } from '../../lib/errors.js';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { dpowServiceChecks, openSocket, postService } from '../helpers/dpow-service-checks.js';
import { captureLogs, randomRoot, rpc, startTestPowgate, type TestConfig } from '../helpers/powgate.js';

const DEV = 0xffc0000000000000n;
const KEY = 'svc-key-0123456789abcdef';
const ACCOUNT = 'nano_1111111111111111111111111111111111111111111111111111hifc8npp';

/** powgate serving the DPoW service API for service `svc`, its work from a fake rpc peer (latency under the test's control). */
async function servicePowgate(t: TestConfig = {}, svc: Record<string, unknown> = {}, logger?: ReturnType<typeof captureLogs>['logger']) {
  const peer = await new FakeRpcPeer().start();
  const pg = await startTestPowgate(
    {
      backends: { peer: { type: 'rpc', urls: [peer.url] } },
      services: { svc: { key: KEY, rate: 0, ...svc } },
      ...t,
    },
    undefined,
    logger === undefined ? {} : { logger },
  );
  return { pg, peer, close: async () => Promise.all([pg.close(), peer.close()]) };
}

dpowServiceChecks('powgate', async (options) => {
  const { pg, peer, close } = await servicePowgate(
    options.heartbeat === undefined ? {} : { service_api: { heartbeat: `${options.heartbeat}ms` } },
    options.throttle === undefined ? {} : { rate: options.throttle, burst: options.throttle, max_delay: '5s' },
  );
  return {
    url: pg.url,
    wsUrl: `${pg.url.replace('http', 'ws')}/service_ws/`,
    user: 'svc',
    key: KEY,
    secondMs: 1000,
    difficulty: DEV,
    latency: (ms) => peer.behave('valid', ms),
    close: async () => void (await close()),
  };
});

describe('the DPoW service API on powgate', function () {
  this.timeout(20_000);
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const serve = async (t: TestConfig = {}, svc: Record<string, unknown> = {}, logger?: ReturnType<typeof captureLogs>['logger']) => {
    const s = await servicePowgate(t, svc, logger);
    closers.push(s.close);
    return s;
  };
  /** A second powgate whose only backend is powgate's own `dpow` backend, pointed at `back`. */
  const front = async (back: Powgate, sockets: number, timeout = '5s'): Promise<Powgate> => {
    const backend = createDpowBackend('dpow', {
      url: `${back.url.replace('http', 'ws')}/service_ws/`,
      postUrl: `${back.url}/service/`,
      user: 'svc',
      apiKey: KEY,
      sockets,
      timeout: Number.parseInt(timeout, 10) * 1000,
      sendAccount: true,
      network: 'nano-dev',
      reconnect: { base: 20, max: 100 },
      timeoutRetry: { base: 20, max: 50 },
    });
    closers.push(() => backend.close());
    const pg = await startTestPowgate({ backends: { dpow: { type: 'local', cpu_threads: 1 } } }, new Map([['dpow', backend]]));
    closers.push(() => pg.close());
    return pg;
  };

  for (const [transport, sockets] of [
    ['websocket', 2],
    ['POST', 0],
  ] as const) {
    it(`serves powgate's own dpow backend over ${transport}: validated work, counted for the service`, async () => {
      const { pg: back, peer } = await serve();
      const gate = await front(back, sockets);
      if (sockets > 0) await new Promise((r) => setTimeout(r, 100));
      const roots = Array.from({ length: 6 }, () => randomRoot());
      const answers = await Promise.all(roots.map((root) => rpc(gate.url, { action: 'work_generate', hash: root, account: ACCOUNT })));
      for (const [i, answer] of answers.entries()) {
        expect(answer.headers.get('x-powgate-source'), answer.text).to.equal('dpow');
        expect(workValue(hexToBytes(roots[i] as string), BigInt(`0x${answer.json.work}`)) >= DEV).to.equal(true);
      }
      expect(peer.generates().length).to.equal(6);
      const entry = back.services.byName('svc');
      expect(entry?.counts.requests).to.equal(6);
      expect(entry?.counts.works.get('peer')).to.equal(6);
      // The same roots again: the back's cache answers, and that is no charge.
      await Promise.all(roots.map((root) => rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'f000000000000000' })));
      expect(back.services.usedToday(entry as NonNullable<typeof entry>)).to.equal(6);
    });
  }

  it("passes the dpow backend's idle probe with good credentials, and fails it with a wrong key", async () => {
    const { pg: back } = await serve();
    const make = (apiKey: string) =>
      createDpowBackend('dpow', {
        url: `${back.url.replace('http', 'ws')}/service_ws/`,
        postUrl: `${back.url}/service/`,
        user: 'svc',
        apiKey,
        sockets: 0,
        timeout: 5000,
        sendAccount: true,
        network: 'nano-dev',
      });
    const good = make(KEY);
    const bad = make(`${KEY}-wrong`);
    closers.push(
      () => good.close(),
      () => bad.close(),
    );
    await good.probe?.(new AbortController().signal);
    let error: unknown;
    await bad.probe?.(new AbortController().signal).catch((err: unknown) => {
      error = err;
    });
    expect(error).to.be.instanceOf(BackendConfigError);
  });

  it("keeps a late result: the dpow backend's retry after `timeout: true` gets it", async () => {
    const { pg: back, peer } = await serve();
    peer.behave('valid', 1500);
    const gate = await front(back, 1, '1s');
    await new Promise((r) => setTimeout(r, 100));
    const root = randomRoot();
    const answer = await rpc(gate.url, { action: 'work_generate', hash: root });
    expect(answer.headers.get('x-powgate-source'), answer.text).to.equal('dpow');
    // One job upstream, however many times the client asked.
    expect(peer.generates().length).to.equal(1);
  });

  it("answers DPoW's timeout when powgate's own deadline (work.deadline) passes first", async () => {
    const { pg: back, peer } = await serve({ work: { deadline: '300ms' } });
    peer.behave('hang');
    const reply = await postService(back.url, { user: 'svc', api_key: KEY, hash: randomRoot(), timeout: 5, id: 9 });
    expect(reply.json).to.deep.equal({ error: 'Timeout reached without work', timeout: true, id: 9 });
  });

  it('hands `account` to the engine, so precache learns the account', async () => {
    const { pg: back } = await serve({ precache: { enabled: true } });
    const before = back.precache.status().trackedAccounts;
    const reply = await postService(back.url, { user: 'svc', api_key: KEY, hash: randomRoot(), account: ACCOUNT.replace('nano_', 'xrb_') });
    expect(reply.json.work).to.be.a('string');
    expect(back.precache.status().trackedAccounts).to.equal(before + 1);
  });

  it("refuses over the service's rate bound, with the catalogue's message, and never a key in logs, metrics or status", async () => {
    const logs = captureLogs('trace');
    const { pg: back } = await serve({ log: { level: 'trace' } }, { rate: 1, burst: 1, max_delay: '0s' }, logs.logger);
    const first = await postService(back.url, { user: 'svc', api_key: KEY, hash: randomRoot(), id: 1 });
    expect(first.json.work).to.be.a('string');
    const second = await postService(back.url, { user: 'svc', api_key: KEY, hash: randomRoot(), id: 2 });
    expect(second.json).to.deep.equal({ error: "Too many requests: over this service's rate limit (requests/s and burst); retry later", id: 2 });
    await postService(back.url, { user: 'svc', api_key: `${KEY}-wrong`, hash: randomRoot() });
    const ws = await openSocket(`${back.url.replace('http', 'ws')}/service_ws/`);
    ws.send(JSON.stringify({ user: 'svc', api_key: KEY, hash: 'zz' }));
    await new Promise((r) => ws.once('message', r));
    ws.close();
    const shown = [
      logs.lines.join('\n'),
      await (await fetch(`${back.url}/metrics`)).text(),
      await (await fetch(`${back.url}/api/status`)).text(),
      await (await fetch(`${back.url}/`, { headers: { accept: 'text/html' } })).text(),
    ].join('\n');
    expect(shown).to.not.include(KEY);
    expect(back.services.byName('svc')?.counts.refused.rate).to.equal(2);
  });

  it('refuses a service whose actions leave out work_generate', async () => {
    const { pg: back } = await serve({}, { actions: ['account_info'] });
    const reply = await postService(back.url, { user: 'svc', api_key: KEY, hash: randomRoot() });
    expect(reply.json.error).to.equal("Action 'work_generate' is not among this service's allowed actions");
  });

  it('bounds the websockets (service_api.max_sockets) and the requests queued on one (1008 past 32)', async () => {
    const { pg: back, peer } = await serve({ service_api: { max_sockets: 1 } });
    const url = `${back.url.replace('http', 'ws')}/service_ws/`;
    const first = await openSocket(url);
    let refused: unknown;
    await openSocket(url).then(
      (ws) => ws.terminate(),
      (err: unknown) => {
        refused = err;
      },
    );
    expect(String(refused)).to.include('503');
    peer.behave('valid', 2000);
    const code = new Promise<number>((resolve) => first.once('close', (c) => resolve(c)));
    for (let i = 0; i < 40; i++) first.send(JSON.stringify({ user: 'svc', api_key: KEY, hash: randomRoot(), id: i + 1 }));
    expect(await code).to.equal(1008);
  });

  it('is off with service_api.enabled: false (the path is node RPC again)', async () => {
    const { pg: back } = await serve({ service_api: { enabled: false } });
    const reply = await postService(back.url, { user: 'svc', api_key: KEY, hash: randomRoot() }, '/service/');
    expect(reply.json.error).to.equal('Unable to parse JSON');
  });
});
