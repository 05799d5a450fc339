import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DEFAULT_RPC_ALLOW, loadConfig, redactConfig } from '../../lib/config/index.js';
import { loadYaml } from './helpers.js';

const EXAMPLE = fileURLToPath(new URL('../../config.example.yaml', import.meta.url));

// The YAML from the issue, written the way a user would.
const ISSUE_YAML = `
network: nano
listen: 127.0.0.1:7176
node: { rpc: http://127.0.0.1:7076, websocket: ws://127.0.0.1:7078, timeout: 10s }
rpc: { allow: [account_info, block_info], body_limit: 64kb }
cache: { url: memory, max_entries: 100000, ttl: 7d }
work: { deadline: 30s, default_difficulty: fffffff800000000, max_multiplier: 64 }
breaker: { failures: 3, cooldown: 5s, max_cooldown: 5m }
backends:
  peers: { type: rpc, urls: [http://127.0.0.1:7000], timeout: 10s, send_account: true }
  local: { type: local, cpu_threads: 2 }
tiers:
  - { backends: [peers], hedge_after: 2s }
  - { backends: [local] }
log: { level: info }
`;

describe('loadConfig', () => {
  it('normalises the documented YAML', async () => {
    const { ledger, ...config } = await loadYaml(ISSUE_YAML);
    // Beside the config file, wherever the test wrote it.
    expect(ledger.dataDir).to.match(/\/powgate-config-[^/]+\/powgate-data$/);
    expect(config).to.deep.equal({
      network: 'nano',
      listen: { host: '127.0.0.1', port: 7176 },
      node: { rpc: 'http://127.0.0.1:7076', websocket: 'ws://127.0.0.1:7078', timeout: 10_000 },
      rpc: { allow: ['account_info', 'block_info'], bodyLimit: 65_536, receiveTimeout: 30_000, maxForwards: 64, auth: 'off', authExempt: [] },
      services: {},
      serviceApi: { enabled: true, maxSockets: 1024, heartbeat: 20_000 },
      cache: { url: 'memory', maxEntries: 100_000, ttl: 604_800_000 },
      work: { deadline: 30_000, defaultDifficulty: 0xfffffff800000000n, maxMultiplier: 64 },
      breaker: { failures: 3, cooldown: 5_000, maxCooldown: 300_000, probeInterval: 10_000 },
      backends: {
        peers: { type: 'rpc', urls: ['http://127.0.0.1:7000'], timeout: 10_000, sendAccount: true },
        local: { type: 'local', cpuThreads: 2, cpuImpl: 'auto', gpu: 'auto', gpuBackend: 'auto' },
      },
      tiers: [{ backends: ['peers'], hedgeAfter: 2_000 }, { backends: ['local'] }],
      precache: {
        enabled: true,
        accounts: [],
        accountTtl: 30 * 24 * 3600 * 1000,
        maxAccounts: 10_000,
        maxQueue: 1000,
        concurrency: 2,
        backends: ['peers', 'local'],
        callbackForward: [],
        callbackTimeout: 5_000,
        callbackAllow: [],
        callbackRate: 500,
        reconnectDelay: 1_000,
        maxReconnectDelay: 60_000,
        pingInterval: 30_000,
      },
      log: { level: 'info' },
      metrics: { enabled: true },
      dashboard: { enabled: true },
      payouts: { minimum: 10n ** 27n, minimumText: '0.001', fee: { text: '1%', numerator: 1n, denominator: 100n } },
    });
  });

  it('loads config.example.yaml', async () => {
    const config = await loadConfig({ argv: ['--config', EXAMPLE], env: {} });
    expect(config).to.deep.equal({
      network: 'nano',
      listen: { host: '127.0.0.1', port: 7176 },
      node: { rpc: 'http://127.0.0.1:7076', websocket: 'ws://127.0.0.1:7078', timeout: 10_000 },
      rpc: { allow: [...DEFAULT_RPC_ALLOW], bodyLimit: 65_536, receiveTimeout: 30_000, maxForwards: 64, auth: 'off', authExempt: [] },
      services: {},
      serviceApi: { enabled: true, maxSockets: 1024, heartbeat: 20_000 },
      cache: { url: 'memory', maxEntries: 100_000, ttl: 604_800_000 },
      work: { deadline: 30_000, maxMultiplier: 64 },
      breaker: { failures: 3, cooldown: 5_000, maxCooldown: 300_000, probeInterval: 10_000 },
      backends: {
        peers: { type: 'rpc', urls: ['http://127.0.0.1:7000'], timeout: 10_000, sendAccount: true },
        local: { type: 'local', cpuThreads: 2, cpuImpl: 'auto', gpu: 'auto', gpuBackend: 'auto' },
      },
      tiers: [{ backends: ['peers'], hedgeAfter: 2_000 }, { backends: ['local'] }],
      precache: {
        enabled: true,
        accounts: [],
        accountTtl: 30 * 24 * 3600 * 1000,
        maxAccounts: 10_000,
        maxQueue: 1000,
        concurrency: 2,
        backends: ['peers', 'local'],
        callbackForward: [],
        callbackTimeout: 5_000,
        callbackAllow: [],
        callbackRate: 500,
        reconnectDelay: 1_000,
        maxReconnectDelay: 60_000,
        pingInterval: 30_000,
      },
      log: { level: 'info' },
      metrics: { enabled: true },
      dashboard: { enabled: true },
      ledger: { dataDir: path.join(path.dirname(EXAMPLE), 'powgate-data'), record: true },
      payouts: { minimum: 10n ** 27n, minimumText: '0.001', fee: { text: '1%', numerator: 1n, denominator: 100n } },
    });
  });

  it('finds the file through POWGATE_CONFIG and interpolates the example from env', async () => {
    const config = await loadConfig({ env: { POWGATE_CONFIG: EXAMPLE, NODE_RPC: 'https://node.example:7076' } });
    expect(config.node.rpc).to.equal('https://node.example:7076');
  });

  it('keeps 16-digit hex difficulties exact, even when YAML would read them as numbers', async () => {
    const config = await loadYaml('work: { default_difficulty: 1000000000000001 }');
    expect(config.work.defaultDifficulty).to.equal(0x1000000000000001n);
  });

  it('accepts numbers, booleans and lists written as strings', async () => {
    const config = await loadYaml(`
cache: { max_entries: "5", ttl: "1500ms" }
backends:
  peers: { type: rpc, urls: "http://a, http://b", send_account: "false" }
`);
    expect(config.cache).to.deep.include({ maxEntries: 5, ttl: 1500 });
    expect(config.backends.peers).to.deep.equal({ type: 'rpc', urls: ['http://a', 'http://b'], sendAccount: false });
  });

  it('reads durations, sizes and IPv6 listen addresses', async () => {
    const config = await loadYaml(`
listen: "[::1]:0"
node: { timeout: 250ms }
rpc: { body_limit: 1mb, receive_timeout: 5s, max_forwards: 8 }
cache: { ttl: 1h }
work: { deadline: 1.5s }
breaker: { cooldown: 1000ms, max_cooldown: 1d }
`);
    expect(config.listen).to.deep.equal({ host: '::1', port: 0 });
    expect(config.node.timeout).to.equal(250);
    expect(config.rpc).to.deep.include({ bodyLimit: 1024 * 1024, receiveTimeout: 5000, maxForwards: 8 });
    expect(config.cache.ttl).to.equal(3_600_000);
    expect(config.work.deadline).to.equal(1_500);
    expect(config.breaker).to.deep.include({ cooldown: 1_000, maxCooldown: 86_400_000 });
  });

  it('treats an empty file and empty sections as defaults', async () => {
    const config = await loadYaml('node:\ncache: ~\nwork: { default_difficulty: "" }\n');
    expect(config.cache.url).to.equal('memory');
    expect(config.work).to.not.have.property('defaultDifficulty');
    expect((await loadYaml('')).backends).to.deep.equal({
      local: { type: 'local', cpuThreads: availableParallelism(), cpuImpl: 'auto', gpu: 'auto', gpuBackend: 'auto' },
    });
  });

  it('returns a deep-frozen config', async () => {
    const config = await loadYaml(ISSUE_YAML);
    expect(Object.isFrozen(config)).to.equal(true);
    const mutable = config as unknown as {
      network: string;
      listen: { port: number };
      rpc: { allow: string[] };
      backends: Record<string, { cpuThreads?: number }>;
      tiers: { backends: string[] }[];
    };
    expect(() => {
      mutable.network = 'banano';
    }).to.throw(TypeError);
    expect(() => {
      mutable.listen.port = 1;
    }).to.throw(TypeError);
    expect(() => mutable.rpc.allow.push('send')).to.throw(TypeError);
    expect(() => {
      (mutable.backends.local as { cpuThreads?: number }).cpuThreads = 99;
    }).to.throw(TypeError);
    expect(() => mutable.tiers[0]?.backends.push('local')).to.throw(TypeError);
    expect(config.network).to.equal('nano');
  });
});

