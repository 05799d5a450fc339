import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { redactConfig } from '../../lib/config/index.js';
import { loadError, loadYaml } from '../config/helpers.js';

const EXAMPLE = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');

/** config.example.yaml with its commented-out hub entry (and its tier) switched on. */
function exampleWithHub(): string {
  let inBlock = false;
  return EXAMPLE.split('\n')
    .map((line) => {
      if (/^ {2}# (hub:|- backends: \[hub\])$/.test(line)) inBlock = true;
      else if (!/^ {2}# {3}/.test(line)) inBlock = false;
      return inBlock ? line.replace(/^ {2}# /, '  ') : line;
    })
    .join('\n');
}

describe('config: hub backend', () => {
  it('the commented hub entry of config.example.yaml loads once switched on', async () => {
    const config = await loadYaml(exampleWithHub(), { env: { HUB_WORKER_PASSWORD: 'w-secret-71c3' } });
    expect(config.backends.hub).to.deep.equal({
      type: 'hub',
      broker: 'embedded',
      listen: { host: '0.0.0.0', port: 1883 },
      websocketListen: { host: '0.0.0.0', port: 9001 },
      workerUsername: 'client',
      workerPassword: 'w-secret-71c3',
      workerTtl: 300_000,
      maxWorkers: 10_000,
      maxConnections: 10_000,
      heartbeatInterval: 1000,
      statisticsInterval: 300_000,
      metricsWorkers: 0,
    });
    expect(config.tiers.some((t) => t.backends.includes('hub'))).to.equal(true);
    expect(JSON.stringify(redactConfig(config))).to.not.include('w-secret-71c3');
  });

  it('defaults: the embedded broker on 127.0.0.1:1883 with the public client/client login', async () => {
    const config = await loadYaml('backends: { hub: { type: hub } }');
    expect(config.backends.hub).to.include({ broker: 'embedded', workerUsername: 'client', workerPassword: 'client' });
    expect(config.backends.hub).to.deep.include({ listen: { host: '127.0.0.1', port: 1883 } });
  });

  it('takes an external broker URL and never shows its password', async () => {
    const config = await loadYaml('backends: { hub: { type: hub, broker: "mqtts://powgate:p4ss-9e2a@broker.example:8883" } }');
    expect(config.backends.hub).to.include({ broker: 'mqtts://powgate:p4ss-9e2a@broker.example:8883' });
    expect(JSON.stringify(redactConfig(config))).to.not.include('p4ss-9e2a');
  });

  it('names the key and what was expected', async () => {
    expect((await loadError(loadYaml('backends: { hub: { type: hub, broker: "http://x" } }'))).message).to.match(
      /backends\.hub\.broker: expected a URL starting with mqtt:\/\//,
    );
    expect((await loadError(loadYaml('backends: { hub: { type: hub, username: me } }'))).message).to.match(/backends\.hub\.password: expected password too/);
    expect((await loadError(loadYaml('backends: { hub: { type: hub, listen: nowhere } }'))).message).to.match(/backends\.hub\.listen/);
    expect((await loadError(loadYaml('backends: { hub: { type: hub, worker_ttl: 10 } }'))).message).to.match(/backends\.hub\.worker_ttl/);
    expect((await loadError(loadYaml('backends: { hub: { type: hub, username: client, password: x } }'))).message).to.match(
      /backends\.hub\.username: expected a user name other than worker_username/,
    );
    expect((await loadError(loadYaml('backends: { hub: { type: hub, brokr: embedded } }'))).message).to.match(/backends\.hub/);
  });
});
