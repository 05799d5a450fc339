import { availableParallelism } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { DEFAULT_RPC_ALLOW, loadConfig } from '../../lib/config/index.js';
import { loadYaml } from './helpers.js';

describe('config defaults', () => {
  it('with no input, serves 127.0.0.1:7176 with the local generator and a memory cache', async () => {
    const config = await loadConfig({ argv: [], env: {} });
    expect(config).to.deep.equal({
      network: 'nano',
      listen: { host: '127.0.0.1', port: 7176 },
      node: { timeout: 10_000 },
      rpc: { allow: [...DEFAULT_RPC_ALLOW], bodyLimit: 65_536, receiveTimeout: 30_000, maxForwards: 64, auth: 'off', authExempt: [] },
      services: {},
      serviceApi: { enabled: true, maxSockets: 1024, heartbeat: 20_000 },
      cache: { url: 'memory', maxEntries: 100_000, ttl: 7 * 24 * 3600 * 1000 },
      work: { deadline: 30_000, maxMultiplier: 64 },
      breaker: { failures: 3, cooldown: 5_000, maxCooldown: 300_000, probeInterval: 10_000 },
      backends: { local: { type: 'local', cpuThreads: availableParallelism(), cpuImpl: 'auto', gpu: 'auto', gpuBackend: 'auto' } },
      tiers: [{ backends: ['local'] }],
      precache: {
        enabled: true,
        accounts: [],
        accountTtl: 30 * 24 * 3600 * 1000,
        maxAccounts: 10_000,
        maxQueue: 1000,
        concurrency: 2,
        backends: ['local'],
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
      ledger: { dataDir: path.resolve('powgate-data'), record: true },
      payouts: { minimum: 10n ** 27n, minimumText: '0.001', fee: { text: '1%', numerator: 1n, denominator: 100n } },
    });
  });

  it('does not read process.env when an env is given', async () => {
    process.env.POWGATE_NETWORK = 'banano';
    try {
      const config = await loadConfig({ env: {} });
      expect(config.network).to.equal('nano');
    } finally {
      delete process.env.POWGATE_NETWORK;
    }
  });

  it('reads process.env when no env is given', async () => {
    process.env.POWGATE_NETWORK = 'banano';
    try {
      expect((await loadConfig({})).network).to.equal('banano');
    } finally {
      delete process.env.POWGATE_NETWORK;
    }
  });

  it('forwards read-only actions and process, never the work actions powgate answers', () => {
    expect(DEFAULT_RPC_ALLOW).to.include.members(['account_info', 'block_info', 'process', 'blocks_info']);
    for (const action of ['work_generate', 'work_cancel', 'work_validate', 'send', 'wallet_export', 'sign']) {
      expect(DEFAULT_RPC_ALLOW).to.not.include(action);
    }
  });

  it('makes one hedged tier per remote backend in declaration order, local last', async () => {
    const config = await loadYaml(`
backends:
  mine: { type: local, cpu_threads: 1 }
  zeta: { type: rpc, urls: [http://z] }
  alpha: { type: rpc, urls: [http://a] }
`);
    expect(config.tiers).to.deep.equal([{ backends: ['zeta'], hedgeAfter: 2000 }, { backends: ['alpha'], hedgeAfter: 2000 }, { backends: ['mine'] }]);
  });

  it('keeps the default local backend when env vars add one', async () => {
    const config = await loadConfig({
      env: { POWGATE_BACKENDS__PEERS__TYPE: 'rpc', POWGATE_BACKENDS__PEERS__URLS: 'http://p' },
    });
    expect(Object.keys(config.backends)).to.deep.equal(['local', 'peers']);
    expect(config.tiers).to.deep.equal([{ backends: ['peers'], hedgeAfter: 2000 }, { backends: ['local'] }]);
  });

  it('uses only the backends a file names', async () => {
    const config = await loadYaml('backends: { peers: { type: rpc, urls: [http://p] } }');
    expect(Object.keys(config.backends)).to.deep.equal(['peers']);
    expect(config.tiers).to.deep.equal([{ backends: ['peers'], hedgeAfter: 2000 }]);
  });
});
