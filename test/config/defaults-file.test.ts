import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../lib/config/index.js';
import { ConfigError } from '../../lib/errors.js';

/** POWGATE_DEFAULTS: how the Docker image says "listen on every interface" without overriding a mounted config. */
describe('config: a defaults file beneath the config file (POWGATE_DEFAULTS)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-defaults-'));
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const image = file('container.yaml', 'listen: 0.0.0.0:7176\n');

  it('applies when the config file says nothing of the key', async () => {
    const config = await loadConfig({ env: { POWGATE_DEFAULTS: image, POWGATE_CONFIG: file('a.yaml', 'network: banano\n') } });
    expect(config.listen).to.deep.equal({ host: '0.0.0.0', port: 7176 });
    expect(config.network).to.equal('banano');
  });

  it('gives way to the config file, env and flags', async () => {
    const mounted = file('b.yaml', 'listen: 127.0.0.1:9000\n');
    expect((await loadConfig({ env: { POWGATE_DEFAULTS: image, POWGATE_CONFIG: mounted } })).listen.port).to.equal(9000);
    expect((await loadConfig({ argv: ['--config', mounted], env: { POWGATE_DEFAULTS: image } })).listen.port).to.equal(9000);
    expect((await loadConfig({ env: { POWGATE_DEFAULTS: image, POWGATE_LISTEN: '127.0.0.1:9001' } })).listen.port).to.equal(9001);
    expect((await loadConfig({ argv: ['--listen', '127.0.0.1:9002'], env: { POWGATE_DEFAULTS: image } })).listen.port).to.equal(9002);
  });

  it('merges maps key by key with the config file', async () => {
    const defaults = file('c.yaml', 'cache: { max_entries: 5, ttl: 1h }\n');
    const config = await loadConfig({ env: { POWGATE_DEFAULTS: defaults, POWGATE_CONFIG: file('d.yaml', 'cache: { max_entries: 7 }\n') } });
    expect(config.cache.maxEntries).to.equal(7);
    expect(config.cache.ttl).to.equal(3_600_000);
  });

  it('is a configuration error when it cannot be read, and is not itself a setting', async () => {
    const missing = path.join(dir, 'nope.yaml');
    const err = await loadConfig({ env: { POWGATE_DEFAULTS: missing } }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.contain('nope.yaml');
  });
});
