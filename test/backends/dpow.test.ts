import { expect } from 'chai';
import { createDpowBackend, type DpowBackendOptions } from '../../lib/backends/dpow.js';
import { createBackend } from '../../lib/backends/index.js';
import { createLocalBackend } from '../../lib/backends/local.js';
import { createRpcBackend } from '../../lib/backends/rpc.js';
import type { Backend } from '../../lib/backends/types.js';
import { redactConfig } from '../../lib/config/index.js';
import { BackendConfigError, ConfigError } from '../../lib/errors.js';
import { hexToBytes, NETWORKS, type NetworkName, workValue } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { FakeDpow } from '../fakes/dpow.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { backendConformance } from '../helpers/backend-conformance.js';
import { captureLogs, randomRoot, rpc, startTestPowgate, type TestConfig, testBackendConfig, testConfig } from '../helpers/powgate.js';
import { workJob } from '../helpers/work-job.js';

const DEV_BASE = 0xffc0000000000000n;
const DEV_HEX = 'ffc0000000000000';
const API_KEY = 'dpow-secret-4b1d7e2a9c';
const ACCOUNT = 'nano_1111111111111111111111111111111111111111111111111111hifc8npp';
// spec node-rpc.md §6: real work at Nano thresholds, for tests on the live network presets.
const V1 = { root: '718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2', work: 0x2b3d689bbcb21dcan };
const V8 = { root: '3F93C5CD2E314FA16702189041E68E68C07B27961BF37F0B7705145BEFBA3AA3', work: 0x205452237a9b01f4n };

function meets(root: string, work: string | undefined, target = DEV_BASE): boolean {
  return work !== undefined && workValue(hexToBytes(root), BigInt(`0x${work}`)) >= target;
}

