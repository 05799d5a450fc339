import { expect } from 'chai';
import { redactConfig } from '../../lib/config/redact.js';
import { loadError, loadYaml } from './helpers.js';

const NANO = 'nano_11a41e41c3i9316in4re3n91y61j4abja7ap4we3k8iu5igjw9s1qndbjhtg';
const XRB = 'xrb_11a41e41c3i9316in4re3n91y61j4abja7ap4we3k8iu5igjw9s1qndbjhtg';
const BAN = 'ban_11a41e41c3i9316in4re3n91y61j4abja7ap4we3k8iu5igjw9s1qndbjhtg';
const BACKENDS = 'backends: { peers: { type: rpc, urls: [http://p] }, local: { type: local, cpu_threads: 1 } }\n';

async function rejects(yaml: string, path: string, ...fragments: string[]): Promise<void> {
  const err = await loadError(loadYaml(yaml));
  expect(err.path).to.equal(path);
  expect(err.message.startsWith(`${path}: `), err.message).to.equal(true);
  for (const fragment of fragments) expect(err.message).to.include(fragment);
}

describe('config: precache', () => {
  it('reads every key', async () => {
    const { precache } = await loadYaml(`${BACKENDS}
precache:
  enabled: false
  accounts: [${NANO}]
  account_ttl: 2d
  max_accounts: 50
  max_queue: 20
  concurrency: 3
  backends: [local]
  callback_forward: [http://a.example/cb, https://b.example/cb]
  callback_timeout: 250ms
  callback_secret: abcdefghijklmnop-0123
  callback_allow: [127.0.0.1, 10.0.0.0/8, "::1", "fd00::/8"]
  callback_rate: 7
  reconnect_delay: 50ms
  max_reconnect_delay: 2s
  ping_interval: 1s
`);
    expect(precache).to.deep.equal({
      enabled: false,
      accounts: [NANO],
      accountTtl: 2 * 24 * 3600 * 1000,
      maxAccounts: 50,
      maxQueue: 20,
      concurrency: 3,
      backends: ['local'],
      callbackForward: ['http://a.example/cb', 'https://b.example/cb'],
      callbackTimeout: 250,
      callbackSecret: 'abcdefghijklmnop-0123',
      callbackAllow: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'],
      callbackRate: 7,
      reconnectDelay: 50,
      maxReconnectDelay: 2000,
      pingInterval: 1000,
    });
  });

  it('never shows callback_secret in the logged config', async () => {
    const config = await loadYaml('precache: { callback_secret: abcdefghijklmnop-0123 }');
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).to.not.include('abcdefghijklmnop');
    expect((redactConfig(config) as { precache: { callbackSecret: string } }).precache.callbackSecret).to.equal('***');
  });

  it('refuses a short secret, an address that is not one, and a subnet past its family', async () => {
    for (const [yaml, key] of [
      ['callback_secret: short', 'precache.callback_secret'],
      ['callback_allow: [localhost]', 'precache.callback_allow[0]'],
      ['callback_allow: [10.0.0.0/33]', 'precache.callback_allow[0]'],
      ['callback_rate: 0', 'precache.callback_rate'],
    ] as const) {
      let error: unknown;
      try {
        await loadYaml(`precache: { ${yaml} }`);
      } catch (err) {
        error = err;
      }
      expect(String(error), yaml).to.include(key);
    }
  });

  it('re-encodes accounts with the network prefix the node sends, and drops repeats', async () => {
    const { precache } = await loadYaml(`precache: { accounts: [${XRB}, ${NANO}] }`);
    expect(precache.accounts).to.deep.equal([NANO]);
    const banano = await loadYaml(`network: banano\nprecache: { accounts: [${BAN}] }`);
    expect(banano.precache.accounts).to.deep.equal([BAN]);
  });

  it('takes accounts from the environment as a comma-separated list', async () => {
    const config = await loadYaml('', { env: { POWGATE_PRECACHE__ACCOUNTS: `${NANO}, ${XRB}` } });
    expect(config.precache.accounts).to.deep.equal([NANO]);
  });

  it('defaults its backends to every backend but the shared services', async () => {
    expect((await loadYaml(BACKENDS)).precache.backends).to.deep.equal(['peers', 'local']);
  });

  describe('the deprecated name precache.tiers', () => {
    it('still works, with a warning that names the new key', async () => {
      const warnings: string[] = [];
      const config = await loadYaml(`${BACKENDS}precache: { tiers: [local] }`, { onWarning: (w) => warnings.push(w) });
      expect(config.precache.backends).to.deep.equal(['local']);
      expect(warnings).to.deep.equal(['precache.tiers is deprecated: write precache.backends (it lists backend names, not tiers)']);
    });

    it('names the env var that used it, and warns nothing for the new name', async () => {
      const warnings: string[] = [];
      const env = { POWGATE_PRECACHE__TIERS: 'local' };
      expect((await loadYaml(BACKENDS, { env, onWarning: (w) => warnings.push(w) })).precache.backends).to.deep.equal(['local']);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include('precache.tiers (set by POWGATE_PRECACHE__TIERS) is deprecated');
      warnings.length = 0;
      await loadYaml(`${BACKENDS}precache: { backends: [local] }`, { onWarning: (w) => warnings.push(w) });
      expect(warnings).to.deep.equal([]);
    });

    it("lets a newer layer win: env precache.backends over the file's precache.tiers", async () => {
      const warnings: string[] = [];
      const config = await loadYaml(`${BACKENDS}precache: { tiers: [local] }`, {
        env: { POWGATE_PRECACHE__BACKENDS: 'peers' },
        onWarning: (w) => warnings.push(w),
      });
      expect(config.precache.backends).to.deep.equal(['peers']);
      expect(warnings).to.have.length(1);
    });

    it('reports errors under the name written, and refuses both names in one layer', async () => {
      await rejects(`${BACKENDS}precache: { tiers: [local, gpu] }`, 'precache.tiers[1]', 'unknown backend "gpu"');
      await rejects(`${BACKENDS}precache: { tiers: [local], backends: [peers] }`, 'precache.tiers', 'replaced by precache.backends', 'keep only');
    });
  });

  it('rejects a bad account, naming the item', () =>
    rejects(`precache: { accounts: [${NANO}, "${NANO.slice(0, -1)}1"] }`, 'precache.accounts[1]', 'valid checksum'));
  it('rejects an account of another network', () => rejects(`network: banano\nprecache: { accounts: [${NANO}] }`, 'precache.accounts[0]', 'ban_'));
  it('rejects an unknown backend', () =>
    rejects(`${BACKENDS}precache: { backends: [local, gpu] }`, 'precache.backends[1]', 'unknown backend "gpu"', 'peers, local'));
  it('rejects a backend listed twice', () => rejects(`${BACKENDS}precache: { backends: [local, local] }`, 'precache.backends[1]', 'twice'));
  it('rejects an empty backend list', () => rejects(`${BACKENDS}precache: { backends: [] }`, 'precache.backends', 'at least 1'));
  it('rejects a callback URL that is not http', () => rejects('precache: { callback_forward: ["ws://x"] }', 'precache.callback_forward[0]', 'http://'));
  it('rejects a queue of zero', () => rejects('precache: { max_queue: 0 }', 'precache.max_queue', 'from 1'));
  it('rejects a max reconnect delay below the first', () =>
    rejects('precache: { reconnect_delay: 5s, max_reconnect_delay: 1s }', 'precache.max_reconnect_delay', 'reconnect_delay'));
  it('rejects an unknown key with a suggestion', () => rejects('precache: { max_queu: 5 }', 'precache.max_queu', 'did you mean max_queue?'));
});
