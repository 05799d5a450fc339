import { expect } from 'chai';
import { type BoompowBackendOptions, boompowBase, createBoompowBackend } from '../../lib/backends/boompow.js';
import { createBackend } from '../../lib/backends/index.js';
import { createLocalBackend } from '../../lib/backends/local.js';
import type { Backend } from '../../lib/backends/types.js';
import { redactConfig } from '../../lib/config/index.js';
import { hexToBytes, NETWORKS, workValue } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { FakeBoompow } from '../fakes/boompow.js';
import { findWork } from '../fakes/rpc-peer.js';
import { backendConformance } from '../helpers/backend-conformance.js';
import { captureLogs, randomRoot, rpc, startTestPowgate, type TestConfig, testBackendConfig, testConfig } from '../helpers/powgate.js';
import { workJob } from '../helpers/work-job.js';

const TOKEN = 'service:7d1e4c2a-9b3f-4e8d-a1c5-0f6b2d9e8a77';
const DENIED = 'service:0b0b0b0b-9b3f-4e8d-a1c5-0f6b2d9e8a77';
const DEV = NETWORKS['nano-dev'];
const DEV_BASE = 0xffc0000000000000n;
// spec node-rpc.md §6 V8: valid at BoomPoW x1 (and far above), for the live Banano preset.
const V8 = { root: '3F93C5CD2E314FA16702189041E68E68C07B27961BF37F0B7705145BEFBA3AA3', work: 0x205452237a9b01f4n };

function meets(root: string, work: string | undefined, target: bigint): boolean {
  return work !== undefined && workValue(hexToBytes(root), BigInt(`0x${work}`)) >= target;
}

function options(fake: FakeBoompow, over: Partial<BoompowBackendOptions> = {}): BoompowBackendOptions {
  return { url: fake.url, token: TOKEN, blockAward: true, timeout: 10_000, network: DEV, retry: { base: 20, max: 100 }, ...over };
}

const newFake = (o: ConstructorParameters<typeof FakeBoompow>[0] = {}) =>
  new FakeBoompow({ tokens: [TOKEN, DENIED], denied: [DENIED], base: boompowBase(DEV), timeoutMs: 30, ...o }).start();

backendConformance('boompow', async () => {
  const fake = await newFake();
  return {
    backend: createBoompowBackend('boompow', options(fake, { timeout: 25_000 })),
    stall: () => {
      fake.behave('hang');
      return DEV_BASE;
    },
    unstall: () => fake.behave('valid', 0),
    dispose: () => fake.close(),
  };
});

