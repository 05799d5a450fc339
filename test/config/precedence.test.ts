import { expect } from 'chai';
import { loadConfig } from '../../lib/config/index.js';
import { loadError, loadYaml } from './helpers.js';

describe('config precedence', () => {
  const FILE = 'listen: 127.0.0.1:1001\nnetwork: nano-beta\nlog: { level: warn }\n';

  it('file > defaults', async () => {
    const config = await loadYaml(FILE);
    expect(config.listen.port).to.equal(1001);
    expect(config.network).to.equal('nano-beta');
  });

  it('env > file, through the path form and the shortcut', async () => {
    const config = await loadYaml(FILE, {
      env: { POWGATE_LISTEN: '127.0.0.1:1002', POWGATE_LOG__LEVEL: 'debug', POWGATE_NETWORK: 'nano-dev' },
    });
    expect(config.listen.port).to.equal(1002);
    expect(config.log.level).to.equal('debug');
    expect(config.network).to.equal('nano-dev');
  });

  it('flags > env > file', async () => {
    const config = await loadYaml(FILE, {
      env: { POWGATE_LISTEN: '127.0.0.1:1002', POWGATE_LOG_LEVEL: 'debug', POWGATE_NETWORK: 'nano-dev' },
      argv: ['--listen', '127.0.0.1:1003', '--log-level=trace', '--network', 'banano'],
    });
    expect(config.listen.port).to.equal(1003);
    expect(config.log.level).to.equal('trace');
    expect(config.network).to.equal('banano');
  });

  it('merges env maps key by key into the file', async () => {
    const config = await loadYaml('cache: { url: "redis://file:6379", max_entries: 10, ttl: 1h }', {
      env: { POWGATE_CACHE__MAX_ENTRIES: '5' },
    });
    expect(config.cache).to.deep.equal({ url: 'redis://file:6379', maxEntries: 5, ttl: 3_600_000 });
  });

  it('maps every shortcut env var to its key', async () => {
    const config = await loadConfig({
      env: {
        POWGATE_NODE_RPC: 'http://node:7076',
        POWGATE_NODE_WS: 'ws://node:7078',
        POWGATE_REDIS: 'redis://cache:6379',
        POWGATE_PEERS: 'http://p1:7000, http://p2:7000',
        POWGATE_CPU_THREADS: '3',
        POWGATE_LOG_LEVEL: 'error',
      },
    });
    expect(config.node).to.deep.equal({ rpc: 'http://node:7076', websocket: 'ws://node:7078', timeout: 10_000 });
    expect(config.cache.url).to.equal('redis://cache:6379');
    expect(config.backends).to.deep.equal({
      local: { type: 'local', cpuThreads: 3, cpuImpl: 'auto', gpu: 'auto', gpuBackend: 'auto' },
      peers: { type: 'rpc', urls: ['http://p1:7000', 'http://p2:7000'], sendAccount: true },
    });
    expect(config.tiers).to.deep.equal([{ backends: ['peers'], hedgeAfter: 2000 }, { backends: ['local'] }]);
    expect(config.log.level).to.equal('error');
  });

  it('maps every flag to its key', async () => {
    const config = await loadConfig({
      argv: ['--node-rpc=https://node:7076', '--node-ws', 'wss://node:7078', '--redis', 'rediss://cache:6380', '--cpu-threads=4', '--peer', 'http://p1:7000'],
      env: {},
    });
    expect(config.node).to.deep.include({ rpc: 'https://node:7076', websocket: 'wss://node:7078' });
    expect(config.cache.url).to.equal('rediss://cache:6380');
    expect(config.backends.local).to.deep.equal({ type: 'local', cpuThreads: 4, cpuImpl: 'auto', gpu: 'auto', gpuBackend: 'auto' });
    expect(config.backends.peers).to.deep.equal({ type: 'rpc', urls: ['http://p1:7000'], sendAccount: true });
  });

  it('lists env values separated by commas and replaces file lists whole', async () => {
    const config = await loadYaml('backends: { peers: { type: rpc, urls: [http://file] } }', {
      env: { POWGATE_BACKENDS__PEERS__URLS: 'http://a,http://b', POWGATE_RPC__ALLOW: 'account_info,block_count' },
    });
    expect(config.backends.peers).to.deep.include({ urls: ['http://a', 'http://b'] });
    expect(config.rpc.allow).to.deep.equal(['account_info', 'block_count']);
  });

  it('ignores empty env vars', async () => {
    const config = await loadYaml('listen: 127.0.0.1:1001', { env: { POWGATE_LISTEN: '', POWGATE_REDIS: '' } });
    expect(config.listen.port).to.equal(1001);
    expect(config.cache.url).to.equal('memory');
  });

  it('does not interpolate env values or flags', async () => {
    const config = await loadConfig({ argv: ['--redis', 'redis://:${X}@h:6379'], env: { X: '1', POWGATE_NODE_RPC: 'http://n/${X}' } });
    expect(config.cache.url).to.equal('redis://:${X}@h:6379');
    expect(config.node.rpc).to.equal('http://n/${X}');
  });

  describe('--peer', () => {
    it('twice gives one peers backend with both URLs, flags replacing POWGATE_PEERS', async () => {
      const config = await loadConfig({
        argv: ['--peer', 'http://a:7000', '--peer=http://b:7000'],
        env: { POWGATE_PEERS: 'http://env:7000' },
      });
      expect(config.backends.peers).to.deep.equal({ type: 'rpc', urls: ['http://a:7000', 'http://b:7000'], sendAccount: true });
    });

    it('keeps the other settings of an rpc peers backend from the file', async () => {
      const config = await loadYaml('backends: { peers: { type: rpc, urls: [http://file], timeout: 3s, send_account: false } }', {
        argv: ['--peer', 'http://flag'],
      });
      expect(config.backends.peers).to.deep.equal({ type: 'rpc', urls: ['http://flag'], timeout: 3000, sendAccount: false });
    });

    it('puts a new peers backend in a first tier when the file names tiers', async () => {
      const config = await loadYaml(
        `
backends:
  local: { type: local, cpu_threads: 1 }
tiers:
  - { backends: [local] }
`,
        { argv: ['--peer', 'http://a'] },
      );
      expect(config.tiers).to.deep.equal([{ backends: ['peers'], hedgeAfter: 2000 }, { backends: ['local'] }]);
    });

    it('leaves the tiers alone when they already name peers', async () => {
      const config = await loadYaml(
        `
backends:
  local: { type: local, cpu_threads: 1 }
  peers: { type: rpc, urls: [http://file] }
tiers:
  - { backends: [local] }
  - { backends: [peers] }
`,
        { argv: ['--peer', 'http://a'] },
      );
      expect(config.tiers).to.deep.equal([{ backends: ['local'] }, { backends: ['peers'] }]);
    });
  });

  it('--cpu-threads creates local in a last tier when the file names tiers without it', async () => {
    const config = await loadYaml('backends: { p: { type: rpc, urls: [http://p] } }\ntiers: [{ backends: [p] }]', {
      argv: ['--cpu-threads', '2'],
    });
    expect(config.backends.local).to.deep.equal({ type: 'local', cpuThreads: 2, cpuImpl: 'auto', gpu: 'auto', gpuBackend: 'auto' });
    expect(config.tiers).to.deep.equal([{ backends: ['p'] }, { backends: ['local'] }]);
  });

  it('--config wins over POWGATE_CONFIG', async () => {
    const err = await loadError(loadConfig({ argv: ['--config', '/nonexistent/flag.yaml'], env: { POWGATE_CONFIG: '/nonexistent/env.yaml' } }));
    expect(err.message).to.include('/nonexistent/flag.yaml').and.include('ENOENT');
  });
});