function options(fake: FakeDpow, over: Partial<DpowBackendOptions> = {}): DpowBackendOptions {
  return {
    url: fake.wsUrl,
    postUrl: fake.postUrl,
    user: 'svc',
    apiKey: API_KEY,
    sockets: 4,
    timeout: 5000,
    sendAccount: true,
    network: 'nano-dev',
    reconnect: { base: 20, max: 100 },
    ...over,
  };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

backendConformance('dpow', async () => {
  const fake = await new FakeDpow({ services: { svc: API_KEY }, difficulty: DEV_BASE }).start();
  return {
    backend: createDpowBackend('dpow', options(fake, { timeout: 25_000 })),
    stall: () => {
      fake.behave('never');
      return DEV_BASE;
    },
    unstall: () => fake.behave('valid', 0),
    dispose: () => fake.close(),
  };
});

describe('dpow backend through powgate', function () {
  this.timeout(20_000);
  const fakes: FakeDpow[] = [];
  const peers: FakeRpcPeer[] = [];
  let pg: Powgate | undefined;

  const dpow = async (o: ConstructorParameters<typeof FakeDpow>[0] = {}): Promise<FakeDpow> => {
    const fake = await new FakeDpow({ services: { svc: API_KEY }, difficulty: DEV_BASE, ...o }).start();
    fakes.push(fake);
    return fake;
  };
  /** powgate with `backends` in the given tiers (default: each its own tier, in order). */
  const start = async (backends: Record<string, Backend>, t: TestConfig = {}, logger?: ReturnType<typeof captureLogs>['logger']): Promise<Powgate> => {
    const names = Object.keys(backends);
    pg = await startTestPowgate(
      {
        // Only the names and tiers matter: the backends themselves are given.
        backends: Object.fromEntries(names.map((n) => [n, { type: 'local', cpu_threads: 1 }])),
        tiers: names.map((n) => ({ backends: [n] })),
        ...t,
      },
      new Map(Object.entries(backends)),
      logger === undefined ? {} : { logger },
    );
    return pg;
  };
  const local = (): Backend => createLocalBackend('local', { cpuThreads: 1, cpuImpl: 'auto', gpu: 'off' });
  const ask = (gate: Powgate, root: string, extra: Record<string, unknown> = {}) =>
    rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV_HEX, ...extra });
  const metrics = async (gate: Powgate): Promise<string> => (await fetch(`${gate.url}/metrics`)).text();

  afterEach(async () => {
    await pg?.close();
    pg = undefined;
    await Promise.all([...fakes.splice(0), ...peers.splice(0)].map((f) => f.close()));
  });

  it('sends user, api_key, the hash upper-case, account, a truthy id and timeout in seconds; answers validated work', async () => {
    const fake = await dpow();
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake, { timeout: 7000 })) });
    const root = randomRoot();
    const { json, headers } = await ask(gate, root.toLowerCase(), { account: ACCOUNT });
    expect(headers.get('x-powgate-source')).to.equal('dpow');
    expect(meets(root, json.work)).to.equal(true);
    const body = fake.calls[0]?.body;
    expect(body).to.deep.equal({ user: 'svc', api_key: API_KEY, hash: root, account: ACCOUNT, id: body?.id, timeout: 7 });
    expect(body?.id).to.be.a('number').and.above(0);
  });

  it('leaves account out with send_account: false', async () => {
    const fake = await dpow();
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake, { sendAccount: false })) });
    await ask(gate, randomRoot(), { account: ACCOUNT });
    expect(fake.calls[0]?.body).to.not.have.property('account');
  });

  it('keeps one request per socket: 20 concurrent different hashes over 4 sockets are all answered, none crossed', async () => {
    const fake = (await dpow()).behave('valid', 100);
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake)) });
    await until(() => fake.openSockets === 4);
    const roots = Array.from({ length: 20 }, () => randomRoot());
    const answers = await Promise.all(roots.map((root) => ask(gate, root)));
    answers.forEach((answer, i) => expect(meets(roots[i] as string, answer.json.work), `root ${i}`).to.equal(true));
    expect(answers.every((a) => a.headers.get('x-powgate-source') === 'dpow')).to.equal(true);
    expect(fake.pipelined).to.equal(0);
    const ws = fake.calls.filter((c) => c.transport === 'ws');
    expect(new Set(ws.map((c) => c.socket)).size).to.equal(4);
    expect(fake.calls).to.have.length(20);
    // What did not find an idle socket went by POST, at once rather than queued.
    expect(fake.calls.filter((c) => c.transport === 'post').length)
      .to.equal(20 - ws.length)
      .and.above(0);
    expect(new Set(fake.calls.map((c) => c.body.id)).size).to.equal(20);
  });

  it('keeps asking while the server says timeout, and gets the result it kept when it lands late', async () => {
    // The real server's timing: the workers' result lands just after the client was told "timeout"
    // (here after the third), so one immediate retry is not enough; asking again until the deadline is.
    const fake = (await dpow({ secondMs: 50 })).behave('late');
    fake.lateAfter = 3;
    const backend = createDpowBackend('dpow', options(fake, { timeout: 1000, sockets: 1 }));
    const gate = await start({ dpow: backend });
    const root = randomRoot();
    const { json, headers } = await ask(gate, root);
    expect(headers.get('x-powgate-source'), JSON.stringify(json)).to.equal('dpow');
    expect(meets(root, json.work)).to.equal(true);
    const calls = fake.callsFor(root);
    expect(calls).to.have.length(4);
    expect(new Set(calls.map((c) => c.body.id)).size).to.equal(4);
    expect(fake.timeouts.get(root)).to.equal(3);
    const text = await metrics(gate);
    expect(text).to.include('powgate_dpow_timeout_retries_total{backend="dpow"} 3');
    const ws = calls.filter((c) => c.transport === 'ws').length;
    expect(text).to.include(`powgate_dpow_requests_total{backend="dpow",transport="websocket"} ${ws}`);
    expect(text).to.include(`powgate_dpow_requests_total{backend="dpow",transport="post"} ${4 - ws}`);
    expect(text).to.include('powgate_backend_outcomes_total{backend="dpow",outcome="won"} 1');
  });

  it('a server that says timeout until the deadline: asked again and again, the request ends at its deadline', async () => {
    const fake = (await dpow({ secondMs: 20 })).behave('never');
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake, { timeout: 1000 })) }, { work: { deadline: '1500ms' } });
    const root = randomRoot();
    const { json } = await ask(gate, root);
    expect(json.error).to.match(/^Timeout: no work for/);
    expect(fake.callsFor(root).length).to.be.at.least(3);
    expect(gate.service.breakers.get('dpow')?.state).to.equal('closed');
  });

  it('while DPoW keeps saying timeout, a later tier answers after hedge_after', async () => {
    const fake = (await dpow({ secondMs: 20 })).behave('never');
    const gate = await start(
      { dpow: createDpowBackend('dpow', options(fake, { timeout: 1000 })), local: local() },
      { tiers: [{ backends: ['dpow'], hedge_after: '200ms' }, { backends: ['local'] }] },
    );
    const root = randomRoot();
    const { json, headers } = await ask(gate, root);
    expect(headers.get('x-powgate-source')).to.equal('local');
    expect(meets(root, json.work)).to.equal(true);
    expect(await metrics(gate)).to.include('powgate_backend_outcomes_total{backend="dpow",outcome="failed"} 0');
  });

  it('a websocket answer clears an earlier POST failure: the status does not depend on history', async () => {
    const fake = await dpow();
    fake.refuseWebsockets = true;
    // POST goes nowhere: port 1 refuses.
    const backend = createDpowBackend('dpow', { ...options(fake, { sockets: 1 }), postUrl: 'http://127.0.0.1:1/service/' });
    const gate = await start({ dpow: backend, local: local() });
    expect((await ask(gate, randomRoot())).headers.get('x-powgate-source')).to.equal('local');
    expect(backend.stats().post).to.equal(1);
    expect(backend.status?.()).to.deep.equal({ state: 'down', detail: 'all 1 websockets down and POST failing' });
    fake.refuseWebsockets = false;
    await until(() => backend.status?.().state === 'ok');
    expect((await ask(gate, randomRoot())).headers.get('x-powgate-source')).to.equal('dpow');
    expect(backend.stats().websocket).to.equal(1);
    fake.dropSockets();
    fake.refuseWebsockets = true;
    await until(() => backend.status?.().state !== 'ok');
    // What an identical instance that never had a POST fail says.
    expect(backend.status?.()).to.deep.equal({ state: 'degraded', detail: 'all 1 websockets down; requests go by POST' });
  });

  it('a chain whose backends can serve nothing on the network (DPoW alone on Banano) is refused at start-up with the key path', async () => {
    const fake = await dpow();
    let error: unknown;
    try {
      pg = await startTestPowgate({ network: 'banano', backends: { dpow: dpowConfig(fake) } });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).path).to.equal('backends.dpow');
    expect((error as Error).message).to.include('no backend can serve work on network banano');
  });

  it('Invalid credentials: a configuration error, one log line, skipped for max_cooldown, config_error status without the key', async () => {
    const fake = await dpow({ services: { svc: 'the-right-key' } });
    const backend = createDpowBackend('dpow', options(fake));
    const { logger, lines } = captureLogs('debug');
    const gate = await start({ dpow: backend, local: local() }, { breaker: { failures: 3, cooldown: '1s', max_cooldown: '5m' } }, logger);
    for (let i = 0; i < 4; i++) {
      const { headers } = await ask(gate, randomRoot());
      expect(headers.get('x-powgate-source')).to.equal('local');
    }
    expect(fake.calls).to.have.length(1);
    expect(gate.service.breakers.get('dpow')?.retryIn).to.be.above(250_000);
    const status = backend.status?.();
    expect(status?.state).to.equal('config_error');
    expect(status?.detail).to.include('backends.dpow.api_key').and.include('backends.dpow.user').and.not.include(API_KEY);
    expect(lines.filter((l) => l.includes('configuration error'))).to.have.length(1);
    expect(lines.join('\n')).to.not.include(API_KEY);
  });

  it('a credentials error is visible on /readyz and /api/status, never the key', async () => {
    const fake = await dpow({ services: { svc: 'the-right-key' } });
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake, { sockets: 0 })) });
    expect((await fetch(`${gate.url}/readyz`)).status).to.equal(200);
    await ask(gate, randomRoot());
    const ready = await fetch(`${gate.url}/readyz`);
    const text = await ready.text();
    expect(ready.status).to.equal(503);
    expect(text).to.include('dpow').and.not.include(API_KEY);
    const status = await (await fetch(`${gate.url}/api/status`)).text();
    expect(status).to.include('config_error').and.not.include(API_KEY);
    expect(await metrics(gate)).to.not.include(API_KEY);
  });

  it('the credentials error clears once DPoW answers past its credential check', async () => {
    const fake = await dpow({ services: { svc: 'other' } });
    const backend = createDpowBackend('dpow', options(fake, { sockets: 0 }));
    const job = (root = randomRoot()) => workJob({ root, target: DEV_BASE });
    expect(await backend.generate(job()).catch((e: unknown) => e)).to.be.instanceOf(BackendConfigError);
    expect(backend.status?.().state).to.equal('config_error');
    await fake.close();
    const fixed = await dpow({ services: { svc: API_KEY } });
    const again = createDpowBackend('dpow', options(fixed, { sockets: 0 }));
    await again.generate(job());
    expect(again.status?.().state).to.equal('ok');
    await backend.close();
    await again.close();
  });

  for (const [mode, what] of [
    ['zero', '"work": "0"'],
    ['wrong', 'work below the target'],
  ] as const) {
    it(`${what} is invalid: never returned, counted as invalid, the next tier answers`, async () => {
      const fake = (await dpow()).behave(mode);
      const backend = createDpowBackend('dpow', options(fake));
      const gate = await start({ dpow: backend, local: local() });
      // Work 0 meets the dev base for about one random root in sixteen: pick one where it does not.
      let root = randomRoot();
      while (mode === 'zero' && workValue(hexToBytes(root), 0n) >= DEV_BASE) root = randomRoot();
      const { json, headers } = await ask(gate, root);
      expect(headers.get('x-powgate-source')).to.equal('local');
      expect(meets(root, json.work)).to.equal(true);
      expect(await metrics(gate)).to.include('powgate_backend_outcomes_total{backend="dpow",outcome="invalid"} 1');
      // The backend hands back what DPoW sent; judging it is the engine's job.
      const work = await backend.generate(workJob({ root, target: DEV_BASE }));
      expect(workValue(hexToBytes(root), work) < DEV_BASE).to.equal(true);
      if (mode === 'zero') expect(work).to.equal(0n);
    });
  }

  it('any other error is a failure, named in the answer when no tier is left', async () => {
    const fake = (await dpow()).behave('fail');
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake)) });
    const { json } = await ask(gate, randomRoot());
    // The backend is named once, by the engine.
    expect(json.error).to.match(/^Work generation failed: dpow: DPoW error: Unknown error, please report/);
    expect(await metrics(gate)).to.include('powgate_backend_outcomes_total{backend="dpow",outcome="failed"} 1');
  });

  it('serves the Nano base on the live network, with real work', async () => {
    const fake = await dpow({ difficulty: 0xfffffff800000000n, works: new Map([[V1.root, V1.work]]) });
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake, { network: 'nano' })) }, { network: 'nano' });
    const { json, headers } = await rpc(gate.url, { action: 'work_generate', hash: V1.root });
    expect(headers.get('x-powgate-source')).to.equal('dpow');
    expect(json.work).to.equal('2b3d689bbcb21dca');
  });

  for (const [network, difficulty, why] of [
    ['nano', 'fffffff800000001', 'a target above fffffff800000000'],
    ['banano', 'fffffe0000000000', 'Banano'],
  ] as const) {
    it(`skips (does not fail) ${why}: the next tier answers and DPoW is never asked`, async () => {
      const fake = await dpow({ difficulty: 0xfffffff800000000n });
      const peer = await new FakeRpcPeer().start();
      peers.push(peer);
      peer.works.set(V8.root, V8.work);
      const gate = await start(
        {
          dpow: createBackend('dpow', testBackendConfig(dpowConfig(fake)), { network: NETWORKS[network as NetworkName] }),
          peers: createRpcBackend('peers', { urls: [peer.url], sendAccount: true }),
        },
        { network },
      );
      const { json, headers } = await rpc(gate.url, { action: 'work_generate', hash: V8.root, difficulty });
      expect(json.work).to.equal('205452237a9b01f4');
      expect(headers.get('x-powgate-source')).to.equal('peers');
      expect(fake.calls).to.have.length(0);
      const text = await metrics(gate);
      expect(text).to.include('powgate_backend_outcomes_total{backend="dpow",outcome="unsupported"} 1');
      expect(text).to.include('powgate_backend_outcomes_total{backend="dpow",outcome="failed"} 0');
      expect(gate.service.breakers.get('dpow')?.state).to.equal('closed');
    });
  }

  it('socket loss mid-request: the request still gets its work by POST, and the sockets come back', async () => {
    const fake = (await dpow()).behave('valid', 300);
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake)) });
    await until(() => fake.openSockets === 4);
    const root = randomRoot();
    const pending = ask(gate, root);
    await until(() => fake.callsFor(root).length === 1);
    expect(fake.callsFor(root)[0]?.transport).to.equal('ws');
    fake.dropSockets();
    const { json, headers } = await pending;
    expect(headers.get('x-powgate-source')).to.equal('dpow');
    expect(meets(root, json.work)).to.equal(true);
    expect(fake.callsFor(root).map((c) => c.transport)).to.deep.equal(['ws', 'post']);
    await until(() => fake.openSockets === 4);
    expect(fake.connections).to.equal(8);
  });

  it('socket loss mid-request with POST down too: another tier answers', async () => {
    const fake = (await dpow()).behave('valid', 300);
    const backend = createDpowBackend('dpow', options(fake, { postUrl: 'http://127.0.0.1:1/service/' }));
    const gate = await start({ dpow: backend, local: local() });
    await until(() => fake.openSockets === 4);
    const root = randomRoot();
    const pending = ask(gate, root);
    await until(() => fake.callsFor(root).length === 1);
    fake.refuseWebsockets = true;
    fake.dropSockets();
    const { json, headers } = await pending;
    expect(headers.get('x-powgate-source')).to.equal('local');
    expect(meets(root, json.work)).to.equal(true);
    expect(json.error).to.equal(undefined);
    await until(() => backend.status?.().state === 'down');
    expect(backend.status?.().detail).to.include('POST failing');
  });

  it('with every socket down, requests go by POST and status says degraded', async () => {
    const fake = await dpow();
    fake.refuseWebsockets = true;
    const backend = createDpowBackend('dpow', options(fake, { sockets: 2 }));
    const gate = await start({ dpow: backend });
    // Each socket fails on its own: "1 of 2 reconnecting" comes first, for a moment.
    await until(() => backend.status?.().detail === 'all 2 websockets down; requests go by POST');
    expect(backend.status?.().state).to.equal('degraded');
    const root = randomRoot();
    expect(meets(root, (await ask(gate, root)).json.work)).to.equal(true);
    expect(fake.calls.map((c) => c.transport)).to.deep.equal(['post']);
    fake.refuseWebsockets = false;
    await until(() => backend.status?.().state === 'ok');
  });

  it("a reply with another request's id drops the socket; the request goes by POST", async () => {
    const fake = await dpow();
    fake.corruptIds = true;
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake, { sockets: 1 })) });
    await until(() => fake.openSockets === 1);
    const root = randomRoot();
    const { json } = await ask(gate, root);
    expect(meets(root, json.work)).to.equal(true);
    expect(fake.callsFor(root).map((c) => c.transport)).to.deep.equal(['ws', 'post']);
    await until(() => fake.connections === 2);
  });

  it('keepalive pings never kill a socket while a request is in flight; a silent idle socket is replaced', async () => {
    // Pings every 25 ms, 250 ms to answer: a busy socket pinged to death would go long before the 800 ms reply.
    const fake = (await dpow()).behave('valid', 800);
    const backend = createDpowBackend('dpow', options(fake, { sockets: 1, pingInterval: 25, pongTimeout: 250 }));
    const gate = await start({ dpow: backend });
    await until(() => fake.openSockets === 1);
    const root = randomRoot();
    const { json } = await ask(gate, root);
    expect(meets(root, json.work)).to.equal(true);
    // The fake answered no ping for 800 ms (it pongs only between requests), yet the socket stayed.
    expect(fake.callsFor(root).map((c) => c.transport)).to.deep.equal(['ws']);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.connections).to.equal(1);
    fake.ignorePings = true;
    await until(() => fake.connections === 2);
  });

  it("answers the server's heartbeat pings; a request longer than the heartbeat loses its socket and goes by POST", async () => {
    const fake = (await dpow({ heartbeat: 40, heartbeatTimeout: 200 })).behave('valid', 0);
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake, { sockets: 1 })) });
    await until(() => fake.openSockets === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.heartbeatDrops).to.equal(0);
    expect(fake.connections).to.equal(1);
    // aiohttp counts the pong only at the handler's next read: a 600 ms request outlives 40 + 200 ms.
    fake.behave('valid', 600);
    const root = randomRoot();
    const { json } = await ask(gate, root);
    expect(meets(root, json.work)).to.equal(true);
    expect(fake.heartbeatDrops).to.equal(1);
    expect(fake.callsFor(root).map((c) => c.transport)).to.deep.equal(['ws', 'post']);
  });

  it('stays far under the 2048-byte frame limit', async () => {
    const fake = await dpow();
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake, { sockets: 1, user: 'a-rather-long-service-name-for-dpow' })) });
    await until(() => fake.openSockets === 1);
    await ask(gate, randomRoot(), { account: ACCOUNT });
    expect(fake.calls[0]?.transport).to.equal('ws');
    expect(fake.maxFrame).to.be.within(100, 1024);
  });

  it("queued behind the server's 1 req/s throttle, requests are answered late, not failed", async () => {
    const fake = await dpow({ throttle: 1 });
    const gate = await start({ dpow: createDpowBackend('dpow', options(fake, { sockets: 2 })) });
    const roots = [randomRoot(), randomRoot(), randomRoot()];
    const started = Date.now();
    const answers = await Promise.all(roots.map((root) => ask(gate, root)));
    answers.forEach((a, i) => expect(meets(roots[i] as string, a.json.work)).to.equal(true));
    expect(Date.now() - started).to.be.at.least(1900);
  });

  it('never shows the api key: logs, metrics, answers, status and redactConfig', async () => {
    const wrong = await dpow({ services: { svc: 'other' } });
    const never = (await dpow({ secondMs: 20 })).behave('never');
    const { logger, lines } = captureLogs('trace');
    const backends = {
      refused: createDpowBackend('refused', options(wrong)),
      slow: createDpowBackend('slow', options(never, { timeout: 1000 })),
      gone: createDpowBackend('gone', options(never, { url: 'ws://127.0.0.1:1/service_ws/', postUrl: 'http://127.0.0.1:1/service/' })),
    };
    // `slow` asks again until the deadline, so the deadline is short.
    const gate = await start(backends, { tiers: [{ backends: ['refused', 'slow', 'gone'] }], work: { deadline: '1500ms' } }, logger);
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) texts.push((await ask(gate, randomRoot())).text);
    texts.push(await metrics(gate));
    texts.push(JSON.stringify(Object.values(backends).map((b) => b.status?.())));
    texts.push(JSON.stringify(redactConfig(testConfig({ backends: { dpow: dpowConfig(never) } }))));
    texts.push(...lines);
    const all = texts.join('\n');
    expect(all).to.include('DPoW rejected the credentials');
    expect(all).to.not.include(API_KEY);
  });

  function dpowConfig(fake: FakeDpow) {
    return { type: 'dpow', url: fake.wsUrl, post_url: fake.postUrl, user: 'svc', api_key: API_KEY, sockets: 2, timeout: '5s' };
  }
});