describe('boompow backend through powgate', function () {
  this.timeout(20_000);
  const fakes: FakeBoompow[] = [];
  let pg: Powgate | undefined;

  const boompow = async (o: ConstructorParameters<typeof FakeBoompow>[0] = {}): Promise<FakeBoompow> => {
    const fake = await newFake(o);
    fakes.push(fake);
    return fake;
  };
  const start = async (backends: Record<string, Backend>, t: TestConfig = {}, logger?: ReturnType<typeof captureLogs>['logger']) => {
    const names = Object.keys(backends);
    pg = await startTestPowgate(
      {
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
  const ask = (gate: Powgate, root: string, difficulty: string) => rpc(gate.url, { action: 'work_generate', hash: root, difficulty });
  const metrics = async (gate: Powgate): Promise<string> => (await fetch(`${gate.url}/metrics`)).text();

  afterEach(async () => {
    await pg?.close();
    pg = undefined;
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('sends the token verbatim as Authorization, JSON, the mutation through variables, the hash upper-case', async () => {
    const fake = await boompow();
    const gate = await start({ boompow: createBoompowBackend('boompow', options(fake)) });
    const root = randomRoot();
    const { json, headers } = await ask(gate, root.toLowerCase(), 'ffc0000000000000');
    expect(headers.get('x-powgate-source')).to.equal('boompow');
    expect(meets(root, json.work, DEV_BASE)).to.equal(true);
    const call = fake.calls[0];
    expect(call?.headers.authorization).to.equal(TOKEN);
    expect(call?.headers['content-type']).to.equal('application/json');
    expect(call?.body.variables).to.deep.equal({ hash: root, multiplier: 64, award: true });
    expect(String(call?.body.query)).to.include('workGenerate(input:').and.not.include(root);
  });

  it('sends blockAward false when block_award is off', async () => {
    const fake = await boompow();
    const gate = await start({ boompow: createBoompowBackend('boompow', options(fake, { blockAward: false })) });
    await ask(gate, randomRoot(), 'f000000000000000');
    expect(fake.calls[0]?.input?.blockAward).to.equal(false);
  });

  it('rounds the multiplier up so the work meets the target', async () => {
    const fake = await boompow();
    const gate = await start({ boompow: createBoompowBackend('boompow', options(fake)) });
    for (const [difficulty, multiplier] of [
      ['f000000000000000', 1],
      ['f000000000000001', 2],
      ['fc00000000000000', 4],
      ['fc00000000000001', 5],
      ['ffbfffffffffffff', 64],
    ] as const) {
      const root = randomRoot();
      const { json } = await ask(gate, root, difficulty);
      expect(meets(root, json.work, BigInt(`0x${difficulty}`)), difficulty).to.equal(true);
      expect(fake.calls.at(-1)?.input?.difficultyMultiplier, difficulty).to.equal(multiplier);
    }
  });

  it('asks for 1 below its base on Banano (clamped), with real work', async () => {
    const fake = await boompow({ base: 0xfffffe0000000000n, works: new Map([[V8.root, V8.work]]) });
    const gate = await start(
      { boompow: createBackend('boompow', testBackendConfig(boompowConfig(fake)), { network: NETWORKS.banano }) },
      { network: 'banano' },
    );
    const { json, headers } = await ask(gate, V8.root, 'fffff00000000000');
    expect(headers.get('x-powgate-source')).to.equal('boompow');
    expect(json.work).to.equal('205452237a9b01f4');
    expect(fake.calls[0]?.input?.difficultyMultiplier).to.equal(1);
  });

  it('skips (does not fail) a target above 64x: the next tier answers and BoomPoW is never asked', async () => {
    const fake = await boompow();
    const gate = await start({ boompow: createBoompowBackend('boompow', options(fake)), local: local() });
    const root = randomRoot();
    const { json, headers } = await ask(gate, root, 'ffc0000000000001');
    expect(headers.get('x-powgate-source')).to.equal('local');
    expect(meets(root, json.work, 0xffc0000000000001n)).to.equal(true);
    expect(fake.calls).to.have.length(0);
    expect(await metrics(gate)).to.include('powgate_backend_outcomes_total{backend="boompow",outcome="unsupported"} 1');
  });

  for (const [what, token] of [
    ['HTTP 403 (unknown token)', 'service:00000000-0000-4000-8000-000000000000'],
    ['access denied', DENIED],
  ] as const) {
    it(`${what}: a configuration error, one log line, skipped for max_cooldown, config_error status without the token`, async () => {
      const fake = await boompow();
      const backend = createBoompowBackend('boompow', options(fake, { token }));
      const { logger, lines } = captureLogs('debug');
      const gate = await start({ boompow: backend, local: local() }, { breaker: { failures: 3, cooldown: '1s', max_cooldown: '5m' } }, logger);
      for (let i = 0; i < 4; i++) expect((await ask(gate, randomRoot(), 'f000000000000000')).headers.get('x-powgate-source')).to.equal('local');
      expect(fake.calls).to.have.length(1);
      expect(gate.service.breakers.get('boompow')?.retryIn).to.be.above(250_000);
      const status = backend.status?.();
      expect(status?.state).to.equal('config_error');
      expect(status?.detail).to.include('backends.boompow.token').and.not.include(token);
      const configLines = lines.filter((l) => l.includes('configuration error'));
      expect(configLines).to.have.length(1);
      expect(lines.join('\n')).to.not.include(token);
    });
  }

  it('retries `timeout` and HTTP 429 with backoff, then answers', async () => {
    const fake = await boompow();
    const backend = createBoompowBackend('boompow', options(fake));
    const gate = await start({ boompow: backend });
    fake.once.push('timeout', 'ratelimit', 'ratelimit');
    const root = randomRoot();
    const { json, headers } = await ask(gate, root, 'f000000000000000');
    expect(headers.get('x-powgate-source')).to.equal('boompow');
    expect(meets(root, json.work, 0xf000000000000000n)).to.equal(true);
    expect(fake.calls).to.have.length(4);
    expect(backend.status?.().state).to.equal('ok');
  });

  it('gives up at its own deadline and lets the next tier answer; status shows what it last saw', async () => {
    const fake = await boompow({ timeoutMs: 20 });
    fake.behave('timeout');
    const backend = createBoompowBackend('boompow', options(fake, { timeout: 300 }));
    const gate = await start({ boompow: backend, local: local() });
    const started = Date.now();
    const root = randomRoot();
    const { json, headers } = await ask(gate, root, 'f000000000000000');
    expect(headers.get('x-powgate-source')).to.equal('local');
    expect(meets(root, json.work, 0xf000000000000000n)).to.equal(true);
    expect(Date.now() - started).to.be.below(5000);
    expect(fake.calls.length).to.be.above(1);
    expect(backend.status?.()).to.deep.equal({ state: 'degraded', detail: 'BoomPoW retrying: timeout (no worker answered)' });
    fake.behave('hang');
    const err = await backend.generate(workJob({ root, target: DEV_BASE })).catch((e: unknown) => e);
    expect(String(err)).to.include('BackendTimeoutError: BoomPoW gave no work within 0.3s');
  });

  it('bad_request is a failure, not retried', async () => {
    const fake = await boompow();
    const gate = await start({ boompow: createBoompowBackend('boompow', options(fake)) });
    fake.once.push('bad_request');
    const { json } = await ask(gate, randomRoot(), 'f000000000000000');
    // The backend is named once, by the engine.
    expect(json.error).to.equal('Work generation failed: boompow: BoomPoW error: bad_request:invalid hash');
    expect(fake.calls).to.have.length(1);
  });

  it('lower-difficulty work from its cache is invalid: never returned, the next tier answers', async () => {
    const fake = await boompow();
    const root = randomRoot();
    // Work an earlier 1x request left: it meets 1x, not the 64x asked for now.
    let low = findWork(root, 0xf000000000000000n);
    while (workValue(hexToBytes(root), low) >= DEV_BASE) low = findWork(root, 0xf000000000000000n);
    fake.cacheWork(root, low);
    const gate = await start({ boompow: createBoompowBackend('boompow', options(fake)), local: local() });
    const { json, headers } = await ask(gate, root, 'ffc0000000000000');
    expect(headers.get('x-powgate-source')).to.equal('local');
    expect(meets(root, json.work, DEV_BASE)).to.equal(true);
    expect(await metrics(gate)).to.include('powgate_backend_outcomes_total{backend="boompow",outcome="invalid"} 1');
  });

  it('an unreachable server is a failure and status says down', async () => {
    const backend = createBoompowBackend('boompow', { url: 'http://127.0.0.1:1/graphql', token: TOKEN, blockAward: true, timeout: 2000, network: DEV });
    const root = randomRoot();
    const err = await backend.generate(workJob({ root, target: DEV_BASE })).catch((e: unknown) => e);
    expect(String(err)).to.include('BackendUnavailableError: BoomPoW http://127.0.0.1:1: ').and.include('ECONNREFUSED');
    expect(backend.status?.().state).to.equal('down');
  });

  it('never shows the token: logs, metrics, answers, status and redactConfig', async () => {
    const fake = await boompow({ timeoutMs: 10 });
    const { logger, lines } = captureLogs('trace');
    const backends = {
      refused: createBoompowBackend('refused', options(fake, { token: `${TOKEN}x` })),
      slow: createBoompowBackend('slow', options(fake, { timeout: 200 })),
      gone: createBoompowBackend('gone', options(fake, { url: 'http://127.0.0.1:1/graphql' })),
    };
    fake.behave('timeout');
    const gate = await start(backends, { tiers: [{ backends: ['refused', 'slow', 'gone'] }] }, logger);
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) texts.push((await ask(gate, randomRoot(), 'f000000000000000')).text);
    texts.push(await metrics(gate));
    texts.push(JSON.stringify(Object.values(backends).map((b) => b.status?.())));
    texts.push(JSON.stringify(redactConfig(testConfig({ backends: { boompow: boompowConfig(fake) } }))));
    texts.push(...lines);
    const all = texts.join('\n');
    expect(all).to.include('BoomPoW refused the token');
    expect(all).to.not.include(TOKEN.slice('service:'.length));
  });

  function boompowConfig(fake: FakeBoompow) {
    return { type: 'boompow', url: fake.url, token: TOKEN, timeout: '10s' };
  }
});