describe('redactConfig', () => {
  it('hides credentials and writes bigints as hex', async () => {
    const config = await loadYaml(`
cache: { url: "rediss://user:hunter2@redis.example:6380/0" }
node: { rpc: "https://rpc.example/?api_key=hunter3&x=1", websocket: "wss://ws.example/ws?k=hunter7&t=hunter8" }
work: { default_difficulty: fffffe0000000000 }
backends:
  peers: { type: rpc, urls: ["https://me:hunter4@peer.example"] }
`);
    const redacted = redactConfig(config) as {
      cache: { url: string };
      node: { rpc: string; websocket: string };
      work: { defaultDifficulty: string };
      backends: { peers: { urls: string[] } };
    };
    const text = JSON.stringify(redacted);
    for (const secret of ['hunter2', 'hunter3', 'hunter4', 'hunter7', 'hunter8']) expect(text).to.not.include(secret);
    expect(redacted.cache.url).to.equal('rediss://***@redis.example:6380/0');
    // Every query value, whatever its name: `?k=` and `?t=` are as secret as `?api_key=`.
    expect(redacted.node.rpc).to.equal('https://rpc.example/?api_key=***&x=***');
    expect(redacted.node.websocket).to.equal('wss://ws.example/ws?k=***&t=***');
    expect(redacted.backends.peers.urls).to.deep.equal(['https://***@peer.example']);
    expect(redacted.work.defaultDifficulty).to.equal('fffffe0000000000');
    expect(Object.isFrozen(redacted)).to.equal(false);
  });

  it('hides values under secret-named keys', () => {
    const fake = { backends: { dpow: { type: 'dpow', user: 'me', apiKey: 'hunter5', token: 'hunter6' } } };
    const redacted = redactConfig(fake as never);
    expect(redacted).to.deep.equal({ backends: { dpow: { type: 'dpow', user: 'me', apiKey: '***', token: '***' } } });
  });
});
