import { expect } from 'chai';
import { loadConfig } from '../../lib/config/index.js';
import { loadError, loadYaml } from './helpers.js';

/** Loads `yaml` expecting a ConfigError at `path` whose message names the path. */
async function rejects(yaml: string, path: string, ...fragments: string[]) {
  const err = await loadError(loadYaml(yaml));
  expect(err.path).to.equal(path);
  expect(err.message.startsWith(`${path}: `), err.message).to.equal(true);
  for (const fragment of fragments) expect(err.message).to.include(fragment);
  return err;
}

const PEERS = 'backends: { peers: { type: rpc, urls: [http://p] } }\n';

describe('config errors', () => {
  describe('unknown keys', () => {
    it('at the top level', () => rejects('netwrok: nano', 'netwrok', 'unknown key', 'did you mean network?'));
    it('in a section', () => rejects('cache: { max_entires: 5 }', 'cache.max_entires', 'unknown key', 'max_entries'));
    it('in a backend', () => rejects('backends: { peers: { type: rpc, urls: [http://p], sendAccount: true } }', 'backends.peers.sendAccount', 'unknown key'));
    it('in a tier', () => rejects(`${PEERS}tiers: [{ backends: [peers], hedge: 2s }]`, 'tiers[0].hedge', 'unknown key'));
    it('of another backend type', () => rejects('backends: { local: { type: local, urls: [http://p] } }', 'backends.local.urls', 'unknown key'));
  });

  describe('bad values', () => {
    it('port out of range', () => rejects('listen: 127.0.0.1:65536', 'listen', 'HOST:PORT', '65536'));
    it('listen without a port', () => rejects('listen: localhost', 'listen', 'HOST:PORT'));
    it('bare IPv6 listen address', () => rejects('listen: "::1:7176"', 'listen', '[::1]:7176'));
    it('bad duration', () => rejects('work: { deadline: 5x }', 'work.deadline', 'duration', '"5x"'));
    it('duration out of range', () => rejects('node: { timeout: 0ms }', 'node.timeout', 'from 1ms'));
    describe('a bare number for a duration, never read in some unit', () => {
      it('in the file, suggesting the unit forms', () =>
        rejects('node: { timeout: 5 }', 'node.timeout', 'found 5: a bare number has no unit (write 5s or 5000ms)'));
      it('as a quoted string, a decimal, and in a nested backend key', async () => {
        await rejects('cache: { ttl: "1500" }', 'cache.ttl', 'bare number', 'write 1500s or 1500000ms');
        await rejects('breaker: { cooldown: 0.5 }', 'breaker.cooldown', 'write 0.5s or 500ms');
        await rejects(`${PEERS}tiers: [{ backends: [peers], hedge_after: 2000 }]`, 'tiers[0].hedge_after', 'bare number');
        await rejects(
          'backends: { d: { type: dpow, url: "wss://d/", post_url: "https://d/", user: u, api_key: k, timeout: 5 } }',
          'backends.d.timeout',
          'write 5s or 5000ms',
        );
      });
      it('from an env var, naming it', async () => {
        const err = await loadError(loadConfig({ env: { POWGATE_WORK__DEADLINE: '30' } }));
        expect(err.path).to.equal('work.deadline');
        expect(err.message).to.include('write 30s or 30000ms').and.include('(set by POWGATE_WORK__DEADLINE)');
      });
      it('with a unit, any spelling the docs use', async () => {
        const config = await loadYaml('node: { timeout: 5s }\ncache: { ttl: 1.5h }\nbreaker: { cooldown: 250ms, max_cooldown: 1m }');
        expect([config.node.timeout, config.cache.ttl, config.breaker.cooldown]).to.deep.equal([5000, 5_400_000, 250]);
      });
    });
    it('timer too long for setTimeout', () => rejects('work: { deadline: 30d }', 'work.deadline', 'to 24d'));
    it('bad size', () => rejects('rpc: { body_limit: 64 kilobytes }', 'rpc.body_limit', 'size'));
    it('bad peer URL scheme', () =>
      rejects('backends: { peers: { type: rpc, urls: [http://ok, "ws://p"] } }', 'backends.peers.urls[1]', 'http://', '"ws://p"'));
    it('bad node websocket scheme', () => rejects('node: { websocket: http://n }', 'node.websocket', 'ws://'));
    it('bad cache URL', () => rejects('cache: { url: mem }', 'cache.url', 'redis://'));
    describe('a Redis URL whose path is not a database number', () => {
      for (const bad of ['abc', '-1', '1.5', '2147483647', '99999999999', '0/extra']) {
        it(`/${bad}`, () => rejects(`cache: { url: "redis://:pw@127.0.0.1:6379/${bad}" }`, 'cache.url', 'database number from 0 to', `"/${bad}"`));
      }
      it('never shows the password', async () => {
        const err = await loadError(loadYaml('cache: { url: "rediss://user:hunter2@r.example:6380/x" }'));
        expect(err.message).to.not.include('hunter2');
      });
      it('accepts none, a trailing slash, and 0 to 2^31 - 2', async () => {
        for (const ok of ['redis://h:6379', 'redis://h:6379/', 'redis://h:6379/0', 'rediss://h/15', 'redis://h/2147483646']) {
          expect((await loadYaml(`cache: { url: "${ok}" }`)).cache.url).to.equal(ok);
        }
      });
    });
    it('unknown network', () => rejects('network: nano-live', 'network', 'nano, banano, nano-beta, nano-dev', '"nano-live"'));
    it('unknown log level', () => rejects('log: { level: verbose }', 'log.level', 'info'));
    it('non-integer count', () => rejects('cache: { max_entries: 1.5 }', 'cache.max_entries', 'integer'));
    it('bad boolean', () => rejects('backends: { p: { type: rpc, urls: [http://p], send_account: yes } }', 'backends.p.send_account', 'true or false'));
    it('bad difficulty', () => rejects('work: { default_difficulty: fffffff8 }', 'work.default_difficulty', '16 hex digits'));
    it('a work action in rpc.allow', () => rejects('rpc: { allow: [account_info, work_generate] }', 'rpc.allow[1]', 'answered by powgate'));
    it('a malformed action name', () => rejects('rpc: { allow: [Account-Info] }', 'rpc.allow[0]', 'action name'));
    it('max_cooldown below cooldown', () => rejects('breaker: { cooldown: 1m, max_cooldown: 10s }', 'breaker.max_cooldown'));
    it('a section that is not a map', () => rejects('cache: memory', 'cache', 'expected a map', '"memory"'));
    it('duplicate peer URL', () => rejects('backends: { p: { type: rpc, urls: [http://a, http://a] } }', 'backends.p.urls[1]', 'twice'));
  });

  describe('backends and tiers', () => {
    it('unknown backend type', () => rejects('backends: { gpu: { type: cuda } }', 'backends.gpu.type', 'rpc, local', '"cuda"'));
    it('missing backend type', () => rejects('backends: { gpu: { cpu_threads: 1 } }', 'backends.gpu.type', 'found nothing'));
    it('unknown cpu_impl', () => rejects('backends: { local: { type: local, cpu_impl: gpu } }', 'backends.local.cpu_impl', 'native', '"gpu"'));
    it('local gpu mode', () => rejects('backends: { l: { type: local, gpu: maybe } }', 'backends.l.gpu', 'one of auto, off, on'));
    it('local gpu backend', () => rejects('backends: { l: { type: local, gpu_backend: metal } }', 'backends.l.gpu_backend', 'one of auto, opengl, vulkan'));
    it('rpc backend without urls', () => rejects('backends: { p: { type: rpc } }', 'backends.p.urls', 'found nothing'));
    it('bad backend name', () => rejects('backends: { My.Peers: { type: local } }', 'backends.My.Peers', 'a-z'));
    it('no backends', () => rejects('backends: {}', 'backends', 'at least one'));
    it('tier naming a missing backend', () =>
      rejects(`${PEERS}tiers: [{ backends: [peers, pers] }]`, 'tiers[0].backends[1]', 'unknown backend "pers"', 'peers'));
    it('backend in two tiers', () => rejects(`${PEERS}tiers: [{ backends: [peers] }, { backends: [peers] }]`, 'tiers[1].backends[0]', 'already in tiers[0]'));
    it('empty tier', () => rejects(`${PEERS}tiers: [{ backends: [] }]`, 'tiers[0].backends', 'at least 1'));
    it('empty tier list', () => rejects(`${PEERS}tiers: []`, 'tiers', 'at least 1 tier'));
    it('unused backend', () =>
      rejects(
        'backends: { peers: { type: rpc, urls: [http://p] }, local: { type: local } }\ntiers: [{ backends: [peers] }]',
        'backends.local',
        'unused backend',
      ));
  });

  describe('sources', () => {
    it('names the env var behind a bad value', async () => {
      const err = await loadError(loadConfig({ env: { POWGATE_CACHE__TTL: 'forever' } }));
      expect(err.path).to.equal('cache.ttl');
      expect(err.message).to.include('POWGATE_CACHE__TTL');
    });

    it('rejects unknown POWGATE_ variables, naming them', async () => {
      const err = await loadError(loadConfig({ env: { POWGATE_LISTN: '127.0.0.1:1' } }));
      expect(err.path).to.equal('listn');
      expect(err.message).to.include('unknown key').and.include('POWGATE_LISTN');
      const deep = await loadError(loadConfig({ env: { POWGATE_CACHE__MAX: '1' } }));
      expect(deep.path).to.equal('cache.max');
      expect(deep.message).to.include('POWGATE_CACHE__MAX');
    });

    it('rejects env vars that set both a value and keys inside it', async () => {
      const err = await loadError(loadConfig({ env: { POWGATE_NODE: 'x', POWGATE_NODE__RPC: 'http://n' } }));
      expect(err.path).to.equal('node');
    });

    it('names the flag behind a bad value', async () => {
      const err = await loadError(loadConfig({ argv: ['--network', 'bitcoin'], env: { POWGATE_NETWORK: 'nano' } }));
      expect(err.path).to.equal('network');
      expect(err.message).to.include('--network');
      expect(err.message).to.not.include('POWGATE_NETWORK');
      const threads = await loadError(loadConfig({ argv: ['--cpu-threads', '0'], env: {} }));
      expect(threads.path).to.equal('backends.local.cpu_threads');
      expect(threads.message).to.include('--cpu-threads');
    });

    it('reports YAML syntax errors with file, line and column', async () => {
      const err = await loadError(loadYaml('cache:\n  url: memory\n  url: memory\n'));
      expect(err.message).to.match(/powgate\.yaml:3:\d+: /);
    });

    it('rejects a file that is not a map', async () => {
      const err = await loadError(loadYaml('- a\n- b\n'));
      expect(err.message).to.include('top level');
    });
  });

  describe('secrets', () => {
    const SECRET = 'hunter2-very-secret';

    it('never echoes URL userinfo', async () => {
      const err = await loadError(loadYaml(`cache: { url: "http://user:${SECRET}@redis:6379" }`));
      expect(err.path).to.equal('cache.url');
      expect(err.message).to.not.include(SECRET);
      expect(err.message).to.include('***@redis');
    });

    it('never echoes a token in a query string', async () => {
      const err = await loadError(loadYaml(`node: { websocket: "http://n/?token=${SECRET}" }`));
      expect(err.message).to.not.include(SECRET);
    });

    it('never echoes an unparsable value that holds credentials', async () => {
      const err = await loadError(loadYaml(`node: { rpc: "user:${SECRET}@node:7076" }`));
      expect(err.path).to.equal('node.rpc');
      expect(err.message).to.not.include(SECRET);
      expect(err.message).to.include('not shown');
    });

    it('never echoes a value under a secret-named key', async () => {
      const err = await loadError(loadYaml(`backends: { p: { type: rpc, urls: [http://p], api_key: "${SECRET}" } }`));
      expect(err.message).to.not.include(SECRET);
      const describeErr = await loadError(loadYaml(`backends: { p: { type: local, cpu_threads: 1, token: "${SECRET}" } }`));
      expect(describeErr.message).to.not.include(SECRET);
    });

    it('never echoes an interpolated secret', async () => {
      const err = await loadError(loadYaml('cache: { url: "http://:${PASSWORD}@r" }', { env: { PASSWORD: SECRET } }));
      expect(err.message).to.not.include(SECRET);
    });
  });
});
